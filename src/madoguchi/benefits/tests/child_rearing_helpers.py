"""Synthetic 児童扶養手当 data: a 受給者, a granted 現況届 (decision handler) and its review, for tests and the
every-route scan."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from madoguchi.benefits import child_rearing_services as services
from madoguchi.benefits import decisions
from madoguchi.benefits.models_child_rearing import (
    STATUS_REPORT_PROCEDURE,
    ChildRearingRecipient,
    ChildRearingReview,
)
from madoguchi.core.models import Municipality, StaffUser
from madoguchi.core.services import create_staff_user
from madoguchi.registry.models import Resident

REPORTED_ON = dt.date(2025, 8, 12)  # FY2025 (the amounts the rules know), income year 2024


def make_parent(municipality: Municipality, code: str = "27100000001", given: str = "陽子") -> Resident:
    since = dt.date(2018, 4, 1)
    return Resident.objects.create(
        municipality=municipality,
        resident_record_code=code,
        family_name="扶養",
        given_name=given,
        family_name_kana="フヨウ",
        given_name_kana="ヨウコ",
        birth_date=dt.date(1988, 5, 5),
        sex="female",
        prefecture="東京都",
        city="千代田区",
        machiaza="千代田",
        block_number="5-5",
        became_resident_on=since,
        address_set_on=since,
        status="current",
        relationship="世帯主",
        is_head=True,
    )


def report_answers(children: int = 2, *, child_support_yen: int | None = None) -> dict[str, Any]:
    return {
        "applicant": {"name": "扶養 陽子", "birth_date": "1988-05-05"},
        "children": [
            {
                "name": f"扶養 子{n}",
                "name_kana": "フヨウ コ",
                "birth_date": f"201{n}-06-01",
                "relationship": "child",
                "lives_together": True,
            }
            for n in range(children)
        ],
        "status": {"de_facto_marriage": False, "public_pension": False},
        "income": {
            "employment": "employee",
            "employer": "まどぐち商事",
            "child_support_received": child_support_yen is not None,
            **({"child_support_yen": child_support_yen} if child_support_yen is not None else {}),
        },
        "exemption": {"applies": False},
        "declaration": {"public_records_consent": True, "truthful": True},
    }


def granted_report(
    municipality: Municipality,
    resident_id: int | None,
    *,
    receipt: str = "GENKYO-1",
    answers: dict[str, Any] | None = None,
    received_on: dt.date = REPORTED_ON,
) -> decisions.DecidedCase:
    return decisions.DecidedCase(
        municipality_code=municipality.code,
        receipt_number=receipt,
        procedure_code=STATUS_REPORT_PROCEDURE,
        form_version=1,
        outcome=decisions.GRANT,
        answers=answers if answers is not None else report_answers(),
        received_on=received_on,
        decided_at=timezone.now(),
        resident_id=resident_id,
    )


def register(
    actor: StaffUser, resident: Resident, number: str = "JF-0001", children: int = 2
) -> ChildRearingRecipient:
    return services.register_recipient(
        actor=actor,
        resident_id=resident.pk,
        certificate_number=number,
        children_count=children,
        certified_from=dt.date(2021, 4, 1),
    )


@dataclass(frozen=True)
class ChildRearingDemo:
    recipient_id: int
    review_id: int  # awaiting income (the income form shows)
    confirmed_review_id: int  # with a confirmed result (the correction form shows)


def make_child_rearing_demo(municipality: Municipality) -> ChildRearingDemo:
    approver, _device = create_staff_user(
        actor=None,
        municipality=municipality,
        username=f"child-rearing-demo-{municipality.code}",
        password="demo-only-not-a-login-5c1",
        role="approver",
        last_name="児扶",
        first_name="担当",
    )
    first = register(approver, make_parent(municipality, "27100000001", "陽子"), "JF-DEMO-1")
    second = register(approver, make_parent(municipality, "27100000002", "明美"), "JF-DEMO-2", children=1)
    decisions.apply_decision(
        actor=approver, case=granted_report(municipality, first.resident_id, receipt="GK-1")
    )
    decisions.apply_decision(
        actor=approver,
        case=granted_report(municipality, second.resident_id, receipt="GK-2", answers=report_answers(1)),
    )
    open_review = ChildRearingReview.objects.get(recipient=first)
    confirmed = ChildRearingReview.objects.get(recipient=second)
    services.confirm_income(
        actor=approver,
        review_id=confirmed.pk,
        income_yen=1_500_000,
        child_support_yen=0,
        deductions_yen=0,
        dependents=1,
        source="tax_ledger",
        source_note="令和7年度 住民税課税台帳",
    )
    return ChildRearingDemo(first.pk, open_review.pk, confirmed.pk)
