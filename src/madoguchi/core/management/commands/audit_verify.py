import sys
from typing import Any

from django.core.management.base import BaseCommand

from madoguchi.core.audit import verify_chain
from madoguchi.core.models import AuditChainHead, AuditEntry


class Command(BaseCommand):
    help = "Verify the hash-chained audit log of every municipality (or one). Exit status 1 on any break."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--municipality", help="6-digit code; default: every municipality with audit rows"
        )

    def handle(self, *args: object, **options: object) -> None:
        code = options.get("municipality")
        if code:
            codes = [str(code)]
        else:
            codes = sorted(
                set(AuditEntry.objects.values_list("municipality_id", flat=True).distinct())
                | set(AuditChainHead.objects.values_list("municipality_id", flat=True))
            )
        broken = False
        for municipality in codes:
            checked, breaks = verify_chain(municipality)
            if not breaks:
                self.stdout.write(f"OK {municipality}: {checked} rows, chain intact")
                continue
            broken = True
            for b in breaks:
                self.stdout.write(f"BROKEN {municipality}: row {b.sequence} {b.kind}: {b.detail}")
        if broken:
            sys.exit(1)
