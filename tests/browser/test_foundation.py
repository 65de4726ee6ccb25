"""Foundation journeys in a real browser: portal pages, staff login with TOTP, search, record, logs — axe on each."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from madoguchi.registry.tests.factories import load_residents

from .conftest import PHONE, assert_accessible, office_login


def test_portal_home_and_municipality_lookup(page: Page) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("オンライン窓口")
    assert_accessible(page)
    page.get_by_role("link", name="地方公共団体コードを調べる").click()
    assert_accessible(page)
    page.get_by_label("地方公共団体コード（6桁）").fill("131017")
    page.get_by_role("button", name="調べる").click()
    expect(page.get_by_role("alert")).to_contain_text("検査数字")
    assert_accessible(page)
    page.get_by_label("地方公共団体コード（6桁）").fill("221384")
    page.get_by_role("button", name="調べる").click()
    expect(page.get_by_role("heading", name="浜松市中央区")).to_be_visible()
    assert_accessible(page)


def test_language_switch_keeps_the_page(page: Page) -> None:
    page.goto("/municipalities/?code=131016")
    page.get_by_label("言語 / Language").select_option("en")
    page.get_by_role("button", name="切り替え").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert "/municipalities/" in page.url
    assert_accessible(page)


def test_office_journey_login_search_record_reveal(page: Page, make_staff, chiyoda) -> None:
    people = load_residents(chiyoda, 12)
    person = next(p for p in people if p.status == "current")
    clerk = make_staff(chiyoda, "counter_clerk")
    office_login(page, clerk)
    expect(page.get_by_role("heading", level=1)).to_contain_text("千代田区")
    assert_accessible(page)
    page.get_by_role("link", name="住民検索").first.click()
    assert_accessible(page)
    page.get_by_label("氏名（漢字またはカナ）").fill(person.family_name_kana)
    page.get_by_role("button", name="検索").click()
    assert_accessible(page)
    page.get_by_role("link", name=person.full_name).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("目的")
    assert_accessible(page)
    page.get_by_label("利用目的").select_option("counter_service")
    page.get_by_role("button", name="表示する").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(person.family_name)
    expect(page.get_by_text(re.compile(r"\*{8}\d{4}"))).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="個人番号を表示").click()
    expect(page.get_by_label("個人番号")).to_have_text(re.compile(r"^\d{12}$"))
    assert_accessible(page)


def test_wrong_totp_and_auditor_logs(page: Page, make_staff, chiyoda) -> None:
    auditor = make_staff(chiyoda, "auditor")
    page.goto("/office/login/")
    page.get_by_label("ユーザー名").fill(auditor.username)
    page.get_by_label("パスワード").fill("correct-horse-battery-staple-7")
    page.get_by_label("確認コード（6桁）").fill("000000")
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("alert")).to_contain_text("確認コード")
    assert_accessible(page)
    page.wait_for_timeout(1200)  # django-otp refuses codes for 1 s after a wrong one
    office_login(page, auditor)
    page.get_by_role("link", name="監査ログ").first.click()
    expect(page.get_by_role("cell", name="create_staff_user").first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="アクセスログ").first.click()
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/", "/municipalities/?code=011002", "/office/login/"])
def test_pages_work_without_javascript_on_a_phone(browser: Browser, live_server, path: str) -> None:
    ctx = browser.new_context(
        base_url=live_server.url, viewport=PHONE, java_script_enabled=False, locale="ja-JP"
    )
    page = ctx.new_page()
    page.goto(path)
    expect(page.locator("main")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"horizontal scrolling on a phone: {width}px"
    ctx.close()
