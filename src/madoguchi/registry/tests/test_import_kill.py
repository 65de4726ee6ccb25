"""A kill -9 in the middle of `madoguchi import_residents` leaves the database as it was before the transaction.

The command runs in a subprocess against its own SQLite file (WAL, as in the demo settings); the test watches the
file from outside with the sqlite3 module and kills the process with SIGKILL while it is inside a transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from madoguchi.registry.csv_format import spec_rows, write_csv
from madoguchi.registry.demo import generate

ROWS = 30_000
MADOGUCHI = [sys.executable, "-m", "madoguchi.manage"]


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "madoguchi.settings.dev",
            "MADOGUCHI_DATA_DIR": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'kill.sqlite3'}",
        }
    )
    return env


def _counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db, timeout=30) as conn:
        return {
            table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608 - fixed names
            for table in ("registry_resident", "registry_household", "registry_registryevent")
        }


def _import_audits(db: Path) -> list[dict[str, int]]:
    with sqlite3.connect(db, timeout=30) as conn:
        rows = conn.execute(
            "SELECT after FROM core_auditentry WHERE action = 'import_residents' ORDER BY sequence"
        ).fetchall()
    return [json.loads(r[0]) for r in rows]


def _writer_active(db: Path) -> bool:
    """True while another connection holds the write lock (the importer's open transaction)."""
    conn = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        conn.close()


def _kill(process: subprocess.Popen[bytes]) -> None:
    assert process.poll() is None, "the import finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


def test_kill_9_mid_import_rolls_back_the_open_transaction(tmp_path: Path) -> None:
    env = _env(tmp_path)
    db = tmp_path / "kill.sqlite3"
    subprocess.run([*MADOGUCHI, "migrate", "-v0"], env=env, check=True, timeout=300)
    households = generate(municipality_code="131016", count=ROWS, seed=11, today=dt.date(2026, 11, 1))
    source = tmp_path / "residents.csv"
    with source.open("wb") as handle:
        rows = write_csv(spec_rows(households, prefecture="東京都", city="千代田区"), handle)

    # 1. Whole file in one transaction: killed while it holds the write lock → nothing at all was imported.
    process = subprocess.Popen(
        [*MADOGUCHI, "import_residents", str(source)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not _writer_active(db):
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(1.0)  # let it write a few chunks inside the transaction
    _kill(process)
    assert _counts(db) == {"registry_resident": 0, "registry_household": 0, "registry_registryevent": 0}
    assert _import_audits(db) == []
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    # 2. Declared batches: killed after at least one batch committed → exactly the committed batches are there,
    #    each complete (residents, their events, whole households with their head).
    process = subprocess.Popen(
        [*MADOGUCHI, "import_residents", str(source), "--batch-size", "4000"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not _import_audits(db):
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        assert time.monotonic() < deadline
        time.sleep(0.02)
    _kill(process)
    committed = sum(a["residents"] for a in _import_audits(db))
    counts = _counts(db)
    assert 4000 <= committed < rows
    assert counts["registry_resident"] == committed
    assert counts["registry_registryevent"] == committed
    with sqlite3.connect(db) as conn:
        headless = conn.execute(
            "SELECT COUNT(*) FROM registry_household h WHERE "
            "(SELECT COUNT(*) FROM registry_resident r WHERE r.household_id = h.id AND r.is_head) != 1"
        ).fetchone()[0]
    assert headless == 0

    # 3. Running the same file again finishes the job: rows already there are reported as duplicates.
    done = subprocess.run(
        [*MADOGUCHI, "import_residents", str(source), "--batch-size", "4000"],
        env=env,
        capture_output=True,
        timeout=600,
        check=True,
    )
    assert f"{committed} rows rejected" in done.stdout.decode()
    assert _counts(db)["registry_resident"] == rows
