"""In-process channel for `all` mode: the only module of casework that reads the intake app's tables.

The source reads the portal's append-only application timeline (`ApplicationStatusEvent`) as an outbox through
`intake.internal` — the same reading the portal's internal API serves a split deployment — each event with a
snapshot of the application. Events younger than `settle_seconds` are held back (see intake.internal).

The sink writes status back through the intake app's own service (`change_application_status`), which appends the
timeline event and its audit row exactly as the portal does.
"""

from __future__ import annotations

from typing import Any

from madoguchi.core.errors import NotFoundInMunicipality
from madoguchi.intake import internal
from madoguchi.intake.models import Application, ApplicationStatus, ApplicationStatusEvent
from madoguchi.intake.services import IntakeRejected, change_application_status, submit_assisted_application

from .channel import AssistedOutcome, AttachmentInfo, Batch, ItemKind, StatusRejected, SubmissionItem

DEFAULT_SETTLE_SECONDS = internal.DEFAULT_SETTLE_SECONDS
OFFICE_ACTOR = internal.OFFICE_ACTOR


def _attachments(application: Application) -> tuple[AttachmentInfo, ...]:
    return tuple(
        AttachmentInfo(a.attachment_code, a.filename, a.sha256, a.size_bytes, a.mime_type)
        for a in internal.current_attachments(application)
    )


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
        self.settle_seconds = settle_seconds

    def fetch(self, after_cursor: str, limit: int) -> Batch:
        """Resident-caused timeline events after event id `after_cursor`, oldest first (at most `limit`)."""
        page = internal.submission_events_after(after_cursor, limit, settle=self.settle_seconds)
        return Batch(
            items=tuple(_item(event, kind) for event, kind in page.events), next_cursor=page.next_cursor
        )


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
