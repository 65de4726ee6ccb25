"""`madoguchi pull_submissions`: pull new applications, corrections and withdrawals from the portal into cases.

Safe to run from cron or in a loop (`--loop`): each item is applied in its own transaction together with the
stored cursor, so a crash loses nothing and a re-run duplicates nothing. In the office zone of a split deployment
it first delivers the status pushes waiting in the outbox (as `madoguchi channel_drain` does).
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.casework.channel import get_submission_source
from madoguchi.casework.http_channel import ChannelUnavailable, HttpSubmissionSource, drain_outbox
from madoguchi.casework.intake_adapter import DEFAULT_SETTLE_SECONDS, IntakeSubmissionSource
from madoguchi.casework.services import pull_submissions


class Command(BaseCommand):
    help = "Pull submissions from the portal into casework (resumable by the stored cursor; idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=50, help="items per batch (default 50)")
        parser.add_argument("--max-batches", type=int, default=None, help="stop after this many batches")
        parser.add_argument(
            "--loop", action="store_true", help="keep pulling, sleeping --interval between pulls"
        )
        parser.add_argument("--interval", type=float, default=10.0, help="seconds between pulls with --loop")
        parser.add_argument(
            "--settle-seconds",
            type=float,
            default=DEFAULT_SETTLE_SECONDS,
            help="hold back portal events younger than this (in-process source only)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = get_submission_source()
        if isinstance(source, IntakeSubmissionSource):
            source = IntakeSubmissionSource(settle_seconds=options["settle_seconds"])
        while True:
            try:
                if isinstance(source, HttpSubmissionSource):
                    drained = drain_outbox(client=source.client)
                    self.stdout.write(
                        f"status pushes: {drained.delivered} delivered, {drained.refused} refused by the portal, "
                        f"{drained.pending} pending"
                    )
                result = pull_submissions(
                    source=source, limit=options["limit"], max_batches=options["max_batches"]
                )
            except ChannelUnavailable as exc:
                # Everything applied so far is committed with its cursor; the next run resumes from there.
                if not options["loop"]:
                    raise CommandError(f"the portal did not answer: {exc}") from exc
                self.stderr.write(f"the portal did not answer ({exc}); retrying in {options['interval']} s")
                time.sleep(options["interval"])
                continue
            self.stdout.write(
                f"pulled {result.fetched} item(s): {result.created} new, {result.resubmitted} resubmitted, "
                f"{result.withdrawn} withdrawn, {result.skipped} already applied; cursor {result.cursor or '-'}"
            )
            if not options["loop"]:
                break
            try:
                time.sleep(options["interval"])
            except KeyboardInterrupt:  # Ctrl-C between pulls: every applied item is already committed
                break
