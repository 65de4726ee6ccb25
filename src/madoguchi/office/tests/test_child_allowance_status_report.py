"""児童手当 現況届: a real case (signed, pulled, reviewed, approved) records the report on the recipient; refused
without a recipient or twice in one 現況届 year; shown on the recipient's office page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from madoguchi.benefits.models import ChildAllowanceStatusReport
from madoguchi.benefits.models_child_allowance_status import status_report_year
from madoguchi.casework import services as casework
from madoguchi.casework.models import ApprovalStep, Case
from madoguchi.casework.tests.helpers import make_world, pull_all
from madoguchi.core.errors import BusinessRuleViolation
from madoguchi.core.models import AuditEntry, Municipality
from madoguchi.intake import services as intake
from madoguchi.intake.tests.helpers import SIGN_PIN, World, card_identity, certificate_pem
from madoguchi.procedures.engine import canonical_json, clean_answers, get_catalogue
from madoguchi.testing import login_verified

from . import child_allowance_helpers as helpers

pytestmark = pytest.mark.django_db

STATUS = "child_allowance_status_report"
D = dt.date


@pytest.fixture
def world(chiyoda):
    return make_world(chiyoda)


@pytest.fixture
def reviewer(chiyoda, make_staff):
    return make_staff(chiyoda, "reviewer")


@pytest.fixture
def approver(chiyoda, make_staff):
    return make_staff(chiyoda, "approver")


def status_answers(**status: Any) -> dict[str, Any]:
    return {
        "applicant": {
            "name": "山田　太郎",
            "name_kana": "ヤマダ　タロウ",
            "birth_date": "1985-05-10",
            "postal_code": "100-0001",
            "address": "東京都千代田区千代田1-1",
            "phone": "09012345678",
            "pension": "employees_pension",
        },
        "status": {
            "reason": "separate_address",
            "still_caring": True,
            "lives_with_children": False,
            "changes": "子どもと避難先で暮らしています。",
            **status,
        },
        "declaration": {"public_records_consent": True, "truthful": True},
    }


def submit_status_report(municipality: Municipality, world: World, **status: Any) -> Case:
    """The Yamada head's signed 現況届 through intake, pulled into casework and proposed for a grant."""
    identity, card = card_identity(world.head)
    answers = status_answers(**status)
    form = get_catalogue().procedures[STATUS].form
    content = canonical_json(clean_answers(form, answers), {}, form=form)
    result = intake.submit_application(
        identity=identity,
        municipality_code=municipality.code,
        procedure_code=STATUS,
        form_version=1,
        answers=answers,
        signature=card.sign(content, SIGN_PIN),
        signing_certificate_pem=certificate_pem(card),
    )
    assert result.created, result
    pull_all()
    return Case.objects.get(receipt_number=result.application.receipt_number)


def propose(reviewer, case: Case, outcome: str = "grant") -> None:
    casework.accept_case(actor=reviewer, case_id=case.pk)
    casework.claim_case(actor=reviewer, case_id=case.pk)
    casework.start_review(actor=reviewer, case_id=case.pk)
    casework.propose_decision(actor=reviewer, case_id=case.pk, outcome=outcome, reason="現況を確認した。")


@pytest.mark.parametrize(
    ("filed_on", "year"),
    [
        (D(2026, 6, 1), 2026),
        (D(2026, 11, 26), 2026),
        (D(2027, 5, 31), 2026),
        (D(2027, 6, 1), 2027),
        (D(2026, 5, 31), 2025),
    ],
)
def test_status_report_year_runs_june_to_may(filed_on, year) -> None:
    assert status_report_year(filed_on) == year


def test_granted_status_report_is_recorded_and_shown(client, chiyoda, world, reviewer, approver) -> None:
    recipient = helpers.certify(chiyoda, world, approver, "CERT-1")
    case = submit_status_report(chiyoda, world)
    propose(reviewer, case)
    casework.approve_step(actor=approver, case_id=case.pk)
    case.refresh_from_db()
    assert case.status == "notice_issued"
    report = ChildAllowanceStatusReport.objects.get()
    assert report.recipient == recipient
    assert report.case_reference == case.receipt_number
    assert report.filed_on == timezone.localdate(case.received_at)
    assert report.fiscal_year == status_report_year(timezone.localdate(case.received_at))
    assert report.reason == "separate_address"
    assert (report.still_caring, report.lives_with_children) == (True, False)
    assert report.outcome == "confirmed"
    assert report.decided_by == approver
    audit = AuditEntry.objects.get(action="benefits.child_allowance_status_report")
    assert str(audit.target_id) == str(world.head.pk)
    assert audit.after["case"] == case.receipt_number
    assert audit.after["fiscal_year"] == report.fiscal_year

    login_verified(client, approver)
    page = client.get(f"/office/benefits/recipients/{recipient.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "現況届" in html
    assert case.receipt_number in html
    assert f"{report.fiscal_year}年度" in html
    assert "配偶者からの暴力などで住民票と違う住所に住んでいる" in html
    assert "受給資格を確認（支給継続）" in html


def test_recipient_page_without_reports_says_so(client, chiyoda, world, approver) -> None:
    recipient = helpers.certify(chiyoda, world, approver, "CERT-1")
    login_verified(client, approver)
    html = client.get(f"/office/benefits/recipients/{recipient.pk}/").content.decode()
    assert "現況届の記録はありません" in html


def test_status_report_without_recipient_is_refused(chiyoda, world, reviewer, approver) -> None:
    case = submit_status_report(chiyoda, world)
    propose(reviewer, case)
    steps = ApprovalStep.objects.count()
    with pytest.raises(BusinessRuleViolation) as info:
        casework.approve_step(actor=approver, case_id=case.pk)
    assert info.value.field == "recipient"
    assert "受給者として記録されていません" in str(info.value.message_ja)
    case.refresh_from_db()
    assert case.status == "in_review"
    assert ApprovalStep.objects.count() == steps
    assert not ChildAllowanceStatusReport.objects.exists()
    assert not AuditEntry.objects.filter(action="benefits.child_allowance_status_report").exists()


def test_denied_status_report_without_recipient_records_nothing(chiyoda, world, reviewer, approver) -> None:
    case = submit_status_report(chiyoda, world)
    propose(reviewer, case, outcome="deny")
    casework.approve_step(actor=approver, case_id=case.pk)
    case.refresh_from_db()
    assert case.status == "notice_issued"
    assert not ChildAllowanceStatusReport.objects.exists()


def test_second_status_report_in_a_year_is_refused(chiyoda, world, reviewer, approver) -> None:
    helpers.certify(chiyoda, world, approver, "CERT-1")
    first = submit_status_report(chiyoda, world)
    propose(reviewer, first)
    casework.approve_step(actor=approver, case_id=first.pk)
    second = submit_status_report(chiyoda, world, reason="divorce_pending")
    propose(reviewer, second)
    with pytest.raises(BusinessRuleViolation) as info:
        casework.approve_step(actor=approver, case_id=second.pk)
    year = status_report_year(timezone.localdate(second.received_at))
    assert info.value.field == "case"
    assert f"{year}年度" in str(info.value.message_ja) and "すでに記録されています" in str(
        info.value.message_ja
    )
    second.refresh_from_db()
    assert second.status == "in_review"
    assert ChildAllowanceStatusReport.objects.get().case_reference == first.receipt_number


def test_denied_status_report_of_a_recipient_is_recorded_as_not_confirmed(
    chiyoda, world, reviewer, approver
) -> None:
    helpers.certify(chiyoda, world, approver, "CERT-1")
    case = submit_status_report(chiyoda, world, reason="corporate_guardian")
    propose(reviewer, case, outcome="deny")
    casework.approve_step(actor=approver, case_id=case.pk)
    report = ChildAllowanceStatusReport.objects.get()
    assert (report.outcome, report.reason) == ("not_confirmed", "corporate_guardian")
