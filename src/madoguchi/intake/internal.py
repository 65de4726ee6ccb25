"""The portal's side of the channel to the office (ARCHITECTURE §1: the office pulls, the portal never calls in).

The application timeline (`ApplicationStatusEvent`) is the outbox: the events a *resident* caused — a submission
(→ received), a resubmitted correction (→ in_review), a withdrawal — and the first event of a counter application,
read in id order. The office's own status pushes are in the same timeline and are skipped. The same reading serves
the in-process channel (`all` mode, casework.intake_adapter) and the internal HTTP API (internal_api.py).

Events younger than the settle time are held back: ids are taken when a row is inserted, not when its transaction
commits, so a slow concurrent submission could otherwise commit *behind* the cursor and never be read.

Status pushes over HTTP carry the office's event id; `receive_status_push` applies each id once and remembers the
answer, so a push delivered again gets the same answer and never a second timeline row.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from madoguchi.core import signed_requests
from madoguchi.core.audit import Actor
from madoguchi.core.errors import NotFoundInMunicipality

from .models import (
    Application,
    ApplicationStatus,
    ApplicationStatusEvent,
    Attachment,
    ChannelNonce,
    ChannelStatusDelivery,
)
from .services import change_application_status

RESIDENT_ACTOR_PREFIX = "resident:"
DEFAULT_SETTLE_SECONDS = 5.0
SCHEME = "MADOGUCHI-CHANNEL-HMAC-SHA256"
OFFICE_ACTOR = Actor(id="office:casework", display="担当課")
MAX_LIMIT = 200


class ItemKind:
    SUBMITTED = "submitted"
    RESUBMITTED = "resubmitted"
    WITHDRAWN = "withdrawn"


def item_kind(event: ApplicationStatusEvent) -> str | None:
    """What a timeline event means to the office (None: not the resident's doing, e.g. the office's own push)."""
    if (
        event.to_status == ApplicationStatus.RECEIVED
        and not event.from_status
        and event.application.is_assisted
    ):
        return ItemKind.SUBMITTED  # entered at the counter by a clerk (書かない窓口)
    if not event.actor_id.startswith(RESIDENT_ACTOR_PREFIX):
        return None
    if event.to_status == ApplicationStatus.RECEIVED:
        return ItemKind.SUBMITTED
    if event.to_status == ApplicationStatus.IN_REVIEW:
        return ItemKind.RESUBMITTED
    if event.to_status == ApplicationStatus.WITHDRAWN:
        return ItemKind.WITHDRAWN
    return None


def current_attachments(application: Application) -> list[Attachment]:
    """The files of the application as it stands (one per content hash, by attachment code)."""
    current: set[str] = set()
    for digests in (application.attachment_hashes or {}).values():
        current.update(digests)
    seen: set[str] = set()
    out = []
    for a in application.attachments.order_by("attachment_code", "uploaded_at", "id"):
        if a.sha256 in current and a.sha256 not in seen:
            seen.add(a.sha256)
            out.append(a)
    return out


@dataclass(frozen=True)
class FeedPage:
    events: list[tuple[ApplicationStatusEvent, str]]
    next_cursor: str


def settle_seconds() -> float:
    return float(getattr(settings, "MADOGUCHI_CHANNEL_SETTLE_SECONDS", DEFAULT_SETTLE_SECONDS))


def submission_events_after(after_cursor: str, limit: int, *, settle: float | None = None) -> FeedPage:
    """Resident-caused timeline events after event id `after_cursor`, oldest first (system: the office's pull)."""
    after = int(after_cursor) if after_cursor else 0
    hold = dt.timedelta(seconds=settle_seconds() if settle is None else settle)
    horizon = timezone.now() - hold
    found: list[tuple[ApplicationStatusEvent, str]] = []
    cursor = after_cursor
    events = ApplicationStatusEvent.objects.filter(pk__gt=after).select_related("application").order_by("pk")
    # Read a window of events; office pushes are skipped but still move the cursor past them.
    for event in events[: max(limit, 1) * 4]:
        if hold and event.at > horizon:
            break  # too young: a concurrent transaction might still commit an earlier id
        kind = item_kind(event)
        cursor = str(event.pk)
        if kind is not None:
            found.append((event, kind))
            if len(found) >= limit:
                break
    return FeedPage(events=found, next_cursor=cursor)


def _iso(value: dt.datetime) -> str:
    return value.isoformat()


def item_payload(event: ApplicationStatusEvent, kind: str) -> dict[str, Any]:
    """One feed item as JSON (the field names of casework.channel.SubmissionItem; bytes in base64)."""
    application = event.application
    return {
        "kind": kind,
        "source_id": f"intake:{application.municipality_id}:{application.receipt_number}",
        "revision": application.resubmission_count,
        "cursor": str(event.pk),
        "municipality_code": application.municipality_id,
        "receipt_number": application.receipt_number,
        "procedure_code": application.procedure_code,
        "form_version": application.form_version,
        "procedure_name": application.procedure_name,
        "applicant_name": application.applicant_name,
        "applicant_sign_serial": application.applicant_sign_serial,
        "answers": dict(application.answers or {}),
        "attachments": [
            {
                "code": a.attachment_code,
                "filename": a.filename,
                "sha256": a.sha256,
                "size_bytes": a.size_bytes,
                "mime_type": a.mime_type,
            }
            for a in current_attachments(application)
        ],
        "signed_content": base64.b64encode(bytes(application.signed_content)).decode(),
        "signature": base64.b64encode(bytes(application.signature)).decode(),
        "certificate_pem": application.signing_certificate_pem,
        "portal_verification_reason": application.verification_reason,
        "submitted_at": _iso(application.submitted_at),
        "event_at": _iso(event.at),
        "processing_days": application.processing_days,
        "message_ja": event.message_ja,
        "is_assisted": application.is_assisted,
        "assistance": dict(application.assistance or {}),
    }


def attachment_content(*, municipality_code: str, receipt_number: str, sha256: str) -> Attachment:
    """A current file of an application, by content hash (system: the office fetching what the feed listed)."""
    application = Application.objects.filter(
        municipality_id=municipality_code, receipt_number=receipt_number
    ).first()
    if application is None:
        raise NotFoundInMunicipality("application")
    for attachment in current_attachments(application):
        if attachment.sha256 == sha256:
            return attachment
    raise NotFoundInMunicipality("attachment")


# ---------------------------------------------------------------------------------------------------------------
# Authentication of the office's requests


def channel_key_for(client_id: str) -> str | None:
    """The office's key if `client_id` is the configured office client (None: unknown, or no key configured)."""
    key = str(getattr(settings, "MADOGUCHI_CHANNEL_KEY", "") or "")
    expected = str(getattr(settings, "MADOGUCHI_CHANNEL_CLIENT_ID", "") or "")
    if not key or not expected or client_id != expected:
        return None
    return key


def verify_office_request(
    *,
    headers: dict[str, str],
    method: str,
    path: str,
    query_string: str,
    body: bytes,
    now: dt.datetime | None = None,
) -> str:
    """The client id of a correctly signed, fresh, unused office request, or SignedRequestError (records the nonce)."""
    at = now or timezone.now()
    client_id = headers.get(signed_requests.HEADER_CLIENT, "")

    def remember_nonce(nonce: str) -> bool:
        try:
            with transaction.atomic():
                ChannelNonce.objects.create(client_id=client_id, nonce=nonce, seen_at=at)
        except IntegrityError:
            return False
        return True

    signed_requests.verify(
        scheme=SCHEME,
        client_id=client_id,
        timestamp=headers.get(signed_requests.HEADER_TIMESTAMP, ""),
        nonce=headers.get(signed_requests.HEADER_NONCE, ""),
        signature=headers.get(signed_requests.HEADER_SIGNATURE, ""),
        method=method,
        path=path,
        query_string=query_string,
        body=body,
        at=at,
        key_for=channel_key_for,
        remember_nonce=remember_nonce,
    )
    ChannelNonce.objects.filter(seen_at__lt=signed_requests.nonce_horizon(at)).delete()
    return client_id


# ---------------------------------------------------------------------------------------------------------------
# Status pushes


@dataclass(frozen=True)
class PushAnswer:
    http_status: int
    body: dict[str, Any]
    replayed: bool = False


def receive_status_push(
    *,
    event_id: str,
    municipality_code: str,
    receipt_number: str,
    to_status: str,
    message_ja: str,
    now: dt.datetime | None = None,
) -> PushAnswer:
    """Apply one office status push once per event id; the same id again gets the first answer (system only).

    201 applied (the timeline row's id), 409 refused by the status model (the resident withdrew meanwhile …),
    404 no such application (not remembered), 422 the event id was used for another change. Refusals are remembered too, so a replay never applies a later, different state.
    """
    at = now or timezone.now()
    stored = ChannelStatusDelivery.objects.filter(event_id=event_id).first()
    if stored is not None:
        return _replayed(stored, municipality_code, receipt_number, to_status)
    try:
        with transaction.atomic():
            event: ApplicationStatusEvent | None = None
            try:
                with transaction.atomic():
                    application = change_application_status(
                        actor=OFFICE_ACTOR,
                        municipality_code=municipality_code,
                        receipt_number=receipt_number,
                        to_status=to_status,
                        message_ja=message_ja,
                        now=at,
                    )
            except NotFoundInMunicipality:
                # Not remembered: nothing was applied, and the municipality may not exist here at all.
                return PushAnswer(404, {"outcome": "not_found", "event_id": event_id})
            except ValueError as exc:
                current = (
                    Application.objects.filter(
                        municipality_id=municipality_code, receipt_number=receipt_number
                    )
                    .values_list("status", flat=True)
                    .first()
                )
                http_status = 409
                body: dict[str, Any] = {
                    "outcome": "refused",
                    "detail": str(exc),
                    "current_status": current or "",
                }
            else:
                event = application.events.order_by("-pk").first()
                http_status = 201
                body = {
                    "outcome": "applied",
                    "status": to_status,
                    "status_event_id": event.pk if event else None,
                }
            body["event_id"] = event_id
            ChannelStatusDelivery.objects.create(
                municipality_id=municipality_code,
                event_id=event_id,
                receipt_number=receipt_number,
                to_status=to_status,
                http_status=http_status,
                result=body,
                status_event=event,
                received_at=at,
            )
    except IntegrityError:
        # The same event id arrived twice at once: the other request's answer is the answer (and its row the
        # only row: this transaction, status change included, was rolled back).
        stored = ChannelStatusDelivery.objects.get(event_id=event_id)
        return _replayed(stored, municipality_code, receipt_number, to_status)
    return PushAnswer(http_status, body)


def _replayed(
    stored: ChannelStatusDelivery, municipality_code: str, receipt_number: str, to_status: str
) -> PushAnswer:
    if (stored.municipality_id, stored.receipt_number, stored.to_status) != (
        municipality_code,
        receipt_number,
        to_status,
    ):
        return PushAnswer(
            422,
            {
                "outcome": "conflict",
                "event_id": stored.event_id,
                "detail": "This event id was already used for a different status change.",
            },
        )
    return PushAnswer(stored.http_status, dict(stored.result), replayed=True)
