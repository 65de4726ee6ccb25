"""保育 services: 支給認定 per child from the household facts, facilities, and the 利用申込 status flow."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from madoguchi.benefits import childcare_selectors as selectors
from madoguchi.benefits import childcare_services as services
from madoguchi.benefits.models import (
    ChildcareCertification,
    ChildcareFacility,
    PlacementApplication,
    PlacementStatus,
)
from madoguchi.benefits.rules import childcare as rules
from madoguchi.core.errors import ActionNotPermitted, BusinessRuleViolation, NotFoundInMunicipality
from madoguchi.core.models import AccessLogEntry, AuditEntry
from madoguchi.registry.models import Resident

pytestmark = pytest.mark.django_db

APPLIED_ON = dt.date(2026, 11, 2)
UNDER_3 = "2024-05-10"  # 2 years old on APPLIED_ON
OVER_3 = "2022-01-15"  # 4 years old
SCHOOL_AGE = "2019-06-01"  # 7 years old: in school since April 2026


def _resident(municipality) -> Resident:
    since = dt.date(2015, 4, 1)
    return Resident.objects.create(
        municipality=municipality,
        resident_record_code="20000000001",
        family_name="保育",
        given_name="花子",
        family_name_kana="ホイク",
        given_name_kana="ハナコ",
        birth_date=dt.date(1990, 2, 3),
        sex="female",
        prefecture="東京都",
        city="千代田区",
        machiaza="千代田",
        block_number="1-1",
        became_resident_on=since,
        address_set_on=since,
        status="current",
        relationship="世帯主",
        is_head=True,
    )


def cert_answers(
    *births: str,
    kind: str = "childcare",
    reason: str = "work",
    hours: int = 160,
    requested: str = "standard",
    spouse: dict[str, Any] | None = None,
) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "applicant": {
            "name": "保育 花子",
            "birth_date": "1990-02-03",
            "need_reason": reason,
            "employment_type": "employee",
            "work_hours_per_month": hours,
        },
        "children": [
            {"name": f"保育 子{i}", "name_kana": f"ホイク コ{i}", "birth_date": b}
            for i, b in enumerate(births, 1)
        ],
        "certification": {"type": kind, "hours": requested},
        "spouse": {"exists": spouse is not None, **(spouse or {})},
    }
    return answers


@pytest.fixture
def applicant(chiyoda) -> Resident:
    return _resident(chiyoda)


@pytest.fixture
def approver(chiyoda, make_staff):
    return make_staff(chiyoda, "approver")


@pytest.fixture
def reviewer(chiyoda, make_staff):
    return make_staff(chiyoda, "reviewer")


def certify(approver, answers, reference="C-1", applicant=None):
    return services.certify_childcare(
        actor=approver,
        municipality_code=approver.municipality_id,
        case_reference=reference,
        answers=answers,
        applied_on=APPLIED_ON,
        resident_id=applicant.pk if applicant else None,
    )


@pytest.mark.parametrize(
    ("births", "kind", "reason", "hours", "requested", "expected"),
    [
        # 3号: under 3 with a care need, hours from the work hours.
        ((UNDER_3,), "childcare", "work", 160, "standard", [("3", "standard")]),
        ((UNDER_3,), "childcare", "work", 100, "standard", [("3", "short")]),
        # 120 h is the 標準時間 boundary; 64 h this municipality's 短時間 lower bound.
        ((OVER_3,), "childcare", "work", 120, "standard", [("2", "standard")]),
        ((OVER_3,), "childcare", "work", 64, "standard", [("2", "short")]),
        # 短時間 applied for is kept even with full-time work.
        ((OVER_3,), "childcare", "work", 160, "short", [("2", "short")]),
        # Non-work reasons take the hours applied for.
        ((OVER_3,), "childcare", "illness", 0, "standard", [("2", "standard")]),
        # 1号: education hours, no 保育必要量.
        ((OVER_3,), "education", "none", 0, "standard", [("1", "")]),
        # Two children: one certification each.
        ((UNDER_3, OVER_3), "childcare", "work", 160, "standard", [("3", "standard"), ("2", "standard")]),
    ],
)
def test_category_and_hours_per_child(
    approver, applicant, births, kind, reason, hours, requested, expected
) -> None:
    rows = certify(
        approver, cert_answers(*births, kind=kind, reason=reason, hours=hours, requested=requested)
    )
    assert [(r.category, r.hours) for r in rows] == expected
    for row, birth in zip(rows, births, strict=True):
        certified = rules.certify(dt.date.fromisoformat(birth), APPLIED_ON, kind == "childcare")
        assert certified is not None
        assert row.valid_from == APPLIED_ON and row.valid_until == certified.valid_until_on
        assert row.applicant == applicant  # found by name and date of birth


def test_validity_follows_the_age_rules(approver, applicant) -> None:
    under, over = certify(approver, cert_answers(UNDER_3, OVER_3))
    # 3号 ends the day before the day before the 3rd birthday; 2号 on the first 31 March after reaching 6.
    assert under.valid_until == dt.date(2027, 5, 8)
    assert over.valid_until == dt.date(2028, 3, 31)


def test_certificate_numbers_are_consecutive_and_audited(approver, applicant) -> None:
    rows = certify(approver, cert_answers(UNDER_3, OVER_3)) + certify(
        approver, cert_answers(OVER_3), reference="C-2"
    )
    year = dt.date.today().year
    assert [r.certificate_number for r in rows] == [f"H{year}{n:06d}" for n in (1, 2, 3)]
    audit = AuditEntry.objects.filter(action="benefits.certify_childcare").order_by("id").first()
    assert audit is not None and audit.after["case"] == "C-1" and len(audit.after["certificates"]) == 2


@pytest.mark.parametrize(
    ("answers", "field", "code"),
    [
        # Work below the municipal 短時間 bound (64 h) gives no 保育の必要性.
        (cert_answers(OVER_3, hours=63), "applicant.work_hours_per_month", "work_hours_below_minimum"),
        # Every guardian needs a reason: a spouse with none refuses 2号/3号.
        (
            cert_answers(OVER_3, spouse={"need_reason": "none", "work_hours_per_month": 0}),
            "applicant.need_reason",
            "no_care_need",
        ),
        # The spouse's short work makes the household 短時間 — but below the bound it refuses.
        (
            cert_answers(OVER_3, spouse={"need_reason": "work", "work_hours_per_month": 40}),
            "spouse.work_hours_per_month",
            "work_hours_below_minimum",
        ),
        # 1号 needs 満3歳: an under-3 child without a care need has no category.
        (cert_answers(UNDER_3, kind="education", reason="none"), "children.1.birth_date", "no_category"),
        # School age: outside 支援法 §19.
        (cert_answers(SCHOOL_AGE), "children.1.birth_date", "no_category"),
        (cert_answers(), "children", "no_child"),
        (cert_answers(OVER_3, reason="bogus"), "applicant.need_reason", "need_reason"),
    ],
)
def test_refusals_name_the_field_and_write_nothing(approver, applicant, answers, field, code) -> None:
    with pytest.raises(BusinessRuleViolation) as info:
        certify(approver, answers)
    assert (info.value.field, info.value.code) == (field, code)
    assert not ChildcareCertification.objects.exists()


def test_spouse_short_hours_make_the_household_short(approver, applicant) -> None:
    [row] = certify(
        approver, cert_answers(OVER_3, spouse={"need_reason": "work", "work_hours_per_month": 80})
    )
    assert row.hours == "short" and row.need_reason == "work,work"


def test_unknown_applicant_and_permissions(chiyoda, approver, reviewer) -> None:
    with pytest.raises(BusinessRuleViolation) as info:
        certify(approver, cert_answers(OVER_3))  # nobody of that name in the registry
    assert info.value.code == "applicant_not_found"
    with pytest.raises(ActionNotPermitted):
        certify(reviewer, cert_answers(OVER_3))


def test_the_same_case_is_certified_once(approver, applicant) -> None:
    certify(approver, cert_answers(OVER_3))
    with pytest.raises(BusinessRuleViolation) as info:
        certify(approver, cert_answers(OVER_3))
    assert info.value.code == "already_certified"
    assert ChildcareCertification.objects.count() == 1


# ---------------------------------------------------------------------------------------------------------------
# 利用申込


def placement_answers(*prefs: tuple[str, str]) -> dict[str, Any]:
    return {
        "applicant": {"name": "保育 花子", "birth_date": "1990-02-03"},
        "child": {
            "name": "保育 子1",
            "name_kana": "ホイク コ1",
            "birth_date": UNDER_3,
            "certification_status": "certified",
            "certificate_number": "H2026000001",
        },
        "preferences": [{"facility_name": name, "facility_code": code} for name, code in prefs],
        "placement": {
            "start_on": "2027-04-01",
            "accept_other_facility": False,
            "circumstances": ["returning_from_leave"],
        },
    }


@pytest.fixture
def facilities(chiyoda, make_staff):
    admin = make_staff(chiyoda, "administrator")
    return services.ensure_facilities(
        actor=admin,
        municipality_code=chiyoda.code,
        facilities=[
            services.FacilitySpec("F001", "まどぐち保育園", "認可保育所", 60),
            services.FacilitySpec("F002", "さくら認定こども園", "認定こども園", 90),
            services.FacilitySpec("F003", "ひかり小規模保育", "小規模保育", 19),
        ],
    )


def register(approver, answers, reference="P-1", applicant=None):
    return services.register_placement_application(
        actor=approver,
        municipality_code=approver.municipality_id,
        case_reference=reference,
        answers=answers,
        received_on=APPLIED_ON,
        resident_id=applicant.pk if applicant else None,
    )


def test_facilities_are_added_once(chiyoda, make_staff, facilities) -> None:
    admin = make_staff(chiyoda, "administrator")
    again = services.ensure_facilities(
        actor=admin,
        municipality_code=chiyoda.code,
        facilities=[services.FacilitySpec("F001", "別名", "認可保育所", 10)],
    )
    assert again == [] and ChildcareFacility.objects.get(code="F001").name == "まどぐち保育園"
    with pytest.raises(BusinessRuleViolation) as info:
        services.ensure_facilities(
            actor=admin, municipality_code=chiyoda.code, facilities=[services.FacilitySpec("F9", "x", "y", 0)]
        )
    assert info.value.field == "capacity"


def test_preferences_are_ranked_and_matched(approver, applicant, facilities) -> None:
    # By code, by name when there is no code, and kept unmatched when neither is known.
    application = register(
        approver,
        placement_answers(("まどぐち保育園", "F001"), ("さくら認定こども園", ""), ("どこか保育室", "X9")),
    )
    assert application.status == PlacementStatus.APPLIED
    prefs = list(application.preferences.order_by("rank"))
    assert [(p.rank, p.facility.code if p.facility else None) for p in prefs] == [
        (1, "F001"),
        (2, "F002"),
        (3, None),
    ]
    assert application.circumstances == ["returning_from_leave"]
    assert AuditEntry.objects.filter(action="benefits.register_placement_application").count() == 1


def test_placement_without_preferences_is_refused(approver, applicant) -> None:
    with pytest.raises(BusinessRuleViolation) as info:
        register(approver, placement_answers())
    assert info.value.field == "preferences"
    answers = placement_answers(("", "F001"))
    with pytest.raises(BusinessRuleViolation) as info:
        register(approver, answers)
    assert info.value.field == "preferences.1.facility_name"
    assert not PlacementApplication.objects.exists()


def test_status_flow_offer_then_placement(approver, reviewer, applicant, facilities) -> None:
    application = register(
        approver, placement_answers(("まどぐち保育園", "F001"), ("さくら認定こども園", "F002"))
    )
    services.start_screening(actor=reviewer, application_id=application.pk)
    second = facilities[1]
    offered = services.record_outcome(
        actor=reviewer, application_id=application.pk, facility_id=second.pk, note="第2希望で内定"
    )
    assert offered.status == PlacementStatus.OFFERED and offered.assigned_facility == second
    placed = services.confirm_placement(actor=reviewer, application_id=application.pk)
    assert placed.status == PlacementStatus.PLACED
    statuses = [
        a.after["status"]
        for a in AuditEntry.objects.filter(action="benefits.placement_status").order_by("id")
    ]
    assert statuses == ["screening", "offered", "placed"]
    # 入所決定 is final.
    with pytest.raises(BusinessRuleViolation) as info:
        services.withdraw(actor=reviewer, application_id=application.pk)
    assert info.value.code == "invalid_transition"


def test_waiting_then_offer_or_withdrawal(approver, reviewer, applicant, facilities) -> None:
    application = register(approver, placement_answers(("まどぐち保育園", "F001")))
    # No outcome before the screening starts.
    with pytest.raises(BusinessRuleViolation) as info:
        services.record_outcome(actor=reviewer, application_id=application.pk, facility_id=None)
    assert info.value.code == "invalid_transition"
    services.start_screening(actor=reviewer, application_id=application.pk)
    waiting = services.record_outcome(actor=reviewer, application_id=application.pk, facility_id=None)
    assert waiting.status == PlacementStatus.WAITING and waiting.assigned_facility is None
    # Only a ranked facility can be offered.
    with pytest.raises(BusinessRuleViolation) as info:
        services.record_outcome(actor=reviewer, application_id=application.pk, facility_id=facilities[2].pk)
    assert info.value.field == "facility"
    offered = services.record_outcome(
        actor=reviewer, application_id=application.pk, facility_id=facilities[0].pk
    )
    assert offered.status == PlacementStatus.OFFERED
    declined = services.withdraw(actor=reviewer, application_id=application.pk, note="転居のため")
    assert declined.status == PlacementStatus.DECLINED and declined.outcome_note == "転居のため"


def test_outcome_permissions_and_tenancy(
    chiyoda, sapporo, make_staff, approver, applicant, facilities
) -> None:
    application = register(approver, placement_answers(("まどぐち保育園", "F001")))
    with pytest.raises(ActionNotPermitted):
        services.start_screening(actor=make_staff(chiyoda, "counter_clerk"), application_id=application.pk)
    with pytest.raises(NotFoundInMunicipality):
        services.start_screening(actor=make_staff(sapporo, "reviewer"), application_id=application.pk)
    assert PlacementApplication.objects.get().status == PlacementStatus.APPLIED


def test_selector_logs_the_read(approver, reviewer, applicant, facilities) -> None:
    application = register(approver, placement_answers(("まどぐち保育園", "F001")))
    view = selectors.access_placement_application(
        actor=reviewer, application_id=application.pk, purpose="benefit_administration"
    )
    assert view.application == application and view.next_statuses == {"screening", "declined"}
    entry = AccessLogEntry.objects.get()
    assert entry.subject_id == str(applicant.pk) and entry.purpose == "benefit_administration"
    assert list(selectors.list_placement_applications(actor=reviewer, status="applied")) == [application]
    assert list(selectors.list_placement_applications(actor=reviewer, status="offered")) == []


def test_seed_demo_adds_the_synthetic_facilities_once(chiyoda, capsys) -> None:
    from django.core.management import call_command

    call_command("seed_demo", municipality=chiyoda.code, residents=0, no_staff=True, quiet_logins=True)
    assert "4 保育施設" in capsys.readouterr().out
    codes = sorted(ChildcareFacility.objects.filter(municipality=chiyoda).values_list("code", flat=True))
    assert codes == ["F001", "F002", "F003", "F004"]
    call_command("seed_demo", municipality=chiyoda.code, residents=0, no_staff=True, quiet_logins=True)
    assert ChildcareFacility.objects.count() == 4
    assert AuditEntry.objects.filter(action="benefits.add_childcare_facilities").count() == 1
