"""The office's HTTP client of the portal's internal API, in one process: the item the office gets over HTTP is
the item it gets in-process, status pushes are queued and drained in order, refusals are recorded, and the
office zone selects the HTTP channel (and mounts no internal routes)."""

from __future__ import annotations

import importlib
import io
import urllib.error
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import clear_url_caches

from madoguchi.casework import http_channel
from madoguchi.casework.channel import get_status_sink, get_submission_source
from madoguchi.casework.intake_adapter import IntakeSubmissionSource
from madoguchi.casework.models import Case, OutboxState, StatusOutbox
from madoguchi.core.models import AuditEntry
from madoguchi.intake.models import Application, ApplicationStatusEvent

from .helpers import make_world, submit_child_allowance

pytestmark = pytest.mark.django_db

KEY = "http-channel-test-key-0123456789abcdefghij"
BASE = "http://portal.internal"


class _Response:
    def __init__(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.status, self._body, self.headers = status, body, headers

    def read(self) -> bytes:
        return self._body

    def __enter__(self) -> _Response:
        return self

    def __exit__(self, *args: Any) -> None:
        pass


@pytest.fixture
def portal(settings: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The office's urllib calls answered by this process's portal routes (Django test client); `down` = refuse."""
    settings.MADOGUCHI_CHANNEL_KEY = KEY
    settings.MADOGUCHI_CHANNEL_CLIENT_ID = "office"
    settings.MADOGUCHI_PORTAL_INTERNAL_URL = BASE
    settings.MADOGUCHI_CHANNEL_SETTLE_SECONDS = 0
    settings.MADOGUCHI_CHANNEL_BACKOFF_SECONDS = 0
    state: dict[str, Any] = {"down": False, "calls": 0}
    client = Client()

    def urlopen(req: Any, timeout: float) -> _Response:
        state["calls"] += 1
        if state["down"]:
            raise urllib.error.URLError(ConnectionRefusedError(111, "Connection refused"))
        url = req.full_url.removeprefix(BASE)
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in req.header_items()}
        if req.get_method() == "POST":
            response = client.post(url, req.data, content_type="application/json", **extra)
        else:
            response = client.get(url, **extra)
        if response.status_code >= 400:
            raise urllib.error.HTTPError(
                req.full_url, response.status_code, "", response.headers, io.BytesIO(response.content)
            )  # type: ignore[arg-type]
        return _Response(response.status_code, response.content, dict(response.headers))

    monkeypatch.setattr(http_channel.urllib.request, "urlopen", urlopen)
    return state


def test_the_item_over_http_is_the_in_process_item(chiyoda: Any, portal: dict[str, Any]) -> None:
    submit_child_allowance(chiyoda, make_world(chiyoda))
    in_process = IntakeSubmissionSource(settle_seconds=0).fetch("", 10)
    over_http = http_channel.HttpSubmissionSource().fetch("", 10)
    assert over_http == in_process
    assert len(over_http.items) == 1 and over_http.items[0].signature


def test_office_zone_selects_http_and_pull_creates_the_case(
    chiyoda: Any, portal: dict[str, Any], settings: Any
) -> None:
    submit_child_allowance(chiyoda, make_world(chiyoda))
    settings.MADOGUCHI_ZONE = "office"
    assert isinstance(get_submission_source(), http_channel.HttpSubmissionSource)
    assert isinstance(get_status_sink(), http_channel.HttpStatusSink)
    out = io.StringIO()
    call_command("pull_submissions", stdout=out)
    assert "1 new" in out.getvalue()
    case = Case.objects.get()
    assert case.signature_valid is True
    call_command("pull_submissions", stdout=out)
    assert Case.objects.count() == 1


def test_office_zone_without_the_portal_url_says_what_is_missing(settings: Any) -> None:
    settings.MADOGUCHI_ZONE = "office"
    settings.MADOGUCHI_PORTAL_INTERNAL_URL = ""
    with pytest.raises(RuntimeError, match="MADOGUCHI_PORTAL_INTERNAL_URL"):
        get_submission_source()


def test_pushes_queue_while_the_portal_is_down_and_drain_in_order(
    chiyoda: Any, portal: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    application = submit_child_allowance(chiyoda, make_world(chiyoda)).application
    sink = http_channel.HttpStatusSink()
    portal["down"] = True
    for status in ("accepted", "in_review"):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            sink.push(application.receipt_number, status, "", municipality_code=chiyoda.code)
    assert list(StatusOutbox.objects.values_list("state", flat=True)) == [OutboxState.PENDING] * 2
    # Each commit tried a delivery, in order: the first push twice, the second never (it waits behind the first).
    assert list(StatusOutbox.objects.order_by("id").values_list("attempts", flat=True)) == [2, 0]
    out = io.StringIO()
    with pytest.raises(Exception, match="did not answer"):
        call_command("channel_drain", stdout=out)
    portal["down"] = False
    call_command("channel_drain", stdout=out)
    assert "2 delivered" in out.getvalue()
    application.refresh_from_db()
    assert application.status == "in_review"
    office = ApplicationStatusEvent.objects.filter(application=application, actor_id="office:casework")
    assert list(office.order_by("pk").values_list("to_status", flat=True)) == ["accepted", "in_review"]


def test_a_push_the_portal_refuses_is_recorded_not_retried(
    chiyoda: Any, portal: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    application = submit_child_allowance(chiyoda, make_world(chiyoda)).application
    Application.objects.filter(pk=application.pk).update(status="withdrawn")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        http_channel.HttpStatusSink().push(
            application.receipt_number, "accepted", "", municipality_code=chiyoda.code
        )
    row = StatusOutbox.objects.get()
    assert row.state == OutboxState.REFUSED and "409" in row.last_error
    assert AuditEntry.objects.filter(
        action="casework.status_push_refused", target_id=application.receipt_number
    ).exists()
    calls = portal["calls"]
    assert http_channel.drain_outbox().delivered == 0
    assert portal["calls"] == calls


def test_internal_routes_are_not_mounted_in_the_office_zone(settings: Any) -> None:
    import madoguchi.urls

    settings.MADOGUCHI_ZONE = "office"
    try:
        importlib.reload(madoguchi.urls)
        clear_url_caches()
        assert Client().get("/internal/v1/submissions").status_code == 404
    finally:
        settings.MADOGUCHI_ZONE = "all"
        importlib.reload(madoguchi.urls)
        clear_url_caches()
