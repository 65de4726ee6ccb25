"""妊娠の届出 through casework (a counter application by the pregnant person) and the office pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from madoguchi.benefits.models import MaternalHandbook, PregnancyRecord, PregnancySupportRequest
from madoguchi.casework import counter
from madoguchi.casework import services as casework
from madoguchi.casework.models import Case
from madoguchi.casework.tests.helpers import make_world
from madoguchi.core.models import AccessLogEntry, AuditEntry
from madoguchi.intake.tests.helpers import pregnancy_answers
from madoguchi.testing import login_verified

pytestmark = pytest.mark.django_db

PREGNANCY = "pregnancy_notification"
SECTIONS: list[dict[str, Any]] = [{"title": "申請内容", "rows": [{"label": "氏名", "value": "山田　花子"}]}]


@pytest.fixture
def world(chiyoda):
    return make_world(chiyoda)


@pytest.fixture
def clerk(chiyoda, make_staff):
    return make_staff(chiyoda, "counter_clerk")


@pytest.fixture
def reviewer(chiyoda, make_staff):
    return make_staff(chiyoda, "reviewer")


@pytest.fixture
def approver(chiyoda, make_staff):
    return make_staff(chiyoda, "approver")


def decide(world, clerk, reviewer, outcome: str = "grant", **overrides: Any) -> Case:
    """The wife's 妊娠の届出 taken at the counter (書かない窓口), reviewed up to the proposed decision."""
    session = counter.start_counter_application(
        actor=clerk, resident_id=world.wife.pk, procedure_code=PREGNANCY
    )
    answers = pregnancy_answers(**overrides)
    counter.save_counter_answers(actor=clerk, public_id=session.public_id, values=dict(answers))
    counter.confirm_identity(actor=clerk, public_id=session.public_id, method="my_number_card")
    counter.issue_confirmation_sheet(actor=clerk, public_id=session.public_id, sections=SECTIONS)
    result = counter.submit_counter_application(actor=clerk, public_id=session.public_id)
    case = result.case
    assert case is not None
    casework.accept_case(actor=reviewer, case_id=case.pk)
    casework.claim_case(actor=reviewer, case_id=case.pk)
    casework.start_review(actor=reviewer, case_id=case.pk)
    casework.propose_decision(
        actor=reviewer, case_id=case.pk, outcome=outcome, reason="届出の内容を確認した。"
    )
    return case


def test_granted_notification_records_the_pregnancy_and_first_request(
    world, clerk, reviewer, approver
) -> None:
    case = decide(world, clerk, reviewer, **{"pregnancy.fetus_count": 2})
    casework.approve_step(actor=approver, case_id=case.pk)
    case.refresh_from_db()
    assert case.status == "notice_issued"
    record = PregnancyRecord.objects.get()
    assert record.resident_id == world.wife.pk and record.case_reference == case.receipt_number
    assert record.fetus_count == 2 and record.handbooks_to_issue == 2
    [first] = record.support_requests.all()
    assert (first.payment, first.amount_yen, first.status) == ("first", 50_000, "requested")


def test_denied_notification_records_nothing(world, clerk, reviewer, approver) -> None:
    case = decide(world, clerk, reviewer, outcome="deny")
    casework.approve_step(actor=approver, case_id=case.pk)
    assert not PregnancyRecord.objects.exists()


def test_office_pages_issue_handbooks_and_approve(client, world, clerk, reviewer, approver) -> None:
    case = decide(world, clerk, reviewer, **{"pregnancy.fetus_count": 2})
    casework.approve_step(actor=approver, case_id=case.pk)
    record = PregnancyRecord.objects.get()
    url = f"/office/benefits/pregnancy/{record.pk}/"
    today = timezone.localdate()

    login_verified(client, clerk)
    assert case.receipt_number in client.get("/office/benefits/pregnancy/").content.decode()
    before = AccessLogEntry.objects.count()
    page = client.get(url)
    assert page.status_code == 200 and "交付を記録" in page.content.decode()
    assert AccessLogEntry.objects.count() == before + 1
    bad = client.post(url + "handbooks/", {"issued_on": (today + dt.timedelta(days=1)).isoformat()})
    assert bad.status_code == 400 and "交付日は届出年月日から今日まで" in bad.content.decode()
    done = client.post(url + "handbooks/", {"issued_on": today.isoformat()})
    assert done.status_code == 302
    books = list(MaternalHandbook.objects.order_by("handbook_number"))
    assert len(books) == 2 and all(b.issued_by == clerk for b in books)
    first = PregnancySupportRequest.objects.get()
    # A counter clerk may not decide the payment.
    assert client.post(url + f"requests/{first.pk}/approve/").status_code == 403
    client.logout()

    login_verified(client, approver)
    assert client.post(url + f"requests/{first.pk}/approve/").status_code == 302
    first.refresh_from_db()
    assert first.status == "approved" and first.approved_by == approver
    second_bad = client.post(url + "second-payment/", {"fetus_count": "0", "notified_on": today.isoformat()})
    assert second_bad.status_code == 400 and "胎児の数は1以上" in second_bad.content.decode()
    second = client.post(url + "second-payment/", {"fetus_count": "2", "notified_on": today.isoformat()})
    assert second.status_code == 302
    requested = PregnancySupportRequest.objects.get(payment="second")
    assert requested.amount_yen == 100_000
    assert client.post(url + f"requests/{requested.pk}/approve/").status_code == 302
    again = client.post(url + f"requests/{requested.pk}/approve/")
    assert again.status_code == 409
    assert AuditEntry.objects.filter(action="benefits.approve_pregnancy_support").count() == 2


def test_pages_stay_in_the_municipality(
    client, sapporo, make_staff, world, clerk, reviewer, approver
) -> None:
    case = decide(world, clerk, reviewer)
    casework.approve_step(actor=approver, case_id=case.pk)
    record = PregnancyRecord.objects.get()
    login_verified(client, make_staff(sapporo, "approver"))
    assert client.get(f"/office/benefits/pregnancy/{record.pk}/").status_code == 404
    first = record.support_requests.get()
    assert (
        client.post(f"/office/benefits/pregnancy/{record.pk}/requests/{first.pk}/approve/").status_code == 404
    )
    assert PregnancySupportRequest.objects.get().status == "requested"
