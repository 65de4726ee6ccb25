"""`madoguchi documents_init_signing_key --municipality CODE`: create (or show) a TEST document-signing identity."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives import hashes
from django.core.management.base import BaseCommand, CommandError

from madoguchi.common.checkdigits import is_valid_local_government_code
from madoguchi.core.models import Municipality
from madoguchi.documents.keys import get_signing_identity, key_directory


class Command(BaseCommand):
    help = (
        "Create the TEST document-signing CA and certificate of a municipality under MADOGUCHI_DOCUMENT_KEY_DIR "
        "(kept if already there) and print the certificate subject and the trust root fingerprint."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--municipality", required=True, help="6-digit 地方公共団体コード, e.g. 131016")

    def handle(self, *args: Any, **options: Any) -> None:
        code = str(options["municipality"])
        if not is_valid_local_government_code(code):
            raise CommandError(f"{code} is not a valid 6-digit local government code (check digit)")
        municipality = Municipality.objects.filter(code=code).first()
        if municipality is None:
            raise CommandError(f"no municipality with code {code} (run load_municipalities first)")
        identity = get_signing_identity(municipality)
        self.stdout.write(f"directory:   {key_directory(code)}")
        self.stdout.write(f"signer:      {identity.subject}")
        self.stdout.write(f"valid until: {identity.certificate.not_valid_after_utc:%Y-%m-%d}")
        if identity.trust_root is not None:
            fingerprint = identity.trust_root.fingerprint(hashes.SHA256()).hex(":").upper()
            self.stdout.write(f"trust root:  {identity.trust_root.subject.rfc4514_string()}")
            self.stdout.write(f"SHA-256:     {fingerprint}")
