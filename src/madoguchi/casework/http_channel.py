"""The office's client of the portal's internal API (split deployment: MADOGUCHI_ZONE=office).

`HttpSubmissionSource` reads `GET /internal/v1/submissions` and turns each item back into a `SubmissionItem`;
`pull_submissions` applies each one idempotently and stores the cursor with it, so a crash of either side at any
point loses nothing and duplicates nothing (at-least-once delivery, idempotent ingest).

`HttpStatusSink` never calls the portal inside a staff action's transaction: it writes the change to the outbox
(`StatusOutbox`) in that transaction and delivers after the commit; what the portal does not answer stays pending
and `drain_outbox` (`madoguchi channel_drain`, and every pull) delivers it later, in order. Each outbox row has its
own event id, which the portal applies once: a push delivered again gets the first answer back.

Requests are signed with the shared channel key (`core.signed_requests`, body included) and retried with
exponential backoff on network errors and 5xx answers.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from madoguchi.core import signed_requests
from madoguchi.core.audit import Actor, record_audit

from .channel import AttachmentInfo, Batch, SubmissionItem
from .channel_models import OutboxState, StatusOutbox

logger = logging.getLogger(__name__)

SCHEME = "MADOGUCHI-CHANNEL-HMAC-SHA256"  # the same name as intake.internal.SCHEME (the portal's side)
DRAIN_ACTOR = Actor(id="system:channel_drain", display="状況通知の送信")


class ChannelUnavailable(Exception):
    """The portal did not answer (network error, timeout, 5xx) after the retries."""


class ChannelRefused(Exception):
    """The portal answered with a client error (4xx): retrying the same request will not help."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status = status
        self.body = body
        super().__init__(f"{status}: {body.get('detail', '')}")


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> dict[str, Any]:
        data = json.loads(self.body or b"{}")
        return data if isinstance(data, dict) else {}


class PortalClient:
    """Signed HTTP calls to the portal's internal API, with retries and backoff."""

    def __init__(
        self,
        *,
        base_url: str | None = None,
        client_id: str | None = None,
        key: str | None = None,
        timeout: float | None = None,
        retries: int | None = None,
        backoff: float | None = None,
    ) -> None:
        self.base_url = (base_url or settings.MADOGUCHI_PORTAL_INTERNAL_URL).rstrip("/")
        self.client_id = client_id or settings.MADOGUCHI_CHANNEL_CLIENT_ID
        self.key = key or settings.MADOGUCHI_CHANNEL_KEY
        self.timeout = settings.MADOGUCHI_CHANNEL_TIMEOUT_SECONDS if timeout is None else timeout
        self.retries = settings.MADOGUCHI_CHANNEL_RETRIES if retries is None else retries
        self.backoff = settings.MADOGUCHI_CHANNEL_BACKOFF_SECONDS if backoff is None else backoff
        if not self.base_url or not self.key:
            raise RuntimeError(
                "the zone channel needs MADOGUCHI_PORTAL_INTERNAL_URL and MADOGUCHI_CHANNEL_KEY"
            )

    def request(
        self, method: str, path: str, *, query: dict[str, str] | None = None, payload: Any = None
    ) -> Answer:
        """One call; retried (new nonce each time) on network errors and 5xx; ChannelRefused on 4xx."""
        query_string = urlencode(query or {})
        body = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode()
        url = self.base_url + path + (f"?{query_string}" if query_string else "")
        full_path = urlsplit(self.base_url).path + path
        last_error = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            headers = signed_requests.signed_headers(
                scheme=SCHEME,
                secret=self.key,
                client_id=self.client_id,
                method=method,
                path=full_path,
                query_string=query_string,
                body=body,
            )
            if payload is not None:
                headers["Content-Type"] = "application/json"
            req = urllib.request.Request(  # noqa: S310 (the configured http(s) URL)
                url, data=body if method != "GET" else None, headers=headers, method=method
            )
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as response:  # noqa: S310
                    return Answer(response.status, response.read(), dict(response.headers))
            except urllib.error.HTTPError as exc:
                content = exc.read()
                if exc.code < 500:
                    try:
                        data = json.loads(content or b"{}")
                    except ValueError:
                        data = {"detail": content[:200].decode(errors="replace")}
                    raise ChannelRefused(exc.code, data if isinstance(data, dict) else {}) from None
                last_error = f"HTTP {exc.code}"
            except (urllib.error.URLError, OSError, TimeoutError) as exc:
                last_error = f"{type(exc).__name__}: {exc}"
        raise ChannelUnavailable(f"{method} {path}: {last_error} (after {self.retries + 1} attempts)")


def _item(data: dict[str, Any]) -> SubmissionItem:
    return SubmissionItem(
        kind=data["kind"],
        source_id=data["source_id"],
        revision=int(data["revision"]),
        cursor=str(data["cursor"]),
        municipality_code=data["municipality_code"],
        receipt_number=data["receipt_number"],
        procedure_code=data["procedure_code"],
        form_version=int(data["form_version"]),
        procedure_name=data["procedure_name"],
        applicant_name=data["applicant_name"],
        applicant_sign_serial=data["applicant_sign_serial"],
        answers=dict(data["answers"]),
        attachments=tuple(
            AttachmentInfo(a["code"], a["filename"], a["sha256"], int(a["size_bytes"]), a["mime_type"])
            for a in data["attachments"]
        ),
        signed_content=base64.b64decode(data["signed_content"]),
        signature=base64.b64decode(data["signature"]),
        certificate_pem=data["certificate_pem"],
        portal_verification_reason=data["portal_verification_reason"],
        submitted_at=dt.datetime.fromisoformat(data["submitted_at"]),
        event_at=dt.datetime.fromisoformat(data["event_at"]),
        processing_days=int(data.get("processing_days", 0)),
        message_ja=data.get("message_ja", ""),
        is_assisted=bool(data.get("is_assisted", False)),
        assistance=dict(data.get("assistance") or {}),
    )


class HttpSubmissionSource:
    """SubmissionSource over the portal's internal API."""

    name = "portal-http"

    def __init__(self, client: PortalClient | None = None) -> None:
        self.client = client or PortalClient()

    def fetch(self, after_cursor: str, limit: int) -> Batch:
        """At most `limit` items after `after_cursor`, oldest first (ChannelUnavailable when the portal is down)."""
        answer = self.client.request(
            "GET", "/internal/v1/submissions", query={"cursor": after_cursor, "limit": str(limit)}
        )
        data = answer.json()
        return Batch(
            items=tuple(_item(i) for i in data.get("items", [])), next_cursor=str(data.get("next_cursor", ""))
        )

    def fetch_attachment(self, item: SubmissionItem, attachment: AttachmentInfo) -> bytes:
        """The bytes of a listed file, checked against the SHA-256 the feed gave."""
        answer = self.client.request(
            "GET",
            f"/internal/v1/attachments/{item.municipality_code}/{item.receipt_number}/{attachment.sha256}",
        )
        if hashlib.sha256(answer.body).hexdigest() != attachment.sha256:
            raise ChannelUnavailable(
                f"attachment {attachment.sha256[:12]}: content does not match its SHA-256"
            )
        return answer.body


class HttpStatusSink:
    """StatusSink that queues in the outbox (in the caller's transaction) and delivers after the commit."""

    def push(self, receipt_number: str, status: str, message_ja: str, *, municipality_code: str) -> None:
        """Queue the change for the portal; delivered once the caller's transaction commits (or by a drain)."""
        StatusOutbox.objects.create(
            municipality_id=municipality_code,
            receipt_number=receipt_number,
            to_status=status,
            message_ja=message_ja,
            created_at=timezone.now(),
        )
        transaction.on_commit(_drain_quietly)


# A staff action waits at most this long for the delivery tried after its commit (the drain delivers later).
AFTER_COMMIT_TIMEOUT_SECONDS = 3.0


def _drain_quietly() -> None:
    try:
        timeout = min(float(settings.MADOGUCHI_CHANNEL_TIMEOUT_SECONDS), AFTER_COMMIT_TIMEOUT_SECONDS)
        drain_outbox(client=PortalClient(retries=0, timeout=timeout))
    except Exception:  # the staff action is committed; the drain command delivers later
        logger.warning("status push not delivered now; left in the outbox", exc_info=True)


@dataclass
class DrainResult:
    delivered: int = 0
    refused: int = 0
    pending: int = 0
    error: str = ""


def drain_outbox(*, client: PortalClient | None = None, limit: int = 500) -> DrainResult:
    """Deliver pending status pushes in order (system). Stops at the first one the portal does not answer, so the
    resident's timeline never shows a later status before an earlier one; the rest wait for the next drain."""
    result = DrainResult()
    portal = client or PortalClient()
    for row_id in list(
        StatusOutbox.objects.filter(state=OutboxState.PENDING)
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    ):
        row = StatusOutbox.objects.get(pk=row_id)
        if row.state != OutboxState.PENDING:
            continue  # another drain delivered it meanwhile
        payload = {
            "event_id": row.event_id,
            "municipality_code": row.municipality_id,
            "receipt_number": row.receipt_number,
            "status": row.to_status,
            "message_ja": row.message_ja,
        }
        try:
            portal.request("POST", "/internal/v1/status-events", payload=payload)
        except ChannelUnavailable as exc:
            StatusOutbox.objects.filter(pk=row.pk).update(
                attempts=row.attempts + 1, last_error=str(exc)[:2000]
            )
            result.error = str(exc)
            break
        except ChannelRefused as exc:
            _finish(row, OutboxState.REFUSED, f"{exc.status} {exc.body.get('detail', '')}".strip())
            result.refused += 1
            continue
        _finish(row, OutboxState.DELIVERED, "")
        result.delivered += 1
    result.pending = StatusOutbox.objects.filter(state=OutboxState.PENDING).count()
    return result


def _finish(row: StatusOutbox, state: str, error: str) -> None:
    at = timezone.now()
    with transaction.atomic():
        updated = StatusOutbox.objects.filter(pk=row.pk, state=OutboxState.PENDING).update(
            state=state, attempts=row.attempts + 1, last_error=error[:2000], delivered_at=at
        )
        if updated and state == OutboxState.REFUSED:
            # The staff action stands; the resident's timeline did not take it (e.g. withdrawn meanwhile).
            record_audit(
                actor=DRAIN_ACTOR,
                municipality=row.municipality_id,
                action="casework.status_push_refused",
                target_type="case",
                target_id=row.receipt_number,
                after={"status": row.to_status, "event_id": row.event_id, "error": error[:200]},
            )
