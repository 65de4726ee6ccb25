"""妊娠の届出 writes: the pregnancy record (from a granted case), 母子健康手帳 issuance, 妊婦支援給付金 requests.

A granted `pregnancy_notification` case creates the `PregnancyRecord`; when the doctor's diagnosis (fetal heartbeat)
is confirmed on the notification, that is the 妊婦給付認定 and the 1st-payment request is created with the amount
from `rules.pregnancy.first_payment_yen`. The 2nd-payment request follows the 胎児の数の届出 (office action;
`second_payment_yen`). A clerk with 決裁 approves each request, after which it is payable — the bank transfer
itself is not made here (the 全銀 payment runs cover 児童手当 only).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from madoguchi.benefits import decisions
from madoguchi.benefits.child_allowance_services import _date, _violation
from madoguchi.benefits.models_pregnancy import (
    MaternalHandbook,
    PregnancyRecord,
    PregnancySupportRequest,
    SupportPayment,
    SupportRequestStatus,
)
from madoguchi.benefits.numbering import next_yearly_number
from madoguchi.benefits.rules import pregnancy as rules
from madoguchi.common.names import names_match
from madoguchi.core.access import require
from madoguchi.core.audit import record_audit
from madoguchi.core.errors import NotFoundInMunicipality
from madoguchi.core.models import StaffUser
from madoguchi.core.roles import Action
from madoguchi.procedures.conditions import get_path
from madoguchi.registry.models import Resident, ResidentStatus

PROCEDURE_CODE = "pregnancy_notification"


def _pregnant_person(municipality_code: str, resident_id: int | None, answers: Mapping[str, Any]) -> Resident:
    """The pregnant person: the identified applicant when she files herself, else 妊婦 name + birth date."""
    residents = Resident.objects.filter(municipality_id=municipality_code)
    proxy = get_path(answers, "applicant.role") == "proxy"
    resident: Resident | None = None
    if not proxy and resident_id is not None:
        resident = residents.filter(pk=resident_id).first()
    else:
        prefix = "mother" if proxy else "applicant"
        name = str(get_path(answers, f"{prefix}.name") or "")
        birth = _date(get_path(answers, f"{prefix}.birth_date"))
        if name and birth is not None:
            matching = [
                r
                for r in residents.filter(birth_date=birth, status=ResidentStatus.CURRENT)
                if names_match(r.full_name, name)
            ]
            resident = matching[0] if len(matching) == 1 else None
    if resident is None:
        raise _violation(
            "mother" if proxy else "applicant",
            "妊婦を住民記録で特定できません。住民記録を確認してから決裁してください。",
            "The pregnant person cannot be identified in the resident registry.",
            "pregnant_person_not_found",
        )
    return resident


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def record_pregnancy(
    *,
    actor: StaffUser,
    municipality_code: str,
    case_reference: str,
    answers: Mapping[str, Any],
    notified_on: dt.date,
    resident_id: int | None = None,
    now: dt.datetime | None = None,
) -> PregnancyRecord:
    """The pregnancy record from a granted 妊娠の届出 (+ the 1st-payment request when the diagnosis is confirmed)."""
    require(actor, Action.DECIDE_CASE)
    if actor.municipality_id != municipality_code:
        raise NotFoundInMunicipality("municipality")
    at = now or timezone.now()
    weeks = _int(get_path(answers, "pregnancy.weeks"))
    if weeks is None or not 1 <= weeks <= 45:
        raise _violation(
            "pregnancy.weeks", "妊娠週数が読み取れません。", "Weeks of pregnancy missing.", "weeks"
        )
    due_on = _date(get_path(answers, "pregnancy.due_on"))
    if due_on is None:
        raise _violation("pregnancy.due_on", "出産予定日が読み取れません。", "Due date missing.", "due_on")
    fetus_count = _int(get_path(answers, "pregnancy.fetus_count"))
    if fetus_count is None or fetus_count < 1:
        raise _violation(
            "pregnancy.fetus_count", "胎児の数が読み取れません。", "Number of fetuses missing.", "fetus_count"
        )
    with transaction.atomic():
        person = _pregnant_person(municipality_code, resident_id, answers)
        if PregnancyRecord.objects.filter(
            municipality_id=municipality_code, case_reference=case_reference
        ).exists():
            raise _violation(
                "case", "この届出はすでに記録されています。", "Already recorded.", "already_recorded"
            )
        record = PregnancyRecord.objects.create(
            municipality_id=municipality_code,
            resident=person,
            case_reference=case_reference,
            notified_on=notified_on,
            weeks_at_notification=weeks,
            expected_delivery_on=due_on,
            fetus_count=fetus_count,
            institution=str(get_path(answers, "diagnosis.institution") or "")[:120],
            handbooks_to_issue=rules.maternal_handbooks_to_issue(fetus_count),
            created_at=at,
            created_by=actor,
        )
        first: PregnancySupportRequest | None = None
        # 妊婦給付認定 needs the doctor's confirmation (fetal heartbeat) and the benefit in force (2025-04-01).
        if (
            get_path(answers, "diagnosis.confirmed") is True
            and notified_on >= rules.PARAMETERS[0].effective_from
        ):
            first = PregnancySupportRequest.objects.create(
                municipality_id=municipality_code,
                pregnancy=record,
                payment=SupportPayment.FIRST,
                requested_on=notified_on,
                amount_yen=rules.first_payment_yen(notified_on),
                created_at=at,
                created_by=actor,
            )
        record_audit(
            actor=actor,
            municipality=municipality_code,
            action="benefits.record_pregnancy",
            target_type="resident",
            target_id=person.pk,
            after={
                "pregnancy": record.pk,
                "case": case_reference,
                "expected_delivery_on": due_on.isoformat(),
                "fetus_count": fetus_count,
                "handbooks_to_issue": record.handbooks_to_issue,
                "first_payment_yen": first.amount_yen if first else None,
            },
        )
    return record


def _locked_pregnancy(actor: StaffUser, pregnancy_id: int) -> PregnancyRecord:
    record = (
        PregnancyRecord.objects.select_for_update()
        .filter(municipality_id=actor.municipality_id, pk=pregnancy_id)
        .first()
    )
    if record is None:
        raise NotFoundInMunicipality("pregnancy record")
    return record


def _next_handbook_number(municipality_code: str, year: int) -> str:
    return next_yearly_number(
        MaternalHandbook, "handbook_number", municipality_code=municipality_code, prefix=f"M{year:04d}"
    )


def record_handbook_issuance(
    *, actor: StaffUser, pregnancy_id: int, issued_on: dt.date, now: dt.datetime | None = None
) -> list[MaternalHandbook]:
    """交付を記録: the 母子健康手帳 for the pregnancy (one per fetus), numbered, issued on `issued_on` by `actor`."""
    require(actor, Action.ISSUE_CERTIFICATE)
    at = now or timezone.now()
    with transaction.atomic():
        record = _locked_pregnancy(actor, pregnancy_id)
        if record.handbooks.exists():
            raise _violation(
                "pregnancy",
                "母子健康手帳はすでに交付されています。",
                "Handbooks already issued.",
                "already_issued",
            )
        if issued_on < record.notified_on or issued_on > timezone.localdate(at):
            raise _violation(
                "issued_on",
                "交付日は届出年月日から今日までの日付にしてください。",
                "The issue date must be between the notification and today.",
                "issued_on",
            )
        handbooks = [
            MaternalHandbook.objects.create(
                municipality_id=record.municipality_id,
                pregnancy=record,
                handbook_number=_next_handbook_number(record.municipality_id, issued_on.year),
                issued_on=issued_on,
                issued_by=actor,
                recorded_at=at,
            )
            for _ in range(record.handbooks_to_issue)
        ]
        record_audit(
            actor=actor,
            municipality=record.municipality_id,
            action="benefits.issue_maternal_handbook",
            target_type="resident",
            target_id=record.resident_id,
            after={
                "pregnancy": record.pk,
                "numbers": [h.handbook_number for h in handbooks],
                "issued_on": issued_on.isoformat(),
            },
        )
    return handbooks


def request_second_payment(
    *,
    actor: StaffUser,
    pregnancy_id: int,
    fetus_count: int,
    notified_on: dt.date,
    now: dt.datetime | None = None,
) -> PregnancySupportRequest:
    """胎児の数の届出: the 2nd-payment request (fetuses × the per-fetus amount) after the 1st was approved."""
    require(actor, Action.REVIEW_CASE)
    at = now or timezone.now()
    if fetus_count < 1:
        raise _violation(
            "fetus_count", "胎児の数は1以上にしてください。", "At least one fetus.", "fetus_count"
        )
    with transaction.atomic():
        record = _locked_pregnancy(actor, pregnancy_id)
        requests = {r.payment: r for r in record.support_requests.all()}
        first = requests.get(SupportPayment.FIRST)
        if first is None or first.status != SupportRequestStatus.APPROVED:
            raise _violation(
                "payment",
                "1回目の支給決定の後に2回目を申請できます。",
                "The second payment follows an approved first payment.",
                "first_not_approved",
            )
        if SupportPayment.SECOND in requests:
            raise _violation(
                "payment", "2回目の申請はすでに受け付けています。", "Already requested.", "already_requested"
            )
        if notified_on < record.notified_on or notified_on > timezone.localdate(at):
            raise _violation(
                "notified_on",
                "胎児の数の届出日は妊娠の届出から今日までの日付にしてください。",
                "The date must be between the pregnancy notification and today.",
                "notified_on",
            )
        amount = rules.second_payment_yen(fetus_count, notified_on)
        second = PregnancySupportRequest.objects.create(
            municipality_id=record.municipality_id,
            pregnancy=record,
            payment=SupportPayment.SECOND,
            fetus_count=fetus_count,
            requested_on=notified_on,
            amount_yen=amount,
            created_at=at,
            created_by=actor,
        )
        record_audit(
            actor=actor,
            municipality=record.municipality_id,
            action="benefits.request_pregnancy_support",
            target_type="resident",
            target_id=record.resident_id,
            after={
                "pregnancy": record.pk,
                "payment": "second",
                "fetus_count": fetus_count,
                "amount_yen": amount,
            },
        )
    return second


def approve_support_request(
    *, actor: StaffUser, request_id: int, now: dt.datetime | None = None
) -> PregnancySupportRequest:
    """支給決定: the request becomes payable (approved by staff with 決裁)."""
    require(actor, Action.DECIDE_CASE)
    at = now or timezone.now()
    with transaction.atomic():
        request = (
            PregnancySupportRequest.objects.select_for_update()
            .filter(municipality_id=actor.municipality_id, pk=request_id)
            .select_related("pregnancy")
            .first()
        )
        if request is None:
            raise NotFoundInMunicipality("pregnancy support request")
        if request.status != SupportRequestStatus.REQUESTED:
            raise _violation(
                "status", "この申請はすでに支給決定されています。", "Already approved.", "already_approved"
            )
        request.status = SupportRequestStatus.APPROVED
        request.approved_at = at
        request.approved_by = actor
        request.save(update_fields=["status", "approved_at", "approved_by"])
        record_audit(
            actor=actor,
            municipality=request.municipality_id,
            action="benefits.approve_pregnancy_support",
            target_type="resident",
            target_id=request.pregnancy.resident_id,
            before={"status": "requested"},
            after={"request": request.pk, "payment": request.payment, "amount_yen": request.amount_yen},
        )
    return request


@decisions.handles(PROCEDURE_CODE)
def _on_notification_granted(*, actor: StaffUser, case: decisions.DecidedCase) -> None:
    record_pregnancy(
        actor=actor,
        municipality_code=case.municipality_code,
        case_reference=case.receipt_number,
        answers=case.answers,
        notified_on=case.received_on,
        resident_id=case.resident_id,
        now=case.decided_at,
    )
