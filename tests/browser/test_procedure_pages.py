"""Resident journey through the procedure catalogue: home → situation → procedure → search, desktop and phone."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from madoguchi.procedures.models import MunicipalProcedureSetting

from .conftest import DESKTOP, PHONE, assert_accessible


def _no_horizontal_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert width <= viewport, f"page is {width}px wide in a {viewport}px viewport ({page.url})"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_home_situation_detail_search(
    browser: Browser, live_server: Any, transactional_db: None, chiyoda, viewport
) -> None:
    ctx = browser.new_context(base_url=live_server.url, viewport=viewport, locale="ja-JP", bypass_csp=True)
    page = ctx.new_page()
    try:
        page.goto("/")
        expect(page.get_by_role("heading", name="何がありましたか？")).to_be_visible()
        assert_accessible(page)
        _no_horizontal_scroll(page)

        page.get_by_role("link", name="子どもが生まれた").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("子どもが生まれた")
        expect(page.get_by_role("status")).to_contain_text("4件の手続があります。")
        assert_accessible(page)
        _no_horizontal_scroll(page)

        page.get_by_role("link", name="児童手当等の受給資格及び児童手当の額についての認定請求").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("児童手当等の受給資格")
        expect(page.get_by_role("heading", name="やさしい にほんご")).to_be_visible()
        expect(page.get_by_role("link", name="オンラインで申請する")).to_have_attribute(
            "href", "/apply/child_allowance_certification/"
        )
        expect(page.get_by_role("heading", name="お問い合わせ")).to_be_visible()
        assert_accessible(page)
        _no_horizontal_scroll(page)

        page.get_by_role("navigation", name="パンくずリスト").get_by_role("link", name="ホーム").click()
        expect(page.get_by_role("heading", name="何がありましたか？")).to_be_visible()
        page.get_by_label("キーワード").fill("ﾘｻｲ")
        page.get_by_role("button", name="探す").click()
        expect(page.get_by_role("status")).to_contain_text("1件の手続があります。")
        assert_accessible(page)
        page.get_by_role("link", name="罹災証明書の発行申請").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("罹災証明書の発行申請")
        assert_accessible(page)
        _no_horizontal_scroll(page)
    finally:
        ctx.close()


def test_referral_and_disabled_procedure_pages(page: Page, chiyoda) -> None:
    MunicipalProcedureSetting.objects.create(
        municipality=chiyoda,
        procedure_code="care_needs_certification",
        enabled=False,
        contact_phone="03-3264-2111",
    )
    page.goto("/procedures/?category=vehicle")
    expect(page.get_by_role("status")).to_contain_text("4件の手続があります。")
    assert_accessible(page)
    page.get_by_role("link", name="自動車の保管場所証明の申請").click()
    expect(
        page.get_by_role("link", name="自動車保有関係手続のワンストップサービス（国土交通省）").first
    ).to_be_visible()
    expect(page.get_by_role("link", name="オンラインで申請する")).to_have_count(0)
    assert_accessible(page)

    page.goto("/procedures/care_needs_certification/")
    expect(page.get_by_role("link", name="オンラインで申請する")).to_have_count(0)
    expect(page.get_by_role("link", name="03-3264-2111")).to_have_attribute("href", "tel:0332642111")
    assert_accessible(page)


def test_english_detail_page(page: Page, chiyoda) -> None:
    page.goto("/procedures/pregnancy_notification/")
    page.get_by_label("言語 / Language").select_option("en")
    page.get_by_role("button", name="切り替え").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Pregnancy notification")
    assert "/procedures/pregnancy_notification/" in page.url
    assert_accessible(page)
