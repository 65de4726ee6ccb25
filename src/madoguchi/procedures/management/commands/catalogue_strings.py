"""List the Japanese source texts of the procedure catalogue, for translators (overlay files catalogue/i18n/)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from madoguchi.procedures.engine import get_catalogue
from madoguchi.procedures.i18n import (
    EASY_JAPANESE,
    SOURCE_LANGUAGE,
    catalogue_language,
    missing_strings,
    overlay_path,
    source_strings,
)
from madoguchi.procedures.schema import CatalogueError


class Command(BaseCommand):
    # Translators run this while an overlay may still be wrong: it reports overlay problems itself.
    requires_system_checks: list[str] = []
    help = (
        "List the catalogue's Japanese source texts (the keys of catalogue/i18n/<language>.json). "
        "--scope claimed: the procedure pages and the main-journey forms; --missing --lang X: the claimed texts "
        "that X's overlay does not translate yet."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--scope",
            choices=("all", "claimed"),
            default=None,
            help="which texts (default: all; claimed with --missing)",
        )
        parser.add_argument(
            "--lang", default=None, help="language code of an overlay (zh-hans, ko, vi, pt-br …)"
        )
        parser.add_argument(
            "--missing", action="store_true", help="only the texts the --lang overlay does not translate"
        )
        parser.add_argument(
            "--format",
            choices=("json", "lines"),
            default="lines",
            help="a JSON array, or one text per line (default; texts with a line break are JSON-quoted)",
        )

    def handle(self, *args: object, **options: Any) -> None:
        lang = options["lang"]
        if options["missing"] and not lang:
            raise CommandError("--missing needs --lang (the overlay to compare with)")
        if lang is not None:
            try:
                overlay_path(lang)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            if catalogue_language(lang) in (SOURCE_LANGUAGE, "en"):
                raise CommandError(
                    f"{lang}: Japanese and English are in the catalogue itself (no overlay); "
                    f"overlays are for {EASY_JAPANESE} and the other portal languages"
                )
        scope = options["scope"] or ("claimed" if options["missing"] else "all")
        catalogue = get_catalogue()
        try:
            if options["missing"]:
                texts = missing_strings(catalogue, lang, scope)
            else:
                texts = source_strings(catalogue, scope)
        except CatalogueError as exc:
            for problem in exc.problems:
                self.stderr.write(problem)
            raise CommandError("the overlay is invalid") from exc
        if options["format"] == "json":
            self.stdout.write(json.dumps(texts, ensure_ascii=False, indent=2))
            return
        for text in texts:
            self.stdout.write(
                json.dumps(text, ensure_ascii=False) if "\n" in text or text != text.strip() else text
            )
