"""`madoguchi child_allowance_review [--municipality CODE] [--on DATE]`: raise 児童手当 change proposals.

Looks at every certified recipient against the resident registry (出生・転出・死亡) and the age rules, and writes a
proposal for each change not proposed before (re-running never duplicates one). Nothing about a recipient changes
until a clerk approves the proposal on the office page 「児童手当の変更の提案」.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.benefits.child_allowance_review import run_child_allowance_review
from madoguchi.core.models import Municipality


class Command(BaseCommand):
    help = "Raise child allowance change proposals from registry events and age transitions (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", default=None, help="only this municipality (6-digit code)")
        parser.add_argument("--on", default=None, help="review as of this date (YYYY-MM-DD; default today)")

    def handle(self, *args: Any, **options: Any) -> None:
        code = options["municipality"]
        if code is not None and not Municipality.objects.filter(code=code).exists():
            raise CommandError(f"--municipality: unknown municipality code {code!r}")
        on = None
        if options["on"]:
            try:
                on = dt.date.fromisoformat(options["on"])
            except ValueError:
                raise CommandError(f"--on: not a date (YYYY-MM-DD): {options['on']!r}") from None
        result = run_child_allowance_review(municipality_code=code, on=on)
        self.stdout.write(
            f"reviewed {result.recipients} recipient(s) as of {result.on.isoformat()}: "
            f"{len(result.created)} new proposal(s)"
        )
        for p in result.created:
            self.stdout.write(
                f"  {p.municipality_id} {p.recipient.certification_number} {p.kind} "
                f"from {p.effective_month:%Y-%m} {p.old_total_yen} -> {p.new_total_yen} yen ({p.source_key})"
            )
