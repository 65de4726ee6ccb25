"""介護保険 qualification writes: record acquisition and loss, and enrol everyone who has reached 65 (system batch).

Every write runs in one transaction with its audit row. Insured numbers are assigned here only
(`benefits.insured_numbers` documents the format); a resident keeps the number of an earlier period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from madoguchi.benefits.insured_numbers import format_insured_number
from madoguchi.benefits.models import (
    CareAcquisitionReason,
    CareInsuranceQualification,
    CareInsuredCategory,
    CareInsuredNumberCounter,
    CareLossReason,
)
from madoguchi.benefits.rules.care_insurance import category_1_starts_on, category_2_starts_on
from madoguchi.core.access import require, scoped
from madoguchi.core.audit import Actor, record_audit
from madoguchi.core.errors import BusinessRuleViolation, NotFoundInMunicipality
from madoguchi.core.models import StaffUser
from madoguchi.core.roles import Action
from madoguchi.registry.models import Resident, ResidentStatus


def _violation(field: str, ja: str, en: str, code: str = "invalid") -> BusinessRuleViolation:
    return BusinessRuleViolation(field, ja, en, code)


def _assign_serials(municipality_code: str, count: int) -> range:
    """Reserve `count` consecutive serials (inside the caller's transaction; the counter row stays locked)."""
    CareInsuredNumberCounter.objects.get_or_create(municipality_id=municipality_code)
    counter = CareInsuredNumberCounter.objects.select_for_update().get(municipality_id=municipality_code)
    first = counter.last_serial + 1
    counter.last_serial += count
    counter.save(update_fields=["last_serial"])
    return range(first, first + count)


def _earlier_number(municipality_code: str, resident_id: int) -> str:
    return (
        CareInsuranceQualification.objects.filter(municipality_id=municipality_code, resident_id=resident_id)
        .order_by("-acquired_on", "-id")
        .values_list("insured_number", flat=True)
        .first()
    ) or ""


def category_1_acquisition(birth_date: dt.date, became_resident_on: dt.date) -> tuple[dt.date, str]:
    """第1号 acquisition date and reason: reaching 65 (the day before the birthday), or moving in when already 65+.

    介護保険法 第9条・第10条: a resident becomes insured on the day of reaching 65 (年齢計算ニ関スル法律: the day
    before the 65th birthday), or on the day they come to have an address here (転入日) if that is later.
    """
    reaches = category_1_starts_on(birth_date)
    if became_resident_on > reaches:
        return became_resident_on, CareAcquisitionReason.MOVED_IN
    return reaches, CareAcquisitionReason.REACHED_AGE


def loss_for_removal(resident: Resident) -> tuple[dt.date, str] | None:
    """介護保険法 第11条: the status is lost on the day after the death or the move out (転出日の翌日)."""
    if resident.status == ResidentStatus.CURRENT or resident.removed_on is None:
        return None
    reason = CareLossReason.DEATH if resident.status == ResidentStatus.DECEASED else CareLossReason.MOVED_OUT
    return resident.removed_on + dt.timedelta(days=1), reason


def record_care_qualification(
    *,
    actor: StaffUser,
    resident_id: int,
    category: str,
    acquired_on: dt.date,
    acquisition_reason: str,
) -> CareInsuranceQualification:
    """Record that a resident acquired 介護保険 insured status (資格取得); counter/benefit staff only."""
    require(actor, Action.RECORD_REGISTRY_EVENT)
    if category not in CareInsuredCategory.values:
        raise _violation(
            "category", "被保険者の区分を選んでください。", "Choose the insured category.", "required"
        )
    if acquisition_reason not in CareAcquisitionReason.values:
        raise _violation(
            "acquisition_reason", "資格取得の事由を選んでください。", "Choose the reason.", "required"
        )
    with transaction.atomic():
        resident = scoped(Resident.objects.select_for_update(), actor).filter(pk=resident_id).first()
        if resident is None:
            raise NotFoundInMunicipality("resident")
        if resident.status != ResidentStatus.CURRENT:
            raise _violation(
                "resident_id",
                "消除された住民には資格を記録できません。",
                "The resident's record has been removed.",
                "removed",
            )
        if resident.birth_date is None:
            raise _violation(
                "resident_id",
                "生年月日のない住民です。",
                "The resident has no date of birth.",
                "no_birth_date",
            )
        starts = (
            category_1_starts_on(resident.birth_date)
            if category == CareInsuredCategory.CATEGORY_1
            else category_2_starts_on(resident.birth_date)
        )
        if acquired_on < starts:
            raise _violation(
                "acquired_on",
                f"「資格取得日」は{starts:%Y年%m月%d日}（年齢到達日）以降の日付にしてください。",
                f"The acquisition date must be on or after {starts.isoformat()} (the day the age is reached).",
                "before_age",
            )
        if category == CareInsuredCategory.CATEGORY_2 and acquired_on >= category_1_starts_on(
            resident.birth_date
        ):
            raise _violation(
                "category",
                "65歳に達した方は第1号被保険者です。",
                "A person who has reached 65 is in category 1.",
                "wrong_category",
            )
        if acquired_on < resident.became_resident_on:
            raise _violation(
                "acquired_on",
                "「資格取得日」が住民となった日より前です。",
                "The acquisition date is before the person became a resident.",
                "before_residence",
            )
        open_period = CareInsuranceQualification.objects.filter(resident_id=resident.pk, lost_on__isnull=True)
        if open_period.exists():
            raise _violation(
                "resident_id",
                "この住民はすでに介護保険の資格を持っています。",
                "The resident is already insured.",
                "already_insured",
            )
        number = _earlier_number(resident.municipality_id, resident.pk)
        if not number:
            number = format_insured_number(_assign_serials(resident.municipality_id, 1)[0])
        qualification = CareInsuranceQualification.objects.create(
            municipality_id=resident.municipality_id,
            resident=resident,
            insured_number=number,
            category=category,
            acquired_on=acquired_on,
            acquisition_reason=acquisition_reason,
            recorded_at=timezone.now(),
        )
        record_audit(
            actor=actor,
            municipality=resident.municipality_id,
            action="benefits.record_care_qualification",
            target_type="resident",
            target_id=resident.pk,
            after={
                "qualification": qualification.pk,
                "category": category,
                "acquired_on": acquired_on.isoformat(),
                "acquisition_reason": acquisition_reason,
            },
        )
    return qualification


def record_care_qualification_loss(
    *, actor: StaffUser, qualification_id: int, lost_on: dt.date, loss_reason: str
) -> CareInsuranceQualification:
    """Record the loss of 介護保険 insured status (資格喪失) on an open period; counter/benefit staff only."""
    require(actor, Action.RECORD_REGISTRY_EVENT)
    if loss_reason not in CareLossReason.values:
        raise _violation("loss_reason", "資格喪失の事由を選んでください。", "Choose the reason.", "required")
    with transaction.atomic():
        qualification = (
            scoped(CareInsuranceQualification.objects.select_for_update(), actor)
            .filter(pk=qualification_id)
            .first()
        )
        if qualification is None:
            raise NotFoundInMunicipality("care qualification")
        if qualification.lost_on is not None:
            raise _violation(
                "qualification_id",
                "この資格はすでに喪失しています。",
                "The status was already lost.",
                "already_lost",
            )
        if lost_on < qualification.acquired_on:
            raise _violation(
                "lost_on",
                "「資格喪失日」が資格取得日より前です。",
                "The loss date is before the acquisition date.",
                "before_acquisition",
            )
        qualification.lost_on = lost_on
        qualification.loss_reason = loss_reason
        qualification.save(update_fields=["lost_on", "loss_reason"])
        record_audit(
            actor=actor,
            municipality=qualification.municipality_id,
            action="benefits.record_care_qualification_loss",
            target_type="resident",
            target_id=qualification.resident_id,
            before={"qualification": qualification.pk, "lost_on": None},
            after={"lost_on": lost_on.isoformat(), "loss_reason": loss_reason},
        )
    return qualification


def enroll_category_1_residents(
    *, actor: StaffUser | Actor | None, municipality_code: str, on: dt.date
) -> int:
    """Give every resident who has reached 65 by `on` and has no qualification yet a 第1号 record. System only.

    Used by `seed_demo` and fit for a daily batch (年齢到達・転入者の資格取得). Removed records (転出・死亡) that had
    reached 65 while resident get a closed period. Numbers are assigned in order of acquisition date, then 住民票
    コード, so the same residents always get the same numbers. Returns the number of records created.
    """
    if isinstance(actor, StaffUser):
        require(actor, Action.IMPORT_RESIDENTS)
        if actor.municipality_id != municipality_code:
            raise NotFoundInMunicipality("municipality")
    with transaction.atomic():
        enrolled = set(
            CareInsuranceQualification.objects.filter(municipality_id=municipality_code).values_list(
                "resident_id", flat=True
            )
        )
        # A loose SQL bound (everyone born by the end of the year 64 years ago), then the exact age rule in Python.
        candidates: Iterable[Resident] = (
            Resident.objects.filter(
                municipality_id=municipality_code,
                birth_date__isnull=False,
                birth_date__lte=dt.date(on.year - 64, 12, 31),
            )
            .only("id", "birth_date", "became_resident_on", "status", "removed_on", "resident_record_code")
            .iterator(chunk_size=5000)
        )
        planned: list[tuple[dt.date, str, Resident, str, tuple[dt.date, str] | None]] = []
        for resident in candidates:
            if resident.pk in enrolled or resident.birth_date is None:
                continue
            acquired_on, reason = category_1_acquisition(resident.birth_date, resident.became_resident_on)
            if acquired_on > on:
                continue
            loss = loss_for_removal(resident)
            if resident.status != ResidentStatus.CURRENT and (loss is None or loss[0] <= acquired_on):
                continue  # left (or died) before reaching 65 here: never insured by this municipality
            planned.append((acquired_on, resident.resident_record_code, resident, reason, loss))
        planned.sort(key=lambda p: (p[0], p[1], p[2].pk))
        if not planned:
            return 0
        serials = _assign_serials(municipality_code, len(planned))
        now = timezone.now()
        CareInsuranceQualification.objects.bulk_create(
            [
                CareInsuranceQualification(
                    municipality_id=municipality_code,
                    resident_id=resident.pk,
                    insured_number=format_insured_number(serial),
                    category=CareInsuredCategory.CATEGORY_1,
                    acquired_on=acquired_on,
                    acquisition_reason=reason,
                    lost_on=loss[0] if loss else None,
                    loss_reason=loss[1] if loss else "",
                    recorded_at=now,
                )
                for serial, (acquired_on, _code, resident, reason, loss) in zip(serials, planned, strict=True)
            ],
            batch_size=2000,
        )
        record_audit(
            actor=actor,
            municipality=municipality_code,
            action="benefits.enroll_category_1_residents",
            target_type="municipality",
            target_id=municipality_code,
            after={
                "on": on.isoformat(),
                "enrolled": len(planned),
                "closed": sum(1 for p in planned if p[4] is not None),
                "first_serial": serials.start,
                "last_serial": serials.stop - 1,
            },
        )
    return len(planned)
