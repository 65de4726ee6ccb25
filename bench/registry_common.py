"""Shared set-up for the registry benchmarks (registry_import.py, registry_search.py); not a benchmark itself.

Each benchmark gets a database of its own: a SQLite file in a temporary directory, or a temporary database on the
local PostgreSQL server (postgresql://postgres@localhost/, trust auth) that is dropped at the end.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import shutil
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PG_SERVER = os.environ.get("MADOGUCHI_BENCH_PG", "postgresql://postgres@localhost")
TODAY = dt.date(2026, 11, 1)  # fixed so that the generated people (and their ages) are the same on every run
MUNICIPALITY = "131016"


@contextmanager
def bench_database(kind: str) -> Iterator[Path]:
    """Configure Django on a fresh database of `kind` (sqlite | postgresql), migrate it, yield a scratch dir."""
    scratch = Path(tempfile.mkdtemp(prefix="madoguchi-bench-"))
    pg_name = ""
    os.environ["MADOGUCHI_DATA_DIR"] = str(scratch)
    os.environ["DJANGO_SETTINGS_MODULE"] = "madoguchi.settings.dev"
    if kind == "postgresql":
        import psycopg

        pg_name = f"madoguchi_bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{pg_name}"')
        os.environ["DATABASE_URL"] = f"{PG_SERVER}/{pg_name}"
    elif kind == "sqlite":
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch / 'bench.sqlite3'}"
    else:
        raise SystemExit(f"unknown database {kind!r}")
    try:
        import django
        from django.conf import settings

        django.setup()
        settings.DEBUG = (
            False  # no query log: the benchmark measures the code, not Django's debug bookkeeping
        )
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        yield scratch
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:
            pass
        if pg_name and os.environ.get("MADOGUCHI_BENCH_KEEP"):
            print(f"  kept database {pg_name} (MADOGUCHI_BENCH_KEEP; drop it when done)")
        elif pg_name:
            import psycopg

            with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        shutil.rmtree(scratch, ignore_errors=True)


def write_demo_csv(path: Path, residents: int, seed: int = 1) -> int:
    """The deterministic synthetic residents as a resident CSV (UTF-8); returns the number of rows."""
    from madoguchi.registry.csv_format import spec_rows, write_csv
    from madoguchi.registry.demo import generate

    households = generate(municipality_code=MUNICIPALITY, count=residents, seed=seed, today=TODAY)
    with path.open("wb") as stream:
        return write_csv(spec_rows(households, prefecture="東京都", city="千代田区"), stream)


def machine() -> dict[str, Any]:
    """What ran the benchmark."""
    return {"processor": platform.processor(), "uname": " ".join(platform.uname()), "cpus": os.cpu_count()}


def database_info() -> dict[str, str]:
    """Vendor and server version of the default connection."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT sqlite_version()")
        version = str(cursor.fetchone()[0])
    return {"vendor": connection.vendor, "version": version}


def python_version() -> str:
    return sys.version.split()[0]


if __name__ == "__main__":
    print(
        "registry_common: helpers for bench/registry_import.py and bench/registry_search.py (nothing to run)"
    )
