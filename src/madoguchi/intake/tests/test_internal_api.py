"""The portal's internal API for the office: signed requests only (unsigned, stale, wrongly signed and replayed ones
refused with problem+json), the submissions feed, attachment bytes, and idempotent status pushes."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from madoguchi.core import signed_requests
from madoguchi.intake.internal import SCHEME
from madoguchi.intake.models import ApplicationStatusEvent, Attachment, ChannelNonce, ChannelStatusDelivery

pytestmark = pytest.mark.django_db

KEY = "internal-api-test-key-0123456789abcdefghijkl"


@pytest.fixture(autouse=True)
def channel_key(settings: Any) -> None:
    settings.MADOGUCHI_CHANNEL_KEY = KEY
    settings.MADOGUCHI_CHANNEL_CLIENT_ID = "office"
    settings.MADOGUCHI_CHANNEL_SETTLE_SECONDS = 0


def _headers(method: str, path: str, query: str = "", body: bytes = b"", **override: Any) -> dict[str, str]:
    headers = signed_requests.signed_headers(
        scheme=SCHEME,
        secret=override.pop("key", KEY),
        client_id=override.pop("client_id", "office"),
        method=method,
        path=path,
        query_string=query,
        body=body,
        now=override.pop("now", None),
    )
    return {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}


def signed_get(client: Client, path: str, params: dict[str, str] | None = None, **override: Any) -> Any:
    query = urlencode(params or {})
    return client.get(path, params or {}, **_headers("GET", path, query, **override))


def signed_post(client: Client, payload: dict[str, Any], **override: Any) -> Any:
    path = "/internal/v1/status-events"
    body = json.dumps(payload).encode()
    return client.post(
        path, body, content_type="application/json", **_headers("POST", path, "", body, **override)
    )


@pytest.fixture
def counter_apps(chiyoda: Any) -> list[str]:
    from madoguchi.intake.tests.channel_seed import seed_counter_applications

    return seed_counter_applications(3, "IA-")


def test_feed_lists_submissions_after_the_cursor(client: Client, counter_apps: list[str]) -> None:
    first = signed_get(client, "/internal/v1/submissions", {"limit": "2"})
    assert first.status_code == 200
    data = first.json()
    assert [i["receipt_number"] for i in data["items"]] == counter_apps[:2]
    assert data["items"][0]["kind"] == "submitted" and data["items"][0]["is_assisted"] is True
    rest = signed_get(
        client, "/internal/v1/submissions", {"cursor": data["next_cursor"], "limit": "50"}
    ).json()
    assert [i["receipt_number"] for i in rest["items"]] == counter_apps[2:]
    again = signed_get(client, "/internal/v1/submissions", {"cursor": rest["next_cursor"]}).json()
    assert again["items"] == [] and again["next_cursor"] == rest["next_cursor"]


@pytest.mark.parametrize(
    ("params", "parameter"),
    [({"limit": "0"}, "limit"), ({"limit": "x"}, "limit"), ({"cursor": "abc"}, "cursor")],
)
def test_bad_feed_parameters_are_named(
    client: Client, chiyoda: Any, params: dict[str, str], parameter: str
) -> None:
    response = signed_get(client, "/internal/v1/submissions", params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["parameter"] == parameter


def test_unsigned_stale_wrong_and_replayed_requests_are_refused(client: Client, chiyoda: Any) -> None:
    path = "/internal/v1/submissions"
    unsigned = client.get(path)
    assert unsigned.status_code == 401 and unsigned["Content-Type"] == "application/problem+json"
    assert "Missing header" in unsigned.json()["detail"]
    assert SCHEME in unsigned["WWW-Authenticate"]

    stale = signed_get(client, path, now=time.time() - signed_requests.CLOCK_SKEW_SECONDS - 5)
    assert stale.status_code == 401 and "clock" in stale.json()["detail"]
    wrong_key = signed_get(client, path, key="not-the-office-key-0123456789abcdef")
    assert wrong_key.status_code == 401 and wrong_key.json()["detail"] == "The signature does not verify."
    other_client = signed_get(client, path, client_id="someone-else")
    assert (
        other_client.status_code == 401 and other_client.json()["detail"] == "The signature does not verify."
    )

    headers = _headers("GET", path)
    assert client.get(path, **headers).status_code == 200
    replay = client.get(path, **headers)
    assert replay.status_code == 401 and "replayed" in replay.json()["detail"]
    assert ChannelNonce.objects.count() == 1


def test_a_signature_covers_the_query_and_the_body(client: Client, counter_apps: list[str]) -> None:
    path = "/internal/v1/submissions"
    headers = _headers("GET", path, "limit=1")
    assert client.get(path, {"limit": "2"}, **headers).status_code == 401
    body = json.dumps({"event_id": "evt-00000001", "status": "accepted"}).encode()
    tampered = json.dumps({"event_id": "evt-00000001", "status": "rejected"}).encode()
    post_path = "/internal/v1/status-events"
    response = client.post(
        post_path, tampered, content_type="application/json", **_headers("POST", post_path, "", body)
    )
    assert response.status_code == 401


def test_no_key_configured_refuses_everything(client: Client, chiyoda: Any, settings: Any) -> None:
    settings.MADOGUCHI_CHANNEL_KEY = ""
    assert signed_get(client, "/internal/v1/submissions").status_code == 401


def test_status_push_is_applied_once_per_event_id(client: Client, counter_apps: list[str]) -> None:
    receipt = counter_apps[0]
    payload = {
        "event_id": "evt-accept-0001",
        "municipality_code": "131016",
        "receipt_number": receipt,
        "status": "accepted",
        "message_ja": "",
    }
    first = signed_post(client, payload)
    assert first.status_code == 201 and first["X-Madoguchi-Replayed"] == "false"
    replay = signed_post(client, payload)  # new nonce, same event: the answer again, no second row
    assert replay.status_code == 201 and replay["X-Madoguchi-Replayed"] == "true"
    assert replay.json() == first.json()
    office_rows = ApplicationStatusEvent.objects.filter(
        application__receipt_number=receipt, actor_id="office:casework"
    )
    assert office_rows.count() == 1
    assert ChannelStatusDelivery.objects.get(event_id="evt-accept-0001").status_event == office_rows.get()

    reused = signed_post(client, {**payload, "status": "rejected"})
    assert reused.status_code == 422 and reused["Content-Type"] == "application/problem+json"
    assert office_rows.count() == 1


def test_refused_push_is_remembered_and_answered_the_same(client: Client, counter_apps: list[str]) -> None:
    payload = {
        "event_id": "evt-notice-0001",
        "municipality_code": "131016",
        "receipt_number": counter_apps[1],
        "status": "notice_issued",  # not allowed from received
        "message_ja": "",
    }
    first = signed_post(client, payload)
    assert first.status_code == 409 and first.json()["current_status"] == "received"
    assert signed_post(client, payload).json() == first.json()
    unknown = signed_post(client, {**payload, "event_id": "evt-unknown-01", "receipt_number": "2099-999999"})
    assert unknown.status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"event_id": "short"}, "event_id"),
        ({"municipality_code": "13101"}, "municipality_code"),
        ({"status": "granted"}, "status"),
        ({"receipt_number": ""}, "receipt_number"),
        ({"message_ja": 3}, "message_ja"),
    ],
)
def test_bad_status_push_names_the_field(
    client: Client, counter_apps: list[str], change: dict[str, Any], field: str
) -> None:
    payload = {
        "event_id": "evt-field-0001",
        "municipality_code": "131016",
        "receipt_number": counter_apps[0],
        "status": "accepted",
        "message_ja": "",
        **change,
    }
    response = signed_post(client, payload)
    assert response.status_code == 400 and response.json()["field"] == field
    assert not ChannelStatusDelivery.objects.exists()


def test_attachment_bytes_by_hash(client: Client, counter_apps: list[str]) -> None:
    from madoguchi.intake.models import Application

    application = Application.objects.get(receipt_number=counter_apps[0])
    content = b"%PDF-1.4 synthetic"
    import hashlib

    digest = hashlib.sha256(content).hexdigest()
    Attachment.objects.create(
        municipality_id="131016",
        applicant_auth_serial=application.applicant_auth_serial,
        application=application,
        attachment_code="id_document",
        filename="id.pdf",
        content=content,
        size_bytes=len(content),
        sha256=digest,
        mime_type="application/pdf",
        uploaded_at=application.submitted_at,
    )
    application.attachment_hashes = {"id_document": [digest]}
    application.save(update_fields=["attachment_hashes"])
    item = signed_get(client, "/internal/v1/submissions").json()["items"][0]
    assert item["attachments"] == [
        {
            "code": "id_document",
            "filename": "id.pdf",
            "sha256": digest,
            "size_bytes": len(content),
            "mime_type": "application/pdf",
        }
    ]
    path = f"/internal/v1/attachments/131016/{counter_apps[0]}/{digest}"
    response = signed_get(client, path)
    assert response.status_code == 200 and response.content == content
    assert response["X-Content-SHA256"] == digest
    missing = signed_get(client, f"/internal/v1/attachments/131016/{counter_apps[0]}/{'0' * 64}")
    assert missing.status_code == 404
