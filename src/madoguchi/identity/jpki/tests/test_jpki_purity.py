"""The library stays pure: importing it (CLI core included) loads no Django module."""

from __future__ import annotations

import subprocess
import sys


def test_library_imports_no_django() -> None:
    code = (
        "import sys, madoguchi.identity.jpki, madoguchi.identity.jpki.cli; "
        "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')); "
        "print(loaded); sys.exit(1 if loaded else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
