"""Benchmark: resident CSV import throughput (住民記録 移行取込) against a raw bulk load of the same file.

Workload: `--residents` synthetic residents from `madoguchi.registry.demo.generate` (deterministic) written as the
standard resident CSV, imported into an empty municipality by `registry.importing.import_residents` end to end
(encoding detection, every row check, search keys, 個人番号 encryption and blind index, households, residents,
initial_registration events, audit row; one transaction).
Raw baseline in the same run, on the same database: PostgreSQL `COPY … FROM STDIN (FORMAT csv)` of the same file into
a bare table with the same columns (psycopg 3 `cursor.copy`), or on SQLite a csv.reader + `executemany` insert of the
same rows into such a table, in one transaction.

Usage: python bench/registry_import.py [--residents 100000] [--database sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
import time
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

TARGET_RATIO = 0.70
REJECTED: list[int] = []


def raw_baseline(path: Path) -> float:
    """Seconds to bulk-load the file into a bare table with the same columns (no checks, no keys, no events)."""
    from django.db import connection, transaction

    from madoguchi.registry.csv_format import COLUMNS

    names = [f"c{i}" for i in range(len(COLUMNS))]
    types = ["date" if c.kind == "date" else "text" for c in COLUMNS]
    columns_sql = ", ".join(f"{n} {t}" for n, t in zip(names, types, strict=True))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_residents")
        cursor.execute(
            f"CREATE TABLE bench_raw_residents (id bigserial primary key, {columns_sql})"
            if connection.vendor == "postgresql"
            else f"CREATE TABLE bench_raw_residents (id integer primary key, {columns_sql})"
        )
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f"COPY bench_raw_residents ({', '.join(names)}) FROM STDIN (FORMAT csv, HEADER true)"
            with path.open("rb") as handle, cursor.cursor.copy(sql) as copy:
                while block := handle.read(1 << 20):
                    copy.write(block)
        else:
            placeholders = ", ".join(["?"] * len(names))
            sql = f"INSERT INTO bench_raw_residents ({', '.join(names)}) VALUES ({placeholders})"
            raw = cursor.cursor  # the sqlite3 cursor itself: no Django placeholder translation
            with path.open(encoding="utf-8", newline="") as handle:
                reader = csv.reader(handle)
                next(reader)
                batch: list[list[str | None]] = []
                for row in reader:
                    batch.append([v or None for v in row])
                    if len(batch) == 5000:
                        raw.executemany(sql, batch)
                        batch = []
                if batch:
                    raw.executemany(sql, batch)
    elapsed = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM bench_raw_residents")
        assert cursor.fetchone()[0] > 0
        cursor.execute("DROP TABLE bench_raw_residents")
    return elapsed


def our_import(path: Path) -> tuple[float, int]:
    """Seconds and rows for `import_residents` of the file into the (empty) benchmark municipality."""
    from madoguchi.core.audit import SYSTEM
    from madoguchi.core.models import Municipality
    from madoguchi.registry.importing import import_residents

    municipality = Municipality.objects.get(code=MUNICIPALITY)
    start = time.perf_counter()
    with path.open("rb") as stream:
        report = import_residents(actor=SYSTEM, municipality=municipality, stream=stream, today=TODAY)
    elapsed = time.perf_counter() - start
    # The synthetic data may hold a handful of rows the importer rightly refuses (e.g. a child born on the reference
    # day and "removed" the day after): they are read and checked like the rest, so they count as processed rows.
    if report.rejected_rows > report.rows // 1000:
        raise SystemExit(f"benchmark file had too many rejected rows: {report.rejected[:3]}")
    REJECTED.append(report.rejected_rows)
    return elapsed, report.rows


class StageTimer:
    """Adds up the time spent in chosen functions of registry.importing (the writes, the 個人番号 encryption)."""

    def __init__(self, names: list[str]) -> None:
        from madoguchi.registry import importing

        self.module = importing
        self.seconds = dict.fromkeys(names, 0.0)
        self.originals = {name: getattr(importing, name) for name in names}
        for name, original in self.originals.items():
            setattr(importing, name, self._wrap(name, original))

    def _wrap(self, name: str, original: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - start

        return timed

    def restore(self) -> None:
        for name, original in self.originals.items():
            setattr(self.module, name, original)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=100_000, help="synthetic residents in the file")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of our import (slower)")
    args = parser.parse_args()

    with bench_database(args.database) as scratch:
        path = scratch / "residents.csv"
        started = time.perf_counter()
        rows = write_demo_csv(path, args.residents, args.seed)
        print(
            f"  generated {rows:,} rows ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s"
        )
        raw_seconds = raw_baseline(path)
        stages = StageTimer(["_insert", "encrypt_individual_number"])
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
            ours_seconds, imported = our_import(path)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
        else:
            ours_seconds, imported = our_import(path)
        stages.restore()
        db = database_info()
    assert imported == rows
    ours_rate = rows / ours_seconds
    raw_rate = rows / raw_seconds
    ratio = ours_rate / raw_rate
    baseline = (
        "PostgreSQL COPY (FORMAT csv) of the same file into a bare table"
        if db["vendor"] == "postgresql"
        else "SQLite csv.reader + executemany of the same rows into a bare table"
    )
    result = {
        "name": "registry_import",
        "unit": "rows/s",
        "figures": {
            "rows": rows,
            "import_rows_per_s": round(ours_rate),
            "import_seconds": round(ours_seconds, 2),
            "raw_rows_per_s": round(raw_rate),
            "raw_seconds": round(raw_seconds, 2),
            # Where the import's time goes: bulk writes of households + residents (12 indexes) + events (JSON state),
            # and Fernet encryption of the 個人番号; the rest is reading, checking and preparing rows in Python.
            "stage_seconds": {
                "database_writes": round(stages.seconds["_insert"], 2),
                "individual_number_encryption": round(stages.seconds["encrypt_individual_number"], 2),
            },
        },
        "ratio": round(ratio, 3),
        "target_ratio": TARGET_RATIO,
        "meets_target": ratio >= TARGET_RATIO,
        "baseline": baseline,
        "workload": {
            "residents": args.residents,
            "rows": rows,
            "rejected_rows": REJECTED[0] if REJECTED else 0,
            "seed": args.seed,
            "transactions": 1,
            "encoding": "utf-8",
        },
        "machine": machine(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": python_version(),
        "database": db,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "registry_import.json").write_text(
        json.dumps(result, indent=2, ensure_ascii=False) + "\n", "utf-8"
    )
    print(
        f"  our import: {rows:,} rows in {ours_seconds:.1f} s; raw: {raw_seconds:.1f} s ({db['vendor']} {db['version']})"
    )
    print(
        f"  of which database writes {stages.seconds['_insert']:.1f} s, "
        f"個人番号 encryption {stages.seconds['encrypt_individual_number']:.1f} s"
    )
    print(
        f"bench registry_import: {ours_rate:,.0f} rows/s, {ratio:.3f} of raw {raw_rate:,.0f} rows/s ({baseline})"
    )


if __name__ == "__main__":
    main()
