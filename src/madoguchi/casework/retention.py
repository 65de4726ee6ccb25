"""Retention and disposal of cases (保存・廃棄): archive closed cases immutably, list those past their retention
period, and dispose of them only through a two-person approval (起案 → another approver's 決裁).

Retention period per procedure: the catalogue's `retention_years` when a procedure carries it, else the default of
its business below. The defaults follow common municipal 文書管理規程 practice for benefit/certification files
(5 years; 罹災証明 10 years, as disaster records are consulted for later support); they are not a statute and a
municipality that keeps other periods sets them in the catalogue. Registry records are not cases: 除票 are kept
150 years by the registry itself (住基法施行令 §34, registry.md) and never pass through here.

The period counts from 1 April of the fiscal year after the case was closed (the usual 起算日: 翌年度の4月1日), so a
case closed on 2026-11-26 with 5 years may be disposed of from 2032-04-01.

Archive: when a case is closed (notice issued, or withdrawn) its canonical snapshot — the case, the application as
pulled (answers, attachment list, counter identity record), the signature evidence, the approval chain, history,
notes and the notice — is stored with its SHA-256 in `CaseArchive`, and the case is frozen (`Case.is_archived`:
every later write raises `CaseArchivedError`; staff actions answer with a clear message).

Disposal: an approved `DisposalRequest` deletes the case, its evidence, notes, history, archive snapshot, notice
PDF and counter session, and leaves a `CaseTombstone` (number, procedure, dates, archive hash, the approval).
Every step writes an audit row; nothing is deleted without one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop

from madoguchi.core.access import require, scoped
from madoguchi.core.audit import Actor, record_audit
from madoguchi.core.errors import ActionNotPermitted, BusinessRuleViolation, NotFoundInMunicipality
from madoguchi.core.models import StaffUser
from madoguchi.core.roles import Action
from madoguchi.procedures.engine import get_catalogue

from .models import (
    Case,
    CaseArchive,
    CaseEvent,
    CaseNote,
    CaseStatus,
    CaseTombstone,
    CounterSession,
    DisposalRequest,
    DisposalStatus,
)

RETENTION_ACTOR = Actor(id="system:casework_retention", display="保存・廃棄の処理")
DEFAULT_RETENTION_YEARS = 5
# Per business (the catalogue's `business`): common municipal practice, see the module docstring.
RETENTION_YEARS_BY_BUSINESS: dict[str, int] = {
    "child_allowance": 5,
    "child_rearing_allowance": 5,
    "childcare": 5,
    "pregnancy": 5,
    "care_insurance": 5,
    "disaster": 10,
}
CLOSED_STATUSES: tuple[str, ...] = (CaseStatus.NOTICE_ISSUED, CaseStatus.WITHDRAWN)
REASON_MAX_LENGTH = 2000


def _rule(field: str, ja: str, en: str, code: str) -> BusinessRuleViolation:
    return BusinessRuleViolation(field, ja, en, code)


# ---------------------------------------------------------------------------------------------------------------
# Rules (pure)


def retention_for(procedure_code: str) -> tuple[int, str]:
    """(years, source) of a procedure's retention period: the catalogue's value, else its business default."""
    procedure = get_catalogue().procedures.get(procedure_code)
    if procedure is None:
        return DEFAULT_RETENTION_YEARS, "default"
    years = getattr(procedure, "retention_years", None)
    if isinstance(years, int) and years > 0:
        return years, "catalogue"
    if procedure.business in RETENTION_YEARS_BY_BUSINESS:
        return RETENTION_YEARS_BY_BUSINESS[procedure.business], f"business:{procedure.business}"
    return DEFAULT_RETENTION_YEARS, "default"


def retention_starts_on(closed_on: dt.date) -> dt.date:
    """1 April of the fiscal year after the one the case was closed in (翌年度の4月1日)."""
    fiscal_year = closed_on.year if closed_on.month >= 4 else closed_on.year - 1
    return dt.date(fiscal_year + 1, 4, 1)


def dispose_after(closed_on: dt.date, years: int) -> dt.date:
    """The first day the case may be disposed of: the start of the period plus its years."""
    start = retention_starts_on(closed_on)
    return start.replace(year=start.year + years)


def closed_on(case: Case) -> dt.date | None:
    """The day a case was closed (the event that moved it to a closed status), or None while it is not closed."""
    if case.status not in CLOSED_STATUSES:
        return None
    event = case.events.filter(to_status=case.status).order_by("-at", "-id").first()
    at = event.at if event is not None else case.updated_at
    return timezone.localdate(at)


# ---------------------------------------------------------------------------------------------------------------
# Archive


def _iso(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _row(obj: Any, fields: Sequence[str]) -> dict[str, Any]:
    return {name: _iso(getattr(obj, name)) for name in fields}


CASE_FIELDS = (
    "receipt_number",
    "procedure_code",
    "form_version",
    "procedure_name",
    "applicant_name",
    "applicant_sign_serial",
    "status",
    "queue",
    "assignee_id",
    "received_at",
    "accepted_on",
    "processing_days",
    "due_on",
    "is_assisted",
    "assistance",
    "source_id",
    "source_revision",
    "answers",
    "attachments",
    "signature_valid",
    "decision_outcome",
    "decided_at",
    "created_at",
)
EVIDENCE_FIELDS = (
    "revision",
    "certificate_pem",
    "serial",
    "issuer_sha256",
    "policy",
    "content_sha256",
    "signed_at",
    "portal_reason",
    "verdict_valid",
    "verdict_reason",
    "verified_at",
    "revocation_status",
    "revocation_reason",
    "revoked_at",
    "revocation_source",
    "revocation_checked_at",
)
STEP_FIELDS = (
    "proposal_number",
    "step_index",
    "kind",
    "outcome",
    "chain",
    "actor_id",
    "actor_role",
    "at",
    "reason",
)
EVENT_FIELDS = ("at", "kind", "actor_id", "actor_display", "from_status", "to_status", "reason")
NOTE_FIELDS = ("at", "author_id", "text")


def snapshot_of(case: Case) -> dict[str, Any]:
    """The canonical content of a case and its evidence (what the archive hash covers)."""
    notice = getattr(case, "notice", None) if hasattr(case, "notice") else None
    return {
        "case": _row(case, CASE_FIELDS),
        "signature_evidence": [
            _row(e, EVIDENCE_FIELDS) for e in case.signature_evidence.order_by("revision")
        ],
        "approval_steps": [
            _row(s, STEP_FIELDS) for s in case.approval_steps.order_by("proposal_number", "step_index")
        ],
        "events": [_row(e, EVENT_FIELDS) for e in case.events.order_by("at", "id")],
        "notes": [_row(n, NOTE_FIELDS) for n in case.notes.order_by("at", "id")],
        "notice": (
            {
                "document": notice.document.public_id,
                "document_sha256": notice.document.sha256,
                "outcome": notice.outcome,
                "issued_at": notice.issued_at.isoformat(),
            }
            if notice is not None
            else None
        ),
    }


def content_hash(snapshot: dict[str, Any]) -> str:
    """SHA-256 of the snapshot's canonical JSON (sorted keys, no whitespace, UTF-8)."""
    data = json.dumps(snapshot, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def archive_locked_case(case: Case, *, actor: StaffUser | Actor | None, at: dt.datetime) -> CaseArchive:
    """Archive a closed case the caller holds locked, inside the caller's transaction (system rule, no role)."""
    existing = CaseArchive.objects.filter(case=case).first()
    if existing is not None:
        return existing
    closed = closed_on(case)
    if closed is None:
        raise _rule(
            "status",
            gettext_noop("完結していない案件は保存できません。"),
            "Only closed cases (notice issued or withdrawn) can be archived.",
            "not_closed",
        )
    years, source = retention_for(case.procedure_code)
    snapshot = snapshot_of(case)
    digest = content_hash(snapshot)
    who = Actor.of(actor)
    archive = CaseArchive.objects.create(
        municipality_id=case.municipality_id,
        case=case,
        archived_at=at,
        archived_by=who.display,
        closed_on=closed,
        retention_years=years,
        retention_source=source,
        retention_starts_on=retention_starts_on(closed),
        dispose_after=dispose_after(closed, years),
        snapshot=snapshot,
        content_sha256=digest,
    )
    case.is_archived = True
    case.save(update_fields=["is_archived"])
    record_audit(
        actor=actor,
        municipality=case.municipality_id,
        action="casework.archive_case",
        target_type="case",
        target_id=case.receipt_number,
        after={
            "content_sha256": digest,
            "closed_on": closed.isoformat(),
            "retention_years": years,
            "retention_source": source,
            "dispose_after": archive.dispose_after.isoformat(),
        },
    )
    return archive


def verify_archive(case: Case) -> list[str]:
    """What no longer matches a case's archive: "snapshot" (stored snapshot ≠ its hash) and/or "case" (the live
    rows ≠ the snapshot, e.g. a write that bypassed the model). Empty when intact."""
    archive = CaseArchive.objects.get(case=case)
    problems = []
    if content_hash(archive.snapshot) != archive.content_sha256:
        problems.append("snapshot")
    if content_hash(snapshot_of(case)) != archive.content_sha256:
        problems.append("case")
    return problems


@dataclasses.dataclass
class RetentionRun:
    """What `retention_run` found (and, unless a dry run, archived)."""

    to_archive: list[Case] = dataclasses.field(default_factory=list)
    archived: int = 0
    due: list[CaseArchive] = dataclasses.field(default_factory=list)


def closed_unarchived_cases(municipality_code: str | None = None) -> QuerySet[Case]:
    """Closed cases not yet archived (e.g. withdrawn ones, or decided before archiving existed)."""
    qs = Case.objects.filter(status__in=CLOSED_STATUSES, is_archived=False)
    if municipality_code:
        qs = qs.filter(municipality_id=municipality_code)
    return qs.order_by("municipality_id", "id")


def due_archives(*, today: dt.date, municipality_code: str | None = None) -> QuerySet[CaseArchive]:
    """Archives past their retention period (廃棄できる日 ≤ today), oldest first."""
    qs = CaseArchive.objects.filter(dispose_after__lte=today).select_related("case")
    if municipality_code:
        qs = qs.filter(municipality_id=municipality_code)
    return qs.order_by("dispose_after", "id")


def run_retention(
    *, dry_run: bool, municipality_code: str | None = None, now: dt.datetime | None = None
) -> RetentionRun:
    """System job: archive closed cases not yet archived (unless `dry_run`) and list the cases due for disposal.

    It never disposes of anything: disposal needs a proposal and another person's approval.
    """
    at = now or timezone.now()
    result = RetentionRun(to_archive=list(closed_unarchived_cases(municipality_code)))
    if not dry_run:
        for case in result.to_archive:
            with transaction.atomic():
                locked = Case.objects.select_for_update().get(pk=case.pk)
                if not locked.is_archived:
                    archive_locked_case(locked, actor=RETENTION_ACTOR, at=at)
                    result.archived += 1
    result.due = list(due_archives(today=timezone.localdate(at), municipality_code=municipality_code))
    return result


# ---------------------------------------------------------------------------------------------------------------
# Disposal: selectors


def require_disposal_view(actor: StaffUser) -> None:
    """Reviewers, approvers and auditors (read-only) see the disposal list."""
    if not any(actor.can(a) for a in (Action.REVIEW_CASE, Action.DECIDE_CASE, Action.VIEW_AUDIT_LOG)):
        raise ActionNotPermitted(
            "view_disposal", gettext_noop("保存期間と廃棄の一覧を見る権限がありません。")
        )


def list_due(*, actor: StaffUser, today: dt.date) -> list[CaseArchive]:
    """The actor's municipality's archived cases past retention and not in an open disposal proposal."""
    require_disposal_view(actor)
    pending = set()
    for numbers in scoped(DisposalRequest.objects.filter(status=DisposalStatus.PROPOSED), actor).values_list(
        "receipt_numbers", flat=True
    ):
        pending.update(numbers)
    return [
        a
        for a in due_archives(today=today, municipality_code=actor.municipality_id)
        if a.case.receipt_number not in pending
    ]


def list_requests(*, actor: StaffUser) -> QuerySet[DisposalRequest]:
    """Disposal proposals of the actor's municipality, newest first."""
    require_disposal_view(actor)
    return scoped(DisposalRequest.objects.select_related("proposed_by", "decided_by"), actor)


def get_request(*, actor: StaffUser, request_id: int) -> DisposalRequest:
    """One disposal proposal of the actor's municipality."""
    found = list_requests(actor=actor).filter(pk=request_id).first()
    if found is None:
        raise NotFoundInMunicipality("disposal request")
    return found


def list_tombstones(*, actor: StaffUser, limit: int = 100) -> list[CaseTombstone]:
    """The latest disposed cases (tombstones) of the actor's municipality."""
    require_disposal_view(actor)
    return list(scoped(CaseTombstone.objects.select_related("disposal"), actor)[:limit])


# ---------------------------------------------------------------------------------------------------------------
# Disposal: services


def _clean_reason(reason: str, *, required: bool) -> str:
    text = (reason or "").strip()
    if required and not text:
        raise _rule("reason", gettext_noop("「理由」を入力してください。"), "reason is required.", "required")
    if len(text) > REASON_MAX_LENGTH:
        raise _rule(
            "reason",
            gettext_noop("「理由」は2000文字以内で入力してください。"),
            "reason is too long.",
            "too_long",
        )
    return text


def propose_disposal(
    *, actor: StaffUser, receipt_numbers: Sequence[str], reason: str, now: dt.datetime | None = None
) -> DisposalRequest:
    """起案: propose to dispose of archived cases past their retention period (reviewers, approvers)."""
    require(actor, Action.REVIEW_CASE)
    at = now or timezone.now()
    body = _clean_reason(reason, required=True)
    numbers = sorted(set(receipt_numbers))
    if not numbers:
        raise _rule(
            "receipt_numbers",
            gettext_noop("廃棄する案件を選んでください。"),
            "Choose the cases to dispose of.",
            "required",
        )
    due = {a.case.receipt_number for a in list_due(actor=actor, today=timezone.localdate(at))}
    not_due = [n for n in numbers if n not in due]
    if not_due:
        raise _rule(
            "receipt_numbers",
            gettext_noop(
                "保存期間が過ぎていない案件、保存されていない案件、または別の起案に含まれている案件は廃棄を起案できません。"
            ),
            f"Not due for disposal (or already proposed): {', '.join(not_due)}.",
            "not_due",
        )
    assert actor.municipality_id is not None
    with transaction.atomic():
        request = DisposalRequest.objects.create(
            municipality_id=actor.municipality_id,
            proposed_by=actor,
            proposed_at=at,
            reason=body,
            receipt_numbers=numbers,
        )
        record_audit(
            actor=actor,
            municipality=actor.municipality_id,
            action="casework.propose_disposal",
            target_type="disposal_request",
            target_id=request.pk,
            after={"receipt_numbers": numbers},
        )
    return request


def _locked_request(actor: StaffUser, request_id: int) -> DisposalRequest:
    request = scoped(DisposalRequest.objects.select_for_update(), actor).filter(pk=request_id).first()
    if request is None:
        raise NotFoundInMunicipality("disposal request")
    if request.status != DisposalStatus.PROPOSED:
        raise _rule(
            "status",
            gettext_noop("この廃棄の起案はすでに決裁されています。"),
            "This disposal proposal was already decided.",
            "already_decided",
        )
    if request.proposed_by_id == actor.pk:
        # 職務の分離: the person who proposes a disposal never approves it.
        raise _rule(
            "actor",
            gettext_noop("自分が起案した廃棄は決裁できません。別の決裁権者に依頼してください。"),
            "You cannot decide on a disposal you proposed.",
            "own_proposal",
        )
    return request


def reject_disposal(
    *, actor: StaffUser, request_id: int, reason: str, now: dt.datetime | None = None
) -> DisposalRequest:
    """不承認: refuse a disposal proposal (approvers, not the proposer); the cases stay archived."""
    require(actor, Action.DECIDE_CASE)
    at = now or timezone.now()
    body = _clean_reason(reason, required=True)
    with transaction.atomic():
        request = _locked_request(actor, request_id)
        request.status = DisposalStatus.REJECTED
        request.decided_by = actor
        request.decided_at = at
        request.decision_reason = body
        request.save()
        record_audit(
            actor=actor,
            municipality=request.municipality_id,
            action="casework.reject_disposal",
            target_type="disposal_request",
            target_id=request.pk,
            after={"status": request.status},
        )
    return request


def _dispose(case: Case, archive: CaseArchive, request: DisposalRequest, at: dt.datetime) -> CaseTombstone:
    from madoguchi.documents.models import IssuedDocument

    tombstone = CaseTombstone.objects.create(
        municipality_id=case.municipality_id,
        receipt_number=case.receipt_number,
        procedure_code=case.procedure_code,
        procedure_name=case.procedure_name,
        final_status=case.status,
        received_at=case.received_at,
        decided_at=case.decided_at,
        closed_on=archive.closed_on,
        archived_at=archive.archived_at,
        archive_sha256=archive.content_sha256,
        retention_years=archive.retention_years,
        dispose_after=archive.dispose_after,
        disposal=request,
        disposed_at=at,
        was_assisted=case.is_assisted,
    )
    documents: list[str] = []
    notice = getattr(case, "notice", None) if hasattr(case, "notice") else None
    if notice is not None:
        documents.append(notice.document.public_id)
        notice.delete()
    sessions = CounterSession.objects.filter(
        municipality_id=case.municipality_id, receipt_number=case.receipt_number
    )
    documents += [s.sheet_document_id for s in sessions if s.sheet_document_id]
    sessions.delete()
    IssuedDocument.objects.filter(municipality_id=case.municipality_id, public_id__in=documents).delete()
    # History rows are append-only for everyone else; disposal is the one act that removes them (with the case).
    CaseEvent.objects.filter(case=case).delete()
    CaseNote.objects.filter(case=case).delete()
    case.approval_steps.all().delete()
    case.signature_evidence.all().delete()
    archive.delete()
    Case.objects.filter(pk=case.pk).delete()
    record_audit(
        actor=request.decided_by,
        municipality=case.municipality_id,
        action="casework.dispose_case",
        target_type="case",
        target_id=tombstone.receipt_number,
        before={"archive_sha256": tombstone.archive_sha256, "documents": documents},
        after={"tombstone": tombstone.pk, "disposal_request": request.pk},
    )
    return tombstone


def approve_disposal(
    *, actor: StaffUser, request_id: int, reason: str = "", now: dt.datetime | None = None
) -> list[CaseTombstone]:
    """承認: dispose of the proposed cases (approvers, not the proposer): the personal payload is deleted and a
    tombstone per case remains. Every case must still be archived and past retention, or nothing is disposed."""
    require(actor, Action.DECIDE_CASE)
    at = now or timezone.now()
    body = _clean_reason(reason, required=False)
    with transaction.atomic():
        request = _locked_request(actor, request_id)
        archives = {
            a.case.receipt_number: a
            for a in CaseArchive.objects.select_related("case")
            .select_for_update()
            .filter(municipality_id=request.municipality_id, case__receipt_number__in=request.receipt_numbers)
        }
        today = timezone.localdate(at)
        missing = [
            n for n in request.receipt_numbers if n not in archives or archives[n].dispose_after > today
        ]
        if missing:
            raise _rule(
                "receipt_numbers",
                gettext_noop(
                    "起案の中に、保存期間が過ぎていないか、すでに廃棄された案件があります。起案をやり直してください。"
                ),
                f"Not (or no longer) due for disposal: {', '.join(missing)}.",
                "not_due",
            )
        request.status = DisposalStatus.APPROVED
        request.decided_by = actor
        request.decided_at = at
        request.decision_reason = body
        request.save()
        record_audit(
            actor=actor,
            municipality=request.municipality_id,
            action="casework.approve_disposal",
            target_type="disposal_request",
            target_id=request.pk,
            after={"receipt_numbers": request.receipt_numbers, "proposed_by": request.proposed_by_id},
        )
        return [_dispose(archives[n].case, archives[n], request, at) for n in request.receipt_numbers]
