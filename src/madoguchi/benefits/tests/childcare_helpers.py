"""Synthetic 保育 data for tests and the every-route scan: a guardian, facilities and a 利用申込 in 選考中."""

from __future__ import annotations

import datetime as dt

from madoguchi.benefits import childcare_services as services
from madoguchi.benefits.models import ChildcareFacility, PlacementApplication
from madoguchi.core.audit import Actor
from madoguchi.core.models import Municipality, StaffUser
from madoguchi.core.services import create_staff_user
from madoguchi.registry.models import Resident

SYSTEM = Actor(id="system:test", display="テストデータ")
FACILITIES = [
    services.FacilitySpec("F001", "まどぐち中央保育園", "認可保育所", 90),
    services.FacilitySpec("F002", "さくら認定こども園", "認定こども園", 120),
    services.FacilitySpec("F003", "ひかり小規模保育室", "小規模保育", 19),
]


def make_guardian(municipality: Municipality, code: str = "28000000001") -> Resident:
    since = dt.date(2018, 4, 1)
    return Resident.objects.create(
        municipality=municipality,
        resident_record_code=code,
        family_name="保育",
        given_name="花子",
        family_name_kana="ホイク",
        given_name_kana="ハナコ",
        birth_date=dt.date(1991, 7, 7),
        sex="female",
        prefecture="東京都",
        city="千代田区",
        machiaza="千代田",
        block_number="3-3",
        became_resident_on=since,
        address_set_on=since,
        status="current",
        relationship="世帯主",
        is_head=True,
    )


def make_placement_demo(
    municipality: Municipality, approver: StaffUser | None = None, reference: str = "HOIKU-DEMO-1"
) -> PlacementApplication:
    """A 利用申込 ranking two registered facilities and one unknown, moved to 選考中 (the outcome form shows)."""
    if approver is None:
        approver, _device = create_staff_user(
            actor=None,
            municipality=municipality,
            username=f"childcare-demo-{municipality.code}",
            password="demo-only-not-a-login-7d2",
            role="approver",
            last_name="保育",
            first_name="担当",
        )
    if not ChildcareFacility.objects.filter(municipality=municipality).exists():
        # Facilities are configuration (the approver may not add them): added as the system, like seed_demo.
        services.ensure_facilities(actor=SYSTEM, municipality_code=municipality.code, facilities=FACILITIES)
    guardian = make_guardian(municipality)
    application = services.register_placement_application(
        actor=approver,
        municipality_code=municipality.code,
        case_reference=reference,
        answers={
            "child": {"name": "保育 陽向", "name_kana": "ホイク ヒナタ", "birth_date": "2025-01-10"},
            "preferences": [
                {"facility_name": "さくら認定こども園", "facility_code": "F002"},
                {"facility_name": "まどぐち中央保育園", "facility_code": "F001"},
                {"facility_name": "どこか保育室", "facility_code": ""},
            ],
            "placement": {"start_on": "2027-04-01", "accept_other_facility": True},
        },
        received_on=dt.date.today() - dt.timedelta(days=7),
        resident_id=guardian.pk,
    )
    services.start_screening(actor=approver, application_id=application.pk)
    application.refresh_from_db()
    return application
