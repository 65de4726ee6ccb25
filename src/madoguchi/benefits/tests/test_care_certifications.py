"""要介護認定: the decision handler opens the process, the office advances it and records the result; pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from madoguchi.benefits import decisions
from madoguchi.benefits.care_services import (
    advance_certification,
    open_certification,
    record_certification_result,
)
from madoguchi.benefits.models import CareInsuranceQualification, CareNeedsCertification
from madoguchi.core.audit import verify_chain
from madoguchi.core.errors import ActionNotPermitted, BusinessRuleViolation, NotFoundInMunicipality
from madoguchi.core.models import AccessLogEntry, AuditEntry, Municipality
from madoguchi.registry.models import Resident
from madoguchi.testing import login_verified

from .test_care_qualifications import resident

pytestmark = pytest.mark.django_db

APPLIED = dt.date(2026, 10, 15)
TODAY = dt.date(2026, 11, 26)
NUMBER = "0000000019"


@pytest.fixture
def approver(chiyoda, make_staff):
    return make_staff(chiyoda, "approver")


@pytest.fixture
def reviewer(chiyoda, make_staff):
    return make_staff(chiyoda, "reviewer")


@pytest.fixture
def insured(chiyoda) -> Resident:
    person = resident(chiyoda, "20000000001", dt.date(1950, 3, 3))
    CareInsuranceQualification.objects.create(
        municipality=chiyoda,
        resident=person,
        insured_number=NUMBER,
        category="1",
        acquired_on=dt.date(2015, 3, 2),
        acquisition_reason="reached_age",
        recorded_at=timezone.now(),
    )
    return person


def answers(**previous: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"applicant": {"role": "family"}, "insured": {"insured_number": NUMBER}}
    if previous:
        data["previous"] = previous
    return data


def decided(chiyoda: Municipality, code: str, data: dict[str, Any], ref: str = "R-1", **kw: Any):
    return decisions.DecidedCase(
        municipality_code=chiyoda.code,
        receipt_number=ref,
        procedure_code=code,
        form_version=1,
        outcome=decisions.GRANT,
        answers=data,
        received_on=kw.get("received_on", APPLIED),
        decided_at=timezone.now(),
        resident_id=kw.get("resident_id"),
    )


def walk(cert: CareNeedsCertification, reviewer, days=(20, 25, 30)) -> CareNeedsCertification:
    for day in days:
        cert = advance_certification(
            actor=reviewer, certification_id=cert.pk, on=dt.date(2026, 10, day), today=TODAY
        )
    return cert


def test_granted_application_opens_the_process_with_the_due_date(chiyoda, approver, insured) -> None:
    decisions.apply_decision(actor=approver, case=decided(chiyoda, "care_needs_certification", answers()))
    cert = CareNeedsCertification.objects.get(case_reference="R-1")
    assert (cert.resident_id, cert.state, cert.kind) == (insured.pk, "received", "new")
    assert cert.decision_due_on == dt.date(2026, 11, 14)  # 30 days after the application
    assert AuditEntry.objects.filter(action="benefits.open_care_certification").count() == 1


def test_unknown_insured_number_refuses_the_decision(chiyoda, approver, insured) -> None:
    data = {"applicant": {"role": "family"}, "insured": {"insured_number": "9999999999"}}
    with pytest.raises(BusinessRuleViolation) as err:
        decisions.apply_decision(actor=approver, case=decided(chiyoda, "care_needs_certification", data))
    assert err.value.field == "insured.insured_number"
    assert not CareNeedsCertification.objects.exists()


def test_self_applicant_without_number_is_the_applicant(chiyoda, approver, insured) -> None:
    data = {"applicant": {"role": "self"}, "insured": {}}
    case = decided(chiyoda, "care_needs_certification", data, resident_id=insured.pk)
    decisions.apply_decision(actor=approver, case=case)
    assert CareNeedsCertification.objects.get().resident_id == insured.pk


def test_steps_in_order_then_new_result_with_six_months(chiyoda, approver, reviewer, insured) -> None:
    cert = open_certification(
        actor=approver,
        municipality_code=chiyoda.code,
        procedure_code="care_needs_certification",
        case_reference="R-1",
        answers=answers(),
        applied_on=APPLIED,
        resident_id=None,
    )
    with pytest.raises(BusinessRuleViolation) as early:
        record_certification_result(
            actor=approver, certification_id=cert.pk, result="care_2", decided_on=TODAY, today=TODAY
        )
    assert early.value.code == "not_after_committee"
    cert = walk(cert, reviewer)
    assert (cert.state, cert.committee_on) == ("committee", dt.date(2026, 10, 30))
    cert = record_certification_result(
        actor=approver,
        certification_id=cert.pk,
        result="care_2",
        decided_on=dt.date(2026, 11, 5),
        today=TODAY,
    )
    # 新規 mid-month: the rest of October plus 6 months → 2027-04-30; renewal opens 60 days before.
    assert (cert.valid_from, cert.valid_until) == (APPLIED, dt.date(2027, 4, 30))
    assert cert.renewal_opens_on == dt.date(2027, 3, 1)  # 2027-04-30 − 60 days
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert actions.count("benefits.advance_care_certification") == 3
    assert "benefits.decide_care_certification" in actions
    assert verify_chain(chiyoda.code)[1] == []


def test_step_dates_must_not_go_backwards_or_into_the_future(chiyoda, approver, reviewer, insured) -> None:
    cert = open_certification(
        actor=approver,
        municipality_code=chiyoda.code,
        procedure_code="care_needs_certification",
        case_reference="R-1",
        answers=answers(),
        applied_on=APPLIED,
        resident_id=None,
    )
    with pytest.raises(BusinessRuleViolation) as before:
        advance_certification(
            actor=reviewer, certification_id=cert.pk, on=APPLIED - dt.timedelta(1), today=TODAY
        )
    assert before.value.code == "too_early"
    with pytest.raises(BusinessRuleViolation) as future:
        advance_certification(
            actor=reviewer, certification_id=cert.pk, on=TODAY + dt.timedelta(1), today=TODAY
        )
    assert future.value.code == "future"
    # The boundary: the application day itself is accepted.
    cert = advance_certification(actor=reviewer, certification_id=cert.pk, on=APPLIED, today=TODAY)
    assert cert.survey_on == APPLIED
    cert = walk(cert, reviewer, days=(16, 17))
    with pytest.raises(BusinessRuleViolation) as done:
        advance_certification(actor=reviewer, certification_id=cert.pk, on=TODAY, today=TODAY)
    assert done.value.code == "no_next_step"


def test_reviewer_cannot_record_the_result(chiyoda, approver, reviewer, insured) -> None:
    cert = open_certification(
        actor=approver,
        municipality_code=chiyoda.code,
        procedure_code="care_needs_certification",
        case_reference="R-1",
        answers=answers(),
        applied_on=APPLIED,
        resident_id=None,
    )
    cert = walk(cert, reviewer)
    with pytest.raises(ActionNotPermitted):
        record_certification_result(
            actor=reviewer, certification_id=cert.pk, result="care_1", decided_on=TODAY, today=TODAY
        )


def test_not_applicable_has_no_validity(chiyoda, approver, reviewer, insured) -> None:
    cert = open_certification(
        actor=approver,
        municipality_code=chiyoda.code,
        procedure_code="care_needs_certification",
        case_reference="R-1",
        answers=answers(),
        applied_on=APPLIED,
        resident_id=None,
    )
    cert = walk(cert, reviewer)
    with pytest.raises(BusinessRuleViolation) as months:
        record_certification_result(
            actor=approver,
            certification_id=cert.pk,
            result="not_applicable",
            decided_on=TODAY,
            months=6,
            today=TODAY,
        )
    assert months.value.field == "months"
    cert = record_certification_result(
        actor=approver, certification_id=cert.pk, result="not_applicable", decided_on=TODAY, today=TODAY
    )
    assert (cert.state, cert.valid_from, cert.valid_until) == ("decided", None, None)


@pytest.mark.parametrize(
    ("applied_on", "code"),
    [
        (dt.date(2026, 10, 31), "renewal_too_early"),  # 61 days before 2026-12-31
        (dt.date(2027, 1, 1), "renewal_expired"),
    ],
)
def test_renewal_window_is_checked_at_acceptance(chiyoda, approver, insured, applied_on, code) -> None:
    data = answers(level="care_2", valid_from="2025-01-01", valid_until="2026-12-31")
    with pytest.raises(BusinessRuleViolation) as err:
        decisions.apply_decision(
            actor=approver, case=decided(chiyoda, "care_needs_renewal", data, received_on=applied_on)
        )
    assert err.value.code == code
    assert not CareNeedsCertification.objects.exists()


def test_renewal_same_level_may_run_48_months(chiyoda, approver, reviewer, insured) -> None:
    data = answers(level="care_2", valid_from="2025-01-01", valid_until="2026-12-31")
    applied = dt.date(2026, 11, 1)  # exactly 60 days before the end: accepted
    decisions.apply_decision(
        actor=approver, case=decided(chiyoda, "care_needs_renewal", data, received_on=applied)
    )
    cert = CareNeedsCertification.objects.get()
    for day in (dt.date(2026, 11, 10), dt.date(2026, 11, 15), dt.date(2026, 11, 20)):
        cert = advance_certification(actor=reviewer, certification_id=cert.pk, on=day, today=TODAY)
    with pytest.raises(BusinessRuleViolation) as too_long:
        record_certification_result(
            actor=approver,
            certification_id=cert.pk,
            result="care_3",
            decided_on=TODAY,
            months=48,
            today=TODAY,
        )
    assert too_long.value.field == "months"  # a changed level: at most 36 months
    cert = record_certification_result(
        actor=approver, certification_id=cert.pk, result="care_2", decided_on=TODAY, months=48, today=TODAY
    )
    assert (cert.valid_from, cert.valid_until) == (dt.date(2027, 1, 1), dt.date(2030, 12, 31))


def test_after_move_carries_the_previous_certification_over(chiyoda, approver, insured) -> None:
    data = answers(level="care_1", valid_from="2026-04-01", valid_until="2027-03-31")
    data["move"] = {"moved_in_on": "2026-10-10"}
    decisions.apply_decision(actor=approver, case=decided(chiyoda, "care_needs_after_move", data))
    cert = CareNeedsCertification.objects.get()
    assert (cert.state, cert.result) == ("decided", "care_1")
    assert (cert.valid_from, cert.valid_until) == (dt.date(2026, 10, 10), dt.date(2027, 3, 31))
    assert cert.renewal_opens_on == dt.date(2027, 1, 30)


def test_certification_of_another_municipality_is_not_found(
    chiyoda, approver, reviewer, insured, make_staff
) -> None:
    cert = open_certification(
        actor=approver,
        municipality_code=chiyoda.code,
        procedure_code="care_needs_certification",
        case_reference="R-1",
        answers=answers(),
        applied_on=APPLIED,
        resident_id=None,
    )
    other = Municipality.objects.exclude(code=chiyoda.code).first()
    if other is None:
        other = Municipality.objects.create(code="131024", name_ja="中央区", name_en="Chuo")
    outsider = make_staff(other, "reviewer")
    with pytest.raises(NotFoundInMunicipality):
        advance_certification(actor=outsider, certification_id=cert.pk, on=TODAY, today=TODAY)


# --- office pages -------------------------------------------------------------------------------------------


def test_pages_advance_record_and_show_the_result(client, chiyoda, approver, insured) -> None:
    cert = open_certification(
        actor=approver,
        municipality_code=chiyoda.code,
        procedure_code="care_needs_certification",
        case_reference="R-9",
        answers=answers(),
        applied_on=APPLIED,
        resident_id=None,
    )
    login_verified(client, approver)
    listing = client.get(reverse("office:benefits:care_certifications"))
    assert "R-9" in listing.content.decode()
    url = reverse("office:benefits:care_certification", args=[cert.pk])
    page = client.get(url)
    assert page.status_code == 200 and "認定調査" in page.content.decode()
    assert AccessLogEntry.objects.filter(
        action="view_care_certification", subject_id=str(insured.pk), purpose="benefit_administration"
    ).exists()
    advance = reverse("office:benefits:care_certification_advance", args=[cert.pk])
    bad = client.post(advance, {"on": "2026-10-01"})
    assert bad.status_code == 400 and "以降にしてください" in bad.content.decode()
    for day in ("2026-10-20", "2026-10-25", "2026-10-30"):
        assert client.post(advance, {"on": day}).status_code == 302
    result = reverse("office:benefits:care_certification_result", args=[cert.pk])
    assert client.post(result, {"result": "", "decided_on": "2026-11-05"}).status_code == 400
    assert client.post(result, {"result": "care_3", "decided_on": "2026-11-05"}).status_code == 302
    person = client.get(reverse("office:benefits:care_insured_person", args=[insured.pk]))
    body = person.content.decode()
    assert "要介護3" in body and "2027-04-30" in body and NUMBER in body
    assert AccessLogEntry.objects.filter(
        action="view_care_insured_person", subject_id=str(insured.pk)
    ).exists()


def test_counter_clerk_may_not_open_the_certification_pages(
    client, chiyoda, approver, insured, make_staff
) -> None:
    cert = open_certification(
        actor=approver,
        municipality_code=chiyoda.code,
        procedure_code="care_needs_certification",
        case_reference="R-9",
        answers=answers(),
        applied_on=APPLIED,
        resident_id=None,
    )
    clerk = make_staff(chiyoda, "counter_clerk")
    login_verified(client, clerk)
    assert client.get(reverse("office:benefits:care_certification", args=[cert.pk])).status_code == 403
    advance = reverse("office:benefits:care_certification_advance", args=[cert.pk])
    assert client.post(advance, {"on": "2026-10-20"}).status_code == 403
    assert CareNeedsCertification.objects.get().state == "received"
    assert not AccessLogEntry.objects.filter(action="view_care_certification").exists()
