"""児童扶養手当 in a real browser: a clerk registers a 受給者, the granted 現況届 has opened the year's review, and the
clerk enters the income from the 課税台帳 and confirms the amount (axe-core on every page)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from madoguchi.benefits import decisions
from madoguchi.benefits.models import ChildRearingAssessment
from madoguchi.benefits.tests.child_rearing_helpers import granted_report, make_parent

from .conftest import assert_accessible, office_login


def test_register_recipient_and_confirm_the_annual_review(
    page: Page, live_server: Any, chiyoda: Any, make_staff: Any
) -> None:
    approver = make_staff(chiyoda, "approver")
    parent = make_parent(chiyoda)
    office_login(page, approver)
    page.goto("/office/benefits/child-rearing/")
    assert_accessible(page)
    page.get_by_label("住民の内部番号").fill(str(parent.pk))
    page.get_by_label("証書番号").fill("JF-B-1")
    page.get_by_label("対象児童の数").fill("2")
    page.get_by_label("認定年月日").fill("2022-04-01")
    page.get_by_role("button", name="受給者を登録").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("JF-B-1")
    expect(page.get_by_role("status")).to_contain_text("受給者を登録しました")
    assert_accessible(page)
    # The 現況届 granted by the approval chain (benefits.decisions) opens the FY2025 review.
    decisions.apply_decision(actor=approver, case=granted_report(chiyoda, parent.pk))
    page.reload()
    page.get_by_role("link", name="2025年度").click()
    expect(page.locator("dl.facts")).to_contain_text("所得確認待ち")
    assert_accessible(page)
    page.get_by_label("所得（円）").fill("-1")
    page.get_by_label("扶養親族等の数").fill("1")
    page.get_by_label("確認した資料").fill("令和7年度 住民税課税台帳")
    page.get_by_role("button", name="計算して確定").click()
    expect(page.locator(".field-error").first).to_contain_text("所得（円）に負の数は入力できません。")
    assert_accessible(page)
    page.get_by_label("所得（円）").fill("1580000")
    page.get_by_role("button", name="計算して確定").click()
    expect(page.get_by_role("status")).to_contain_text("結果を確定しました")
    expect(page.locator("main table")).to_contain_text("44970")
    expect(page.locator("main table")).to_contain_text("一部支給")
    assert_accessible(page)
    assert ChildRearingAssessment.objects.get().monthly_yen == 44_970
