"""`madoguchi intake_purge_expired_drafts`: delete drafts past their retention date (and their uploaded files)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from madoguchi.intake.services import purge_expired_drafts


class Command(BaseCommand):
    help = "Delete unsubmitted drafts whose retention period (30 days after the last save) has ended."

    def handle(self, *args: Any, **options: Any) -> None:
        count = purge_expired_drafts()
        self.stdout.write(f"deleted {count} expired draft(s)")
