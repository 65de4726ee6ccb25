"""`madoguchi channel_drain`: deliver the status pushes waiting in the office's outbox to the portal, in order.

For the office zone of a split deployment (the portal's internal API). Safe to run at any time and from cron: each
push carries its event id, so one the portal already applied (the answer was lost) is answered again, not applied
twice. `madoguchi pull_submissions` drains too.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from madoguchi.casework.http_channel import drain_outbox


class Command(BaseCommand):
    help = "Deliver queued status changes to the portal (split deployment; idempotent by event id)."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = drain_outbox()
        except RuntimeError as exc:  # not configured
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"status pushes: {result.delivered} delivered, {result.refused} refused by the portal, "
            f"{result.pending} pending"
        )
        if result.error:
            raise CommandError(
                f"the portal did not answer: {result.error} ({result.pending} left in the outbox)"
            )
