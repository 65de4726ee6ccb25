"""保育 利用調整 in the browser: a 選考中 application gets 保留, then 内定 at a ranked facility, then 入所決定."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from madoguchi.benefits.tests.childcare_helpers import make_placement_demo

from .conftest import assert_accessible, office_login


def test_placement_outcome_page(page: Page, live_server: Any, chiyoda: Any, make_staff: Any) -> None:
    reviewer = make_staff(chiyoda, "reviewer")
    application = make_placement_demo(chiyoda)
    office_login(page, reviewer)
    page.goto("/office/benefits/childcare/placements/?status=screening")
    assert_accessible(page)
    page.get_by_role("link", name=application.case_reference).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(application.case_reference)
    assert_accessible(page)
    # Nothing chosen: the error names the field.
    page.get_by_role("button", name="結果を記録する").click()
    expect(page.locator(".field-error")).to_contain_text("利用調整の結果を選んでください")
    assert_accessible(page)
    page.get_by_label("保留（待機）").check()
    page.get_by_role("button", name="結果を記録する").click()
    expect(page.locator("dl.facts")).to_contain_text("保留（待機）")
    assert_accessible(page)
    page.get_by_label("2. まどぐち中央保育園").check()
    page.get_by_label("記録（任意）").first.fill("第2希望で内定")
    page.get_by_role("button", name="結果を記録する").click()
    expect(page.locator("dl.facts")).to_contain_text("内定")
    expect(page.locator("dl.facts")).to_contain_text("まどぐち中央保育園")
    assert_accessible(page)
    page.get_by_role("button", name="入所決定にする").click()
    expect(page.locator("dl.facts")).to_contain_text("入所決定")
    assert_accessible(page)
    application.refresh_from_db()
    assert application.status == "placed" and application.assigned_facility is not None
    assert application.assigned_facility.code == "F001"
    page.goto("/office/benefits/childcare/certifications/")
    assert_accessible(page)
