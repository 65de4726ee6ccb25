"""Synthetic 妊娠の届出 data for the every-route scan: one fresh record, one with handbooks and an approved 1回目."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from madoguchi.benefits import pregnancy_services as services
from madoguchi.benefits.models import PregnancySupportRequest
from madoguchi.core.models import Municipality
from madoguchi.core.services import create_staff_user
from madoguchi.registry.models import Resident


@dataclass(frozen=True)
class PregnancyDemo:
    fresh_id: int  # handbooks not issued, 1回目 requested (issue and approve forms show)
    approved_id: int  # handbooks issued, 1回目 approved (the 2回目 form shows)


def _mother(municipality: Municipality, code: str, given: str, birth: dt.date) -> Resident:
    since = dt.date(2019, 4, 1)
    return Resident.objects.create(
        municipality=municipality,
        resident_record_code=code,
        family_name="妊娠",
        given_name=given,
        family_name_kana="ニンシン",
        given_name_kana="ユウコ",
        birth_date=birth,
        sex="female",
        prefecture="東京都",
        city="千代田区",
        machiaza="千代田",
        block_number="4-4",
        became_resident_on=since,
        address_set_on=since,
        status="current",
        relationship="世帯主",
        is_head=True,
    )


def make_pregnancy_demo(municipality: Municipality) -> PregnancyDemo:
    approver, _device = create_staff_user(
        actor=None,
        municipality=municipality,
        username=f"pregnancy-demo-{municipality.code}",
        password="demo-only-not-a-login-9e4",
        role="approver",
        last_name="母子",
        first_name="担当",
    )
    today = timezone.localdate()
    ids = []
    for n, (given, birth) in enumerate((("優子", dt.date(1994, 8, 8)), ("恵美", dt.date(1996, 2, 2))), 1):
        mother = _mother(municipality, f"2700000000{n}", given, birth)
        record = services.record_pregnancy(
            actor=approver,
            municipality_code=municipality.code,
            case_reference=f"NINSHIN-DEMO-{n}",
            answers={
                "applicant": {"role": "self"},
                "pregnancy": {
                    "weeks": 10,
                    "due_on": (today + dt.timedelta(days=190)).isoformat(),
                    "fetus_count": n,
                },
                "diagnosis": {"confirmed": True, "institution": "まどぐちレディースクリニック"},
            },
            notified_on=today - dt.timedelta(days=14),
            resident_id=mother.pk,
        )
        ids.append(record.pk)
    services.record_handbook_issuance(actor=approver, pregnancy_id=ids[1], issued_on=today)
    first = PregnancySupportRequest.objects.get(pregnancy_id=ids[1])
    services.approve_support_request(actor=approver, request_id=first.pk)
    return PregnancyDemo(fresh_id=ids[0], approved_id=ids[1])
