"""Casework journey in a real browser: a reviewer claims, accepts and reviews a signed online application, asks
for a correction, the resident resubmits, the reviewer proposes, an approver approves, the notice is issued
(axe-core WCAG 2.2 A/AA on every page)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from madoguchi.casework.models import Case
from madoguchi.casework.tests.helpers import make_world, pull_all, resubmit, submit_child_allowance
from madoguchi.intake.models import Application

from .conftest import assert_accessible, office_login


def _act(page: Page, link: str, button: str) -> None:
    """Open an action's confirm page (checked), then confirm it and land back on the case."""
    page.get_by_role("link", name=link, exact=True).click()
    expect(page.get_by_role("heading", name="この操作をすると")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name=button, exact=True).click()
    expect(page.get_by_role("status").first).to_be_visible()
    assert_accessible(page)


def test_claim_review_correct_approve_and_issue_notice(page: Page, make_staff, chiyoda) -> None:
    submitted = submit_child_allowance(chiyoda, make_world(chiyoda))
    pull_all()
    case = Case.objects.get()
    reviewer = make_staff(chiyoda, "reviewer")
    approver = make_staff(chiyoda, "approver")

    office_login(page, reviewer)
    page.goto("/office/cases/")
    expect(page.get_by_role("heading", level=1)).to_have_text("申請管理")
    assert_accessible(page)
    page.get_by_label("状況").select_option("open")
    page.get_by_role("button", name="絞り込む").click()
    assert "status=open" in page.url  # the filter stays in the query string
    assert_accessible(page)
    # Search by the receipt number as staff type it (no hyphen) within the 担当業務 queue.
    page.get_by_label("受付番号・申請者名（先頭から）").fill(case.receipt_number.replace("-", ""))
    page.get_by_label("担当業務").select_option("child_allowance")
    page.get_by_role("button", name="絞り込む").click()
    assert "queue=child_allowance" in page.url
    expect(page.get_by_label("担当業務")).to_have_value("child_allowance")
    expect(page.get_by_role("link", name=case.receipt_number)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=case.receipt_number).click()
    expect(page.get_by_role("heading", name="住民記録との突合")).to_be_visible()
    assert_accessible(page)

    _act(page, "担当する", "担当者になる")
    _act(page, "受け付ける", "受け付ける")
    _act(page, "審査を開始する", "審査を開始する")

    page.get_by_role("link", name="補正を依頼する", exact=True).click()
    assert_accessible(page)
    page.get_by_role("button", name="補正を依頼する").click()  # empty: the error names the field
    expect(page.get_by_role("alert")).to_contain_text("申請者へのお願いの内容")
    assert_accessible(page)
    page.get_by_label("申請者へのお願いの内容").fill("電話番号がつながりません。連絡先を確認してください。")
    page.get_by_role("button", name="補正を依頼する").click()
    expect(page.get_by_role("status").first).to_contain_text("補正を依頼しました")
    assert_accessible(page)

    resubmit(submitted)  # the resident corrects and signs again in the portal
    pull_all()
    page.reload()
    expect(page.get_by_text("補正後の再提出", exact=False).first).to_be_visible()
    page.get_by_role("link", name="決定案を起案する", exact=True).click()
    assert_accessible(page)
    page.get_by_label("認定・承認").check()
    page.get_by_label("決定案の理由").fill("支給要件をすべて満たしています。")
    page.get_by_role("button", name="起案して決裁に回す").click()
    expect(page.get_by_role("heading", name="決裁中の起案")).to_be_visible()
    assert_accessible(page)
    expect(page.get_by_role("link", name="承認する", exact=True)).to_have_count(
        0
    )  # not on one's own proposal

    page.get_by_role("button", name="ログアウト").click()
    office_login(page, approver)
    page.goto("/office/cases/")
    expect(page.get_by_text("自分の決裁待ち")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=case.receipt_number).click()
    assert_accessible(page)
    page.get_by_role("link", name="承認する", exact=True).click()
    expect(page.get_by_text("最終の決裁です")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="承認する", exact=True).click()
    expect(page.get_by_role("link", name="決定通知書（PDF）を開く")).to_be_visible()
    assert_accessible(page)

    case.refresh_from_db()
    assert case.status == "notice_issued"
    assert Application.objects.get(pk=submitted.application.pk).status == "notice_issued"
