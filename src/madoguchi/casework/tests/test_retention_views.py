"""Retention pages: the list of cases past retention with the proposal form, and the proposal page where another
approver approves (disposes) or rejects; the proposer and auditors cannot decide."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from madoguchi.casework.models import Case, CaseArchive, CaseTombstone, CounterSession, DisposalRequest

from .helpers import make_counter_sessions, make_disposal_proposal, make_world

pytestmark = pytest.mark.django_db


def test_propose_and_approve_through_the_pages(staff_client, chiyoda) -> None:
    world = make_world(chiyoda)
    demo = make_counter_sessions(chiyoda, world)
    receipt = CounterSession.objects.get(public_id=demo.done_id).receipt_number
    request_id = make_disposal_proposal(chiyoda, receipt)
    DisposalRequest.objects.filter(pk=request_id).update(
        status="rejected"
    )  # free the case for a new proposal
    # As if the retention period had passed (the staff sessions would not survive travelling 8 years).
    CaseArchive.objects.filter(case__receipt_number=receipt).update(
        dispose_after=timezone.localdate() - dt.timedelta(days=1)
    )

    reviewer_client, _reviewer = staff_client(chiyoda, "reviewer")
    approver_client, _approver = staff_client(chiyoda, "approver")
    auditor_client, _auditor = staff_client(chiyoda, "auditor")
    page = reviewer_client.get("/office/cases/retention/").content.decode()
    assert receipt in page and "廃棄を起案する" in page
    empty = reviewer_client.post("/office/cases/retention/", {"reason": ""})
    assert empty.status_code == 400 and "廃棄する案件を選んでください" in empty.content.decode()
    assert (
        auditor_client.post(
            "/office/cases/retention/", {"receipt_numbers": [receipt], "reason": "満了"}
        ).status_code
        == 403
    )
    made = reviewer_client.post("/office/cases/retention/", {"receipt_numbers": [receipt], "reason": "満了"})
    assert made.status_code == 302
    proposal = DisposalRequest.objects.get(status="proposed")
    url = f"/office/cases/retention/{proposal.pk}/"
    own = reviewer_client.get(url).content.decode()
    assert "決裁する" not in own
    auditor_page = auditor_client.get(url)
    assert auditor_page.status_code == 200 and "決裁する" not in auditor_page.content.decode()
    form = approver_client.get(url).content.decode()
    assert "決裁する" in form and "取り消すことはできません" in form
    no_reason = approver_client.post(url, {"decision": "reject", "reason": ""})
    assert no_reason.status_code == 400 and "理由" in no_reason.content.decode()
    done = approver_client.post(url, {"decision": "approve", "reason": ""})
    assert done.status_code == 302
    assert not Case.objects.filter(receipt_number=receipt).exists()
    assert CaseTombstone.objects.filter(receipt_number=receipt, disposal=proposal).exists()
    listing = reviewer_client.get("/office/cases/retention/").content.decode()
    assert receipt in listing and "廃棄した案件の記録" in listing


def test_an_archived_case_shows_its_archive_and_offers_no_action(staff_client, chiyoda) -> None:
    world = make_world(chiyoda)
    demo = make_counter_sessions(chiyoda, world)
    receipt = CounterSession.objects.get(public_id=demo.done_id).receipt_number
    make_disposal_proposal(chiyoda, receipt)  # decides the case on the way: archived
    case = Case.objects.get(receipt_number=receipt)
    client, _approver = staff_client(chiyoda, "approver")
    page = client.get(f"/office/cases/{case.pk}/").content.decode()
    assert "保存済み（変更できません）" in page and case.archive.content_sha256 in page
    assert "内部メモを書く" not in page
    refused = client.post(f"/office/cases/{case.pk}/note/", {"text": "追記"})
    assert (
        refused.status_code == 400
        and "保存（アーカイブ）されているため、変更できません" in refused.content.decode()
    )
