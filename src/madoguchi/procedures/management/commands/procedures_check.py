"""Validate the packaged procedure catalogue with the engine's validator; exit non-zero when it is malformed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from madoguchi.procedures.schema import CatalogueError, load_catalogue


class Command(BaseCommand):
    help = "Validate the procedure catalogue (JSON definitions, forms, conditions, referrals)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--path", default=None, help="catalogue directory to check (default: the packaged catalogue)"
        )

    def handle(self, *args: object, **options: Any) -> None:
        try:
            catalogue = load_catalogue(options["path"])
        except CatalogueError as exc:
            for problem in exc.problems:
                self.stderr.write(problem)
            raise CommandError(f"procedure catalogue is invalid: {len(exc.problems)} problem(s)") from exc
        forms = sum(1 + len(p.previous_forms) for p in catalogue)
        self.stdout.write(
            f"procedure catalogue {catalogue.version}: {len(catalogue)} procedures, {forms} form version(s), "
            f"{len(catalogue.referrals)} referrals — OK"
        )
