"""保育 through casework and the office: granted cases make the certifications / 利用申込; the 利用調整 page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from madoguchi.benefits import childcare_services as services
from madoguchi.benefits.models import (
    ChildcareCertification,
    PlacementApplication,
    PlacementStatus,
)
from madoguchi.casework import services as casework
from madoguchi.casework.models import Case
from madoguchi.casework.tests.helpers import make_world, pull_all, submit_child_allowance
from madoguchi.core.errors import BusinessRuleViolation
from madoguchi.core.models import AccessLogEntry, AuditEntry
from madoguchi.testing import login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(chiyoda):
    return make_world(chiyoda)


@pytest.fixture
def reviewer(chiyoda, make_staff):
    return make_staff(chiyoda, "reviewer")


@pytest.fixture
def approver(chiyoda, make_staff):
    return make_staff(chiyoda, "approver")


@pytest.fixture
def facilities(chiyoda, make_staff):
    return services.ensure_facilities(
        actor=make_staff(chiyoda, "administrator"),
        municipality_code=chiyoda.code,
        facilities=[
            services.FacilitySpec("F001", "まどぐち保育園", "認可保育所", 60),
            services.FacilitySpec("F002", "さくら認定こども園", "認定こども園", 90),
        ],
    )


def certification_answers(world) -> dict[str, Any]:
    return {
        "applicant": {
            "name": "山田 太郎",
            "birth_date": "1985-05-10",
            "need_reason": "work",
            "employment_type": "employee",
            "work_hours_per_month": 160,
        },
        "spouse": {
            "exists": True,
            "name": "山田 花子",
            "birth_date": "1990-03-15",
            "need_reason": "work",
            "employment_type": "employee",
            "work_hours_per_month": 100,
        },
        "children": [
            {
                "name": "山田 一郎",
                "name_kana": "ヤマダ イチロウ",
                "birth_date": world.child1.birth_date.isoformat(),
            },
            {
                "name": "山田 桜子",
                "name_kana": "ヤマダ サクラコ",
                "birth_date": world.child2.birth_date.isoformat(),
            },
        ],
        "certification": {"type": "childcare", "hours": "standard"},
    }


def placement_answers(world) -> dict[str, Any]:
    return {
        "applicant": {"name": "山田 太郎", "birth_date": "1985-05-10"},
        "child": {
            "name": "山田 桜子",
            "name_kana": "ヤマダ サクラコ",
            "birth_date": world.child2.birth_date.isoformat(),
            "certificate_number": "H2026000002",
        },
        "preferences": [
            {"facility_name": "まどぐち保育園", "facility_code": "F001"},
            {"facility_name": "さくら認定こども園", "facility_code": "F002"},
        ],
        "placement": {"start_on": "2027-04-01", "accept_other_facility": True, "circumstances": []},
    }


def decide(
    chiyoda, world, reviewer, procedure_code: str, answers: dict[str, Any], outcome: str = "grant"
) -> Case:
    """A signed application through intake and casework up to the proposed decision.

    The helper submits a 児童手当 認定請求 (signed by the Yamada head); the case's procedure and answers are then
    replaced with the 保育 ones before review, so the approval below runs the real casework flow and handlers.
    """
    submit_child_allowance(chiyoda, world)
    pull_all()
    case = Case.objects.get()
    Case.objects.filter(pk=case.pk).update(procedure_code=procedure_code, answers=answers)
    casework.accept_case(actor=reviewer, case_id=case.pk)
    casework.claim_case(actor=reviewer, case_id=case.pk)
    casework.start_review(actor=reviewer, case_id=case.pk)
    casework.propose_decision(actor=reviewer, case_id=case.pk, outcome=outcome, reason="要件を満たす。")
    return case


def test_granted_certification_case_certifies_each_child(chiyoda, world, reviewer, approver) -> None:
    case = decide(chiyoda, world, reviewer, services.CERTIFICATION_PROCEDURE, certification_answers(world))
    casework.approve_step(actor=approver, case_id=case.pk)
    case.refresh_from_db()
    assert case.status == "notice_issued"
    rows = list(ChildcareCertification.objects.order_by("position"))
    received = case.received_at.date()
    # child1 (2020-06-01) is over 3 → 2号; child2 (2023-09-20) is 3号 until two days before the 3rd birthday
    # and 2号 from then on: which one depends on the day the case was received.
    expected2 = "3" if received <= dt.date(2026, 9, 18) else "2"
    assert [(r.category, r.hours) for r in rows] == [("2", "short"), (expected2, "short")]
    assert all(r.applicant_id == world.head.pk and r.case_reference == case.receipt_number for r in rows)
    assert AuditEntry.objects.filter(action="benefits.certify_childcare").count() == 1


def test_certification_refused_by_the_rules_keeps_the_case_open(chiyoda, world, reviewer, approver) -> None:
    answers = certification_answers(world)
    answers["spouse"]["work_hours_per_month"] = 30  # below the 短時間 bound: no 保育の必要性
    case = decide(chiyoda, world, reviewer, services.CERTIFICATION_PROCEDURE, answers)
    with pytest.raises(BusinessRuleViolation) as info:
        casework.approve_step(actor=approver, case_id=case.pk)
    assert info.value.field == "spouse.work_hours_per_month"
    case.refresh_from_db()
    assert case.status == "in_review" and not ChildcareCertification.objects.exists()


def test_denied_certification_records_nothing(chiyoda, world, reviewer, approver) -> None:
    case = decide(
        chiyoda,
        world,
        reviewer,
        services.CERTIFICATION_PROCEDURE,
        certification_answers(world),
        outcome="deny",
    )
    casework.approve_step(actor=approver, case_id=case.pk)
    assert not ChildcareCertification.objects.exists()


def test_granted_placement_case_registers_the_application(
    chiyoda, world, reviewer, approver, facilities
) -> None:
    case = decide(chiyoda, world, reviewer, services.PLACEMENT_PROCEDURE, placement_answers(world))
    casework.approve_step(actor=approver, case_id=case.pk)
    application = PlacementApplication.objects.get()
    assert application.case_reference == case.receipt_number and application.status == PlacementStatus.APPLIED
    assert [p.facility.code for p in application.preferences.order_by("rank")] == ["F001", "F002"]


def test_outcome_page_records_the_offer(client, chiyoda, world, reviewer, approver, facilities) -> None:
    case = decide(chiyoda, world, reviewer, services.PLACEMENT_PROCEDURE, placement_answers(world))
    casework.approve_step(actor=approver, case_id=case.pk)
    application = PlacementApplication.objects.get()
    login_verified(client, reviewer)
    url = f"/office/benefits/childcare/placements/{application.pk}/"
    listing = client.get("/office/benefits/childcare/placements/", {"status": "applied"})
    assert listing.status_code == 200 and case.receipt_number in listing.content.decode()
    before = AccessLogEntry.objects.count()
    page = client.get(url)
    assert page.status_code == 200 and "まどぐち保育園" in page.content.decode()
    assert AccessLogEntry.objects.count() == before + 1
    assert AccessLogEntry.objects.latest("id").purpose == "benefit_administration"
    # No outcome while 申請中.
    early = client.post(url + "outcome/", {"outcome": "waiting"})
    assert early.status_code == 409
    assert client.post(url + "screening/").status_code == 302
    bad = client.post(url + "outcome/", {"outcome": "999999"})
    assert bad.status_code == 400 and "希望施設のいずれか" in bad.content.decode()
    done = client.post(url + "outcome/", {"outcome": str(facilities[1].pk), "note": "第2希望"})
    assert done.status_code == 302 and done["Location"].endswith("?done=outcome")
    application.refresh_from_db()
    assert application.status == PlacementStatus.OFFERED and application.assigned_facility == facilities[1]
    assert client.post(url + "confirm/").status_code == 302
    application.refresh_from_db()
    assert application.status == PlacementStatus.PLACED
    audit = AuditEntry.objects.filter(action="benefits.placement_status").latest("id")
    assert audit.actor_id == f"staff:{reviewer.pk}" and audit.after["status"] == "placed"
    assert client.get("/office/benefits/childcare/certifications/").status_code == 200


def test_pages_need_permission_and_stay_in_the_municipality(
    client, chiyoda, sapporo, world, reviewer, approver, make_staff, facilities
) -> None:
    case = decide(chiyoda, world, reviewer, services.PLACEMENT_PROCEDURE, placement_answers(world))
    casework.approve_step(actor=approver, case_id=case.pk)
    application = PlacementApplication.objects.get()
    url = f"/office/benefits/childcare/placements/{application.pk}/"
    assert client.get(url).status_code in (302, 403)  # not logged in
    login_verified(client, make_staff(chiyoda, "counter_clerk"))
    assert client.get(url).status_code == 200  # may read (VIEW_RESIDENT) …
    assert client.post(url + "screening/").status_code == 403  # … but not run the 利用調整
    client.logout()
    login_verified(client, make_staff(sapporo, "reviewer"))
    assert client.get(url).status_code == 404
    assert client.post(url + "screening/").status_code == 404
    assert PlacementApplication.objects.get().status == PlacementStatus.APPLIED
