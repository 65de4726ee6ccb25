"""Reads: finding the applicant in the registry (serial link first, else the basic attributes), differences, the
queue filters and "my work" counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from madoguchi.casework import selectors, services
from madoguchi.casework.models import Case
from madoguchi.core.models import AccessLogEntry

from .helpers import make_world, pull_all, submit_child_allowance

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(chiyoda) -> Case:
    submit_child_allowance(chiyoda, make_world(chiyoda))
    pull_all()
    return Case.objects.get()


def test_found_by_serial_then_by_attributes_then_not_found(case, chiyoda, make_staff) -> None:
    reviewer = make_staff(chiyoda, "reviewer")
    by_serial = selectors.registry_comparison(actor=reviewer, case=case)
    assert by_serial.found_by == "serial" and by_serial.resident.given_name == "太郎"
    assert by_serial.differences == 0
    assert {r.label: r.matches for r in by_serial.rows}["生年月日"] is True

    case.applicant_sign_serial = ""
    case.answers["applicant"]["address"] = "東京都千代田区千代田１－１"  # full-width: still the same address
    by_attributes = selectors.registry_comparison(actor=reviewer, case=case)
    assert by_attributes.found_by == "attributes" and by_attributes.resident.pk == by_serial.resident.pk
    assert by_attributes.differences == 0

    case.answers["applicant"]["postal_code"] = "100-9999"
    case.answers["applicant"]["name_kana"] = "ヤマダ　タロ"
    differing = selectors.registry_comparison(actor=reviewer, case=case)
    assert {r.label for r in differing.rows if r.matches is False} == {"郵便番号", "氏名（フリガナ）"}

    case.answers["applicant"]["birth_date"] = "1985-05-11"
    missing = selectors.registry_comparison(actor=reviewer, case=case)
    assert missing.resident is None and "見つかりません" in missing.message
    reads = AccessLogEntry.objects.filter(actor=reviewer, subject_type="resident", purpose="case_review")
    assert reads.count() == 3  # every registry read for the comparison is logged; the miss read nothing


def test_queue_filters_and_my_work(case, chiyoda, make_staff) -> None:
    reviewer = make_staff(chiyoda, "reviewer")
    approver = make_staff(chiyoda, "approver")
    today = timezone.localdate()
    assert selectors.my_work(actor=reviewer, today=today).unassigned == 1
    long_ago = timezone.now() - dt.timedelta(days=90)
    services.accept_case(actor=reviewer, case_id=case.pk, now=long_ago)
    services.claim_case(actor=reviewer, case_id=case.pk)
    work = selectors.my_work(actor=reviewer, today=today)
    assert (work.assigned, work.overdue, work.unassigned, work.returned) == (1, 1, 0, 0)
    assert list(selectors.list_cases(actor=reviewer, overdue=True, today=today)) == [case]
    assert list(selectors.list_cases(actor=reviewer, assignee="none", today=today)) == []
    assert list(selectors.list_cases(actor=reviewer, assignee=str(reviewer.pk), today=today)) == [case]
    assert list(selectors.list_cases(actor=reviewer, status="decided", today=today)) == []
    assert (
        list(selectors.list_cases(actor=reviewer, procedure_code="pregnancy_notification", today=today)) == []
    )
    services.start_review(actor=reviewer, case_id=case.pk)
    services.request_correction(actor=reviewer, case_id=case.pk, message_ja="添付をお願いします。")
    work = selectors.my_work(actor=reviewer, today=today)
    assert (work.returned, work.overdue) == (1, 0)  # the clock is stopped while the resident corrects
    assert list(selectors.list_cases(actor=reviewer, overdue=True, today=today)) == []
    assert selectors.my_work(actor=approver, today=today).awaiting_my_approval == 0
