"""In-process channel for `all` mode: the only module of casework that reads the intake app's tables.

The source reads the portal's append-only application timeline (`ApplicationStatusEvent`) as an outbox: the
events a *resident* caused — a submission (→ received), a resubmitted correction (→ in_review) and a withdrawal —
in id order, each with a snapshot of the application. The office's own status pushes are in the same timeline and
are skipped (their actor is not a resident).

Events younger than `settle_seconds` are held back: ids are taken when a row is inserted, not when its transaction
commits, so a slow concurrent submission could otherwise commit *behind* the cursor and never be read.

The sink writes status back through the intake app's own service (`change_application_status`), which appends the
timeline event and its audit row exactly as the portal does.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from madoguchi.core.audit import Actor
from madoguchi.core.errors import NotFoundInMunicipality
from madoguchi.intake.models import Application, ApplicationStatus, ApplicationStatusEvent
from madoguchi.intake.services import IntakeRejected, change_application_status, submit_assisted_application

from .channel import AssistedOutcome, AttachmentInfo, Batch, ItemKind, StatusRejected, SubmissionItem

RESIDENT_ACTOR_PREFIX = "resident:"
DEFAULT_SETTLE_SECONDS = 5.0
OFFICE_ACTOR = Actor(id="office:casework", display="担当課")


def _kind(event: ApplicationStatusEvent) -> str | None:
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


def _attachments(application: Application) -> tuple[AttachmentInfo, ...]:
    current: set[str] = set()
    for digests in (application.attachment_hashes or {}).values():
        current.update(digests)
    seen: set[str] = set()
    out = []
    for a in application.attachments.order_by("attachment_code", "uploaded_at", "id"):
        if a.sha256 in current and a.sha256 not in seen:
            seen.add(a.sha256)
            out.append(AttachmentInfo(a.attachment_code, a.filename, a.sha256, a.size_bytes, a.mime_type))
    return tuple(out)


def _item(event: ApplicationStatusEvent, kind: str) -> SubmissionItem:
    application = event.application
    return SubmissionItem(
        kind=kind,
        source_id=f"intake:{application.municipality_id}:{application.receipt_number}",
        revision=application.resubmission_count,
        cursor=str(event.pk),
        municipality_code=application.municipality_id,
        receipt_number=application.receipt_number,
        procedure_code=application.procedure_code,
        form_version=application.form_version,
        procedure_name=application.procedure_name,
        applicant_name=application.applicant_name,
        applicant_sign_serial=application.applicant_sign_serial,
        answers=dict(application.answers or {}),
        attachments=_attachments(application),
        signed_content=bytes(application.signed_content),
        signature=bytes(application.signature),
        certificate_pem=application.signing_certificate_pem,
        portal_verification_reason=application.verification_reason,
        submitted_at=application.submitted_at,
        event_at=event.at,
        processing_days=application.processing_days,
        message_ja=event.message_ja,
        is_assisted=application.is_assisted,
        assistance=dict(application.assistance or {}),
    )


class IntakeSubmissionSource:
    """SubmissionSource over the intake app's timeline (same process, same database)."""

    name = "intake"

    def __init__(self, *, settle_seconds: float = DEFAULT_SETTLE_SECONDS) -> None:
        self.settle = dt.timedelta(seconds=settle_seconds)

    def fetch(self, after_cursor: str, limit: int) -> Batch:
        """Resident-caused timeline events after event id `after_cursor`, oldest first (at most `limit`)."""
        after = int(after_cursor) if after_cursor else 0
        horizon = timezone.now() - self.settle
        items: list[SubmissionItem] = []
        cursor = after_cursor
        events = (
            ApplicationStatusEvent.objects.filter(pk__gt=after).select_related("application").order_by("pk")
        )
        # Read a window of events; office pushes are skipped but still move the cursor past them.
        for event in events[: max(limit, 1) * 4]:
            if event.at > horizon and self.settle:
                break  # too young: a concurrent transaction might still commit an earlier id
            kind = _kind(event)
            cursor = str(event.pk)
            if kind is not None:
                items.append(_item(event, kind))
                if len(items) >= limit:
                    break
        return Batch(items=tuple(items), next_cursor=cursor)


class IntakeStatusSink:
    """StatusSink appending to the intake timeline through intake's own status service."""

    def push(self, receipt_number: str, status: str, message_ja: str, *, municipality_code: str) -> None:
        """Move the application to `status` with a message for the resident (StatusRejected if not allowed)."""
        try:
            change_application_status(
                actor=OFFICE_ACTOR,
                municipality_code=municipality_code,
                receipt_number=receipt_number,
                to_status=status,
                message_ja=message_ja,
            )
        except NotFoundInMunicipality as exc:
            raise StatusRejected(
                "ポータルに該当する申請が見つかりません。", f"{receipt_number}: not found"
            ) from exc
        except ValueError as exc:
            current = (
                Application.objects.filter(municipality_id=municipality_code, receipt_number=receipt_number)
                .values_list("status", flat=True)
                .first()
            )
            label = ApplicationStatus(current).label if current in ApplicationStatus.values else current
            raise StatusRejected(
                f"ポータル側の申請の状況（{label}）から、この変更はできません。"
                "申請者が取り下げた可能性があります。申請を取り込み直してから、もう一度操作してください。",
                str(exc),
            ) from exc


class IntakeAssistedIntake:
    """AssistedIntake through the intake app's own service (same process, same database)."""

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
        """Store the counter application (intake checks, duplicate guard, receipt number) and its pull item."""
        try:
            result = submit_assisted_application(
                actor=actor,
                applicant=applicant,
                municipality_code=municipality_code,
                procedure_code=procedure_code,
                form_version=form_version,
                answers=answers,
                assistance=assistance,
            )
        except IntakeRejected as exc:
            return AssistedOutcome(problems=tuple(exc.problems))
        application = result.application
        if not result.created:
            return AssistedOutcome(receipt_number=application.receipt_number, duplicate=result.duplicate)
        event = application.events.filter(to_status=ApplicationStatus.RECEIVED, from_status="").order_by("pk")
        first = event.select_related("application").first()
        assert first is not None  # written with the application, in the same transaction
        return AssistedOutcome(
            receipt_number=application.receipt_number, created=True, item=_item(first, ItemKind.SUBMITTED)
        )
