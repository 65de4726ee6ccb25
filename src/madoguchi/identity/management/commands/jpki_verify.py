"""`madoguchi jpki_verify`: verify a JPKI signature/authentication from files and print the verdict as JSON.

Exit status 0 valid, 1 not valid, 2 unusable input. Default trust (when no --anchor is given): the anchors and
CRLs in settings.MADOGUCHI_JPKI_DIR (anchors/, trust.json, crl/*.crl), if that directory exists.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from madoguchi.identity.jpki.cli import add_verify_arguments, run_verify_cli
from madoguchi.identity.jpki.trust import AnchorError, TrustStore


def default_jpki_material() -> tuple[TrustStore | None, list[bytes]]:
    """Trust store and CRLs from settings.MADOGUCHI_JPKI_DIR, or (None, []) when it is absent or unusable."""
    configured = getattr(settings, "MADOGUCHI_JPKI_DIR", None)
    if configured is None:
        return None, []
    directory = Path(configured)
    if not directory.is_dir():
        return None, []
    try:
        trust = TrustStore.from_directory(directory)
    except (AnchorError, ValueError, OSError):
        trust = None
    crl_dir = directory / "crl"
    crls = [path.read_bytes() for path in sorted(crl_dir.glob("*.crl"))] if crl_dir.is_dir() else []
    return trust, crls


def options_to_argv(options: dict[str, Any]) -> list[str]:
    """Rebuild jpki_verify arguments from parsed options (call_command path)."""
    argv: list[str] = []
    for name in ("purpose", "cert", "data", "signature", "at"):
        if options.get(name) is not None:
            argv += [f"--{name}", str(options[name])]
    for name in ("anchor", "crl", "policy"):
        for value in options.get(name) or []:
            argv += [f"--{name}", str(value)]
    return argv


class Command(BaseCommand):
    help = "Verify a JPKI signature (--purpose sign) or authentication (--purpose auth); prints JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        add_verify_arguments(parser)

    def run_from_argv(self, argv: list[str]) -> None:
        # Parse our own arguments so that bad input gets exit status 2 with a JSON body, not Django's usage text.
        if any(arg in ("-h", "--help") for arg in argv[2:]):
            super().run_from_argv(argv)
            return
        self._finish(argv[2:])

    def handle(self, *args: str, **options: Any) -> None:
        self._finish(options_to_argv(options))

    def _finish(self, argv: list[str]) -> None:
        trust, crls = default_jpki_material()
        code, result = run_verify_cli(argv, default_trust=trust, default_crls=crls)
        self.stdout.write(json.dumps(result, ensure_ascii=False))
        sys.exit(code)
