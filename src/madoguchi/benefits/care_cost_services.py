"""介護保険 負担限度額認定 / 高額介護（予防）サービス費: the facts staff enter, and the decision handlers.

The online applications lack what the rules need, so staff enter it for the application's receipt number (from
the 住民税課税台帳, the 国保連 claims data or the applicant's declaration). A grant without those facts is refused
with a message naming them; with them, the handler computes the result with `benefits.rules.care_insurance`.
Every write runs in one transaction with its audit row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from madoguchi.benefits import decisions
from madoguchi.benefits.care_services import _insured_person
from madoguchi.benefits.models import CareInsuranceQualification
from madoguchi.benefits.models_care_cost import (
    COST_CEILING_PROCEDURE,
    HIGH_COST_PROCEDURE,
    CareCostCeilingCertification,
    CareCostFacts,
    CostFacilityType,
    CostRoomType,
    FactSource,
    HighCostCareBenefit,
)
from madoguchi.benefits.rules.care_insurance import (
    FacilityType,
    HighCostBracket,
    InsuredCategory,
    MemberCopay,
    RoomType,
    cost_ceiling_daily,
    cost_ceiling_parameters_for,
    cost_ceiling_stage,
    high_cost_benefit,
    high_cost_bracket,
    high_cost_parameters_for,
    income_measure_yen,
    is_low_income_individual,
)
from madoguchi.core.access import require, scoped
from madoguchi.core.audit import record_audit
from madoguchi.core.errors import BusinessRuleViolation, NotFoundInMunicipality
from madoguchi.core.models import StaffUser
from madoguchi.core.roles import Action
from madoguchi.registry.models import Resident

_FACTS_PAGE_JA = "被保険者の介護保険のページの「審査に必要な情報」"


def cost_ceiling_validity(applied_on: dt.date) -> tuple[dt.date, dt.date]:
    """負担限度額認定: from the first day of the month of application to the next 31 July (August–July)."""
    year = applied_on.year if applied_on.month >= 8 else applied_on.year - 1
    return applied_on.replace(day=1), dt.date(year + 1, 7, 31)


def _violation(field: str, ja: str, en: str, code: str = "invalid") -> BusinessRuleViolation:
    return BusinessRuleViolation(field, ja, en, code)


def _facts_snapshot(facts: CareCostFacts) -> dict[str, Any]:
    keys = (
        "procedure",
        "source",
        "household_tax_exempt",
        "on_public_assistance",
        "old_age_welfare_pension",
        "has_spouse",
        "pension_income_yen",
        "non_taxable_pension_yen",
        "other_income_yen",
        "savings_yen",
        "room_type",
        "facility_type",
        "short_stay",
        "highest_taxable_income_yen",
        "pension_and_other_income_yen",
        "copay_yen",
        "household_others_copay_yen",
    )
    snapshot: dict[str, Any] = {key: getattr(facts, key) for key in keys}
    snapshot["case_reference"] = facts.case_reference
    snapshot["resident_id"] = facts.resident_id
    snapshot["service_month"] = facts.service_month.isoformat() if facts.service_month else None
    return snapshot


def _decided(municipality_code: str, case_reference: str) -> bool:
    return (
        CareCostCeilingCertification.objects.filter(
            municipality_id=municipality_code, case_reference=case_reference
        ).exists()
        or HighCostCareBenefit.objects.filter(
            municipality_id=municipality_code, case_reference=case_reference
        ).exists()
    )


def record_cost_facts(
    *,
    actor: StaffUser,
    resident_id: int,
    procedure: str,
    case_reference: str,
    source: str,
    facts: dict[str, Any],
    now: dt.datetime | None = None,
) -> CareCostFacts:
    """Enter (or correct, until the decision) the facts of one application; audited with before/after."""
    require(actor, Action.REVIEW_CASE)
    if procedure not in (COST_CEILING_PROCEDURE, HIGH_COST_PROCEDURE):
        raise ValueError(f"{procedure} has no facts to enter")
    if source not in FactSource.values:
        raise _violation(
            "source", "情報の出所を選んでください。", "Choose the source of the facts.", "required"
        )
    case_reference = case_reference.strip()
    if not case_reference:
        raise _violation(
            "case_reference", "申請の受付番号を入力してください。", "Enter the receipt number.", "required"
        )
    if procedure == COST_CEILING_PROCEDURE:
        if facts.get("room_type") not in CostRoomType.values:
            raise _violation("room_type", "居室の種類を選んでください。", "Choose the room type.", "required")
        if facts.get("facility_type") not in CostFacilityType.values:
            raise _violation(
                "facility_type", "施設の種類を選んでください。", "Choose the facility type.", "required"
            )
    else:
        month = facts.get("service_month")
        if not isinstance(month, dt.date):
            raise _violation(
                "service_month", "サービス提供月を入力してください。", "Enter the service month.", "required"
            )
        facts = {**facts, "service_month": month.replace(day=1)}
        try:
            high_cost_parameters_for(facts["service_month"])
        except ValueError:
            raise _violation(
                "service_month",
                "サービス提供月は2021年8月以降にしてください。",
                "The service month must be August 2021 or later.",
                "too_early",
            ) from None
    now = now or timezone.now()
    with transaction.atomic():
        resident = scoped(Resident.objects.all(), actor).filter(pk=resident_id).first()
        if resident is None:
            raise NotFoundInMunicipality("resident")
        if _decided(resident.municipality_id, case_reference):
            raise _violation(
                "case_reference",
                "この申請はすでに決定されています。審査に必要な情報は変更できません。",
                "This application is already decided: its facts can no longer be changed.",
                "already_decided",
            )
        row = (
            CareCostFacts.objects.select_for_update()
            .filter(municipality_id=resident.municipality_id, case_reference=case_reference)
            .first()
        )
        before = _facts_snapshot(row) if row else None
        if row is not None and (row.resident_id != resident.pk or row.procedure != procedure):
            raise _violation(
                "case_reference",
                "この受付番号には別の被保険者または別の手続の情報が入力されています。受付番号を確認してください。",
                "Facts for another insured person or procedure are recorded under this receipt number.",
                "other_case",
            )
        if row is None:
            row = CareCostFacts(
                municipality_id=resident.municipality_id,
                resident=resident,
                case_reference=case_reference,
                procedure=procedure,
            )
        fields = {f.name for f in CareCostFacts._meta.get_fields()}
        for key, value in facts.items():
            if key not in fields:
                raise ValueError(f"unknown fact {key}")
            setattr(row, key, value)
        row.source = source
        row.entered_by = actor
        row.entered_at = now
        row.save()
        record_audit(
            actor=actor,
            municipality=resident.municipality_id,
            action="benefits.record_care_cost_facts",
            target_type="care_cost_facts",
            target_id=row.pk,
            before=before,
            after=_facts_snapshot(row),
        )
    return row


def _facts_for(case: decisions.DecidedCase, resident: Resident, what_ja: str) -> CareCostFacts:
    row = CareCostFacts.objects.filter(
        municipality_id=case.municipality_code, case_reference=case.receipt_number
    ).first()
    if row is None or row.procedure != case.procedure_code:
        raise _violation(
            "facts",
            f"審査に必要な情報（{what_ja}）が入力されていません。{_FACTS_PAGE_JA}で受付番号 "
            f"{case.receipt_number} について入力してから決裁してください。",
            f"The facts needed for the decision are missing: enter them for receipt {case.receipt_number} "
            "on the insured person's care page first.",
            "facts_missing",
        )
    if row.resident_id != resident.pk:
        raise _violation(
            "facts",
            "審査に必要な情報の被保険者が、申請の被保険者と一致しません。入力した情報を確認してください。",
            "The facts were entered for another insured person than the one in the application.",
            "facts_other_person",
        )
    return row


def _category(resident: Resident, on: dt.date) -> InsuredCategory:
    qualification = (
        CareInsuranceQualification.objects.filter(resident_id=resident.pk, acquired_on__lte=on)
        .order_by("-acquired_on")
        .first()
    )
    return InsuredCategory(qualification.category) if qualification else InsuredCategory.CATEGORY_1


def decide_cost_ceiling(*, actor: StaffUser, case: decisions.DecidedCase) -> CareCostCeilingCertification:
    """Grant a 負担限度額認定: stage and daily ceilings from the entered facts, valid to the next 31 July."""
    require(actor, Action.DECIDE_CASE)
    resident, number = _insured_person(case.municipality_code, case.answers, case.resident_id)
    facts = _facts_for(case, resident, "住民税の課税状況・収入・預貯金等・施設と居室")
    on = case.received_on
    try:
        params = cost_ceiling_parameters_for(on)
    except ValueError:
        raise _violation(
            "facts",
            "この申請日に適用する負担限度額がありません。",
            "No cost-ceiling parameters apply.",
            "no_params",
        ) from None
    stage = cost_ceiling_stage(
        on=on,
        household_tax_exempt=facts.household_tax_exempt,
        income_measure_yen=income_measure_yen(
            facts.pension_income_yen, facts.non_taxable_pension_yen, facts.other_income_yen
        ),
        savings_yen=facts.savings_yen,
        has_spouse=facts.has_spouse,
        on_public_assistance=facts.on_public_assistance,
        old_age_welfare_pension=facts.old_age_welfare_pension,
        category=_category(resident, on),
        params=params,
    )
    if stage is None:
        raise _violation(
            "facts",
            "入力された情報では負担限度額認定の要件（世帯全員が住民税非課税で、預貯金等が基準額以下）を満たしません。"
            "情報を確認するか、却下として決裁してください。",
            "The entered facts do not meet the requirements (household exempt from resident tax, savings within "
            "the limit): check them or deny the application.",
            "not_eligible",
        )
    daily = cost_ceiling_daily(
        stage,
        on=on,
        room=RoomType(facts.room_type),
        facility=FacilityType(facts.facility_type),
        short_stay=facts.short_stay,
        params=params,
    )
    valid_from, valid_until = cost_ceiling_validity(on)
    with transaction.atomic():
        row = CareCostCeilingCertification.objects.create(
            municipality_id=case.municipality_code,
            resident=resident,
            insured_number=number,
            case_reference=case.receipt_number,
            stage=stage.value,
            room_type=facts.room_type,
            facility_type=facts.facility_type,
            short_stay=facts.short_stay,
            food_daily_yen=daily.food_yen,
            accommodation_daily_yen=daily.accommodation_yen,
            valid_from=valid_from,
            valid_until=valid_until,
            recorded_at=case.decided_at,
        )
        record_audit(
            actor=actor,
            municipality=case.municipality_code,
            action="benefits.certify_care_cost_ceiling",
            target_type="care_cost_ceiling",
            target_id=row.pk,
            after={
                "case_reference": case.receipt_number,
                "facts_id": facts.pk,
                "stage": row.stage,
                "food_daily_yen": row.food_daily_yen,
                "accommodation_daily_yen": row.accommodation_daily_yen,
                "valid_from": valid_from.isoformat(),
                "valid_until": valid_until.isoformat(),
            },
        )
    return row


def decide_high_cost(*, actor: StaffUser, case: decisions.DecidedCase) -> HighCostCareBenefit:
    """Grant 高額介護（予防）サービス費 for the month in the facts: the insured person's share of the excess."""
    require(actor, Action.DECIDE_CASE)
    resident, number = _insured_person(case.municipality_code, case.answers, case.resident_id)
    facts = _facts_for(case, resident, "サービス提供月・利用者負担額・世帯の所得区分")
    month = facts.service_month
    assert month is not None  # the database constraint
    if month > case.received_on.replace(day=1):
        raise _violation(
            "facts",
            "サービス提供月が申請日より後です。入力した情報を確認してください。",
            "The service month is after the application date.",
            "month_after_application",
        )
    params = high_cost_parameters_for(month)
    bracket = high_cost_bracket(
        month=month,
        on_public_assistance=facts.on_public_assistance,
        household_tax_exempt=facts.household_tax_exempt,
        highest_taxable_income_yen=facts.highest_taxable_income_yen,
        params=params,
    )
    low_income = bracket is HighCostBracket.TAX_EXEMPT and is_low_income_individual(
        month=month,
        pension_and_other_income_yen=facts.pension_and_other_income_yen,
        old_age_welfare_pension=facts.old_age_welfare_pension,
        params=params,
    )
    # The other members' individual caps only change their own benefits, so they count as one member here.
    members = [MemberCopay(facts.copay_yen, low_income)]
    if facts.household_others_copay_yen:
        members.append(MemberCopay(facts.household_others_copay_yen))
    result = high_cost_benefit(bracket, members, month=month, params=params)
    with transaction.atomic():
        row = HighCostCareBenefit.objects.create(
            municipality_id=case.municipality_code,
            resident=resident,
            insured_number=number,
            case_reference=case.receipt_number,
            service_month=month,
            bracket=bracket.value,
            low_income_individual=low_income,
            copay_yen=facts.copay_yen,
            household_copay_yen=facts.copay_yen + facts.household_others_copay_yen,
            household_cap_yen=result.cap.household_yen,
            individual_cap_yen=result.cap.individual_yen,
            benefit_yen=result.member_benefits_yen[0],
            recorded_at=case.decided_at,
        )
        record_audit(
            actor=actor,
            municipality=case.municipality_code,
            action="benefits.grant_high_cost_care_benefit",
            target_type="care_high_cost_benefit",
            target_id=row.pk,
            after={
                "case_reference": case.receipt_number,
                "facts_id": facts.pk,
                "service_month": month.isoformat(),
                "bracket": row.bracket,
                "low_income_individual": low_income,
                "benefit_yen": row.benefit_yen,
            },
        )
    return row


@decisions.handles(COST_CEILING_PROCEDURE)
def _on_cost_ceiling_granted(*, actor: StaffUser, case: decisions.DecidedCase) -> None:
    decide_cost_ceiling(actor=actor, case=case)


@decisions.handles(HIGH_COST_PROCEDURE)
def _on_high_cost_granted(*, actor: StaffUser, case: decisions.DecidedCase) -> None:
    decide_high_cost(actor=actor, case=case)
