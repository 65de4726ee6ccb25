"""児童扶養手当 writes: the 受給者 register, the annual review opened by a granted 現況届, and its income result.

- `register_recipient`: a clerk registers an existing 受給者 (the 認定請求 is not an online procedure).
- The `child_rearing_allowance_status_report` grant handler opens the review of the report's year in state
  所得確認待ち, with the children and household facts from the answers; it refuses the decision when the applicant
  is not a registered recipient, or when that year's review already exists.
- `confirm_income`: the clerk enters the income facts (課税台帳), the amount is computed with
  `rules.child_rearing_allowance` and recorded as an immutable revision; a later correction is the next revision.
Every write runs in one transaction with its audit row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from madoguchi.benefits import decisions
from madoguchi.benefits.child_allowance_services import _violation
from madoguchi.benefits.models_child_rearing import (
    STATUS_REPORT_PROCEDURE,
    ChildRearingAssessment,
    ChildRearingRecipient,
    ChildRearingReview,
    IncomeSource,
    ReviewState,
)
from madoguchi.benefits.rules import child_rearing_allowance as rules
from madoguchi.core.access import require, scoped
from madoguchi.core.audit import record_audit
from madoguchi.core.errors import NotFoundInMunicipality
from madoguchi.core.models import StaffUser
from madoguchi.core.roles import Action
from madoguchi.procedures.conditions import get_path
from madoguchi.registry.models import Resident

EXEMPTION_REASONS = frozenset({"working", "job_seeking", "disability", "illness", "care"})


def review_years(reported_on: dt.date) -> tuple[int, int]:
    """(fiscal year, income year) of a 現況届: the allowance year from the November after it uses 前年 income."""
    fiscal_year = reported_on.year if reported_on.month >= 4 else reported_on.year - 1
    return fiscal_year, rules.income_year_for_month(dt.date(fiscal_year, 11, 1))


def register_recipient(
    *,
    actor: StaffUser,
    resident_id: int,
    certificate_number: str,
    children_count: int,
    certified_from: dt.date,
    now: dt.datetime | None = None,
) -> ChildRearingRecipient:
    """Register an existing 受給者 (audited); the certificate number and the resident are unique."""
    require(actor, Action.REVIEW_CASE)
    number = certificate_number.strip()
    if not number:
        raise _violation(
            "certificate_number", "証書番号を入力してください。", "Enter the certificate number.", "required"
        )
    if children_count < 1:
        raise _violation(
            "children_count",
            "対象児童の数は1人以上にしてください。",
            "The number of children must be at least 1.",
            "min_value",
        )
    at = now or timezone.now()
    if certified_from > timezone.localdate(at):
        raise _violation(
            "certified_from",
            "認定年月日に未来の日付は入力できません。",
            "The certification date cannot be in the future.",
            "future",
        )
    with transaction.atomic():
        resident = scoped(Resident.objects.all(), actor).filter(pk=resident_id).first()
        if resident is None:
            raise NotFoundInMunicipality("resident")
        existing = ChildRearingRecipient.objects.filter(municipality_id=resident.municipality_id)
        if existing.filter(resident=resident).exists():
            raise _violation(
                "resident_id",
                "この住民はすでに児童扶養手当の受給者として登録されています。",
                "This resident is already registered as a recipient.",
                "already_registered",
            )
        if existing.filter(certificate_number=number).exists():
            raise _violation(
                "certificate_number",
                "この証書番号はすでに登録されています。",
                "This certificate number is already registered.",
                "duplicate",
            )
        recipient = ChildRearingRecipient.objects.create(
            municipality_id=resident.municipality_id,
            resident=resident,
            certificate_number=number,
            children_count=children_count,
            certified_from=certified_from,
            registered_by=actor,
            registered_at=at,
        )
        record_audit(
            actor=actor,
            municipality=resident.municipality_id,
            action="benefits.register_child_rearing_recipient",
            target_type="child_rearing_recipient",
            target_id=recipient.pk,
            after={
                "resident_id": resident.pk,
                "certificate_number": number,
                "children_count": children_count,
                "certified_from": certified_from.isoformat(),
            },
        )
    return recipient


def _bool(answers: Mapping[str, Any], path: str) -> bool:
    return get_path(answers, path) is True or str(get_path(answers, path)).lower() in {"true", "yes"}


def open_review(
    *,
    actor: StaffUser,
    municipality_code: str,
    case_reference: str,
    answers: Mapping[str, Any],
    reported_on: dt.date,
    resident_id: int | None,
    now: dt.datetime | None = None,
) -> ChildRearingReview:
    """The review of the report's year for the applicant's recipient record, awaiting the income facts."""
    require(actor, Action.DECIDE_CASE)
    if actor.municipality_id != municipality_code:
        raise NotFoundInMunicipality("municipality")
    children = get_path(answers, "children")
    children_count = len(children) if isinstance(children, list) else 0
    if children_count < 1:
        raise _violation(
            "children", "現況届に対象児童がありません。", "The report names no child.", "no_children"
        )
    support_yen = 0
    support_received = _bool(answers, "income.child_support_received")
    if support_received:
        try:
            support_yen = max(0, int(get_path(answers, "income.child_support_yen") or 0))
        except (TypeError, ValueError):
            raise _violation(
                "income.child_support_yen",
                "養育費の額が読み取れません。",
                "The child support amount cannot be read.",
                "invalid",
            ) from None
    exemption = _bool(answers, "exemption.applies")
    reason = str(get_path(answers, "exemption.reason") or "") if exemption else ""
    if reason and reason not in EXEMPTION_REASONS:
        raise _violation(
            "exemption.reason", "適用除外の事由が読み取れません。", "Unknown exemption reason.", "invalid"
        )
    fiscal_year, income_year = review_years(reported_on)
    with transaction.atomic():
        recipient = (
            ChildRearingRecipient.objects.filter(
                municipality_id=municipality_code, resident_id=resident_id
            ).first()
            if resident_id is not None
            else None
        )
        if recipient is None:
            raise _violation(
                "applicant",
                "申請者は児童扶養手当の受給者として登録されていません。受給者の登録を確認してから決裁してください。",
                "The applicant is not a registered child-rearing allowance recipient.",
                "recipient_not_found",
            )
        if ChildRearingReview.objects.filter(recipient=recipient, fiscal_year=fiscal_year).exists():
            raise _violation(
                "case",
                "この受給者のこの年度の現況届はすでに記録されています。",
                "This recipient's status report for the year is already recorded.",
                "already_recorded",
            )
        review = ChildRearingReview.objects.create(
            municipality_id=municipality_code,
            recipient=recipient,
            fiscal_year=fiscal_year,
            income_year=income_year,
            case_reference=case_reference,
            reported_on=reported_on,
            children_count=children_count,
            de_facto_marriage=_bool(answers, "status.de_facto_marriage"),
            public_pension=_bool(answers, "status.public_pension"),
            child_support_received=support_received,
            child_support_yen=support_yen,
            exemption_applies=exemption,
            exemption_reason=reason,
            state=ReviewState.AWAITING_INCOME,
            opened_at=now or timezone.now(),
        )
        record_audit(
            actor=actor,
            municipality=municipality_code,
            action="benefits.open_child_rearing_review",
            target_type="child_rearing_review",
            target_id=review.pk,
            after={
                "recipient_id": recipient.pk,
                "fiscal_year": fiscal_year,
                "income_year": income_year,
                "case_reference": case_reference,
                "children_count": children_count,
                "state": review.state,
            },
        )
    return review


@decisions.handles(STATUS_REPORT_PROCEDURE)
def _on_status_report_granted(*, actor: StaffUser, case: decisions.DecidedCase) -> None:
    open_review(
        actor=actor,
        municipality_code=case.municipality_code,
        case_reference=case.receipt_number,
        answers=case.answers,
        reported_on=case.received_on,
        resident_id=case.resident_id,
        now=case.decided_at,
    )


def confirm_income(
    *,
    actor: StaffUser,
    review_id: int,
    income_yen: int,
    child_support_yen: int,
    deductions_yen: int,
    dependents: int,
    source: str,
    source_note: str,
    correction_reason: str = "",
    now: dt.datetime | None = None,
) -> ChildRearingAssessment:
    """Compute and record the year's result from the income facts (a new revision; audited)."""
    require(actor, Action.REVIEW_CASE)
    for name, value, ja in (
        ("income_yen", income_yen, "所得"),
        ("child_support_yen", child_support_yen, "養育費の額"),
        ("deductions_yen", deductions_yen, "諸控除の額"),
        ("dependents", dependents, "扶養親族等の数"),
    ):
        if value < 0:
            raise _violation(
                name, f"{ja}に負の数は入力できません。", f"{name} must not be negative.", "min_value"
            )
    if source not in IncomeSource.values:
        raise _violation(
            "source", "所得の確認方法を選んでください。", "Choose the income source.", "required"
        )
    note = source_note.strip()
    if not note:
        raise _violation(
            "source_note", "確認した資料を入力してください。", "Name the document checked.", "required"
        )
    reason = correction_reason.strip()
    with transaction.atomic():
        review = scoped(ChildRearingReview.objects.select_for_update(), actor).filter(pk=review_id).first()
        if review is None:
            raise NotFoundInMunicipality("child-rearing review")
        previous = review.assessments.order_by("-revision").first()
        if previous is not None and not reason:
            raise _violation(
                "correction_reason",
                "結果は確定済みです。訂正する場合は訂正の理由を入力してください。",
                "The result is confirmed: give the reason for the correction.",
                "correction_reason_required",
            )
        if previous is None:
            reason = ""
        try:
            params = rules.parameters_for(review.fiscal_year)
        except ValueError:
            raise _violation(
                "fiscal_year",
                f"{review.fiscal_year}年度の児童扶養手当の額が設定されていません。",
                f"Amounts for FY{review.fiscal_year} are not configured.",
                "unknown_fiscal_year",
            ) from None
        assessed = rules.assessed_income_yen(income_yen, child_support_yen, deductions_yen, params)
        result = rules.quote(review.fiscal_year, review.children_count, assessed, dependents, params=params)
        assessment = ChildRearingAssessment.objects.create(
            municipality_id=review.municipality_id,
            review=review,
            revision=(previous.revision + 1) if previous else 1,
            income_yen=income_yen,
            child_support_yen=child_support_yen,
            deductions_yen=deductions_yen,
            assessed_income_yen=assessed,
            dependents=dependents,
            source=source,
            source_note=note[:200],
            children_count=review.children_count,
            kind=result.kind.value,
            monthly_yen=result.monthly_yen,
            base_yen=result.base_yen,
            addition_yen_each=result.addition_yen_each,
            full_limit_yen=result.full_limit_yen,
            partial_limit_yen=result.partial_limit_yen,
            correction_reason=reason[:200],
            confirmed_by=actor,
            confirmed_at=now or timezone.now(),
        )
        before_state = review.state
        if review.state != ReviewState.CONFIRMED:
            ChildRearingReview.objects.filter(pk=review.pk).update(state=ReviewState.CONFIRMED)
            review.state = ReviewState.CONFIRMED
        record_audit(
            actor=actor,
            municipality=review.municipality_id,
            action="benefits.confirm_child_rearing_income",
            target_type="child_rearing_review",
            target_id=review.pk,
            before={
                "state": before_state,
                "revision": previous.revision if previous else None,
                "monthly_yen": previous.monthly_yen if previous else None,
            },
            after={
                "state": review.state,
                "revision": assessment.revision,
                "income_yen": income_yen,
                "child_support_yen": child_support_yen,
                "deductions_yen": deductions_yen,
                "assessed_income_yen": assessed,
                "dependents": dependents,
                "source": source,
                "source_note": assessment.source_note,
                "kind": assessment.kind,
                "monthly_yen": assessment.monthly_yen,
                "correction_reason": assessment.correction_reason,
            },
        )
    return assessment
