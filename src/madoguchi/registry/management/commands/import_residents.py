"""`madoguchi import_residents FILE`: load the standard resident CSV (docs/formats/residents-csv.md)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import IO, Any, cast

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from madoguchi.core.audit import Actor
from madoguchi.core.errors import BusinessRuleViolation
from madoguchi.core.models import Municipality
from madoguchi.registry.importing import import_residents
from madoguchi.registry.services import ANALYZE_AFTER_ROWS, refresh_planner_statistics

IMPORT_ACTOR = Actor(id="system:import_residents", display="住民CSV取込")
SHOWN_REJECTS = 30


def count_data_lines(path: Path) -> int:
    """Lines after the header (a fast byte count; quoted newlines make it an upper bound)."""
    lines = 0
    last = b"\n"
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    if last != b"\n":
        lines += 1
    return max(0, lines - 1)


class Command(BaseCommand):
    help = "Import residents and households from a resident CSV (UTF-8, UTF-8 with BOM or Shift_JIS/cp932)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="path of the CSV file")
        parser.add_argument(
            "--municipality",
            default=getattr(settings, "MADOGUCHI_DEMO_MUNICIPALITY", "131016"),
            help="6-digit 地方公共団体コード to import into (default: the demo municipality)",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=None,
            help="commit every N rows (whole households) instead of the whole file in one transaction",
        )
        parser.add_argument("--dry-run", action="store_true", help="check everything, write nothing")
        parser.add_argument("--report", help="write the rejected rows to this CSV file (UTF-8 with BOM)")

    def handle(self, *args: Any, **opts: Any) -> None:
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        municipality = Municipality.objects.filter(code=opts["municipality"]).first()
        if municipality is None:
            raise CommandError(f"Unknown municipality code {opts['municipality']}")
        if opts["batch_size"] is not None and opts["batch_size"] < 1:
            raise CommandError("--batch-size must be a positive number of rows")
        console = Console(file=cast(IO[str], self.stdout), stderr=False)
        total = count_data_lines(path)
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
        )
        label = "checking" if opts["dry_run"] else "importing"
        try:
            with path.open("rb") as stream, Progress(*columns, console=console, transient=False) as progress:
                task = progress.add_task(f"{label} {path.name}", total=total)
                report = import_residents(
                    actor=IMPORT_ACTOR,
                    municipality=municipality,
                    stream=stream,
                    batch_size=opts["batch_size"],
                    dry_run=opts["dry_run"],
                    on_progress=lambda n: progress.advance(task, n),
                    source_name=path.name,
                )
                progress.update(task, completed=report.rows, total=report.rows)
        except BusinessRuleViolation as exc:
            raise CommandError(f"{exc.message_ja}\n{exc.message_en}") from exc

        if report.rejected:
            table = Table(title=f"取り込まなかった行 / rejected rows ({report.rejected_rows})")
            for name in ("行 line", "列 column", "理由", "reason"):
                table.add_column(name, overflow="fold")
            for error in report.rejected[:SHOWN_REJECTS]:
                table.add_row(str(error.line), error.column, error.message_ja, error.message_en)
            console.print(table)
            if len(report.rejected) > SHOWN_REJECTS:
                console.print(f"… {len(report.rejected) - SHOWN_REJECTS} more (use --report FILE for all)")
        if opts["report"]:
            with open(opts["report"], "w", encoding="utf-8-sig", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(["行", "列", "コード", "理由", "reason"])
                for error in report.rejected:
                    writer.writerow(
                        [error.line, error.column, error.code, error.message_ja, error.message_en]
                    )
        if not report.dry_run and report.imported >= ANALYZE_AFTER_ROWS:
            refresh_planner_statistics()
            self.stdout.write("planner statistics updated (ANALYZE)")
        verb = "would import" if report.dry_run else "imported"
        self.stdout.write(
            f"{municipality.name} ({municipality.code}): {verb} {report.imported} residents in "
            f"{report.households} households from {report.rows} rows ({report.encoding}); "
            f"{report.rejected_rows} rows rejected; {report.batches} transaction(s) committed"
        )
