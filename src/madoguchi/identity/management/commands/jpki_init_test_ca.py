"""`madoguchi jpki_init_test_ca`: create the TEST JPKI CA in settings.MADOGUCHI_JPKI_DIR (idempotent).

Does nothing if a test CA is already there, unless --force (which replaces only the CA's own files).
--refresh-crls republishes the CRLs of an existing CA (test CRLs are valid for a week).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.identity.jpki.ca import TestCa, init_test_ca


class Command(BaseCommand):
    help = "Create the TEST JPKI CA (two root generations per purpose, CRLs) in MADOGUCHI_JPKI_DIR."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="replace an existing test CA")
        parser.add_argument("--refresh-crls", action="store_true", help="republish CRLs of the existing CA")

    def handle(self, *args: str, **options: Any) -> None:
        configured = getattr(settings, "MADOGUCHI_JPKI_DIR", None)
        if configured is None:
            raise CommandError("settings.MADOGUCHI_JPKI_DIR is not set")
        directory = Path(configured)
        now = dt.datetime.now(dt.UTC)
        if TestCa.exists_in(directory) and not options["force"]:
            if options["refresh_crls"]:
                paths = TestCa.load(directory).publish_crls(now=now)
                self.stdout.write(f"Republished {len(paths)} CRLs in {directory / 'crl'}")
            else:
                self.stdout.write(f"Test CA already present in {directory}; nothing to do (use --force).")
            return
        ca = init_test_ca(directory, now=now, overwrite=bool(options["force"]))
        for purpose in ("sign", "auth"):
            for generation in ca.generations(purpose):
                self.stdout.write(
                    f"{purpose} {generation.label}: serial {generation.serial} sha256 {generation.fingerprint}"
                )
        self.stdout.write(self.style.SUCCESS(f"Test CA created in {directory} (TEST keys, unencrypted PEM)."))
