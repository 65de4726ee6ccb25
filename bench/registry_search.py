"""Benchmark: resident search latency (p50/p95) on a municipality of `--residents` residents.

Workload: the deterministic synthetic residents (`registry.demo.generate`) loaded through the bulk import path, then
a realistic query mix through `registry.selectors.search_residents` as a counter clerk would type it: kanji surname
(+ first character of the given name), kana prefix, 異体字 variant of the surname (髙橋 for 高橋 …), half-width kana,
birth date, address (町字 + 丁目), 住民票コード. Each query is timed end to end (key folding, SQL, model rows).
Raw baseline in the same run: the same lookups as bare SQL on the same indexes (keys precomputed, rows as tuples).

Usage: python bench/registry_search.py [--residents 1000000] [--database sqlite|postgresql] [--queries 600]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from registry_common import (
    MUNICIPALITY,
    RESULTS,
    TODAY,
    bench_database,
    database_info,
    machine,
    python_version,
    write_demo_csv,
)

TARGET_P95_MS = 100.0
CATEGORIES = ["kanji", "kana", "variant", "halfwidth", "birth_date", "address", "record_code"]
VARIANTS = {
    "高": "髙",
    "崎": "﨑",
    "辺": "邊",
    "斎": "齋",
    "沢": "澤",
    "浜": "濱",
    "島": "嶋",
    "橋": "槗",
    "吉": "𠮷",
}


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def build_queries(count: int, seed: int) -> list[tuple[str, dict[str, Any], tuple[str, list[Any], str]]]:
    """(category, search_residents kwargs, (raw SQL kind, params, key)) drawn from real rows of the database."""
    from madoguchi.common.kana import to_halfwidth_katakana
    from madoguchi.registry.models import Resident

    rng = random.Random(seed)
    current = Resident.objects.filter(municipality_id=MUNICIPALITY, status="current")
    ids = list(current.order_by("id").values_list("id", flat=True))
    picks = [rng.randrange(len(ids)) for _ in range(count)]
    people = Resident.objects.in_bulk([ids[i] for i in picks])
    chosen = [people[ids[i]] for i in picks]
    queries: list[tuple[str, dict[str, Any], tuple[str, list[Any], str]]] = []
    for n, r in enumerate(chosen):
        category = CATEGORIES[n % len(CATEGORIES)]
        if category == "kanji":
            text = r.family_name + (r.given_name[:1] if rng.random() < 0.5 else "")
            queries.append((category, {"name": text}, ("name", [], r.name_search_key[: len(text)])))
        elif category == "kana":
            text = r.family_name_kana + "　" + r.given_name_kana[:2]
            key = r.kana_search_key[: len(r.family_name_kana) + 2]
            queries.append((category, {"name": text}, ("kana", [], key)))
        elif category == "variant":
            text = "".join(VARIANTS.get(ch, ch) for ch in r.family_name)
            queries.append((category, {"name": text}, ("name", [], r.name_search_key[: len(r.family_name)])))
        elif category == "halfwidth":
            text = to_halfwidth_katakana(r.family_name_kana)
            queries.append(
                (category, {"name": text}, ("kana", [], r.kana_search_key[: len(r.family_name_kana)]))
            )
        elif category == "birth_date":
            queries.append((category, {"birth_date": r.birth_date}, ("birth_date", [r.birth_date], "")))
        elif category == "address":
            chome = r.block_number.split("丁目")[0] + "丁目" if "丁目" in r.block_number else ""
            queries.append((category, {"address": r.machiaza + chome}, ("address", [r.machiaza], chome)))
        else:
            queries.append(
                (
                    category,
                    {"resident_record_code": r.resident_record_code},
                    ("code", [r.resident_record_code], ""),
                )
            )
    return queries


def raw_runner() -> Callable[[tuple[str, list[Any], str]], int]:
    """Bare SQL for each lookup on the same indexes, same filters, order and limit; returns the row count."""
    from django.db import connection

    pg = connection.vendor == "postgresql"
    order = " ORDER BY kana_search_key, birth_date, id LIMIT 50"
    base = "SELECT * FROM registry_resident WHERE municipality_id = %s AND status = 'current' AND "

    def prefix(column: str) -> str:
        return f"{column} LIKE %s" if pg else f"{column} >= %s AND {column} < %s"

    def prefix_params(key: str) -> list[str]:
        return [key + "%"] if pg else [key, key + "\U0010ffff"]

    sql = {
        "name": base + prefix("name_search_key") + order,
        "kana": base + prefix("kana_search_key") + order,
        "birth_date": base + "birth_date = %s" + order,
        "address": base + "machiaza = %s AND " + prefix("block_number") + order,
        "code": base + "resident_record_code = %s" + order,
    }

    def run(spec: tuple[str, list[Any], str]) -> int:
        kind, params, key = spec
        values: list[Any] = [MUNICIPALITY, *params]
        if kind in ("name", "kana", "address"):
            values += prefix_params(key)
        with connection.cursor() as cursor:
            cursor.execute(sql[kind], values)
            return len(cursor.fetchall())

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--queries", type=int, default=700, help="queries in the timed mix")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    with bench_database(args.database) as scratch:
        from madoguchi.core.audit import SYSTEM
        from madoguchi.core.models import Municipality
        from madoguchi.core.services import create_staff_user
        from madoguchi.registry.importing import import_residents
        from madoguchi.registry.selectors import search_residents

        path = scratch / "residents.csv"
        rows = write_demo_csv(path, args.residents, args.seed)
        municipality = Municipality.objects.get(code=MUNICIPALITY)
        started = time.perf_counter()
        with path.open("rb") as stream:
            report = import_residents(actor=SYSTEM, municipality=municipality, stream=stream, today=TODAY)
        load_seconds = time.perf_counter() - started
        print(f"  loaded {report.imported:,} residents in {load_seconds:.1f} s")
        from django.db import connection

        with connection.cursor() as cursor:
            # What autovacuum (or the DBA) does after a bulk load: statistics, and on PostgreSQL the visibility map
            # that lets the covering indexes answer without visiting the table.
            cursor.execute(
                "VACUUM ANALYZE registry_resident" if connection.vendor == "postgresql" else "ANALYZE"
            )
        clerk, _device = create_staff_user(
            actor=SYSTEM,
            municipality=municipality,
            username="bench-clerk",
            password="bench-only-password-0",
            role="counter_clerk",
            last_name="計測",
            first_name="職員",
        )
        queries = build_queries(args.queries, args.seed)
        raw = raw_runner()
        for _category, kwargs, spec in queries:  # warm the caches once, both ways, and check both agree
            ours = search_residents(actor=clerk, **kwargs)
            assert ours, (kwargs, "the query mix only asks for people who exist")
            assert raw(spec) >= 1
        ours_ms: dict[str, list[float]] = defaultdict(list)
        raw_ms: dict[str, list[float]] = defaultdict(list)
        for category, kwargs, spec in queries:
            start = time.perf_counter()
            search_residents(actor=clerk, **kwargs)
            ours_ms[category].append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            raw(spec)
            raw_ms[category].append((time.perf_counter() - start) * 1000)
        db = database_info()
    every = [v for values in ours_ms.values() for v in values]
    every_raw = [v for values in raw_ms.values() for v in values]
    p50, p95 = statistics.median(every), percentile(every, 95)
    raw_p50, raw_p95 = statistics.median(every_raw), percentile(every_raw, 95)
    ratio = raw_p95 / p95
    per_category = {
        c: {
            "p50_ms": round(statistics.median(ours_ms[c]), 2),
            "p95_ms": round(percentile(ours_ms[c], 95), 2),
            "raw_p95_ms": round(percentile(raw_ms[c], 95), 2),
            "queries": len(ours_ms[c]),
        }
        for c in CATEGORIES
    }
    result = {
        "name": "registry_search",
        "unit": "ms (p95 latency)",
        "figures": {
            "residents": rows,
            "p50_ms": round(p50, 2),
            "p95_ms": round(p95, 2),
            "raw_p50_ms": round(raw_p50, 2),
            "raw_p95_ms": round(raw_p95, 2),
            "load_seconds": round(load_seconds, 1),
            "per_category": per_category,
        },
        "ratio": round(ratio, 3),
        "ratio_meaning": "raw p95 / our p95 (1.0 = as fast as bare SQL)",
        "target_p95_ms": TARGET_P95_MS,
        "meets_target": p95 < TARGET_P95_MS,
        "baseline": "the same lookups as bare SQL on the same indexes (keys precomputed, tuples)",
        "workload": {"residents": args.residents, "queries": len(queries), "seed": args.seed, "limit": 50},
        "machine": machine(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": python_version(),
        "database": db,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "registry_search.json").write_text(
        json.dumps(result, indent=2, ensure_ascii=False) + "\n", "utf-8"
    )
    for c in CATEGORIES:
        s = per_category[c]
        print(
            f"  {c:<11} p50 {s['p50_ms']:7.2f} ms  p95 {s['p95_ms']:7.2f} ms  (raw p95 {s['raw_p95_ms']:7.2f} ms)"
        )
    print(
        f"bench registry_search: p95 {p95:.1f} ms (p50 {p50:.1f} ms) on {rows:,} residents, {ratio:.3f} of raw "
        f"p95 {raw_p95:.1f} ms (bare SQL on the same indexes; {db['vendor']})"
    )


if __name__ == "__main__":
    main()
