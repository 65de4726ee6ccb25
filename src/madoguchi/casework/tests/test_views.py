"""Office pages: the queue (filters in the query string, sorting, 和暦/西暦, overdue), the review screen with the
registry side by side, confirm pages that state the consequence, and the auditor's read-only view."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from madoguchi.casework import services
from madoguchi.casework.models import Case
from madoguchi.common.wareki import to_wareki
from madoguchi.core.models import AccessLogEntry
from madoguchi.registry.models import Resident

from .helpers import make_world, pull_all, submit_child_allowance

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(chiyoda) -> Case:
    submit_child_allowance(chiyoda, make_world(chiyoda))
    pull_all()
    return Case.objects.get()


def test_list_shows_counts_filters_sorting_and_overdue(staff_client, chiyoda, case) -> None:
    client, reviewer = staff_client(chiyoda, "reviewer")
    services.accept_case(actor=reviewer, case_id=case.pk, now=timezone.now() - dt.timedelta(days=120))
    services.claim_case(actor=reviewer, case_id=case.pk)
    page = client.get("/office/cases/", {"status": "open", "assignee": "me", "sort": "-due_on"})
    body = page.content.decode()
    assert page.status_code == 200
    assert case.receipt_number in body and "期限超過" in body and 'class="is-overdue"' in body
    assert "自分の仕事" in body and "担当している案件" in body
    # Sort links keep the filters; the current column says how it is sorted.
    assert "status=open&amp;assignee=me&amp;sort=due_on" in body and 'aria-sort="descending"' in body
    case.refresh_from_db()
    assert to_wareki(case.due_on) in body and case.due_on.isoformat() not in body
    seireki = client.get("/office/cases/", {"dates": "seireki"}).content.decode()
    assert case.due_on.isoformat() in seireki and to_wareki(case.due_on) not in seireki
    none = client.get("/office/cases/", {"status": "notice_issued"}).content.decode()
    assert case.receipt_number not in none and "該当する案件はありません" in none
    overdue = client.get("/office/cases/", {"overdue": "on"}).content.decode()
    assert case.receipt_number in overdue


def test_list_searches_by_receipt_number_or_name_and_filters_by_queue(staff_client, chiyoda, case) -> None:
    client, _reviewer = staff_client(chiyoda, "reviewer")
    page = client.get("/office/cases/").content.decode()
    # The filters: a search box, the 担当業務 and every catalogue procedure, each select a labelled <select>.
    assert 'name="q"' in page and '<select name="queue"' in page and 'id="id_queue"' in page
    assert '<option value="child_allowance">児童手当</option>' in page
    assert '<option value="child_allowance_certification">児童手当等の受給資格' in page
    detail = f'href="/office/cases/{case.pk}/"'
    assert detail in page
    for query, found in [
        ({"q": case.receipt_number}, True),
        ({"q": case.receipt_number.replace("-", "")}, True),
        ({"q": case.applicant_name[:2]}, True),
        ({"q": "該当なし"}, False),
        ({"queue": case.queue}, True),
        ({"queue": "disaster"}, False),
    ]:
        body = client.get("/office/cases/", query).content.decode()
        assert (detail in body) is found, query
    chosen = client.get("/office/cases/", {"queue": "disaster", "q": "abc"}).content.decode()
    assert '<option value="disaster" selected>' in chosen and 'value="abc"' in chosen
    assert "条件を確認してください" in client.get("/office/cases/", {"q": "x" * 61}).content.decode()


def test_counter_clerk_is_refused(staff_client, chiyoda, case) -> None:
    client, _ = staff_client(chiyoda, "counter_clerk")
    assert client.get("/office/cases/").status_code == 403
    assert client.get(f"/office/cases/{case.pk}/").status_code == 403


def test_detail_shows_answers_registry_side_by_side_and_logs_the_read(staff_client, chiyoda, case) -> None:
    Resident.objects.filter(given_name="太郎").update(postal_code="100-0002")  # one difference to highlight
    client, reviewer = staff_client(chiyoda, "reviewer")
    body = client.get(f"/office/cases/{case.pk}/").content.decode()
    assert "申請内容" in body and "住民記録との突合" in body and "山田　太郎" in body
    assert "シリアル番号の紐付けから特定しました" in body  # the test card's serial is in the link table
    assert "相違 1 件" in body and 'class="is-diff"' in body and "一致" in body
    assert "電子署名の検証" in body and "署名の検証記録を見る" in body
    assert f"/office/cases/{case.pk}/accept/" in body and f"/office/cases/{case.pk}/claim/" in body
    purposes = set(AccessLogEntry.objects.filter(actor=reviewer).values_list("subject_type", "purpose"))
    assert purposes == {("case", "case_review"), ("resident", "case_review")}
    assert client.get("/office/cases/999999/").status_code == 404


def test_action_page_states_the_consequence_then_acts(staff_client, chiyoda, case) -> None:
    client, _reviewer = staff_client(chiyoda, "reviewer")
    confirm = client.get(f"/office/cases/{case.pk}/accept/").content.decode()
    assert "この操作をすると" in confirm and "標準処理期間" in confirm and "申請者の状況ページ" in confirm
    assert Case.objects.get().status == "received"  # looking at the page did nothing
    done = client.post(f"/office/cases/{case.pk}/accept/")
    assert done.status_code == 302 and done["Location"] == f"/office/cases/{case.pk}/?done=accept"
    assert Case.objects.get().status == "accepted"
    client.post(f"/office/cases/{case.pk}/claim/")
    client.post(f"/office/cases/{case.pk}/start-review/")
    empty = client.post(f"/office/cases/{case.pk}/request-correction/", {"message_ja": ""})
    text = empty.content.decode()
    assert empty.status_code == 400 and "申請者へのお願いの内容" in text and "error-summary" in text
    assert (
        client.post(
            f"/office/cases/{case.pk}/request-correction/", {"message_ja": "添付をお願いします。"}
        ).status_code
        == 302
    )
    assert Case.objects.get().status == "returned_for_correction"
    again = client.post(f"/office/cases/{case.pk}/accept/")
    assert again.status_code == 400 and "できません" in again.content.decode()
    assert client.get(f"/office/cases/{case.pk}/no-such-action/").status_code == 404
    not_now = client.get(f"/office/cases/{case.pk}/approve/")
    assert not_now.status_code == 409 and "いまの状況ではこの操作ができません" in not_now.content.decode()
    assert "novalidate" not in not_now.content.decode()  # no form to submit


def test_propose_and_approve_through_the_pages(staff_client, chiyoda, case) -> None:
    client, _reviewer = staff_client(chiyoda, "reviewer")
    for action in ("accept", "claim", "start-review"):
        client.post(f"/office/cases/{case.pk}/{action}/")
    missing = client.post(f"/office/cases/{case.pk}/propose/", {"reason": "要件を満たす。"})
    assert missing.status_code == 400 and "「決定案」を選んでください" in missing.content.decode()
    client.post(f"/office/cases/{case.pk}/propose/", {"outcome": "grant", "reason": "要件を満たす。"})
    approver_client, _ = staff_client(chiyoda, "approver")
    confirm = approver_client.get(f"/office/cases/{case.pk}/approve/").content.decode()
    assert "最終の決裁です" in confirm and "決定通知書" in confirm
    assert approver_client.post(f"/office/cases/{case.pk}/approve/", {"reason": ""}).status_code == 302
    detail = approver_client.get(f"/office/cases/{case.pk}/").content.decode()
    assert "通知済み" in detail and "決定通知書（PDF）を開く" in detail
    pdf = approver_client.get(f"/office/cases/{case.pk}/notice.pdf")
    assert (
        pdf.status_code == 200
        and pdf["Content-Type"] == "application/pdf"
        and pdf.content.startswith(b"%PDF")
    )


def test_auditor_sees_but_cannot_act(staff_client, chiyoda, case) -> None:
    client, auditor = staff_client(chiyoda, "auditor")
    body = client.get(f"/office/cases/{case.pk}/").content.decode()
    assert case.receipt_number in body and "/accept/" not in body and "住民記録を参照する権限がない" in body
    assert AccessLogEntry.objects.filter(actor=auditor, purpose="audit").exists()
    assert client.post(f"/office/cases/{case.pk}/accept/").status_code == 403
    assert client.get(f"/office/cases/{case.pk}/accept/").status_code == 403
    assert "閲覧のみ" in client.get("/office/cases/").content.decode()
    assert Case.objects.get().status == "received"


def test_anonymous_is_sent_to_login(client, case) -> None:
    response = client.get("/office/cases/")
    assert response.status_code == 302 and response["Location"].startswith("/office/login/")


def test_pull_button_brings_in_new_applications(staff_client, chiyoda, monkeypatch) -> None:
    from madoguchi.casework.intake_adapter import IntakeSubmissionSource

    monkeypatch.setattr(services, "get_submission_source", lambda: IntakeSubmissionSource(settle_seconds=0))
    submit_child_allowance(chiyoda, make_world(chiyoda))
    auditor_client, _ = staff_client(chiyoda, "auditor")
    assert auditor_client.post("/office/cases/pull/").status_code == 403
    assert "ポータルから取り込む" not in auditor_client.get("/office/cases/").content.decode()
    client, _ = staff_client(chiyoda, "reviewer")
    assert client.get("/office/cases/pull/").status_code == 405
    response = client.post("/office/cases/pull/")
    assert response.status_code == 302 and response["Location"] == "/office/cases/?status=open&pulled=1"
    page = client.get(response["Location"]).content.decode()
    assert "ポータルから 1 件を取り込みました" in page and Case.objects.get().receipt_number in page


def test_pull_button_without_a_channel_says_so(staff_client, chiyoda, settings) -> None:
    client, _ = staff_client(chiyoda, "reviewer")
    settings.MADOGUCHI_ZONE = "office"  # a split office deployment with no portal client configured
    response = client.post("/office/cases/pull/")
    assert response["Location"] == "/office/cases/?pull_error=1"
    assert "接続が設定されていない" in client.get(response["Location"]).content.decode()


def test_list_pages_say_at_least_when_the_count_is_bounded(staff_client, chiyoda, case, monkeypatch) -> None:
    from madoguchi.casework import selectors, views

    client, _reviewer = staff_client(chiyoda, "reviewer")
    copies = []
    for n in range(4):
        copy = Case.objects.get(pk=case.pk)
        copy.pk, copy.receipt_number, copy.source_id = None, f"2026-9{n:05d}", f"copy-{n}"
        copies.append(copy)
    Case.objects.bulk_create(copies)  # 5 cases
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    monkeypatch.setattr(selectors, "COUNT_LIMIT", 3)
    body = client.get("/office/cases/", {"status": "open", "page": "2"}).content.decode()
    assert "3 件以上" in body and "2 ページ目" in body
    assert "status=open&amp;page=1" in body and "status=open&amp;page=3" in body  # previous / next, no JS
    monkeypatch.setattr(selectors, "COUNT_LIMIT", 1000)
    body = client.get("/office/cases/", {"status": "open", "page": "3"}).content.decode()
    assert "5 件" in body and "3 / 3" in body and "page=4" not in body
