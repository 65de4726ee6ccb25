"""Resident journeys in a real browser: 児童手当 認定請求 and 妊娠の届出 — prefilled form → review → signed submit
→ receipt → status (axe-core WCAG 2.2 A/AA on every page visited)."""

from __future__ import annotations

import datetime as dt
from importlib import import_module
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from playwright.sync_api import Page, expect

from madoguchi.identity.portal_session import login_portal_identity
from madoguchi.intake.models import Application
from madoguchi.intake.tests.helpers import SIGN_PIN, card_identity, make_world

from .conftest import PHONE, assert_accessible


def resident_login(page: Page, live_server: Any, identity: Any) -> None:
    """Put a resident session (as the card login ends) into the browser's cookie jar."""
    engine = import_module(settings.SESSION_ENGINE)
    request = HttpRequest()
    request.session = engine.SessionStore()
    login_portal_identity(request, identity)
    request.session.save()
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": request.session.session_key or "",
                "url": live_server.url,
            }
        ]
    )


def next_page(page: Page) -> None:
    page.get_by_role("button", name="次へ", exact=True).click()


def sign_and_check_receipt(page: Page, procedure_name: str) -> str:
    expect(page.get_by_role("heading", level=1)).to_have_text("入力内容を確認してください")
    assert_accessible(page)
    page.get_by_role("link", name="電子署名をして送信する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("電子署名をして送信してください")
    assert_accessible(page)
    page.get_by_label("署名用電子証明書の暗証番号（英数字6〜16文字）").fill(SIGN_PIN)
    page.get_by_role("button", name="署名して送信する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("申請を受け付けました")
    assert_accessible(page)
    application = Application.objects.get(procedure_name=procedure_name)
    expect(page.locator(".receipt-number")).to_have_text(application.receipt_number)
    page.get_by_role("link", name="申請の状況を見る").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("申請の状況")
    expect(page.get_by_text("到達（受付番号発行済み）").first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="申請の一覧に戻る").click()
    expect(page.get_by_role("cell", name=application.receipt_number)).to_be_visible()
    assert_accessible(page)
    # Starting the same procedure again points to the application already on file.
    page.goto(f"/apply/{application.procedure_code}/")
    expect(
        page.get_by_role("link", name=f"受付番号 {application.receipt_number}", exact=False)
    ).to_be_visible()
    assert_accessible(page)
    return application.receipt_number


def test_pregnancy_notification_journey(page: Page, live_server: Any, chiyoda: Any) -> None:
    world = make_world(chiyoda)
    identity, _card = card_identity(world.wife)
    resident_login(page, live_server, identity)
    page.set_viewport_size(PHONE)  # residents mostly apply on a phone (UX.md)

    page.goto("/apply/pregnancy_notification/")
    expect(page.get_by_role("heading", level=1)).to_have_text("妊娠の届出")
    assert_accessible(page)
    page.get_by_role("button", name="申請を始める").click()

    expect(page.get_by_text("1 / ")).to_be_visible()
    next_page(page)  # nothing chosen: the error summary names the field
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("妊婦本人").check()
    next_page(page)

    expect(page.get_by_text("マイナンバーカードから入力済み").first).to_be_visible()
    expect(page.get_by_label("氏名", exact=False).first).to_have_value("山田　花子")
    assert_accessible(page)
    next_page(page)
    assert_accessible(page)  # address: prefilled from the card and the office
    next_page(page)
    page.get_by_label("電話番号").fill("03-1234-5678")
    assert_accessible(page)
    next_page(page)
    page.locator('[name="mother.occupation"]').select_option("employee")
    assert_accessible(page)
    next_page(page)
    page.locator('[name="pregnancy.weeks"]').fill("9")
    page.locator('[name="pregnancy.due_on"]').fill((dt.date.today() + dt.timedelta(days=200)).isoformat())
    page.locator('[name="pregnancy.fetus_count"]').fill("1")
    assert_accessible(page)
    next_page(page)
    page.locator('[name="diagnosis.confirmed"][value="true"]').check()
    next_page(page)  # the institution question appears once 「はい」 is chosen
    page.locator('[name="diagnosis.institution"]').fill("千代田レディースクリニック")
    assert_accessible(page)
    next_page(page)
    page.locator('[name="health.std_tb_check"][value="yes"]').check()
    assert_accessible(page)
    next_page(page)
    page.locator('[name="interview.preference"][value="counter"]').check()
    assert_accessible(page)
    next_page(page)
    page.locator('[name="declaration.truthful"]').check()
    assert_accessible(page)
    next_page(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("書類を添付してください")
    assert_accessible(page)
    page.get_by_role("button", name="入力内容の確認へ進む").click()
    sign_and_check_receipt(page, "妊娠の届出")


def test_child_allowance_journey(page: Page, live_server: Any, chiyoda: Any) -> None:
    world = make_world(chiyoda)
    identity, _card = card_identity(world.head)
    resident_login(page, live_server, identity)

    page.goto("/apply/child_allowance_certification/")
    assert_accessible(page)
    page.get_by_role("button", name="申請を始める").click()
    expect(page.get_by_text("マイナンバーカードから入力済み").first).to_be_visible()
    assert_accessible(page)
    next_page(page)
    expect(page.get_by_text("市区町村の記録から入力済み").first).to_be_visible()  # postal code
    assert_accessible(page)
    next_page(page)
    page.get_by_label("電話番号").fill("090-1234-5678")
    next_page(page)
    page.locator('[name="claim.reason"][value="moving_in"]').check()
    page.locator('[name="claim.event_on"]').fill((dt.date.today() - dt.timedelta(days=3)).isoformat())
    assert_accessible(page)
    next_page(page)
    page.locator('[name="applicant.is_public_servant"][value="false"]').check()
    page.locator('[name="applicant.pension"][value="employees_pension"]').check()
    assert_accessible(page)
    next_page(page)
    page.locator('[name="spouse.exists"][value="true"]').check()
    next_page(page)
    page.locator('[name="spouse.name"]').fill("山田　花子")
    page.locator('[name="spouse.name_kana"]').fill("やまだ　はなこ")
    page.locator('[name="spouse.birth_date"]').fill("平成2年3月15日")
    page.locator('[name="spouse.lives_together"][value="true"]').check()
    page.locator('[name="spouse.pension"][value="national_pension"]').check()
    assert_accessible(page)
    next_page(page)
    page.locator('[name="claim.is_main_earner"][value="true"]').check()
    next_page(page)
    # The children of the household arrive from the office answers; the resident confirms each.
    expect(page.get_by_text("児童（2人目）").first).to_be_visible()
    expect(page.locator('[name="children.0.name"]')).to_have_value("山田　一郎")
    page.locator('[name="children.0.is_cared_for"][value="true"]').check()
    page.locator('[name="children.1.is_cared_for"][value="true"]').check()
    assert_accessible(page)
    next_page(page)
    page.locator('[name="children_apart_exists"][value="false"]').check()
    next_page(page)
    page.locator('[name="older_children_exists"][value="false"]').check()
    next_page(page)
    page.locator('[name="payment.method"][value="public_fund_account"]').check()
    assert_accessible(page)
    next_page(page)
    page.locator('[name="declaration.public_records_consent"]').check()
    page.locator('[name="declaration.truthful"]').check()
    assert_accessible(page)
    next_page(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("書類を添付してください")
    assert_accessible(page)
    page.get_by_role("button", name="入力内容の確認へ進む").click()
    sign_and_check_receipt(page, "児童手当等の受給資格及び児童手当の額についての認定請求")
