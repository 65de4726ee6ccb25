"""`madoguchi export_residents FILE`: write the municipality's residents in the standard resident CSV layout."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any, cast

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from madoguchi.core.audit import Actor
from madoguchi.core.errors import BusinessRuleViolation
from madoguchi.core.models import Municipality
from madoguchi.registry.exporting import EXPORT_ENCODINGS, export_residents
from madoguchi.registry.models import Resident

EXPORT_ACTOR = Actor(id="system:export_residents", display="住民CSV出力")


class Command(BaseCommand):
    help = "Export residents and households as a resident CSV. The file contains 個人番号 (特定個人情報)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "file", help="path of the CSV file to write (replaced only when the export succeeds)"
        )
        parser.add_argument(
            "--municipality",
            default=getattr(settings, "MADOGUCHI_DEMO_MUNICIPALITY", "131016"),
            help="6-digit 地方公共団体コード (default: the demo municipality)",
        )
        parser.add_argument("--encoding", choices=EXPORT_ENCODINGS, default="utf-8")

    def handle(self, *args: Any, **opts: Any) -> None:
        municipality = Municipality.objects.filter(code=opts["municipality"]).first()
        if municipality is None:
            raise CommandError(f"Unknown municipality code {opts['municipality']}")
        path = Path(opts["file"])
        partial = path.with_name(path.name + ".partial")
        total = Resident.objects.filter(municipality=municipality).count()
        console = Console(file=cast(IO[str], self.stdout))
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        try:
            # 特定個人情報: readable by the owner only, from the first byte written.
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as stream, Progress(*columns, console=console) as progress:
                task = progress.add_task(f"exporting {path.name}", total=total)
                count = export_residents(
                    actor=EXPORT_ACTOR,
                    municipality=municipality,
                    stream=stream,
                    encoding=opts["encoding"],
                    on_progress=lambda n: progress.advance(task, n),
                )
            partial.replace(path)
        except BusinessRuleViolation as exc:
            partial.unlink(missing_ok=True)
            raise CommandError(f"{exc.message_ja}\n{exc.message_en}") from exc
        self.stdout.write(
            f"{municipality.name} ({municipality.code}): exported {count} residents to {path} ({opts['encoding']}); "
            "the file contains 個人番号 — handle it as 特定個人情報"
        )
