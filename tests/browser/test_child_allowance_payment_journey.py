"""児童手当 from the application to the bank file, in a real browser: the resident applies with a bank account →
a reviewer proposes, an approver approves (the existing casework flow) → the recipient appears → a payment run for
the recipient's first payment month (the next even month that pays) → the 全銀 file downloads and parses back to the
right amount (axe-core WCAG 2.2 A/AA on every page visited)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from madoguchi.benefits.models import ChildAllowanceRecipient, PaymentRun
from madoguchi.benefits.rules import child_allowance as rules
from madoguchi.benefits.zengin import parse_transfer_file
from madoguchi.casework.models import Case
from madoguchi.casework.tests.helpers import pull_all
from madoguchi.intake.tests.helpers import card_identity, make_world

from .conftest import assert_accessible, office_login
from .test_intake_journey import next_page, resident_login, sign_and_check_receipt
from .test_intake_journeys_more import tiny_pdf, upload_on_attachments_page


def _apply_with_bank_account(page: Page) -> None:
    page.goto("/apply/child_allowance_certification/")
    page.get_by_role("button", name="申請を始める").click()
    next_page(page)
    next_page(page)
    page.get_by_label("電話番号").fill("090-1234-5678")
    next_page(page)
    page.locator('[name="claim.reason"][value="moving_in"]').check()
    page.locator('[name="claim.event_on"]').fill((dt.date.today() - dt.timedelta(days=3)).isoformat())
    next_page(page)
    page.locator('[name="applicant.is_public_servant"][value="false"]').check()
    page.locator('[name="applicant.pension"][value="employees_pension"]').check()
    next_page(page)
    page.locator('[name="spouse.exists"][value="true"]').check()
    next_page(page)
    page.locator('[name="spouse.name"]').fill("山田　花子")
    page.locator('[name="spouse.name_kana"]').fill("やまだ　はなこ")
    page.locator('[name="spouse.birth_date"]').fill("平成2年3月15日")
    page.locator('[name="spouse.lives_together"][value="true"]').check()
    page.locator('[name="spouse.pension"][value="national_pension"]').check()
    next_page(page)
    page.locator('[name="claim.is_main_earner"][value="true"]').check()
    next_page(page)
    page.locator('[name="children.0.is_cared_for"][value="true"]').check()
    page.locator('[name="children.1.is_cared_for"][value="true"]').check()
    next_page(page)
    page.locator('[name="children_apart_exists"][value="false"]').check()
    next_page(page)
    page.locator('[name="older_children_exists"][value="false"]').check()
    next_page(page)
    page.locator('[name="payment.method"][value="bank_account"]').check()
    next_page(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("振込先の口座を入力してください")
    page.locator('[name="payment.bank_account.bank_code"]').fill("0009")
    page.locator('[name="payment.bank_account.bank_name"]').fill("三井住友銀行")
    page.locator('[name="payment.bank_account.branch_code"]').fill("123")
    page.locator('[name="payment.bank_account.branch_name"]').fill("新宿支店")
    page.locator('[name="payment.bank_account.account_type"]').select_option("ordinary")
    page.locator('[name="payment.bank_account.account_number"]').fill("7654321")
    page.locator('[name="payment.bank_account.holder_kana"]').fill("ヤマダ　タロウ")
    assert_accessible(page)
    next_page(page)
    page.locator('[name="declaration.public_records_consent"]').check()
    page.locator('[name="declaration.truthful"]').check()
    next_page(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("書類を添付してください")
    upload_on_attachments_page(page, "account_proof", "tsucho.pdf", "application/pdf", tiny_pdf())
    page.get_by_role("button", name="入力内容の確認へ進む").click()
    sign_and_check_receipt(page, "児童手当等の受給資格及び児童手当の額についての認定請求")


def _act(page: Page, link: str, button: str) -> None:
    page.get_by_role("link", name=link, exact=True).click()
    assert_accessible(page)
    page.get_by_role("button", name=button, exact=True).click()
    expect(page.get_by_role("status").first).to_be_visible()


def test_application_to_payment_file(page: Page, live_server: Any, chiyoda: Any, make_staff: Any) -> None:
    world = make_world(chiyoda)
    identity, _card = card_identity(world.head)
    resident_login(page, live_server, identity)
    _apply_with_bank_account(page)
    page.context.clear_cookies()

    pull_all()
    case = Case.objects.get()
    reviewer = make_staff(chiyoda, "reviewer")
    approver = make_staff(chiyoda, "approver")
    office_login(page, reviewer)
    page.goto(f"/office/cases/{case.pk}/")
    _act(page, "担当する", "担当者になる")
    _act(page, "受け付ける", "受け付ける")
    _act(page, "審査を開始する", "審査を開始する")
    page.get_by_role("link", name="決定案を起案する", exact=True).click()
    page.get_by_label("認定・承認").check()
    page.get_by_label("決定案の理由").fill("支給要件をすべて満たしています。")
    page.get_by_role("button", name="起案して決裁に回す").click()
    expect(page.get_by_role("heading", name="決裁中の起案")).to_be_visible()
    page.get_by_role("button", name="ログアウト").click()

    office_login(page, approver)
    page.goto(f"/office/cases/{case.pk}/")
    page.get_by_role("link", name="承認する", exact=True).click()
    page.get_by_role("button", name="承認する", exact=True).click()
    expect(page.get_by_role("link", name="決定通知書（PDF）を開く")).to_be_visible()

    # The recipient appears, with the amounts ahead.
    recipient = ChildAllowanceRecipient.objects.get()
    page.get_by_role("link", name="給付事務").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("給付事務")
    assert_accessible(page)
    page.get_by_role("link", name="児童手当の受給者").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("児童手当の受給者")
    assert_accessible(page)
    page.get_by_role("link", name=recipient.certification_number).click()
    expect(page.get_by_role("heading", name="これからの支払")).to_be_visible()
    assert_accessible(page)

    # The paying account, then the run for the first payment month (preview → confirm → export).
    page.goto("/office/benefits/payments/settings/")
    assert_accessible(page)
    for label, value in (
        ("振込依頼人コード（10桁以内）", "1234567890"),
        ("振込依頼人名（カナ）", "マドグチシ"),
        ("仕向銀行番号（4桁）", "0001"),
        ("仕向銀行名（カナ）", "ミズホ"),
        ("仕向支店番号（3桁）", "001"),
        ("仕向支店名（カナ）", "トウキョウエイギョウブ"),
        ("口座番号（7桁）", "1234567"),
    ):
        page.get_by_label(label).fill(value)
    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("児童手当の支払")

    payment_month = rules.payment_month_for(recipient.start_month)
    children = [rules.ChildInput(c.birth_date) for c in recipient.children.order_by("position")]
    expected = sum(rules.quote(m, children).total_monthly_yen for m in rules.covered_months(payment_month))
    assert expected > 0
    page.get_by_role("link", name="支払データを作成する", exact=False).click()
    page.get_by_label("支払月", exact=True).fill(f"{payment_month:%Y-%m}")
    page.get_by_role("button", name="支払う内容を確認する").click()
    expect(page.get_by_role("cell", name=recipient.certification_number)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="支払データを作成する").click()
    expect(page.get_by_role("heading", name="振込保留の受給者")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="全銀ファイルを出力する").click()
    expect(page.get_by_role("status").first).to_contain_text("出力しました")
    assert_accessible(page)

    with page.expect_download() as info:
        page.get_by_role("link", name="全銀ファイル（総合振込）をダウンロード").click()
    data = Path(info.value.path()).read_bytes()
    run = PaymentRun.objects.get()
    assert run.status == "exported" and run.total_yen == expected
    parsed = parse_transfer_file(data, year=payment_month.year)
    [group] = parsed.groups
    [transfer] = group.transfers
    assert transfer.amount_yen == expected == group.total_yen
    assert transfer.holder_name == "ﾔﾏﾀﾞ ﾀﾛｳ" and transfer.account_number == "7654321"
