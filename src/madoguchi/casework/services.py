"""Casework use cases: pull submissions, accept, claim/assign, review, request correction, notes, the approval
chain (決裁) and the decision notice. Each runs in one transaction, checks permission, appends a `CaseEvent`, writes
its audit row in the same transaction and locks the case row while the state machine advances.

Status changes the resident should see are pushed to the portal through the `StatusSink` inside the same
transaction (in-process in `all` mode), so the office and the resident's timeline never disagree: if the portal
refuses (the resident withdrew meanwhile), nothing is recorded here either.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_noop

from madoguchi.benefits import decisions as benefit_decisions
from madoguchi.common.wareki import to_wareki
from madoguchi.core.access import require, scoped
from madoguchi.core.audit import Actor, record_audit
from madoguchi.core.errors import ActionNotPermitted, BusinessRuleViolation, NotFoundInMunicipality
from madoguchi.core.models import Municipality, StaffUser
from madoguchi.core.roles import Action
from madoguchi.documents.services import issue_document, verification_url
from madoguchi.identity.selectors import resolve_resident_by_serial
from madoguchi.identity.services import verify_document_signature
from madoguchi.procedures.engine import get_catalogue

from . import deadlines
from .channel import (
    ItemKind,
    StatusRejected,
    StatusSink,
    SubmissionItem,
    SubmissionSource,
    get_status_sink,
    get_submission_source,
)
from .models import (
    OPEN_STATUSES,
    TRANSITIONS,
    ApprovalRule,
    ApprovalStep,
    ApprovalStepKind,
    Case,
    CaseEvent,
    CaseEventKind,
    CaseNote,
    CaseStatus,
    ChannelCursor,
    CounterSession,
    DecisionOutcome,
    Notice,
    RevocationStatus,
    SignatureEvidence,
)
from .policy import chain_for, may_act_on_step, validate_chain

PULL_ACTOR = Actor(id="system:casework_pull", display="申請の取込")
ASSISTED_EVIDENCE_NOTE = gettext_noop(
    "窓口申請（職員入力）: 電子署名はありません。職員が本人確認書類を確認して入力し、申請者が確認票で内容を確認した記録が証拠です。"
)
NOTE_MAX_LENGTH = 2000
REASON_MAX_LENGTH = 2000
OTHER_QUEUE = "other"


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _rule(field: str, ja: str, en: str, code: str = "invalid") -> BusinessRuleViolation:
    return BusinessRuleViolation(field, ja, en, code)


# ---------------------------------------------------------------------------------------------------------------
# Pulling submissions (system)


@dataclasses.dataclass
class PullResult:
    """What one pull did."""

    batches: int = 0
    fetched: int = 0
    created: int = 0
    resubmitted: int = 0
    withdrawn: int = 0
    skipped: int = 0
    cursor: str = ""


def _revocation(verdict: Any) -> tuple[str, str, dt.datetime | None]:
    if verdict.reason == "ok":
        return RevocationStatus.GOOD, "", None
    if verdict.reason == "revoked":
        return RevocationStatus.REVOKED, verdict.revocation_reason or "unspecified", verdict.revoked_at
    if verdict.reason == "revocation_unknown":
        return RevocationStatus.UNKNOWN, "", None
    # Expired or otherwise unusable now: revocation was not asked, so it is not known.
    return RevocationStatus.UNKNOWN, f"not_checked:{verdict.reason}"[:40], None


def _evidence(item: SubmissionItem, now: dt.datetime) -> dict[str, Any]:
    """Re-verify the JPKI signature: as of the submission (validity) and as of now (revocation since)."""
    at_signing = verify_document_signature(
        certificate=item.certificate_pem,
        data=item.signed_content,
        signature=item.signature,
        at=item.submitted_at,
    )
    current = verify_document_signature(
        certificate=item.certificate_pem, data=item.signed_content, signature=item.signature, at=now
    )
    status, revocation_reason, revoked_at = _revocation(current)
    return {
        "revision": item.revision,
        "certificate_pem": item.certificate_pem,
        "serial": at_signing.serial,
        "issuer_sha256": at_signing.issuer_fingerprint,
        "policy": at_signing.policy,
        "content_sha256": hashlib.sha256(item.signed_content).hexdigest(),
        "signed_at": item.submitted_at,
        "portal_reason": item.portal_verification_reason,
        "verdict_valid": at_signing.valid,
        "verdict_reason": at_signing.reason,
        "verified_at": now,
        "revocation_status": status,
        "revocation_reason": revocation_reason,
        "revoked_at": revoked_at,
        "revocation_source": current.revocation_source,
        "revocation_checked_at": now,
    }


def _signature_ok(evidence: dict[str, Any]) -> bool:
    return bool(evidence["verdict_valid"]) and evidence["revocation_status"] != RevocationStatus.REVOKED


def _event(
    case: Case,
    kind: str,
    *,
    actor: StaffUser | Actor | None,
    at: dt.datetime,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
) -> CaseEvent:
    who = Actor.of(actor)
    return CaseEvent.objects.create(
        municipality_id=case.municipality_id,
        case=case,
        at=at,
        kind=kind,
        actor_id=who.id,
        actor_display=who.display,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
    )


def _audit(
    case: Case,
    action: str,
    *,
    actor: StaffUser | Actor | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    record_audit(
        actor=actor,
        municipality=case.municipality_id,
        action=f"casework.{action}",
        target_type="case",
        target_id=case.receipt_number,
        before=before,
        after=after,
    )


def _create_case(item: SubmissionItem, evidence: dict[str, Any] | None, now: dt.datetime) -> Case:
    procedure = get_catalogue().procedures.get(item.procedure_code)
    case = Case.objects.create(
        municipality_id=item.municipality_code,
        receipt_number=item.receipt_number,
        procedure_code=item.procedure_code,
        form_version=item.form_version,
        procedure_name=procedure.name_ja if procedure else item.procedure_name,
        applicant_name=item.applicant_name,
        applicant_sign_serial=item.applicant_sign_serial,
        status=CaseStatus.RECEIVED,
        queue=procedure.business if procedure else OTHER_QUEUE,
        received_at=item.submitted_at,
        processing_days=procedure.processing_days if procedure else item.processing_days,
        source_id=item.source_id,
        source_revision=item.revision,
        answers=item.answers,
        attachments=[a.as_dict() for a in item.attachments],
        signature_valid=evidence is not None and _signature_ok(evidence),
        is_assisted=item.is_assisted,
        assistance=dict(item.assistance) if item.is_assisted else {},
        created_at=now,
        updated_at=now,
    )
    if evidence is not None:
        SignatureEvidence.objects.create(municipality_id=case.municipality_id, case=case, **evidence)
        reason = "" if case.signature_valid else f"署名の再検証: {evidence['verdict_reason']}"
    else:
        # 書かない窓口: there is no card signature to verify; the clerk's identity check is the evidence.
        reason = ASSISTED_EVIDENCE_NOTE
    _event(case, CaseEventKind.PULLED, actor=PULL_ACTOR, at=now, to_status=CaseStatus.RECEIVED, reason=reason)
    _audit(
        case,
        "pull_submission",
        actor=PULL_ACTOR,
        after={
            "source_id": item.source_id,
            "revision": item.revision,
            "procedure": item.procedure_code,
            "signature": evidence["verdict_reason"] if evidence is not None else "assisted",
            "revocation": evidence["revocation_status"] if evidence is not None else "",
        },
    )
    return case


def _item_evidence(item: SubmissionItem, now: dt.datetime) -> dict[str, Any] | None:
    """The signature evidence of an item; None for a counter application's first version (nothing signed)."""
    if item.is_assisted and not item.signature:
        return None
    return _evidence(item, now)


def _apply_resubmission(case: Case, item: SubmissionItem, evidence: dict[str, Any], now: dt.datetime) -> None:
    previous = case.status
    case.answers = item.answers
    case.attachments = [a.as_dict() for a in item.attachments]
    case.source_revision = item.revision
    case.signature_valid = _signature_ok(evidence)
    case.applicant_sign_serial = item.applicant_sign_serial or case.applicant_sign_serial
    if case.status == CaseStatus.RETURNED_FOR_CORRECTION:
        case.status = CaseStatus.IN_REVIEW
        if case.paused_on is not None and case.due_on is not None:
            resumed_on = timezone.localdate(item.event_at)
            case.due_on = deadlines.extend_for_pause(
                case.due_on, case.paused_on, max(resumed_on, case.paused_on)
            )
        case.paused_on = None
    case.updated_at = now
    case.save()
    SignatureEvidence.objects.create(municipality_id=case.municipality_id, case=case, **evidence)
    _event(
        case,
        CaseEventKind.RESUBMITTED,
        actor=PULL_ACTOR,
        at=now,
        from_status=previous,
        to_status=case.status,
        reason=item.message_ja,
    )
    _audit(
        case,
        "pull_resubmission",
        actor=PULL_ACTOR,
        before={"status": previous},
        after={"status": case.status, "revision": item.revision, "signature": evidence["verdict_reason"]},
    )


def _apply_withdrawal(case: Case, now: dt.datetime) -> bool:
    if case.status not in OPEN_STATUSES:
        return False
    previous = case.status
    case.status = CaseStatus.WITHDRAWN
    case.paused_on = None
    case.updated_at = now
    case.save(update_fields=["status", "paused_on", "updated_at"])
    _event(
        case, CaseEventKind.WITHDRAWN, actor=PULL_ACTOR, at=now, from_status=previous, to_status=case.status
    )
    _audit(
        case, "pull_withdrawal", actor=PULL_ACTOR, before={"status": previous}, after={"status": case.status}
    )
    from .retention import archive_locked_case

    archive_locked_case(case, actor=PULL_ACTOR, at=now)  # closed: kept as it is from now on
    return True


def _needs_work(item: SubmissionItem) -> bool:
    case = Case.objects.filter(source_id=item.source_id).only("status", "source_revision").first()
    if case is None:
        return True
    if item.kind == ItemKind.RESUBMITTED:
        return item.revision > case.source_revision
    if item.kind == ItemKind.WITHDRAWN:
        return case.status in OPEN_STATUSES
    return False


def apply_submission_item(item: SubmissionItem, *, source_name: str, now: dt.datetime | None = None) -> str:
    """Apply one pulled item idempotently and move the source's cursor past it, in one transaction (system only).

    Returns "created", "resubmitted", "withdrawn" or "skipped" (already applied: at-least-once delivery).
    """
    at = _now(now)
    evidence = _item_evidence(item, at) if _needs_work(item) and item.kind != ItemKind.WITHDRAWN else None
    with transaction.atomic():
        ChannelCursor.objects.get_or_create(name=source_name)
        cursor = ChannelCursor.objects.select_for_update().get(name=source_name)
        outcome = "skipped"
        case = Case.objects.select_for_update().filter(source_id=item.source_id).first()
        if case is None:
            evidence = evidence or _item_evidence(item, at)
            try:
                with transaction.atomic():
                    case = _create_case(item, evidence, at)
            except IntegrityError:
                # Another puller created it first (the unique source id holds under concurrency).
                case = Case.objects.select_for_update().get(source_id=item.source_id)
            else:
                outcome = "created"
        if case.is_archived:
            pass  # closed and archived: nothing the portal sends can change it (delivered again, or late)
        elif item.kind == ItemKind.RESUBMITTED and item.revision > case.source_revision:
            _apply_resubmission(case, item, evidence or _evidence(item, at), at)
            outcome = "resubmitted"
        elif item.kind == ItemKind.WITHDRAWN and _apply_withdrawal(case, at):
            outcome = "withdrawn"
        cursor.cursor = item.cursor
        if outcome != "skipped":
            cursor.items_applied += 1
        cursor.save(update_fields=["cursor", "items_applied", "updated_at"])
    return outcome


def ingest_assisted_item(item: SubmissionItem, *, now: dt.datetime | None = None) -> Case:
    """Create the case of a counter application right away (system; same creation as a pull, cursor untouched).

    The pull will meet the same item later and skip it (same source id): at-least-once, never twice.
    """
    at = _now(now)
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(source_id=item.source_id).first()
        if case is not None:
            return case
        try:
            with transaction.atomic():
                return _create_case(item, _item_evidence(item, at), at)
        except IntegrityError:
            return Case.objects.get(source_id=item.source_id)


def pull_submissions(
    *,
    source: SubmissionSource | None = None,
    limit: int = 50,
    max_batches: int | None = None,
    now: dt.datetime | None = None,
) -> PullResult:
    """Pull new submissions, corrections and withdrawals from the portal into cases (system; resumable, idempotent).

    The cursor is stored with each applied item, so an interrupted pull resumes after the last item it applied;
    an item delivered twice is recognised (unique source id, revision, status) and skipped.
    """
    source = source or get_submission_source()
    result = PullResult()
    while max_batches is None or result.batches < max_batches:
        row = ChannelCursor.objects.filter(name=source.name).first()
        after = row.cursor if row is not None else ""
        batch = source.fetch(after, limit)
        result.batches += 1
        for item in batch.items:
            result.fetched += 1
            outcome = apply_submission_item(item, source_name=source.name, now=now)
            setattr(result, outcome, getattr(result, outcome) + 1)
        if batch.next_cursor and batch.next_cursor != after:
            # Skipped non-items (the office's own status pushes) still move the cursor.
            ChannelCursor.objects.update_or_create(
                name=source.name,
                defaults={"cursor": batch.next_cursor},
                create_defaults={"cursor": batch.next_cursor},
            )
        result.cursor = batch.next_cursor or after
        if not batch.next_cursor or batch.next_cursor == after:
            break  # nothing new, or a source that makes no progress (never loop on it)
    return result


# ---------------------------------------------------------------------------------------------------------------
# Staff actions


def _locked_case(actor: StaffUser, case_id: int) -> Case:
    case = scoped(Case.objects.select_for_update(), actor).filter(pk=case_id).first()
    if case is None:
        raise NotFoundInMunicipality("case")
    if case.is_archived:
        raise _rule(
            "case",
            gettext_noop(
                "この案件は完結して保存（アーカイブ）されているため、変更できません。記録は保存期間が過ぎるまで、このまま残ります。"
            ),
            "This case is archived and cannot be changed.",
            "archived",
        )
    return case


def _label(status: str) -> str:
    return str(CaseStatus(status).label) if status in CaseStatus.values else status


def _check_transition(case: Case, to_status: str) -> None:
    if to_status not in TRANSITIONS.get(case.status, frozenset()):
        raise _rule(
            "status",
            f"「{_label(case.status)}」の案件を「{_label(to_status)}」にすることはできません。",
            f"A case cannot move from {case.status} to {to_status}.",
            "invalid_transition",
        )


def _push(sink: StatusSink, case: Case, status: str, message_ja: str) -> None:
    try:
        sink.push(case.receipt_number, status, message_ja, municipality_code=case.municipality_id)
    except StatusRejected as exc:
        raise _rule("status", exc.message_ja, str(exc), "portal_refused") from exc


def _transition(
    case: Case,
    to_status: str,
    *,
    actor: StaffUser,
    kind: str,
    at: dt.datetime,
    sink: StatusSink,
    message_ja: str,
    reason: str = "",
    audit_after: dict[str, Any] | None = None,
) -> None:
    _check_transition(case, to_status)
    previous = case.status
    case.status = to_status
    case.updated_at = at
    case.save()
    _event(case, kind, actor=actor, at=at, from_status=previous, to_status=to_status, reason=reason)
    _push(sink, case, to_status, message_ja)
    _audit(
        case,
        kind,
        actor=actor,
        before={"status": previous},
        after={"status": to_status, **(audit_after or {})},
    )


def _require_assignee(actor: StaffUser, case: Case) -> None:
    if case.assignee_id != actor.pk:
        raise _rule(
            "assignee",
            "この操作は案件の担当者が行います。先に「担当する」を選んでください。",
            "Only the case's assignee may do this; claim the case first.",
            "not_assignee",
        )


def _clean_text(
    value: str, field: str, label_ja: str, *, required: bool, limit: int = REASON_MAX_LENGTH
) -> str:
    text = (value or "").strip()
    if required and not text:
        raise _rule(field, f"「{label_ja}」を入力してください。", f"{field} is required.", "required")
    if len(text) > limit:
        raise _rule(
            field,
            f"「{label_ja}」は{limit}文字以内で入力してください（現在{len(text)}文字）。",
            f"{field} is longer than {limit} characters.",
            "too_long",
        )
    return text


def accept_case(
    *, actor: StaffUser, case_id: int, now: dt.datetime | None = None, sink: StatusSink | None = None
) -> Case:
    """受付: accept a received application formally; the processing deadline starts (reviewers, approvers)."""
    require(actor, Action.REVIEW_CASE)
    at = _now(now)
    with transaction.atomic():
        case = _locked_case(actor, case_id)
        _check_transition(case, CaseStatus.ACCEPTED)
        case.accepted_on = timezone.localdate(at)
        case.due_on = deadlines.due_on(case.accepted_on, case.processing_days)
        message = (
            f"申請を受け付けました（受付日 {to_wareki(case.accepted_on)}）。"
            f"標準処理期間は{case.processing_days}開庁日で、{to_wareki(case.due_on)}までに審査の結果をお知らせする予定です。"
        )
        _transition(
            case,
            CaseStatus.ACCEPTED,
            actor=actor,
            kind=CaseEventKind.ACCEPTED,
            at=at,
            sink=sink or get_status_sink(),
            message_ja=message,
            audit_after={"accepted_on": case.accepted_on.isoformat(), "due_on": case.due_on.isoformat()},
        )
    return case


def claim_case(*, actor: StaffUser, case_id: int, now: dt.datetime | None = None) -> Case:
    """担当する: take an unassigned open case as one's own (reviewers, approvers)."""
    require(actor, Action.REVIEW_CASE)
    at = _now(now)
    with transaction.atomic():
        case = _locked_case(actor, case_id)
        if not case.is_open:
            raise _rule(
                "status",
                f"「{_label(case.status)}」の案件は担当を引き受けられません。",
                "Only open cases can be claimed.",
                "not_open",
            )
        if case.assignee_id == actor.pk:
            return case
        if case.assignee_id is not None:
            raise _rule(
                "assignee",
                f"この案件はすでに{case.assignee.display_name if case.assignee else ''}さんが担当しています。担当の変更は決裁権者が行います。",
                "The case already has an assignee.",
                "already_assigned",
            )
        case.assignee = actor
        case.updated_at = at
        case.save(update_fields=["assignee", "updated_at"])
        _event(case, CaseEventKind.CLAIMED, actor=actor, at=at, reason=actor.display_name)
        _audit(case, "claim", actor=actor, before={"assignee": None}, after={"assignee": actor.pk})
    return case


def assign_case(
    *, actor: StaffUser, case_id: int, assignee_id: int, reason: str = "", now: dt.datetime | None = None
) -> Case:
    """担当の割当て: an approver gives an open case to a staff member who may examine it."""
    require(actor, Action.DECIDE_CASE)
    at = _now(now)
    reason = _clean_text(reason, "reason", "理由", required=False)
    assignee = (
        scoped(StaffUser.objects.filter(is_active=True), actor).filter(pk=assignee_id).first()
        if assignee_id
        else None
    )
    if assignee is None or not assignee.can(Action.REVIEW_CASE):
        raise _rule(
            "assignee_id",
            "担当者には、この自治体の審査担当または決裁権者を選んでください。",
            "The assignee must be a reviewer or approver of this municipality.",
            "invalid_assignee",
        )
    with transaction.atomic():
        case = _locked_case(actor, case_id)
        if not case.is_open:
            raise _rule("status", "完了した案件の担当は変更できません。", "Case is closed.", "not_open")
        previous = case.assignee_id
        case.assignee = assignee
        case.updated_at = at
        case.save(update_fields=["assignee", "updated_at"])
        _event(
            case,
            CaseEventKind.ASSIGNED,
            actor=actor,
            at=at,
            reason=f"{assignee.display_name}" + (f"（{reason}）" if reason else ""),
        )
        _audit(case, "assign", actor=actor, before={"assignee": previous}, after={"assignee": assignee.pk})
    return case


def start_review(
    *, actor: StaffUser, case_id: int, now: dt.datetime | None = None, sink: StatusSink | None = None
) -> Case:
    """審査を開始: the assignee starts examining an accepted case; the resident sees 「審査中」."""
    require(actor, Action.REVIEW_CASE)
    at = _now(now)
    with transaction.atomic():
        case = _locked_case(actor, case_id)
        _require_assignee(actor, case)
        _transition(
            case,
            CaseStatus.IN_REVIEW,
            actor=actor,
            kind=CaseEventKind.REVIEW_STARTED,
            at=at,
            sink=sink or get_status_sink(),
            message_ja=gettext_noop("申請内容の審査を始めました。"),
        )
    return case


@dataclasses.dataclass(frozen=True)
class OpenProposal:
    """A proposal (起案) whose approval chain is under way."""

    number: int
    outcome: str
    chain: tuple[str, ...]
    steps: tuple[ApprovalStep, ...]

    @property
    def next_index(self) -> int:
        return len(self.steps)

    @property
    def next_role(self) -> str:
        return self.chain[self.next_index]

    @property
    def is_final_step(self) -> bool:
        return self.next_index == len(self.chain) - 1

    @property
    def actor_ids(self) -> set[int]:
        return {s.actor_id for s in self.steps}


def open_proposal(case: Case) -> OpenProposal | None:
    """The proposal awaiting approval on a case under review, or None."""
    if case.status != CaseStatus.IN_REVIEW:
        return None
    return proposal_from_steps(case.approval_steps.select_related("actor"))


def proposal_from_steps(steps: Iterable[ApprovalStep]) -> OpenProposal | None:
    """The open proposal among a case under review's approval steps (any order), or None: the last proposal, unless
    it was sent back or rejected or its chain is complete. Lets a list read the steps of many cases at once."""
    every = list(steps)
    if not every:
        return None
    last = max(s.proposal_number for s in every)
    current = tuple(sorted((s for s in every if s.proposal_number == last), key=lambda s: s.step_index))
    if any(s.kind in (ApprovalStepKind.SENT_BACK, ApprovalStepKind.REJECTED) for s in current):
        return None
    first = current[0]
    chain = tuple(first.chain)
    if len(current) >= len(chain):
        return None
    return OpenProposal(number=last, outcome=first.outcome, chain=chain, steps=current)


def request_correction(
    *,
    actor: StaffUser,
    case_id: int,
    message_ja: str,
    now: dt.datetime | None = None,
    sink: StatusSink | None = None,
) -> Case:
    """補正依頼: return the application to the resident with what to correct; the deadline clock stops."""
    require(actor, Action.REVIEW_CASE)
    at = _now(now)
    message = _clean_text(message_ja, "message_ja", "申請者へのお願いの内容", required=True)
    with transaction.atomic():
        case = _locked_case(actor, case_id)
        _require_assignee(actor, case)
        if open_proposal(case) is not None:
            raise _rule(
                "status",
                "決裁中の案件は補正を依頼できません。決裁権者から差し戻されてから依頼してください。",
                "A case with a proposal under approval cannot be returned for correction.",
                "proposal_open",
            )
        _check_transition(case, CaseStatus.RETURNED_FOR_CORRECTION)
        case.paused_on = timezone.localdate(at)
        _transition(
            case,
            CaseStatus.RETURNED_FOR_CORRECTION,
            actor=actor,
            kind=CaseEventKind.CORRECTION_REQUESTED,
            at=at,
            sink=sink or get_status_sink(),
            message_ja=message,
            reason=message,
        )
    return case


def add_note(*, actor: StaffUser, case_id: int, text: str, now: dt.datetime | None = None) -> CaseNote:
    """内部メモ: a note for colleagues, never shown to the applicant (reviewers, approvers)."""
    if not (actor.can(Action.REVIEW_CASE) or actor.can(Action.DECIDE_CASE)):
        raise ActionNotPermitted(Action.REVIEW_CASE)
    at = _now(now)
    body = _clean_text(text, "text", "メモ", required=True, limit=NOTE_MAX_LENGTH)
    with transaction.atomic():
        case = _locked_case(actor, case_id)
        note = CaseNote.objects.create(
            municipality_id=case.municipality_id, case=case, at=at, author=actor, text=body
        )
        # The note itself may hold personal data: the audit row records that it was written, not what it says.
        _audit(case, "add_note", actor=actor, after={"note_id": note.pk, "length": len(body)})
    return note


def propose_decision(
    *, actor: StaffUser, case_id: int, outcome: str, reason: str, now: dt.datetime | None = None
) -> ApprovalStep:
    """起案: the assignee proposes the decision (grant or deny, with reasons); the approval chain starts."""
    require(actor, Action.REVIEW_CASE)
    at = _now(now)
    if outcome not in DecisionOutcome.values:
        raise _rule(
            "outcome", "決定案（認定・承認／却下）を選んでください。", "Choose grant or deny.", "required"
        )
    body = _clean_text(reason, "reason", "決定案の理由", required=True)
    with transaction.atomic():
        case = _locked_case(actor, case_id)
        _require_assignee(actor, case)
        if case.status != CaseStatus.IN_REVIEW:
            raise _rule(
                "status",
                f"「{_label(case.status)}」の案件は起案できません。審査中の案件だけが起案できます。",
                "Only cases in review can be proposed.",
                "not_in_review",
            )
        if open_proposal(case) is not None:
            raise _rule(
                "status",
                "この案件はすでに決裁中です。",
                "A proposal is already under approval.",
                "proposal_open",
            )
        chain = chain_for(case.municipality_id, case.procedure_code)
        if not may_act_on_step(actor, chain[0]):
            raise ActionNotPermitted(Action.REVIEW_CASE, "この手続の起案をする権限がありません。")
        number = (
            case.approval_steps.order_by("-proposal_number").values_list("proposal_number", flat=True).first()
            or 0
        ) + 1
        step = ApprovalStep.objects.create(
            municipality_id=case.municipality_id,
            case=case,
            proposal_number=number,
            step_index=0,
            kind=ApprovalStepKind.PROPOSED,
            outcome=outcome,
            chain=list(chain),
            actor=actor,
            actor_role=actor.role,
            at=at,
            reason=body,
        )
        case.updated_at = at
        case.save(update_fields=["updated_at"])
        _event(
            case,
            CaseEventKind.PROPOSED,
            actor=actor,
            at=at,
            reason=f"{DecisionOutcome(outcome).label}: {body}",
        )
        _audit(
            case, "propose", actor=actor, after={"proposal": number, "outcome": outcome, "chain": list(chain)}
        )
    return step


_STEP_EVENTS: dict[str, str] = {
    ApprovalStepKind.APPROVED: CaseEventKind.APPROVED,
    ApprovalStepKind.SENT_BACK: CaseEventKind.SENT_BACK,
    ApprovalStepKind.REJECTED: CaseEventKind.REJECTED,
}


def _act_on_proposal(
    *,
    actor: StaffUser,
    case_id: int,
    kind: str,
    reason: str,
    now: dt.datetime | None,
    sink: StatusSink | None,
) -> ApprovalStep:
    require(actor, Action.DECIDE_CASE)
    at = _now(now)
    body = _clean_text(reason, "reason", "理由", required=kind != ApprovalStepKind.APPROVED)
    with transaction.atomic():
        case = _locked_case(actor, case_id)
        proposal = open_proposal(case)
        if proposal is None:
            raise _rule(
                "status", "決裁を待っている起案はありません。", "No proposal awaits approval.", "no_proposal"
            )
        if actor.pk in proposal.actor_ids:
            # 職務の分離: nobody approves what they drafted (or approves twice in one chain).
            raise _rule(
                "actor",
                "自分が起案または承認した案件は決裁できません。別の決裁権者に依頼してください。",
                "You cannot decide on a proposal you drafted or already approved.",
                "own_proposal",
            )
        if not may_act_on_step(actor, proposal.next_role):
            raise ActionNotPermitted(Action.DECIDE_CASE, "この段階の決裁をする権限がありません。")
        try:
            with transaction.atomic():
                step = ApprovalStep.objects.create(
                    municipality_id=case.municipality_id,
                    case=case,
                    proposal_number=proposal.number,
                    step_index=proposal.next_index,
                    kind=kind,
                    outcome=proposal.outcome,
                    chain=list(proposal.chain),
                    actor=actor,
                    actor_role=actor.role,
                    at=at,
                    reason=body,
                )
        except IntegrityError:
            raise _rule(
                "status",
                "この段階は別の職員がすでに決裁しました。",
                "This step was already decided.",
                "conflict",
            ) from None
        _event(
            case,
            _STEP_EVENTS[kind],
            actor=actor,
            at=at,
            reason=f"第{proposal.number}号起案 第{proposal.next_index}段階" + (f": {body}" if body else ""),
        )
        _audit(
            case,
            f"approval_{kind}",
            actor=actor,
            after={"proposal": proposal.number, "step": proposal.next_index, "outcome": proposal.outcome},
        )
        if kind == ApprovalStepKind.APPROVED and proposal.is_final_step:
            _decide(case, proposal, actor=actor, at=at, sink=sink or get_status_sink())
        else:
            case.updated_at = at
            case.save(update_fields=["updated_at"])
    return step


def approve_step(
    *,
    actor: StaffUser,
    case_id: int,
    reason: str = "",
    now: dt.datetime | None = None,
    sink: StatusSink | None = None,
) -> ApprovalStep:
    """承認: approve the next step of the open proposal; the last approval decides and issues the notice."""
    return _act_on_proposal(
        actor=actor, case_id=case_id, kind=ApprovalStepKind.APPROVED, reason=reason, now=now, sink=sink
    )


def send_back(
    *,
    actor: StaffUser,
    case_id: int,
    reason: str,
    now: dt.datetime | None = None,
    sink: StatusSink | None = None,
) -> ApprovalStep:
    """差戻し: return the proposal to the drafter for rework (the reason is required); the case stays in review."""
    return _act_on_proposal(
        actor=actor, case_id=case_id, kind=ApprovalStepKind.SENT_BACK, reason=reason, now=now, sink=sink
    )


def reject_proposal(
    *,
    actor: StaffUser,
    case_id: int,
    reason: str,
    now: dt.datetime | None = None,
    sink: StatusSink | None = None,
) -> ApprovalStep:
    """不承認: refuse the proposed conclusion (the reason is required); a new proposal must be drafted."""
    return _act_on_proposal(
        actor=actor, case_id=case_id, kind=ApprovalStepKind.REJECTED, reason=reason, now=now, sink=sink
    )


# Stored in Japanese (the resident status page translates these msgids when it shows them).
_DECISION_MESSAGES = {
    DecisionOutcome.GRANT: gettext_noop("審査の結果、申請のとおり決定しました。決定通知書を発行します。"),
    DecisionOutcome.DENY: gettext_noop(
        "審査の結果、申請を却下することに決定しました。決定通知書で理由をご確認ください。"
    ),
}


def _decide(
    case: Case, proposal: OpenProposal, *, actor: StaffUser, at: dt.datetime, sink: StatusSink
) -> None:
    outcome = proposal.outcome
    _apply_benefit_decision(case, outcome, actor=actor, at=at)
    to_status = CaseStatus.DECIDED if outcome == DecisionOutcome.GRANT else CaseStatus.REJECTED
    case.decision_outcome = outcome
    case.decided_at = at
    _transition(
        case,
        to_status,
        actor=actor,
        kind=CaseEventKind.DECIDED,
        at=at,
        sink=sink,
        message_ja=_DECISION_MESSAGES[DecisionOutcome(outcome)],
        reason=str(DecisionOutcome(outcome).label),
        audit_after={"outcome": outcome, "proposal": proposal.number},
    )
    document = _issue_notice_document(case, proposal, actor=actor, at=at)
    Notice.objects.create(
        municipality_id=case.municipality_id, case=case, document=document, outcome=outcome, issued_at=at
    )
    from .core_systems import publish_decided_case

    publish_decided_case(case, at=at)  # the feed core systems pull (基幹システム連携), in this transaction
    _transition(
        case,
        CaseStatus.NOTICE_ISSUED,
        actor=actor,
        kind=CaseEventKind.NOTICE_ISSUED,
        at=at,
        sink=sink,
        message_ja=(
            f"決定通知書を発行しました（文書番号 {document.public_id}）。"
            f"通知書の真正性は {verification_url(document.public_id)} で確認できます。"
        ),
        reason=f"文書番号 {document.public_id}",
        audit_after={"document": document.public_id},
    )
    from .retention import archive_locked_case

    # Decided: archived with its evidence, immutable from now on (retention.py).
    archive_locked_case(case, actor=actor, at=at)


def _apply_benefit_decision(case: Case, outcome: str, *, actor: StaffUser, at: dt.datetime) -> None:
    # The benefit business records a decision means (受給者, 認定, 給付 …), in this transaction; a handler that
    # cannot record it refuses the decision with its reason and nothing is written (benefits.decisions).
    if not benefit_decisions.has_handler(case.procedure_code):
        return
    resident_id: int | None = None
    if case.is_assisted:
        # A counter application (書かない窓口): the clerk chose the resident from the registry and checked identity.
        resident_id = (
            CounterSession.objects.filter(
                municipality_id=case.municipality_id,
                public_id=str((case.assistance or {}).get("counter_session", "")),
            )
            .values_list("resident_id", flat=True)
            .first()
        )
    elif case.applicant_sign_serial:
        resident = resolve_resident_by_serial(
            case.applicant_sign_serial, "sign", municipality=case.municipality_id
        )
        resident_id = resident.pk if resident is not None else None
    benefit_decisions.apply_decision(
        actor=actor,
        case=benefit_decisions.DecidedCase(
            municipality_code=case.municipality_id,
            receipt_number=case.receipt_number,
            procedure_code=case.procedure_code,
            form_version=case.form_version,
            outcome=str(outcome),
            answers=case.answers,
            received_on=timezone.localdate(case.received_at),
            decided_at=at,
            resident_id=resident_id,
            is_assisted=case.is_assisted,
        ),
    )


def _issue_notice_document(case: Case, proposal: OpenProposal, *, actor: StaffUser, at: dt.datetime) -> Any:
    municipality = Municipality.objects.get(code=case.municipality_id)
    proposal_step = proposal.steps[0]
    html = render_to_string(
        "casework/notice_pdf.html",
        {
            "case": case,
            "municipality": municipality,
            "outcome": proposal.outcome,
            "granted": proposal.outcome == DecisionOutcome.GRANT,
            "reason": proposal_step.reason,
            "decided_on": to_wareki(timezone.localdate(at)),
            "received_on": to_wareki(timezone.localdate(case.received_at)),
        },
    )
    return issue_document(
        actor=actor,
        municipality=municipality,
        kind="notice",
        title=f"{case.procedure_name}　決定通知書"[:120],
        html=html,
        subject_type="case",
        subject_id=case.receipt_number,
        purpose="case_decision",
        audit_details={"case": case.receipt_number, "outcome": proposal.outcome},
        now=at,
    )


# ---------------------------------------------------------------------------------------------------------------
# Configuration


def set_approval_rule(
    *, actor: StaffUser, procedure_code: str, steps: list[str], now: dt.datetime | None = None
) -> ApprovalRule:
    """Set the approval chain of a procedure ('' = the municipality default). Administrators configure procedures."""
    require(actor, Action.CONFIGURE_PROCEDURES)
    chain = validate_chain(steps)
    if procedure_code and procedure_code not in get_catalogue().procedures:
        raise _rule(
            "procedure_code", "手続コードが正しくありません。", "Unknown procedure.", "unknown_procedure"
        )
    assert actor.municipality_id is not None
    with transaction.atomic():
        previous = ApprovalRule.objects.filter(
            municipality_id=actor.municipality_id, procedure_code=procedure_code
        ).first()
        before = {"steps": list(previous.steps)} if previous else None
        rule, _created = ApprovalRule.objects.update_or_create(
            municipality_id=actor.municipality_id,
            procedure_code=procedure_code,
            defaults={"steps": list(chain)},
        )
        record_audit(
            actor=actor,
            municipality=actor.municipality_id,
            action="casework.set_approval_rule",
            target_type="approval_rule",
            target_id=procedure_code or "*",
            before=before,
            after={"steps": list(chain)},
        )
    return rule
