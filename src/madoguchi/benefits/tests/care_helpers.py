"""Test/demo data for 介護保険 要介護認定: one insured person with a certification awaiting its result and one decided."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from madoguchi.benefits import care_services as services
from madoguchi.benefits.models import CareInsuranceQualification
from madoguchi.core.models import Municipality, StaffUser
from madoguchi.core.services import create_staff_user
from madoguchi.registry.models import Resident

DEMO_NUMBER = "0000000116"


@dataclass(frozen=True)
class CareDemo:
    resident_id: int
    received_id: int  # just accepted: the next step is 認定調査
    committee_id: int  # after the committee: the result form shows
    decided_id: int


def make_insured(municipality: Municipality, code: str = "29000000001") -> Resident:
    """A synthetic 75-year-old with an open 第1号 qualification (insured number DEMO_NUMBER)."""
    since = dt.date(2000, 4, 1)
    person = Resident.objects.create(
        municipality=municipality,
        resident_record_code=code,
        family_name="介護",
        given_name="花子",
        family_name_kana="カイゴ",
        given_name_kana="ハナコ",
        birth_date=dt.date(1951, 6, 6),
        sex="female",
        prefecture="東京都",
        city="千代田区",
        machiaza="千代田",
        block_number="2-2",
        became_resident_on=since,
        address_set_on=since,
        status="current",
        relationship="世帯主",
        is_head=True,
    )
    CareInsuranceQualification.objects.create(
        municipality=municipality,
        resident=person,
        insured_number=DEMO_NUMBER,
        category="1",
        acquired_on=dt.date(2016, 6, 5),
        acquisition_reason="reached_age",
        recorded_at=timezone.now(),
    )
    return person


def make_care_demo(municipality: Municipality, approver: StaffUser | None = None) -> CareDemo:
    if approver is None:
        approver, _device = create_staff_user(
            actor=None,
            municipality=municipality,
            username=f"care-demo-{municipality.code}",
            password="demo-only-not-a-login-4c1",
            role="approver",
            last_name="介護",
            first_name="担当",
        )
    person = make_insured(municipality)
    today = timezone.localdate()
    applied = today - dt.timedelta(days=20)
    answers = {"applicant": {"role": "family"}, "insured": {"insured_number": DEMO_NUMBER}}

    def opened(reference: str) -> int:
        return services.open_certification(
            actor=approver,
            municipality_code=municipality.code,
            procedure_code="care_needs_certification",
            case_reference=reference,
            answers=answers,
            applied_on=applied,
            resident_id=None,
        ).pk

    received = opened("CARE-DEMO-1")
    committee = opened("CARE-DEMO-2")
    decided = opened("CARE-DEMO-3")
    for cert_id in (committee, decided):
        for days in (15, 10, 5):
            services.advance_certification(
                actor=approver, certification_id=cert_id, on=today - dt.timedelta(days=days)
            )
    services.record_certification_result(
        actor=approver, certification_id=decided, result="care_1", decided_on=today
    )
    return CareDemo(person.pk, received, committee, decided)
