"""介護保険 writes: the 要介護認定 process opened by a granted application and advanced by the office.

Every write runs in one transaction with its audit row. The dates and validity come from the pure rules in
`benefits.rules.care_insurance` (decision due 30 days after the application, validity per kind, renewal window).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from madoguchi.benefits import decisions
from madoguchi.benefits.models import CareInsuranceQualification
from madoguchi.benefits.models_care import (
    CareCertificateReissue,
    CareCopayShare,
    CareNeedsCertification,
    CarePlanFiling,
    CarePlanProviderKind,
    CarePlanRequestKind,
    CareReimbursement,
    CertificationKind,
    CertificationResult,
    CertificationState,
    ReimbursementKind,
    ReissuedCertificate,
    ReissueDelivery,
    ReissueReason,
)
from madoguchi.benefits.rules.care_insurance import (
    ApplicationKind,
    CareLevel,
    certification_validity,
    decision_due_on,
    equipment_fiscal_year,
    equipment_purchase_reimbursement,
    home_renovation_reimbursement,
    reimbursement_parameters_for,
    renewal_opens_on,
    renovation_limit_reset,
)
from madoguchi.core.access import require, scoped
from madoguchi.core.audit import record_audit
from madoguchi.core.errors import BusinessRuleViolation, NotFoundInMunicipality
from madoguchi.core.models import StaffUser
from madoguchi.core.roles import Action
from madoguchi.procedures.conditions import get_path
from madoguchi.registry.models import Resident

PROCEDURE_KINDS: Mapping[str, CertificationKind] = {
    "care_needs_certification": CertificationKind.NEW,
    "care_needs_renewal": CertificationKind.RENEWAL,
    "care_needs_level_change": CertificationKind.CHANGE,
    "care_needs_after_move": CertificationKind.AFTER_MOVE,
}
_RULE_KIND: Mapping[str, ApplicationKind] = {
    CertificationKind.NEW: ApplicationKind.NEW,
    CertificationKind.RENEWAL: ApplicationKind.RENEWAL,
    CertificationKind.CHANGE: ApplicationKind.CHANGE,
}

# The steps an office member records, in order: (state reached, date field, label for messages).
STEPS: tuple[tuple[str, str], ...] = (
    (CertificationState.SURVEY, "survey_on"),
    (CertificationState.DOCTOR_OPINION, "doctor_opinion_on"),
    (CertificationState.COMMITTEE, "committee_on"),
)
_ORDER = [CertificationState.RECEIVED, *(state for state, _ in STEPS), CertificationState.DECIDED]


def _violation(field: str, ja: str, en: str, code: str = "invalid") -> BusinessRuleViolation:
    return BusinessRuleViolation(field, ja, en, code)


def _date(value: Any, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise _violation(field, "日付が正しくありません。", f"{field} is not a valid date.") from None


def _snapshot(cert: CareNeedsCertification) -> dict[str, Any]:
    def iso(day: dt.date | None) -> str | None:
        return day.isoformat() if day else None

    return {
        "state": cert.state,
        "survey_on": iso(cert.survey_on),
        "doctor_opinion_on": iso(cert.doctor_opinion_on),
        "committee_on": iso(cert.committee_on),
        "decided_on": iso(cert.decided_on),
        "result": cert.result,
        "valid_from": iso(cert.valid_from),
        "valid_until": iso(cert.valid_until),
    }


def _insured_person(
    municipality_code: str, answers: Mapping[str, Any], resident_id: int | None
) -> tuple[Resident, str]:
    """The insured person: by the open qualification of the 被保険者番号 given, else the applicant themself."""
    number = str(get_path(answers, "insured.insured_number") or "").strip()
    if number:
        qualification = (
            CareInsuranceQualification.objects.filter(
                municipality_id=municipality_code, insured_number=number, lost_on__isnull=True
            )
            .select_related("resident")
            .first()
        )
        if qualification is None:
            raise _violation(
                "insured.insured_number",
                f"被保険者番号 {number} の資格が見つかりません。",
                f"No open care insurance qualification has the insured number {number}.",
                "unknown_insured_number",
            )
        return qualification.resident, number
    if get_path(answers, "applicant.role") == "self" and resident_id is not None:
        resident = Resident.objects.filter(municipality_id=municipality_code, pk=resident_id).first()
        if resident is not None:
            return resident, ""
    raise _violation(
        "insured.insured_number",
        "被保険者を特定できません。被保険者番号を確認してください。",
        "The insured person could not be identified: check the insured number.",
        "insured_unknown",
    )


def _level(answers: Mapping[str, Any]) -> str:
    level = str(get_path(answers, "previous.level") or "")
    if level not in CertificationResult.values or level == CertificationResult.NOT_APPLICABLE:
        raise _violation(
            "previous.level",
            "前回の要介護状態区分を選んでください。",
            "Choose the previous care level.",
            "required",
        )
    return level


def open_certification(
    *,
    actor: StaffUser,
    municipality_code: str,
    procedure_code: str,
    case_reference: str,
    answers: Mapping[str, Any],
    applied_on: dt.date,
    resident_id: int | None,
    now: dt.datetime | None = None,
) -> CareNeedsCertification:
    """Open the 要介護認定 process of an accepted application (申請受付), or carry a 転入 certification over."""
    require(actor, Action.DECIDE_CASE)
    kind = PROCEDURE_KINDS.get(procedure_code)
    if kind is None:
        raise ValueError(f"{procedure_code} is not a care-needs certification procedure")
    now = now or timezone.now()
    with transaction.atomic():
        resident, number = _insured_person(municipality_code, answers, resident_id)
        cert = CareNeedsCertification(
            municipality_id=municipality_code,
            resident=resident,
            insured_number=number,
            case_reference=case_reference,
            kind=kind,
            applied_on=applied_on,
            decision_due_on=decision_due_on(applied_on),
            state=CertificationState.RECEIVED,
            recorded_at=now,
        )
        if kind is not CertificationKind.NEW:
            cert.previous_level = _level(answers)
            cert.previous_valid_until = _date(
                get_path(answers, "previous.valid_until"), "previous.valid_until"
            )
            if cert.previous_valid_until is None:
                raise _violation(
                    "previous.valid_until",
                    "前回の有効期間の終了日を入力してください。",
                    "Enter the end of the previous validity period.",
                    "required",
                )
        if kind is CertificationKind.RENEWAL:
            assert cert.previous_valid_until is not None
            if applied_on < renewal_opens_on(cert.previous_valid_until):
                day = renewal_opens_on(cert.previous_valid_until)
                raise _violation(
                    "previous.valid_until",
                    f"更新申請は{day:%Y年%m月%d日}（有効期間の終了日の60日前）から受け付けます。",
                    f"Renewal applications are accepted from {day.isoformat()} (60 days before expiry).",
                    "renewal_too_early",
                )
            if applied_on > cert.previous_valid_until:
                raise _violation(
                    "previous.valid_until",
                    "前回の有効期間が終わっています。新規の申請をしてください。",
                    "The previous certification has expired: apply as new.",
                    "renewal_expired",
                )
        if kind is CertificationKind.AFTER_MOVE:
            # 介護保険法 第36条: the previous municipality's certification is carried over, without a new
            # investigation, from the move-in date to the end of the previous validity period.
            moved_in_on = _date(get_path(answers, "move.moved_in_on"), "move.moved_in_on")
            assert cert.previous_valid_until is not None
            if moved_in_on is None or moved_in_on > cert.previous_valid_until:
                raise _violation(
                    "move.moved_in_on",
                    "転入日が前回の有効期間内にありません。新規の申請をしてください。",
                    "The move-in date is not within the previous validity period: apply as new.",
                    "not_within_validity",
                )
            cert.state = CertificationState.DECIDED
            cert.result = cert.previous_level
            cert.decided_on = applied_on
            cert.valid_from = moved_in_on
            cert.valid_until = cert.previous_valid_until
            cert.renewal_opens_on = renewal_opens_on(cert.previous_valid_until)
        cert.save()
        record_audit(
            actor=actor,
            municipality=municipality_code,
            action="benefits.open_care_certification",
            target_type="care_certification",
            target_id=cert.pk,
            after={"case_reference": case_reference, "kind": kind, **_snapshot(cert)},
        )
    return cert


def _locked(actor: StaffUser, certification_id: int) -> CareNeedsCertification:
    cert = (
        scoped(CareNeedsCertification.objects.select_for_update(), actor).filter(pk=certification_id).first()
    )
    if cert is None:
        raise NotFoundInMunicipality("care_certification")
    return cert


def _check_day(day: dt.date, after: dt.date, field: str, today: dt.date) -> None:
    if day < after:
        raise _violation(
            field,
            f"日付は{after:%Y年%m月%d日}（申請日または前の手続の日）以降にしてください。",
            f"The date must be on or after {after.isoformat()} (the application or the previous step).",
            "too_early",
        )
    if day > today:
        raise _violation(
            field, "未来の日付は記録できません。", "The date must not be in the future.", "future"
        )


def advance_certification(
    *, actor: StaffUser, certification_id: int, on: dt.date, today: dt.date | None = None
) -> CareNeedsCertification:
    """Record the next step (認定調査 → 主治医意見書 → 介護認定審査会) with the day it happened."""
    require(actor, Action.REVIEW_CASE)
    today = today or timezone.localdate()
    with transaction.atomic():
        cert = _locked(actor, certification_id)
        before = _snapshot(cert)
        index = _ORDER.index(CertificationState(cert.state))
        if index >= len(STEPS):
            raise _violation(
                "on",
                "この認定は次の手続に進められません（審査会の後は認定結果を記録します）。",
                "No further step: after the committee, record the result.",
                "no_next_step",
            )
        state, field = STEPS[index]
        previous_day = getattr(cert, STEPS[index - 1][1]) if index else cert.applied_on
        _check_day(on, previous_day, "on", today)
        cert.state = state
        setattr(cert, field, on)
        cert.save(update_fields=["state", field])
        record_audit(
            actor=actor,
            municipality=cert.municipality_id,
            action="benefits.advance_care_certification",
            target_type="care_certification",
            target_id=cert.pk,
            before=before,
            after=_snapshot(cert),
        )
    return cert


def record_certification_result(
    *,
    actor: StaffUser,
    certification_id: int,
    result: str,
    decided_on: dt.date,
    months: int | None = None,
    today: dt.date | None = None,
) -> CareNeedsCertification:
    """Record the 認定結果 after the 介護認定審査会, with the validity period and the renewal opening day."""
    require(actor, Action.DECIDE_CASE)
    today = today or timezone.localdate()
    if result not in CertificationResult.values:
        raise _violation("result", "認定結果を選んでください。", "Choose the result.", "required")
    with transaction.atomic():
        cert = _locked(actor, certification_id)
        if cert.state != CertificationState.COMMITTEE:
            raise _violation(
                "result",
                "認定結果は介護認定審査会の後に記録します。",
                "The result is recorded after the certification committee.",
                "not_after_committee",
            )
        assert cert.committee_on is not None
        _check_day(decided_on, cert.committee_on, "decided_on", today)
        before = _snapshot(cert)
        cert.state = CertificationState.DECIDED
        cert.result = result
        cert.decided_on = decided_on
        if result != CertificationResult.NOT_APPLICABLE:
            try:
                period = certification_validity(
                    _RULE_KIND[cert.kind],
                    applied_on=cert.applied_on,
                    previous_ends_on=cert.previous_valid_until,
                    months=months,
                    level_unchanged=result == cert.previous_level,
                )
            except ValueError as exc:
                raise _violation(
                    "months", "有効期間の月数が範囲外です。", f"Invalid validity period: {exc}.", "months"
                ) from None
            cert.valid_from = period.starts_on
            cert.valid_until = period.ends_on
            cert.renewal_opens_on = renewal_opens_on(period.ends_on)
        elif months is not None:
            raise _violation(
                "months",
                "非該当には有効期間がありません。月数を空欄にしてください。",
                "A 'not applicable' result has no validity period: leave the months empty.",
                "months",
            )
        cert.save()
        record_audit(
            actor=actor,
            municipality=cert.municipality_id,
            action="benefits.decide_care_certification",
            target_type="care_certification",
            target_id=cert.pk,
            before=before,
            after=_snapshot(cert),
        )
    return cert


# ---------------------------------------------------------------------------------------------------------
# 負担割合 and the 償還払い of 特定福祉用具購入費 / 住宅改修費


def record_copay_share(
    *, actor: StaffUser, resident_id: int, tenths: int, valid_from: dt.date, now: dt.datetime | None = None
) -> CareCopayShare:
    """Record the 負担割合 (1–3割) from `valid_from` to the next 31 July (負担割合証 period: August–July)."""
    require(actor, Action.REVIEW_CASE)
    if tenths not in (1, 2, 3):
        raise _violation(
            "tenths", "負担割合は1割・2割・3割から選んでください。", "Choose 1, 2 or 3 tenths.", "required"
        )
    year = valid_from.year if valid_from.month >= 8 else valid_from.year - 1
    valid_until = dt.date(year + 1, 7, 31)
    with transaction.atomic():
        resident = scoped(Resident.objects.all(), actor).filter(pk=resident_id).first()
        if resident is None:
            raise NotFoundInMunicipality("resident")
        overlapping = CareCopayShare.objects.filter(
            resident_id=resident_id, valid_from__lte=valid_until, valid_until__gte=valid_from
        )
        if overlapping.exists():
            raise _violation(
                "valid_from",
                "この期間の負担割合はすでに記録されています。",
                "A co-payment share is already recorded for this period.",
                "overlap",
            )
        share = CareCopayShare.objects.create(
            municipality_id=resident.municipality_id,
            resident=resident,
            tenths=tenths,
            valid_from=valid_from,
            valid_until=valid_until,
            recorded_at=now or timezone.now(),
        )
        record_audit(
            actor=actor,
            municipality=resident.municipality_id,
            action="benefits.record_care_copay_share",
            target_type="care_copay_share",
            target_id=share.pk,
            after={"resident_id": resident_id, "tenths": tenths, "valid_from": valid_from.isoformat()},
        )
    return share


def _copay_tenths(resident: Resident, on: dt.date, field: str) -> int:
    share = CareCopayShare.objects.filter(
        resident_id=resident.pk, valid_from__lte=on, valid_until__gte=on
    ).first()
    if share is None:
        raise _violation(
            field,
            f"{on:%Y年%m月%d日}時点の負担割合が記録されていません。先に負担割合を記録してください。",
            f"No co-payment share is recorded for {on.isoformat()}: record it first.",
            "no_copay_share",
        )
    return share.tenths


def _certified_level(resident: Resident, on: dt.date, field: str) -> str:
    """The 要支援/要介護 level in force on `on` (reimbursements need a certification on the day)."""
    cert = (
        CareNeedsCertification.objects.filter(
            resident_id=resident.pk,
            state=CertificationState.DECIDED,
            valid_from__lte=on,
            valid_until__gte=on,
        )
        .exclude(result=CertificationResult.NOT_APPLICABLE)
        .order_by("-decided_on", "-pk")
        .first()
    )
    if cert is None:
        raise _violation(
            field,
            f"{on:%Y年%m月%d日}に有効な要支援・要介護認定がありません。",
            f"There is no care-needs certification in force on {on.isoformat()}.",
            "not_certified",
        )
    return cert.result


def _save_reimbursement(actor: StaffUser, row: CareReimbursement) -> CareReimbursement:
    row.save()
    record_audit(
        actor=actor,
        municipality=row.municipality_id,
        action="benefits.record_care_reimbursement",
        target_type="care_reimbursement",
        target_id=row.pk,
        after={
            "case_reference": row.case_reference,
            "kind": row.kind,
            "fiscal_year": row.fiscal_year,
            "cost_yen": row.cost_yen,
            "prior_counted_cost_yen": row.prior_counted_cost_yen,
            "counted_cost_yen": row.counted_cost_yen,
            "reimbursable_yen": row.reimbursable_yen,
            "limit_reset": row.limit_reset,
        },
    )
    return row


def reimburse_equipment_purchase(
    *,
    actor: StaffUser,
    municipality_code: str,
    case_reference: str,
    answers: Mapping[str, Any],
    resident_id: int | None,
    now: dt.datetime | None = None,
) -> list[CareReimbursement]:
    """特定福祉用具購入費: one reimbursement per fiscal year of the purchases, within the 10万円 annual limit."""
    require(actor, Action.DECIDE_CASE)
    items = get_path(answers, "items") or []
    if not isinstance(items, list) or not items:
        raise _violation(
            "items", "購入した福祉用具を入力してください。", "Enter the purchased items.", "required"
        )
    per_year: dict[int, tuple[dt.date, int]] = {}
    for index, item in enumerate(items):
        field = f"items.{index}"
        day = _date(get_path(item, "purchased_on"), f"{field}.purchased_on")
        price = get_path(item, "price_yen")
        if day is None:
            raise _violation(
                f"{field}.purchased_on", "購入日を入力してください。", "Enter the purchase date.", "required"
            )
        if not isinstance(price, int) or isinstance(price, bool) or price < 0:
            raise _violation(
                f"{field}.price_yen", "購入金額が正しくありません。", "Invalid price.", "invalid"
            )
        year = equipment_fiscal_year(day)
        first_day, total = per_year.get(year, (day, 0))
        per_year[year] = (min(first_day, day), total + price)
    now = now or timezone.now()
    rows: list[CareReimbursement] = []
    with transaction.atomic():
        resident, number = _insured_person(municipality_code, answers, resident_id)
        # Serialise the person's reimbursements so that two decisions cannot both use the same limit.
        Resident.objects.select_for_update().filter(pk=resident.pk).first()
        for year, (day, cost) in sorted(per_year.items()):
            _certified_level(resident, day, "items")
            tenths = _copay_tenths(resident, day, "items")
            prior = sum(
                CareReimbursement.objects.filter(
                    resident_id=resident.pk, kind=ReimbursementKind.EQUIPMENT, fiscal_year=year
                ).values_list("counted_cost_yen", flat=True)
            )
            result = equipment_purchase_reimbursement(
                cost_yen=cost, copay_tenths=tenths, prior_counted_cost_yen=prior, purchased_on=day
            )
            limit = reimbursement_parameters_for(day).equipment_annual_limit_yen
            rows.append(
                _save_reimbursement(
                    actor,
                    CareReimbursement(
                        municipality_id=municipality_code,
                        resident=resident,
                        insured_number=number,
                        case_reference=case_reference,
                        kind=ReimbursementKind.EQUIPMENT,
                        event_on=day,
                        fiscal_year=year,
                        cost_yen=cost,
                        copay_tenths=tenths,
                        limit_yen=limit,
                        prior_counted_cost_yen=prior,
                        counted_cost_yen=result.counted_cost_yen,
                        reimbursable_yen=result.reimbursable_yen,
                        resident_pays_yen=result.resident_pays_yen,
                        remaining_limit_yen=result.remaining_limit_yen,
                        recorded_at=now,
                    ),
                )
            )
    return rows


def _normalise_address(text: str) -> str:
    return "".join(text.split()).replace("　", "")


def reimburse_home_modification(
    *,
    actor: StaffUser,
    municipality_code: str,
    case_reference: str,
    answers: Mapping[str, Any],
    resident_id: int | None,
    now: dt.datetime | None = None,
) -> CareReimbursement | None:
    """住宅改修費 (完成後の申請): within the 20万円 per-person limit since the last reset (転居・3段階).

    The 事前申請 (application.phase = prior) only approves the plan: nothing is paid or recorded for it.
    """
    require(actor, Action.DECIDE_CASE)
    if get_path(answers, "application.phase") != "completion":
        return None
    completed_on = _date(get_path(answers, "works.completed_on"), "works.completed_on")
    cost = get_path(answers, "works.cost_yen")
    if completed_on is None:
        raise _violation(
            "works.completed_on", "完成日を入力してください。", "Enter the completion date.", "required"
        )
    if not isinstance(cost, int) or isinstance(cost, bool) or cost < 0:
        raise _violation("works.cost_yen", "改修費用が正しくありません。", "Invalid cost.", "invalid")
    now = now or timezone.now()
    with transaction.atomic():
        resident, number = _insured_person(municipality_code, answers, resident_id)
        Resident.objects.select_for_update().filter(pk=resident.pk).first()
        level = _certified_level(resident, completed_on, "works.completed_on")
        tenths = _copay_tenths(resident, completed_on, "works.completed_on")
        same_house = get_path(answers, "house.same_as_insured")
        address = (
            resident.address if same_house in (True, None) else str(get_path(answers, "house.address") or "")
        )
        history = list(
            CareReimbursement.objects.filter(
                resident_id=resident.pk, kind=ReimbursementKind.RENOVATION
            ).order_by("event_on", "pk")
        )
        # The limit window starts at the last renovation that reset it (or the first one ever).
        start = max((i for i, row in enumerate(history) if row.limit_reset), default=0)
        window = history[start:]
        reset = None
        if window:
            first = window[0]
            reset = renovation_limit_reset(
                first_level=CareLevel(first.care_level),
                current_level=CareLevel(level),
                moved_since_first=_normalise_address(address) != _normalise_address(first.dwelling_address),
                level_reset_used=any(row.limit_reset == "care_level_up" for row in history),
            )
        prior = 0 if reset else sum(row.counted_cost_yen for row in window)
        result = home_renovation_reimbursement(
            cost_yen=cost, copay_tenths=tenths, prior_counted_cost_yen=prior, completed_on=completed_on
        )
        limit = reimbursement_parameters_for(completed_on).renovation_limit_yen
        row = CareReimbursement(
            municipality_id=municipality_code,
            resident=resident,
            insured_number=number,
            case_reference=case_reference,
            kind=ReimbursementKind.RENOVATION,
            event_on=completed_on,
            fiscal_year=equipment_fiscal_year(completed_on),
            cost_yen=cost,
            copay_tenths=tenths,
            limit_yen=limit,
            prior_counted_cost_yen=prior,
            counted_cost_yen=result.counted_cost_yen,
            reimbursable_yen=result.reimbursable_yen,
            resident_pays_yen=result.resident_pays_yen,
            remaining_limit_yen=result.remaining_limit_yen,
            dwelling_address=address[:200],
            care_level=level,
            limit_reset=reset.value if reset else "",
            recorded_at=now,
        )
        return _save_reimbursement(actor, row)


# ---------------------------------------------------------------------------------------------------------
# 被保険者証・負担割合証の再交付, 居宅サービス計画作成依頼届出

REISSUE_PROCEDURES: Mapping[str, ReissuedCertificate] = {
    "insurance_certificate_reissue": ReissuedCertificate.INSURANCE,
    "cost_share_certificate_reissue": ReissuedCertificate.COST_SHARE,
}


def _choice(answers: Mapping[str, Any], path: str, values: list[str], ja: str, en: str) -> str:
    value = str(get_path(answers, path) or "")
    if value not in values:
        raise _violation(path, ja, en, "required")
    return value


def record_reissue(
    *,
    actor: StaffUser,
    municipality_code: str,
    procedure_code: str,
    case_reference: str,
    answers: Mapping[str, Any],
    resident_id: int | None,
    reissued_on: dt.date,
    now: dt.datetime | None = None,
) -> CareCertificateReissue:
    """Record the 再交付 of a 被保険者証 / 負担割合証 with its date, reason and delivery."""
    require(actor, Action.DECIDE_CASE)
    certificate = REISSUE_PROCEDURES[procedure_code]
    reason = _choice(
        answers,
        "reissue.reason",
        ReissueReason.values,
        "再交付の理由を選んでください。",
        "Choose the reason.",
    )
    other = (
        str(get_path(answers, "reissue.other_reason") or "").strip() if reason == ReissueReason.OTHER else ""
    )
    if reason == ReissueReason.OTHER and not other:
        raise _violation(
            "reissue.other_reason", "その他の理由を入力してください。", "Enter the reason.", "required"
        )
    delivery = _choice(
        answers,
        "reissue.delivery",
        ReissueDelivery.values,
        "受け取り方法を選んでください。",
        "Choose the delivery.",
    )
    with transaction.atomic():
        resident, number = _insured_person(municipality_code, answers, resident_id)
        row = CareCertificateReissue.objects.create(
            municipality_id=municipality_code,
            resident=resident,
            insured_number=number,
            case_reference=case_reference,
            certificate=certificate,
            reason=reason,
            other_reason=other[:200],
            delivery=delivery,
            reissued_on=reissued_on,
            recorded_at=now or timezone.now(),
        )
        record_audit(
            actor=actor,
            municipality=municipality_code,
            action="benefits.record_care_reissue",
            target_type="care_certificate_reissue",
            target_id=row.pk,
            after={"case_reference": case_reference, "certificate": certificate, "reason": reason},
        )
    return row


def record_care_plan_filing(
    *,
    actor: StaffUser,
    municipality_code: str,
    case_reference: str,
    answers: Mapping[str, Any],
    resident_id: int | None,
    filed_on: dt.date,
    now: dt.datetime | None = None,
) -> CarePlanFiling:
    """Record which support provider makes the person's care plan (居宅サービス計画作成依頼（変更）届出)."""
    require(actor, Action.DECIDE_CASE)
    kind = _choice(
        answers,
        "request.kind",
        CarePlanRequestKind.values,
        "届出の種類を選んでください。",
        "Choose new or change.",
    )
    starts_on = _date(get_path(answers, "request.start_on"), "request.start_on")
    if starts_on is None:
        raise _violation(
            "request.start_on", "開始日を入力してください。", "Enter the start date.", "required"
        )
    reason = str(get_path(answers, "request.change_reason") or "").strip()
    if kind == CarePlanRequestKind.CHANGE and not reason:
        raise _violation(
            "request.change_reason",
            "変更の理由を入力してください。",
            "Enter the reason for the change.",
            "required",
        )
    provider_kind = _choice(
        answers,
        "provider.kind",
        CarePlanProviderKind.values,
        "事業者の種類を選んでください。",
        "Choose the provider kind.",
    )
    provider: dict[str, str] = {}
    for key, ja in (
        ("name", "事業者の名称"),
        ("number", "事業所番号"),
        ("address", "所在地"),
        ("phone", "電話番号"),
    ):
        value = str(get_path(answers, f"provider.{key}") or "").strip()
        if not value:
            raise _violation(
                f"provider.{key}", f"{ja}を入力してください。", f"Enter provider.{key}.", "required"
            )
        provider[key] = value
    with transaction.atomic():
        resident, number = _insured_person(municipality_code, answers, resident_id)
        row = CarePlanFiling.objects.create(
            municipality_id=municipality_code,
            resident=resident,
            insured_number=number,
            case_reference=case_reference,
            request_kind=kind,
            starts_on=starts_on,
            change_reason=reason[:500] if kind == CarePlanRequestKind.CHANGE else "",
            provider_kind=provider_kind,
            provider_name=provider["name"][:200],
            provider_number=provider["number"][:10],
            provider_address=provider["address"][:200],
            provider_phone=provider["phone"][:20],
            filed_on=filed_on,
            recorded_at=now or timezone.now(),
        )
        record_audit(
            actor=actor,
            municipality=municipality_code,
            action="benefits.record_care_plan_filing",
            target_type="care_plan_filing",
            target_id=row.pk,
            after={
                "case_reference": case_reference,
                "request_kind": kind,
                "starts_on": starts_on.isoformat(),
                "provider_number": row.provider_number,
            },
        )
    return row


@decisions.handles(*REISSUE_PROCEDURES)
def _on_reissue_granted(*, actor: StaffUser, case: decisions.DecidedCase) -> None:
    record_reissue(
        actor=actor,
        municipality_code=case.municipality_code,
        procedure_code=case.procedure_code,
        case_reference=case.receipt_number,
        answers=case.answers,
        resident_id=case.resident_id,
        reissued_on=timezone.localdate(case.decided_at),
        now=case.decided_at,
    )


@decisions.handles("care_plan_request_notification")
def _on_care_plan_filing_granted(*, actor: StaffUser, case: decisions.DecidedCase) -> None:
    record_care_plan_filing(
        actor=actor,
        municipality_code=case.municipality_code,
        case_reference=case.receipt_number,
        answers=case.answers,
        resident_id=case.resident_id,
        filed_on=case.received_on,
        now=case.decided_at,
    )


@decisions.handles("welfare_equipment_purchase")
def _on_equipment_purchase_granted(*, actor: StaffUser, case: decisions.DecidedCase) -> None:
    reimburse_equipment_purchase(
        actor=actor,
        municipality_code=case.municipality_code,
        case_reference=case.receipt_number,
        answers=case.answers,
        resident_id=case.resident_id,
        now=case.decided_at,
    )


@decisions.handles("home_modification")
def _on_home_modification_granted(*, actor: StaffUser, case: decisions.DecidedCase) -> None:
    reimburse_home_modification(
        actor=actor,
        municipality_code=case.municipality_code,
        case_reference=case.receipt_number,
        answers=case.answers,
        resident_id=case.resident_id,
        now=case.decided_at,
    )


@decisions.handles(*PROCEDURE_KINDS)
def _on_certification_application_granted(*, actor: StaffUser, case: decisions.DecidedCase) -> None:
    # The accepted application opens its certification process; if the insured person cannot be identified
    # the approval is refused and nothing is recorded.
    open_certification(
        actor=actor,
        municipality_code=case.municipality_code,
        procedure_code=case.procedure_code,
        case_reference=case.receipt_number,
        answers=case.answers,
        applied_on=case.received_on,
        resident_id=case.resident_id,
        now=case.decided_at,
    )
