"""Counter mode (書かない窓口) in a real browser: from the resident's record a clerk starts an application, the form
arrives prefilled from the registry, the clerk completes it with the resident, records the identity check, makes
the confirmation sheet (PDF), files it — and the case is in the queue marked 「窓口申請（職員入力）」.
axe-core (WCAG 2.2 A/AA) runs on every page."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import Page, expect

from madoguchi.casework.models import Case
from madoguchi.casework.tests.helpers import make_world
from madoguchi.intake.models import Application

from .conftest import assert_accessible, office_login

PROCEDURE = "受給事由消滅の届出"


def _next(page: Page) -> None:
    page.get_by_role("button", name="次へ").click()


def test_counter_application_from_resident_page_to_the_queue(page: Page, make_staff, chiyoda) -> None:
    world = make_world(chiyoda)
    reviewer = make_staff(chiyoda, "reviewer")  # takes counter applications and works the queue

    office_login(page, reviewer)
    page.goto(f"/office/residents/{world.head.pk}/?purpose=counter_service")
    assert_accessible(page)
    page.get_by_role("link", name="この方の申請を窓口で受け付ける（書かない窓口）").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("窓口で申請を受け付ける")
    assert_accessible(page)
    page.get_by_role("button", name="申請書を作る").click()  # nothing chosen: the error names the field
    expect(page.get_by_role("alert")).to_contain_text("申請する手続を選んでください")
    assert_accessible(page)
    page.get_by_label(PROCEDURE, exact=True).check()
    page.get_by_role("button", name="申請書を作る").click()

    # Prefilled from the registry (same prefill rules as online).
    expect(page.get_by_text("窓口申請（職員入力）").first).to_be_visible()
    expect(page.get_by_label("氏名", exact=False).first).to_have_value("山田　太郎")
    expect(page.get_by_text("市区町村の記録から入力済み").first).to_be_visible()
    assert_accessible(page)
    _next(page)
    assert_accessible(page)
    _next(page)
    page.get_by_label("電話番号", exact=False).fill("0312345678")
    _next(page)
    page.get_by_label("お子さんを養育しなくなった").check()
    page.get_by_label("理由が生じた日", exact=False).fill(
        (timezone.localdate() - dt.timedelta(days=2)).isoformat()
    )
    assert_accessible(page)
    _next(page)
    page.get_by_label("記入した内容に誤りがないことを誓約します").check()
    _next(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("本人確認の記録")
    assert_accessible(page)
    page.get_by_label("その他の本人確認書類を確認した").check()
    page.get_by_label("健康保険の資格確認書・被保険者証").check()
    page.get_by_role("button", name="本人確認を記録する").click()
    expect(page.get_by_role("alert")).to_contain_text("2点")
    assert_accessible(page)
    page.get_by_label("運転免許証").check()
    page.get_by_role("button", name="本人確認を記録する").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("確認票で内容を確認して受け付ける")
    assert_accessible(page)
    page.get_by_role("button", name="申請者が内容を確認しました。受け付ける").click()
    expect(page.get_by_role("alert")).to_contain_text("確認票")  # the sheet comes first
    assert_accessible(page)
    page.get_by_role("button", name="確認票を作成する").click()
    expect(page.get_by_role("status")).to_contain_text("確認票を作成しました")
    assert_accessible(page)
    sheet = page.request.get(
        page.get_by_role("link", name="確認票（PDF）を開く・印刷する").get_attribute("href") or ""
    )
    assert sheet.headers["content-type"] == "application/pdf" and sheet.body().startswith(b"%PDF")
    page.get_by_role("button", name="申請者が内容を確認しました。受け付ける").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("窓口申請を受け付けました")
    assert_accessible(page)
    application = Application.objects.get()
    assert application.is_assisted
    expect(page.get_by_text(application.receipt_number)).to_be_visible()

    page.get_by_role("link", name="申請管理", exact=True).click()
    row = page.get_by_role("row").filter(has_text=application.receipt_number)
    expect(row).to_contain_text("窓口申請（職員入力）")
    assert_accessible(page)
    row.get_by_role("link", name=application.receipt_number).click()
    expect(page.locator(".assisted-banner")).to_contain_text("窓口申請（職員入力）")
    expect(page.get_by_role("heading", name="本人確認の記録")).to_be_visible()
    assert_accessible(page)
    case = Case.objects.get()
    assert case.is_assisted
    assert sorted(case.assistance["identity_documents"]) == ["drivers_license", "health_insurance"]
