"""Zone channel over HTTP with real processes: a portal server (MADOGUCHI_ZONE=portal) and the office's pull and
drain commands (MADOGUCHI_ZONE=office) on the test database, each killed with SIGKILL mid-transfer and restarted.

Whatever is killed and wherever: every submission becomes exactly one case, and every status push reaches the
resident's timeline exactly once (at-least-once delivery, idempotent on both sides). See channel_harness.py.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction

from madoguchi.casework.channel import get_status_sink
from madoguchi.casework.models import Case, CaseEvent, CaseEventKind, OutboxState, StatusOutbox
from madoguchi.intake.models import ApplicationStatusEvent, ChannelStatusDelivery
from madoguchi.intake.tests.channel_seed import seed_counter_applications

pytestmark = pytest.mark.django_db(transaction=True)

KEY = "channel-test-key-0123456789abcdefghijklmnopqrstuvwxyz"
HARNESS = "madoguchi.casework.tests.channel_harness"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    user = quote(db["USER"] or "")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    return f"postgresql://{user}{password}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


class Processes:
    """Starts the harness processes and kills what is left at the end."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.port = _free_port()
        self.started: list[subprocess.Popen[bytes]] = []
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "madoguchi.settings.test",
            "DATABASE_URL": _database_url(),
            "MADOGUCHI_TEST_DATA_DIR": str(django_settings.MADOGUCHI_DATA_DIR),
            "MADOGUCHI_CHANNEL_KEY": KEY,
            "MADOGUCHI_CHANNEL_CLIENT_ID": "office",
            "MADOGUCHI_CHANNEL_SETTLE_SECONDS": "0",
            "MADOGUCHI_PORTAL_INTERNAL_URL": f"http://127.0.0.1:{self.port}",
            "MADOGUCHI_CHANNEL_RETRIES": "1",
            "MADOGUCHI_CHANNEL_BACKOFF_SECONDS": "0.1",
            "MADOGUCHI_CHANNEL_TIMEOUT_SECONDS": "3",
        }

    def _spawn(self, zone: str, *args: str, **extra: str) -> tuple[subprocess.Popen[bytes], Path]:
        marker = self.tmp / f"marker-{len(self.started)}"
        env = {**self.env, "MADOGUCHI_ZONE": zone, "HARNESS_MARKER": str(marker), **extra}
        proc = subprocess.Popen(
            [sys.executable, "-m", HARNESS, *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self.started.append(proc)
        return proc, marker

    def portal(self, **extra: str) -> subprocess.Popen[bytes]:
        ready = self.tmp / f"ready-{len(self.started)}"
        proc, _ = self._spawn("portal", "serve", str(self.port), HARNESS_READY=str(ready), **extra)
        _wait_for(lambda: ready.exists(), proc, "portal to listen")
        return proc

    def office(self, command: str, **extra: str) -> tuple[subprocess.Popen[bytes], Path]:
        return self._spawn("office", command, **extra)

    def run_office(self, command: str) -> tuple[int, str]:
        proc, _ = self.office(command)
        out, _ = proc.communicate(timeout=60)
        return proc.returncode, out.decode(errors="replace")

    def kill_all(self) -> None:
        for proc in self.started:
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait()


def _wait_for(done: Any, proc: subprocess.Popen[bytes], what: str, timeout: float = 40) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if proc.poll() is not None:
            out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            raise AssertionError(f"process ended (rc {proc.returncode}) while waiting for {what}:\n{out}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _kill9(proc: subprocess.Popen[bytes]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL


@pytest.fixture
def procs(tmp_path: Path, chiyoda: Any) -> Iterator[Processes]:
    p = Processes(tmp_path)
    try:
        yield p
    finally:
        p.kill_all()


def _cases(prefix: str) -> list[str]:
    return list(
        Case.objects.filter(receipt_number__startswith=prefix).values_list("receipt_number", flat=True)
    )


def _assert_one_case_each(receipts: list[str], prefix: str) -> None:
    found = _cases(prefix)
    assert sorted(found) == sorted(receipts)  # every submission, none twice
    pulled = CaseEvent.objects.filter(case__receipt_number__startswith=prefix, kind=CaseEventKind.PULLED)
    assert pulled.count() == len(receipts)


def _queue_pushes(settings: Any, prefix: str, status: str) -> None:
    """Staff actions in an office that cannot reach the portal (nothing listens at its URL): each push is queued
    in the action's transaction, and the delivery tried after the commit fails."""
    settings.MADOGUCHI_ZONE = "office"
    settings.MADOGUCHI_PORTAL_INTERNAL_URL = f"http://127.0.0.1:{_free_port()}"
    settings.MADOGUCHI_CHANNEL_KEY = KEY
    sink = get_status_sink()
    for case in Case.objects.filter(receipt_number__startswith=prefix).order_by("receipt_number"):
        with transaction.atomic():
            sink.push(case.receipt_number, status, "", municipality_code=case.municipality_id)


def _assert_pushed_once(receipts: list[str], status: str) -> None:
    office_events = ApplicationStatusEvent.objects.filter(
        application__receipt_number__in=receipts, actor_id="office:casework", to_status=status
    )
    per_receipt = sorted(office_events.values_list("application__receipt_number", flat=True))
    assert per_receipt == sorted(receipts)  # each reached the timeline, none twice
    assert ChannelStatusDelivery.objects.filter(receipt_number__in=receipts).count() == len(receipts)
    outbox = StatusOutbox.objects.filter(receipt_number__in=receipts)
    assert set(outbox.values_list("state", flat=True)) == {OutboxState.DELIVERED}


def test_either_side_killed_mid_transfer_loses_nothing_and_duplicates_nothing(
    procs: Processes, settings: Any
) -> None:
    receipts = seed_counter_applications(10, "KX-")

    # 1. The portal is killed while answering the feed: the pull fails, having applied nothing of that batch.
    portal = procs.portal(HARNESS_PORTAL_FREEZE="submissions")
    pull, _ = procs.office("pull")
    frozen = procs.tmp / f"marker-{procs.started.index(portal)}"
    _wait_for(frozen.exists, portal, "the portal to freeze mid-answer")
    _kill9(portal)
    out = pull.communicate(timeout=60)[0].decode(errors="replace")
    assert pull.returncode != 0 and "did not answer" in out, out
    assert _cases("KX-") == []

    # 2. The office is killed after five items are committed (batches of four: mid-batch); the restarted pull
    # resumes from the stored cursor. (This portal freezes after committing the third status push, in 3.)
    portal = procs.portal(HARNESS_PORTAL_FREEZE="status:3")
    pull, marker = procs.office("pull", HARNESS_FREEZE_AFTER_ITEMS="5", HARNESS_LIMIT="4")
    _wait_for(marker.exists, pull, "the pull to apply five items")
    _kill9(pull)
    assert len(_cases("KX-")) == 5
    rc, out = procs.run_office("pull")
    assert rc == 0, out
    _assert_one_case_each(receipts, "KX-")

    # 3. Status pushes queued while the portal was unreachable; the portal is killed after committing the third,
    # before answering it: the office keeps it pending.
    _queue_pushes(settings, "KX-", "accepted")
    assert StatusOutbox.objects.filter(receipt_number__in=receipts, state=OutboxState.PENDING).count() == 10
    drain, _ = procs.office("drain")
    frozen = procs.tmp / f"marker-{procs.started.index(portal)}"
    _wait_for(frozen.exists, portal, "the portal to freeze after the third push")
    _kill9(portal)
    out = drain.communicate(timeout=60)[0].decode(errors="replace")
    assert drain.returncode != 0 and "did not answer" in out, out
    assert ChannelStatusDelivery.objects.filter(receipt_number__in=receipts).count() == 3
    assert StatusOutbox.objects.filter(receipt_number__in=receipts, state=OutboxState.DELIVERED).count() == 2

    # 4. The portal is back; the drain is killed after the portal applied the sixth push (the third again, answered
    # from the portal's record, then three new) but before the office marked it delivered.
    procs.portal()
    drain, marker = procs.office("drain", HARNESS_FREEZE_AFTER_PUSHES="4")
    _wait_for(marker.exists, drain, "the drain to deliver four pushes")
    _kill9(drain)
    assert ChannelStatusDelivery.objects.filter(receipt_number__in=receipts).count() == 6
    assert StatusOutbox.objects.filter(receipt_number__in=receipts, state=OutboxState.DELIVERED).count() == 5

    # The restarted drain sends the sixth again (answered from the record, no second row) and the rest.
    rc, out = procs.run_office("drain")
    assert rc == 0 and "5 delivered" in out and "0 pending" in out, out
    _assert_pushed_once(receipts, "accepted")
    _assert_one_case_each(receipts, "KX-")
