"""Benefit simulators in a real browser at phone and desktop size: fill the form, see the total; axe on every page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from .conftest import DESKTOP, PHONE, assert_accessible


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_child_allowance_simulator(page: Page, viewport: ViewportSize) -> None:
    page.set_viewport_size(viewport)
    page.goto("/benefits/child-allowance/")
    expect(page.get_by_role("heading", level=1)).to_have_text("児童手当はいくらもらえる？")
    assert_accessible(page)

    # An error first: a birth date after the month is summarised at the top and linked to its field.
    page.get_by_label("計算する月").fill("令和8年11月")
    page.get_by_label("1人目の生年月日").fill("2026-12-01")
    page.get_by_role("button", name="計算する").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("1人目の生年月日: 計算する月（2026年11月）より後の日付です")
    assert_accessible(page)
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("1人目の生年月日")).to_be_focused()

    # "Add more" without JavaScript: the page comes back with three more rows and keeps what was typed.
    page.get_by_label("1人目の生年月日").fill("平成18年6月1日")
    page.get_by_label("1人目の生活費を負担している").check()
    page.get_by_role("button", name="入力欄を3人分増やす").click()
    expect(page.get_by_label("9人目の生年月日")).to_be_visible()
    expect(page.get_by_label("1人目の生年月日")).to_have_value("平成18年6月1日")
    expect(page.get_by_label("1人目の生活費を負担している")).to_be_checked()
    assert_accessible(page)

    page.get_by_label("2人目の生年月日").fill("2011-05-10")
    page.get_by_label("3人目の生年月日").fill("R6.1.5")
    page.get_by_role("button", name="計算する").click()
    expect(page.locator("#result-total")).to_have_text("ひと月の合計: 40,000円")
    expect(page.get_by_text("第3子（3人目以降）なので、年齢にかかわらず月30,000円です。")).to_be_visible()
    expect(page.get_by_role("heading", name="支払の予定")).to_be_visible()
    assert_accessible(page)
    expect(page.get_by_role("link", name="児童手当の申請（認定請求）の手続を見る")).to_have_attribute(
        "href", "/procedures/child_allowance_certification/"
    )


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_child_rearing_allowance_simulator(page: Page, viewport: ViewportSize) -> None:
    page.set_viewport_size(viewport)
    page.goto("/benefits/child-rearing-allowance/")
    expect(page.get_by_role("heading", level=1)).to_have_text("児童扶養手当はいくら？")
    assert_accessible(page)

    page.get_by_label("対象となるお子さまの人数").fill("0")
    page.get_by_label("前年の所得（円）").fill("1,580,000")
    page.get_by_label("扶養親族等の数").fill("1")
    page.get_by_role("button", name="計算する").click()
    expect(page.get_by_role("alert")).to_contain_text("お子さまの人数は1人以上で入力してください。")
    assert_accessible(page)

    page.get_by_label("対象となるお子さまの人数").fill("2")
    page.get_by_role("button", name="計算する").click()
    expect(page.locator("#result-total")).to_contain_text("ひと月の額: 44,970円")
    expect(page.locator("#result-total")).to_contain_text("一部支給")
    assert_accessible(page)
    page.get_by_role("link", name="児童手当の額も計算する（児童手当はいくらもらえる？）").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("児童手当はいくらもらえる？")


def test_child_allowance_without_javascript_on_a_phone(
    browser: Browser, live_server: Any, transactional_db: None
) -> None:
    ctx = browser.new_context(
        base_url=live_server.url,
        viewport=ViewportSize(width=PHONE["width"], height=PHONE["height"]),
        java_script_enabled=False,
        locale="ja-JP",
    )
    page = ctx.new_page()
    page.goto("/benefits/child-allowance/?month=2026-11")
    page.get_by_label("1人目の生年月日").fill("2017-04-02")
    page.get_by_role("button", name="入力欄を3人分増やす").click()
    page.get_by_label("9人目の生年月日").fill("令和5年12月1日")
    page.get_by_role("button", name="計算する").click()
    expect(page.locator("#result-total")).to_have_text("ひと月の合計: 25,000円")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"horizontal scrolling on a phone: {width}px"
    ctx.close()
