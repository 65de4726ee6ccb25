# Shared fixtures live in the package so both src/ tests and tests/browser use them.
pytest_plugins = ["madoguchi.testing"]
