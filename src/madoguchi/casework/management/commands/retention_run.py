"""`madoguchi retention_run [--dry-run] [--municipality CODE]`: archive closed cases not yet archived and list the
cases past their retention period.

It never disposes of a case: disposal is a proposal and another person's approval on the office page
「保存期間と廃棄」. With `--dry-run` nothing is written; the command only says what it would archive and what is due.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from madoguchi.casework.retention import run_retention


class Command(BaseCommand):
    help = "Archive closed cases and list cases past their retention period (--dry-run: write nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="list only; archive nothing")
        parser.add_argument("--municipality", default=None, help="only this municipality (6-digit code)")

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = bool(options["dry_run"])
        result = run_retention(dry_run=dry_run, municipality_code=options["municipality"])
        verb = "would archive" if dry_run else "archived"
        count = len(result.to_archive) if dry_run else result.archived
        self.stdout.write(f"{verb} {count} closed case(s)")
        for case in result.to_archive if dry_run else []:
            self.stdout.write(f"  archive {case.municipality_id} {case.receipt_number} {case.procedure_code}")
        self.stdout.write(
            f"due for disposal: {len(result.due)} case(s) (dispose only through an approved proposal)"
        )
        for archive in result.due:
            self.stdout.write(
                f"  due {archive.municipality_id} {archive.case.receipt_number} {archive.case.procedure_code} "
                f"closed {archive.closed_on.isoformat()} retention {archive.retention_years}y "
                f"({archive.retention_source}) disposable from {archive.dispose_after.isoformat()}"
            )
