"""The office ↔ portal channel for applications (ARCHITECTURE §1: the office pulls; the portal never calls in).

`SubmissionSource.fetch` hands the office what residents did since a cursor — new submissions, resubmitted
corrections, withdrawals — each with a full snapshot of the application. `StatusSink.push` writes the office's
status changes back to the resident's timeline. In `all` mode both run in-process through
`madoguchi.casework.intake_adapter`; in the office zone of a split deployment `http_channel` talks to the portal's
internal API (signed requests; status pushes go through an outbox, so a portal that is down delays them, never
loses them).

Delivery is at least once: a source may hand the same item again (after a crash, or on purpose), and
`casework.services.pull_submissions` applies each item idempotently.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings


class ItemKind:
    SUBMITTED = "submitted"
    RESUBMITTED = "resubmitted"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class AttachmentInfo:
    """One attached file as listed to the office (the bytes stay with the source)."""

    code: str
    filename: str
    sha256: str
    size_bytes: int
    mime_type: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "filename": self.filename,
            "sha256": self.sha256,
            "size_bytes": self.size_bytes,
            "mime_type": self.mime_type,
        }


@dataclass(frozen=True)
class SubmissionItem:
    """One thing a resident did, with the application as it stands at the source.

    `source_id` identifies the application at the source for good; `revision` counts its resubmissions (0 for the
    first submission); `cursor` is the position just after this item (stored with the item's effect, so a pull
    that stops mid-batch resumes right after the last item it applied).
    """

    kind: str
    source_id: str
    revision: int
    cursor: str
    municipality_code: str
    receipt_number: str
    procedure_code: str
    form_version: int
    procedure_name: str
    applicant_name: str
    applicant_sign_serial: str
    answers: dict[str, Any]
    attachments: tuple[AttachmentInfo, ...]
    signed_content: bytes
    signature: bytes
    certificate_pem: str
    portal_verification_reason: str
    submitted_at: dt.datetime
    event_at: dt.datetime
    processing_days: int = 0
    message_ja: str = ""
    # 書かない窓口: entered by a clerk at the counter; no card signature, `assistance` is the evidence instead.
    is_assisted: bool = False
    assistance: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Batch:
    """Items after a cursor, oldest first, and the cursor to ask from next time."""

    items: tuple[SubmissionItem, ...] = field(default_factory=tuple)
    next_cursor: str = ""


class SubmissionSource(Protocol):
    """Where the office reads residents' submissions from."""

    name: str

    def fetch(self, after_cursor: str, limit: int) -> Batch:
        """At most `limit` items after `after_cursor` ('' = from the beginning), oldest first."""
        ...


class StatusRejected(Exception):
    """The portal refused a status change (e.g. the resident withdrew meanwhile); `message_ja` says so."""

    def __init__(self, message_ja: str, detail: str = "") -> None:
        self.message_ja = message_ja
        super().__init__(detail or message_ja)


class StatusSink(Protocol):
    """Where the office writes status changes for the resident to see."""

    def push(self, receipt_number: str, status: str, message_ja: str, *, municipality_code: str) -> None:
        """Append `status` (with a message for the resident) to the application's timeline.

        Receipt numbers are unique per municipality, hence `municipality_code`. Raises StatusRejected when the
        portal refuses the change.
        """
        ...


@dataclass(frozen=True)
class AssistedOutcome:
    """What the portal did with a counter application: stored (with the item to create the case from), or the
    open application already on file for the same subject (`duplicate`), or refused (`problems`)."""

    receipt_number: str = ""
    created: bool = False
    duplicate: bool = False
    item: SubmissionItem | None = None
    problems: tuple[Any, ...] = ()


class AssistedIntake(Protocol):
    """Where the office hands an application entered at the counter (書かない窓口) into the same pipeline."""

    def submit(
        self,
        *,
        actor: Any,
        applicant: Any,
        municipality_code: str,
        procedure_code: str,
        form_version: int,
        answers: dict[str, Any],
        assistance: dict[str, Any],
    ) -> AssistedOutcome:
        """Run the intake checks and store the application with its receipt number (or find the duplicate)."""
        ...


def get_assisted_intake() -> AssistedIntake:
    """The counter-application intake of this deployment (in-process in `all` mode)."""
    if settings.MADOGUCHI_ZONE != "all":
        raise RuntimeError(
            "only MADOGUCHI_ZONE=all has an in-process intake for counter applications: configure the portal "
            "channel client (the internal API) for a split deployment"
        )
    from .intake_adapter import IntakeAssistedIntake

    return IntakeAssistedIntake()


def _uses_http() -> bool:
    """A split deployment's office with the portal's internal URL configured talks HTTP (http_channel.py)."""
    if settings.MADOGUCHI_ZONE == "office" and settings.MADOGUCHI_PORTAL_INTERNAL_URL:
        return True
    if settings.MADOGUCHI_ZONE != "all":
        raise RuntimeError(
            "the office zone needs MADOGUCHI_PORTAL_INTERNAL_URL and MADOGUCHI_CHANNEL_KEY (the portal's internal "
            "API); only MADOGUCHI_ZONE=all has an in-process channel"
        )
    return False


def get_submission_source() -> SubmissionSource:
    """The submission source of this deployment (in-process in `all` mode, the internal API in the office zone)."""
    if _uses_http():
        from .http_channel import HttpSubmissionSource

        return HttpSubmissionSource()
    from .intake_adapter import IntakeSubmissionSource

    return IntakeSubmissionSource()


def get_status_sink() -> StatusSink:
    """The status sink of this deployment (in-process in `all` mode, the outbox + internal API in the office zone)."""
    if _uses_http():
        from .http_channel import HttpStatusSink

        return HttpStatusSink()
    from .intake_adapter import IntakeStatusSink

    return IntakeStatusSink()
