"""Procedure catalogue (the 27 municipal priority procedures + 4 referrals) and the pure form engine.

No Django here: `madoguchi.procedures.engine` is importable from anywhere. See catalogue/SCHEMA.md.
"""
