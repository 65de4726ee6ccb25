"""`madoguchi apply_move_outs`: remove the records whose planned 転出 date has come (run daily, e.g. from cron)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from madoguchi.core.audit import Actor
from madoguchi.registry.services import apply_due_move_outs

JOB_ACTOR = Actor(id="system:apply_move_outs", display="転出予定日の到来処理")


class Command(BaseCommand):
    help = (
        "Bring records with a planned move-out (転出予定日) on or before today up to date (safe to re-run)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--today", help="reference date YYYY-MM-DD (default: today)")

    def handle(self, *args: Any, **opts: Any) -> None:
        today = dt.date.fromisoformat(opts["today"]) if opts["today"] else timezone.localdate()
        count = apply_due_move_outs(today=today, actor=JOB_ACTOR)
        self.stdout.write(self.style.SUCCESS(f"{today.isoformat()}: {count} record(s) brought up to date"))
