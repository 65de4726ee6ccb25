"""Loading the bundled municipality list (national reference data)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from importlib import resources
from typing import Any


def iter_municipality_rows() -> Iterator[dict[str, str]]:
    """Rows of the bundled municipalities.csv (UTF-8, header row)."""
    text = resources.files("madoguchi.core").joinpath("data/municipalities.csv").read_text(encoding="utf-8")
    yield from csv.DictReader(text.splitlines())


def load_municipalities(model: Any) -> int:
    """Insert or update every municipality; parents first so the self-reference resolves. Returns the count."""
    rows = sorted(
        iter_municipality_rows(),
        key=lambda r: (r["parent_lg_code"] != "", r["kind"] == "designated_city_ward"),
    )
    existing = set(model.objects.values_list("code", flat=True))
    count = 0
    for row in rows:
        fields = {
            "name": row["name"],
            "name_kana": row["name_kana"],
            "prefecture": row["prefecture"],
            "prefecture_code": row["pref_code"],
            "kind": row["kind"],
            "parent_id": row["parent_lg_code"] or None,
            "note": row["note"],
        }
        if row["lg_code"] in existing:
            model.objects.filter(code=row["lg_code"]).update(**fields)
        else:
            model.objects.create(code=row["lg_code"], **fields)
        count += 1
    return count
