"""介護保険 qualifications: number format, acquisition/loss services, the enrolment batch and the access-logged read."""

from __future__ import annotations

import datetime as dt

import pytest

from madoguchi.benefits.insured_numbers import (
    format_insured_number,
    insured_number_check_digit,
    is_valid_insured_number,
    serial_of,
)
from madoguchi.benefits.models import CareInsuranceQualification
from madoguchi.benefits.selectors import access_care_qualifications, get_active_care_qualification
from madoguchi.benefits.services import (
    category_1_acquisition,
    enroll_category_1_residents,
    record_care_qualification,
    record_care_qualification_loss,
)
from madoguchi.core.audit import verify_chain
from madoguchi.core.errors import ActionNotPermitted, BusinessRuleViolation, NotFoundInMunicipality
from madoguchi.core.models import AccessLogEntry, AuditEntry, Municipality
from madoguchi.registry.models import Resident

ON = dt.date(2026, 11, 26)


def resident(
    municipality: Municipality,
    code: str,
    birth: dt.date,
    *,
    since: dt.date = dt.date(2000, 4, 1),
    status: str = "current",
    removed_on: dt.date | None = None,
) -> Resident:
    return Resident.objects.create(
        municipality=municipality,
        resident_record_code=code,
        family_name="介護",
        given_name=f"太郎{code[-2:]}",
        family_name_kana="カイゴ",
        given_name_kana="タロウ",
        birth_date=birth,
        sex="male",
        prefecture="東京都",
        city="千代田区",
        machiaza="千代田",
        block_number="1-1",
        became_resident_on=since,
        address_set_on=since,
        status=status,
        removed_on=removed_on,
        relationship="世帯主",
        is_head=True,
    )


@pytest.mark.parametrize(
    ("serial", "number"),
    [
        (1, "0000000019"),  # 1×2 = 2 → 11 − 2 = 9
        (5, "0000000051"),  # 5×2 = 10 → 11 − 10 = 1
        (6, "0000000060"),  # 6×2 = 12 ≡ 1 → 11 − 1 = 10 → 0
        (11, "0000000116"),  # 1×2 + 1×3 = 5 → 6
        (123456789, "1234567892"),  # 9×2+8×3+7×4+6×5+5×6+4×7+3×2+2×3+1×4 = 174 ≡ 9 → 2
    ],
)
def test_insured_number_format(serial: int, number: str) -> None:
    assert format_insured_number(serial) == number
    assert insured_number_check_digit(number[:9]) == int(number[9])
    assert is_valid_insured_number(number) and serial_of(number) == serial


def test_insured_number_catches_typos() -> None:
    good = format_insured_number(4711)
    assert is_valid_insured_number(good)
    wrong_digit = good[:5] + str((int(good[5]) + 1) % 10) + good[6:]
    swapped = good[:6] + good[7] + good[6] + good[8:]
    assert not is_valid_insured_number(wrong_digit)
    assert good[6] == good[7] or not is_valid_insured_number(swapped)
    for bad in ("", "123", "0000000000", "１２３４５６７８９０", "12345678901", "abcdefghij"):
        assert not is_valid_insured_number(bad)
    with pytest.raises(ValueError):
        format_insured_number(0)


@pytest.mark.parametrize(
    ("birth", "since", "acquired", "reason"),
    [
        (
            dt.date(1960, 5, 10),
            dt.date(1990, 1, 1),
            dt.date(2025, 5, 9),
            "reached_age",
        ),  # the day before the 65th
        (dt.date(1960, 4, 1), dt.date(1990, 1, 1), dt.date(2025, 3, 31), "reached_age"),
        (
            dt.date(1960, 2, 29),
            dt.date(1990, 1, 1),
            dt.date(2025, 2, 28),
            "reached_age",
        ),  # 民法 §143② (common/ages)
        (
            dt.date(1950, 5, 10),
            dt.date(2024, 7, 1),
            dt.date(2024, 7, 1),
            "moved_in",
        ),  # already 65+ on moving in
        (dt.date(1960, 5, 10), dt.date(2025, 5, 9), dt.date(2025, 5, 9), "reached_age"),  # same day: age rule
    ],
)
def test_category_1_acquisition(birth: dt.date, since: dt.date, acquired: dt.date, reason: str) -> None:
    assert category_1_acquisition(birth, since) == (acquired, reason)


def test_record_acquisition_and_loss_are_audited(chiyoda, make_staff) -> None:
    clerk = make_staff(chiyoda)
    person = resident(chiyoda, "20000000001", dt.date(1955, 1, 20))
    q = record_care_qualification(
        actor=clerk,
        resident_id=person.pk,
        category="1",
        acquired_on=dt.date(2020, 1, 19),
        acquisition_reason="reached_age",
    )
    assert is_valid_insured_number(q.insured_number) and q.insured_number == format_insured_number(1)
    assert AuditEntry.objects.filter(
        action="benefits.record_care_qualification", target_id=str(person.pk)
    ).exists()
    with pytest.raises(BusinessRuleViolation) as exc:
        record_care_qualification(
            actor=clerk,
            resident_id=person.pk,
            category="1",
            acquired_on=dt.date(2021, 1, 1),
            acquisition_reason="other",
        )
    assert exc.value.field == "resident_id"
    record_care_qualification_loss(
        actor=clerk, qualification_id=q.pk, lost_on=dt.date(2026, 4, 2), loss_reason="moved_out"
    )
    assert get_active_care_qualification(municipality_code="131016", resident_id=person.pk, on=ON) is None
    assert (
        get_active_care_qualification(
            municipality_code="131016", resident_id=person.pk, on=dt.date(2026, 4, 1)
        )
        == q
    )
    # Back again: a new period keeps the same number.
    again = record_care_qualification(
        actor=clerk,
        resident_id=person.pk,
        category="1",
        acquired_on=dt.date(2026, 9, 1),
        acquisition_reason="moved_in",
    )
    assert again.pk != q.pk and again.insured_number == q.insured_number
    assert verify_chain("131016")[1] == []


@pytest.mark.parametrize(
    ("category", "acquired_on", "field", "code"),
    [
        ("1", dt.date(2020, 1, 18), "acquired_on", "before_age"),  # one day before reaching 65
        ("2", dt.date(2020, 1, 19), "category", "wrong_category"),  # 65 reached: not 第2号
        ("1", dt.date(2020, 1, 19), "acquired_on", "before_residence"),  # moved in later
        ("9", dt.date(2020, 1, 19), "category", "required"),
    ],
)
def test_record_acquisition_rejects_bad_input(
    chiyoda, make_staff, category, acquired_on, field, code
) -> None:
    clerk = make_staff(chiyoda)
    since = dt.date(2021, 1, 1) if code == "before_residence" else dt.date(2000, 1, 1)
    person = resident(chiyoda, "20000000002", dt.date(1955, 1, 20), since=since)
    with pytest.raises(BusinessRuleViolation) as exc:
        record_care_qualification(
            actor=clerk,
            resident_id=person.pk,
            category=category,
            acquired_on=acquired_on,
            acquisition_reason="reached_age",
        )
    assert (exc.value.field, exc.value.code) == (field, code)
    assert not CareInsuranceQualification.objects.exists()


def test_permissions_and_tenancy(chiyoda, sapporo, make_staff) -> None:
    person = resident(chiyoda, "20000000003", dt.date(1950, 1, 1))
    with pytest.raises(ActionNotPermitted):
        record_care_qualification(
            actor=make_staff(chiyoda, role="auditor"),
            resident_id=person.pk,
            category="1",
            acquired_on=dt.date(2015, 1, 1),
            acquisition_reason="reached_age",
        )
    with pytest.raises(NotFoundInMunicipality):
        record_care_qualification(
            actor=make_staff(sapporo),
            resident_id=person.pk,
            category="1",
            acquired_on=dt.date(2015, 1, 1),
            acquisition_reason="reached_age",
        )
    with pytest.raises(NotFoundInMunicipality):
        access_care_qualifications(
            actor=make_staff(sapporo), resident_id=person.pk, purpose="counter_service"
        )


def test_enrolment_batch_is_deterministic_and_the_read_is_logged(chiyoda, make_staff) -> None:
    young = resident(chiyoda, "20000000010", dt.date(1970, 1, 1))
    reached = resident(chiyoda, "20000000011", dt.date(1961, 11, 27))  # reaches 65 on 2026-11-26 = ON
    tomorrow = resident(chiyoda, "20000000012", dt.date(1961, 11, 28))  # reaches 65 on 2026-11-27
    moved_in = resident(chiyoda, "20000000013", dt.date(1940, 3, 3), since=dt.date(2024, 6, 1))
    died = resident(
        chiyoda, "20000000014", dt.date(1930, 8, 8), status="deceased", removed_on=dt.date(2025, 12, 24)
    )
    left_young = resident(
        chiyoda, "20000000015", dt.date(1961, 1, 1), status="moved_out", removed_on=dt.date(2020, 1, 1)
    )
    assert enroll_category_1_residents(actor=None, municipality_code="131016", on=ON) == 3
    rows = {q.resident_id: q for q in CareInsuranceQualification.objects.all()}
    assert set(rows) == {reached.pk, moved_in.pk, died.pk}
    assert young.pk not in rows and tomorrow.pk not in rows and left_young.pk not in rows
    assert (rows[reached.pk].acquired_on, rows[reached.pk].acquisition_reason) == (ON, "reached_age")
    assert (rows[moved_in.pk].acquired_on, rows[moved_in.pk].acquisition_reason) == (
        dt.date(2024, 6, 1),
        "moved_in",
    )
    # 介護保険法 第11条: lost on the day after death.
    assert (rows[died.pk].lost_on, rows[died.pk].loss_reason) == (dt.date(2025, 12, 25), "death")
    # Numbers in order of acquisition: the person who reached 65 in 1995 first.
    assert rows[died.pk].insured_number == format_insured_number(1)
    assert rows[moved_in.pk].insured_number == format_insured_number(2)
    assert rows[reached.pk].insured_number == format_insured_number(3)
    assert enroll_category_1_residents(actor=None, municipality_code="131016", on=ON) == 0  # idempotent
    assert (
        enroll_category_1_residents(actor=None, municipality_code="131016", on=ON + dt.timedelta(days=1)) == 1
    )
    assert CareInsuranceQualification.objects.get(resident=tomorrow).insured_number == format_insured_number(
        4
    )

    clerk = make_staff(chiyoda)
    periods = access_care_qualifications(actor=clerk, resident_id=died.pk, purpose="benefit_administration")
    assert [p.insured_number for p in periods] == [format_insured_number(1)]
    log = AccessLogEntry.objects.get(subject_id=str(died.pk))
    assert (log.action, log.purpose, log.actor_id) == (
        "view_care_qualification",
        "benefit_administration",
        clerk.pk,
    )
    assert verify_chain("131016")[1] == []
