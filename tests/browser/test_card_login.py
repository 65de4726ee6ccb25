"""Resident login in a real browser: a test card (simulated My Number card) → greeted by name; axe on each page.

Also the OIDC journey through the local provider that simulates the デジタル認証アプリ.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from madoguchi.identity.services import issue_test_card
from madoguchi.registry.models import Resident
from madoguchi.registry.tests.factories import load_residents

from .conftest import assert_accessible

AUTH_PIN = "1234"


@pytest.fixture
def carded_resident(chiyoda: Any) -> Resident:
    resident = next(
        r for r in load_residents(chiyoda, 6, seed=5) if r.status == "current" and r.birth_date is not None
    )
    issue_test_card(actor=None, resident_id=resident.pk, signing_pin="ABC123", auth_pin=AUTH_PIN)
    return resident


def test_card_login_greets_resident_by_name(page: Page, carded_resident: Resident) -> None:
    page.goto("/mypage/")  # not logged in: sent to the login page
    expect(page.get_by_role("heading", level=1)).to_have_text("マイナンバーカードでログイン")
    assert_accessible(page)
    page.get_by_label(f"テストカード（模擬） {carded_resident.full_name}").check()
    page.get_by_label("利用者証明用電子証明書の暗証番号（数字4桁）").fill("0000")
    page.get_by_role("button", name="ログインする").click()
    expect(page.get_by_role("alert")).to_contain_text("あと2回間違えるとロックされます")
    assert_accessible(page)
    page.get_by_label(f"テストカード（模擬） {carded_resident.full_name}").check()
    page.get_by_label("利用者証明用電子証明書の暗証番号（数字4桁）").fill(AUTH_PIN)
    page.get_by_role("button", name="ログインする").click()
    page.wait_for_url("**/mypage/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{carded_resident.full_name} さん、ようこそ")
    assert_accessible(page)
    page.get_by_role("button", name="ログアウト").click()
    page.wait_for_url(lambda url: url.rstrip("/").count("/") == 2)
    assert_accessible(page)


def test_oidc_login_through_simulated_digital_auth_app(
    page: Page, carded_resident: Resident, live_server: Any, settings: Any
) -> None:
    settings.MADOGUCHI_OIDC_ISSUER = f"{live_server.url}/oidc"
    settings.MADOGUCHI_PORTAL_URL = live_server.url
    page.goto("/login/")
    page.get_by_role("link", name="デジタル認証アプリ（模擬）でログインする").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("デジタル認証アプリ（模擬）")
    assert_accessible(page)
    page.get_by_label(f"テストカード（模擬） {carded_resident.full_name}").check()
    page.get_by_label("利用者証明用電子証明書の暗証番号（数字4桁）").fill(AUTH_PIN)
    page.get_by_role("button", name="ログインする").click()
    page.wait_for_url("**/mypage/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{carded_resident.full_name} さん、ようこそ")
    expect(page.get_by_text("デジタル認証アプリ（模擬）で本人確認をしました。")).to_be_visible()
    assert_accessible(page)
