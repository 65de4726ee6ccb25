"""Reads: finding the applicant in the registry (serial link first, else the basic attributes), differences, the
queue filters and "my work" counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from madoguchi.casework import deadlines, selectors, services
from madoguchi.casework.models import Case, CaseStatus
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


def test_queue_filters_and_my_work(case, chiyoda, make_staff, monkeypatch) -> None:
    reviewer = make_staff(chiyoda, "reviewer")
    approver = make_staff(chiyoda, "approver")
    today = timezone.localdate()
    assert selectors.my_work(actor=reviewer, today=today).unassigned == 1
    monkeypatch.setattr(selectors, "COUNT_LIMIT", 0)
    bounded = selectors.my_work(actor=reviewer, today=today)
    assert (bounded.unassigned, bounded.unassigned_is_lower_bound) == (0, True)  # "0 件以上" past the bound
    monkeypatch.undo()
    long_ago = timezone.now() - dt.timedelta(days=90)
    services.accept_case(actor=reviewer, case_id=case.pk, now=long_ago)
    services.claim_case(actor=reviewer, case_id=case.pk)
    work = selectors.my_work(actor=reviewer, today=today)
    assert (work.assigned, work.overdue, work.unassigned, work.returned) == (1, 1, 0, 0)
    original_due = Case.objects.get(pk=case.pk).due_on
    for due, soon in [
        (today, 1),
        (deadlines.due_soon_until(today), 1),
        (deadlines.due_soon_until(today) + dt.timedelta(days=1), 0),
    ]:
        Case.objects.filter(pk=case.pk).update(due_on=due)
        work = selectors.my_work(actor=reviewer, today=today)
        assert (work.due_soon, work.overdue) == (soon, 0), due
    Case.objects.filter(pk=case.pk).update(due_on=original_due)
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


def _copies(case: Case, count: int) -> list[Case]:
    """`count` more cases like `case` (other receipt numbers; every other one in another queue)."""
    copies = []
    for n in range(count):
        copy = Case.objects.get(pk=case.pk)
        copy.pk = None
        copy.receipt_number = f"2026-9{n:05d}"
        copy.source_id = f"copy-{n}"
        copy.queue = "other" if n % 2 else case.queue
        copies.append(copy)
    return Case.objects.bulk_create(copies)


def test_list_pages_count_up_to_a_bound_and_search_and_queue_filter(
    case, chiyoda, make_staff, monkeypatch
) -> None:
    reviewer = make_staff(chiyoda, "reviewer")
    today = timezone.localdate()
    _copies(case, 6)  # 7 cases
    everything = {"actor": reviewer, "today": today}
    monkeypatch.setattr(selectors, "COUNT_LIMIT", 3)
    first = selectors.case_page(**everything, number=1, size=2)
    assert len(first.rows) == 2 and first.has_next and not first.has_previous
    assert (first.count, first.count_is_lower_bound, first.num_pages) == (3, True, None)  # "3 件以上"
    last = selectors.case_page(**everything, number="4", size=2)
    assert len(last.rows) == 1 and not last.has_next and last.previous_page_number == 3
    monkeypatch.setattr(selectors, "COUNT_LIMIT", 10)
    exact = selectors.case_page(**everything, number=2, size=2)
    assert (exact.count, exact.count_is_lower_bound, exact.num_pages) == (7, False, 4)
    assert selectors.case_page(**everything, number="x", size=50).number == 1
    past = selectors.case_page(**everything, number=9, size=2)  # a stale link past the last page
    assert (past.rows, past.count, past.has_next, past.has_previous) == ([], 7, False, True)
    small = selectors.case_page(**everything, number=1, size=50)
    assert (len(small.rows), small.count, small.has_other_pages) == (7, 7, False)
    # Only the listed columns are read (not the answers): the rows are the list's columns, not model instances.
    assert not hasattr(small.rows[0], "answers")
    assert {r.pk for r in small.rows} == set(Case.objects.values_list("pk", flat=True))
    row = next(r for r in small.rows if r.pk == case.pk)
    assert (row.assignee_id, row.assignee_name) == (None, "")
    Case.objects.filter(pk=case.pk).update(assignee=reviewer)
    mine = selectors.case_page(actor=reviewer, assignee="me", today=today, number=1, size=5)
    assert [(r.pk, r.assignee_name) for r in mine.rows] == [(case.pk, reviewer.display_name)]
    assert (mine.count, mine.count_is_lower_bound) == (1, False)
    assert (row.receipt_number, row.status, row.due_on) == (case.receipt_number, case.status, case.due_on)
    assert (row.received_at, row.is_assisted, row.signature_valid) == (
        case.received_at,
        case.is_assisted,
        case.signature_valid,
    )
    assert row.get_status_display() == case.get_status_display() and row.is_open == case.is_open

    def ids(**filters: object) -> list[int]:
        return [c.pk for c in selectors.list_cases(actor=reviewer, today=today, **filters)]  # type: ignore[arg-type]

    assert ids(search=case.receipt_number) == [case.pk]
    assert ids(search=case.receipt_number.replace("-", "")) == [case.pk]  # typed without the hyphen
    assert ids(search="2026-900003") != [] and ids(search="2026-999999") == []
    assert set(ids(search=case.applicant_name[:2])) == set(Case.objects.values_list("pk", flat=True))
    assert ids(search="存在しない名前") == []
    assert len(ids(queue="other")) == 3 and case.pk in ids(queue=case.queue)
    choices = dict(selectors.procedure_choices())
    assert choices[case.procedure_code] and len(choices) == 27  # the catalogue's municipal procedures
    assert [q for q, _label in selectors.queue_choices()][-1] == "other"


def test_the_list_page_and_list_cases_agree_on_every_filter_and_sort(
    case, chiyoda, sapporo, make_staff
) -> None:
    """The page's SQL and the ORM's `list_cases` describe one list: same ids in the same order, page by page."""
    reviewer = make_staff(chiyoda, "reviewer")
    other = make_staff(chiyoda, "approver")
    today = timezone.localdate()
    copies = _copies(case, 11)
    for n, copy in enumerate(copies):  # a spread of statuses, assignees and deadlines (some past, some none)
        copy.status = [
            CaseStatus.RECEIVED,
            CaseStatus.ACCEPTED,
            CaseStatus.IN_REVIEW,
            CaseStatus.RETURNED_FOR_CORRECTION,
            CaseStatus.DECIDED,
        ][n % 5]
        copy.assignee = [None, reviewer, other][n % 3]
        copy.due_on = None if n % 4 == 0 else today + dt.timedelta(days=n - 5)
        copy.applicant_name = ["山田　花子", "山本　一郎", "佐藤　次郎"][n % 3]
    Case.objects.bulk_update(copies, ["status", "assignee", "due_on", "applicant_name"])
    filter_sets: list[dict[str, object]] = [
        {},
        {"status": "open"},
        {"status": CaseStatus.IN_REVIEW},
        {"assignee": "me"},
        {"assignee": "none", "status": "open"},
        {"assignee": str(other.pk)},
        {"overdue": True},
        {"queue": "other"},
        {"queue": case.queue, "status": "open"},
        {"procedure_code": case.procedure_code},
        {"search": "山"},
        {"search": "山田"},
        {"search": case.receipt_number.replace("-", "")},
    ]
    for filters in filter_sets:
        for sort in selectors.SORTS:
            expected = [
                c.pk
                for c in selectors.list_cases(actor=reviewer, today=today, sort=sort, **filters)  # type: ignore[arg-type]
            ]
            got: list[int] = []
            number = 1
            while True:
                page = selectors.case_page(
                    actor=reviewer,
                    today=today,
                    sort=sort,
                    number=number,
                    size=4,
                    **filters,  # type: ignore[arg-type]
                )
                got += [r.pk for r in page.rows]
                assert page.count == len(expected), (filters, sort)
                if not page.has_next:
                    break
                number += 1
            assert got == expected, (filters, sort)
    # Another municipality's staff see none of these cases.
    outsider = make_staff(sapporo, "reviewer")
    assert selectors.case_page(actor=outsider, today=today, number=1, size=50).rows == []
