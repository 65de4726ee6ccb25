"""Signing a submission through the デジタル認証アプリ (the local simulation) in a real browser: check answers →
sign page → the app's signing page (test card, 署名用 PIN, a wrong try first) → back → receipt; and cancelling at
the app brings the resident back to the sign page with a plain message. axe-core on every page visited."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from madoguchi.intake import services
from madoguchi.intake.models import Application, Draft
from madoguchi.intake.tests.helpers import SIGN_PIN, card_identity, make_world, pregnancy_answers

from .conftest import PHONE, assert_accessible
from .test_intake_journey import resident_login


@pytest.fixture
def draft_ready(page: Page, live_server: Any, chiyoda: Any, settings: Any) -> Draft:
    """山田 花子 logged in with a complete 妊娠の届出 draft; the portal's provider is the live server's /oidc."""
    settings.MADOGUCHI_OIDC_ISSUER = f"{live_server.url}/oidc"
    settings.MADOGUCHI_PORTAL_URL = live_server.url
    settings.MADOGUCHI_SIGN_API_URL = ""
    world = make_world(chiyoda)
    identity, _card = card_identity(world.wife)
    draft = services.start_draft(
        identity=identity, municipality_code=chiyoda.code, procedure_code="pregnancy_notification"
    )
    Draft.objects.filter(pk=draft.pk).update(answers=pregnancy_answers())
    resident_login(page, live_server, identity)
    page.set_viewport_size(PHONE)
    return draft


def _to_the_app(page: Page, draft: Draft) -> None:
    page.goto(f"/apply/drafts/{draft.public_id}/review/")
    expect(page.get_by_role("heading", level=1)).to_have_text("入力内容を確認してください")
    assert_accessible(page)
    page.get_by_role("link", name="電子署名をして送信する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("電子署名をして送信してください")
    assert_accessible(page)
    page.get_by_role("button", name="デジタル認証アプリで署名する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("デジタル認証アプリ（模擬）で電子署名")
    assert_accessible(page)


def test_sign_and_submit_through_the_digital_authentication_app(page: Page, draft_ready: Draft) -> None:
    _to_the_app(page, draft_ready)
    page.get_by_label("テストカード（模擬） 山田　花子").check()
    page.get_by_label("署名用電子証明書の暗証番号（英数字6〜16文字）").fill("WRONG9")
    page.get_by_role("button", name="署名する", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("あと4回")
    assert_accessible(page)
    page.get_by_label("テストカード（模擬） 山田　花子").check()
    page.get_by_label("署名用電子証明書の暗証番号（英数字6〜16文字）").fill(SIGN_PIN)
    page.get_by_role("button", name="署名する", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("申請を受け付けました")
    assert_accessible(page)
    application = Application.objects.get(procedure_name="妊娠の届出")
    expect(page.locator(".receipt-number")).to_have_text(application.receipt_number)
    assert application.verification_reason == "ok"


def test_cancelling_at_the_app_returns_to_the_sign_page(page: Page, draft_ready: Draft) -> None:
    _to_the_app(page, draft_ready)
    page.get_by_role("button", name="署名をやめて戻る").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("電子署名をして送信してください")
    expect(page.get_by_role("alert")).to_contain_text("デジタル認証アプリでの署名が中止されました")
    assert_accessible(page)
    assert not Application.objects.exists()
