"""Resident journeys in a real browser: 要介護・要支援認定の申請 and 罹災証明書の発行申請 — prefilled form →
required attachments → review → signed submit → receipt → status (axe-core WCAG 2.2 A/AA on every page)."""

from __future__ import annotations

import datetime as dt
import io
import struct
import zlib
from typing import Any, cast

from playwright.sync_api import FilePayload, Page, ViewportSize, expect
from pypdf import PdfWriter

from madoguchi.benefits.services import record_care_qualification
from madoguchi.intake.models import Application, ApplicationStatus
from madoguchi.intake.tests.helpers import SIGN_PIN, card_identity, make_world

from .conftest import PHONE, assert_accessible
from .test_intake_journey import next_page, resident_login


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def tiny_png() -> bytes:
    """A complete, decodable 1×1 white PNG (IHDR, IDAT, IEND with correct CRCs)."""
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1×1, 8-bit RGB
    pixels = zlib.compress(b"\x00\xff\xff\xff")  # filter byte + one white pixel
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", pixels)
        + _png_chunk(b"IEND", b"")
    )


def tiny_pdf() -> bytes:
    """A one-page blank A4 PDF written by pypdf (a real document, not only a magic number)."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def upload_on_attachments_page(page: Page, code: str, filename: str, mime_type: str, content: bytes) -> None:
    """Attach one file in the row of attachment `code` on 「書類を添付してください」 and check it is listed."""
    row = page.locator("section.card", has=page.locator(f"#att-{code}"))
    expect(row.locator(".required")).to_have_text("（必須）")
    row.locator(f"#file-{code}").set_input_files(
        files=[FilePayload(name=filename, mimeType=mime_type, buffer=content)]
    )
    row.get_by_role("button", name="添付する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("書類を添付してください")
    expect(page.get_by_role("button", name=f"{filename}を削除")).to_be_visible()
    assert_accessible(page)


def sign_and_check_status(page: Page, procedure_name: str, filenames: list[str]) -> Application:
    """Review → sign with the PIN → receipt with its number → status page shows the application as received."""
    expect(page.get_by_role("heading", level=1)).to_have_text("入力内容を確認してください")
    expect(page.get_by_role("alert")).to_have_count(0)  # no intake problem left before signing
    attached = page.locator('section[aria-labelledby="sec-attachments"] li')
    expect(attached).to_have_count(len(filenames))
    for filename in filenames:
        expect(attached.filter(has_text=filename)).to_have_count(1)
    assert_accessible(page)
    page.get_by_role("link", name="電子署名をして送信する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("電子署名をして送信してください")
    assert_accessible(page)
    page.get_by_label("署名用電子証明書の暗証番号（英数字6〜16文字）").fill(SIGN_PIN)
    page.get_by_role("button", name="署名して送信する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("申請を受け付けました")
    assert_accessible(page)
    application = Application.objects.get(procedure_name=procedure_name)
    assert application.status == ApplicationStatus.RECEIVED
    assert application.receipt_number
    expect(page.locator(".receipt-number")).to_have_text(application.receipt_number)
    page.get_by_role("link", name="申請の状況を見る").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("申請の状況")
    facts = page.locator("dl.facts")
    expect(facts.locator("dd").first).to_have_text(application.receipt_number)
    expect(facts).to_contain_text(procedure_name)
    expect(facts).to_contain_text("受付")
    expect(page.get_by_text("到達（受付番号発行済み）").first).to_be_visible()
    assert_accessible(page)
    return application


def test_care_needs_certification_journey(
    page: Page, live_server: Any, chiyoda: Any, make_staff: Any
) -> None:
    """山田 太郎 (41, 第2号被保険者 with a 被保険者証 issued earlier) applies for himself; his insured number comes
    prefilled from the municipality's 介護保険 records and the health-insurance proof is required."""
    world = make_world(chiyoda)
    qualification = record_care_qualification(
        actor=make_staff(chiyoda),
        resident_id=world.head.pk,
        category="2",
        acquired_on=dt.date(2025, 5, 9),  # reached 40 (the day before the 40th birthday)
        acquisition_reason="reached_age",
    )
    identity, _card = card_identity(world.head)
    resident_login(page, live_server, identity)
    page.set_viewport_size(cast(ViewportSize, PHONE))

    page.goto("/apply/care_needs_certification/")
    expect(page.get_by_role("heading", level=1)).to_have_text("要介護・要支援認定の申請")
    assert_accessible(page)
    page.get_by_role("button", name="申請を始める").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("申請するのはどなたですか")
    next_page(page)  # nothing chosen: the error summary names the field
    expect(page.get_by_role("alert")).to_contain_text("申請する人")
    assert_accessible(page)
    page.get_by_label("被保険者本人").check()
    next_page(page)

    expect(page.get_by_text("マイナンバーカードから入力済み").first).to_be_visible()
    expect(page.locator('[name="applicant.name"]')).to_have_value("山田　太郎")
    expect(page.locator('[name="applicant.name_kana"]')).to_have_value("ヤマダ　タロウ")
    assert_accessible(page)
    next_page(page)
    expect(page.locator('[name="applicant.postal_code"]')).to_have_value("100-0001")
    expect(page.get_by_text("市区町村の記録から入力済み").first).to_be_visible()
    assert_accessible(page)
    next_page(page)
    page.get_by_label("電話番号").fill("090-1234-5678")
    assert_accessible(page)
    next_page(page)

    # 本人 applies: the relationship and insured-person pages are skipped.
    expect(page.get_by_role("heading", level=1)).to_have_text("被保険者の区分と番号を入力してください")
    number = page.locator('[name="insured.insured_number"]')
    expect(number).to_have_value(qualification.insured_number)
    expect(page.get_by_text("市区町村の記録から入力済み")).to_be_visible()
    page.get_by_label("第2号被保険者（40歳から64歳で医療保険に加入）").check()
    assert_accessible(page)
    next_page(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("医療保険と特定疾病について教えてください")
    page.locator('[name="insured.health_insurer"]').fill("全国健康保険協会東京支部")
    page.locator('[name="insured.health_insurance_number"]').fill("12345678・90")
    page.locator('[name="insured.specified_disease"]').select_option("cerebrovascular_disease")
    assert_accessible(page)
    next_page(page)
    page.get_by_label("自宅").check()
    assert_accessible(page)
    next_page(page)
    page.locator('[name="doctor.name"]').fill("佐藤　一郎")
    page.locator('[name="doctor.institution"]').fill("千代田中央病院")
    page.locator('[name="doctor.address"]').fill("東京都千代田区千代田2-2")
    page.locator('[name="doctor.phone"]').fill("03-1111-2222")
    assert_accessible(page)
    next_page(page)
    page.locator('[name="survey.contact_name"]').fill("山田　花子")
    page.locator('[name="survey.contact_phone"]').fill("090-8765-4321")
    page.locator('[name="survey.preferred_times"]').fill("平日の午前中")
    assert_accessible(page)
    next_page(page)
    page.locator('[name="situation.description"]').fill(
        "脳梗塞の後、一人で入浴や階段の昇り降りができません。"
    )
    page.get_by_label("通所介護（デイサービス）").check()
    assert_accessible(page)
    next_page(page)
    page.locator('[name="declaration.information_consent"]').check()
    page.locator('[name="declaration.truthful"]').check()
    assert_accessible(page)
    next_page(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("書類を添付してください")
    assert_accessible(page)
    upload_on_attachments_page(page, "health_insurance_proof", "shikaku.pdf", "application/pdf", tiny_pdf())
    page.get_by_role("button", name="入力内容の確認へ進む").click()
    application = sign_and_check_status(page, "要介護・要支援認定の申請", ["shikaku.pdf"])
    assert application.answers["insured"]["category"] == "secondary"
    assert application.answers["insured"]["insured_number"] == qualification.insured_number
    assert [a.attachment_code for a in application.attachments.all()] == ["health_insurance_proof"]


def test_disaster_damage_certificate_journey(page: Page, live_server: Any, chiyoda: Any) -> None:
    """The head of the Yamada household, in a rented home flooded above the floor, applies with photos."""
    world = make_world(chiyoda)
    identity, _card = card_identity(world.head)
    resident_login(page, live_server, identity)

    page.goto("/apply/disaster_damage_certificate/")
    expect(page.get_by_role("heading", level=1)).to_have_text("罹災証明書の発行申請")
    assert_accessible(page)
    page.get_by_role("button", name="申請を始める").click()

    # The office says he is the head of household, so that answer arrives already chosen.
    expect(page.get_by_label("被災した住家に住む世帯の世帯主")).to_be_checked()
    expect(page.get_by_text("市区町村の記録から入力済み").first).to_be_visible()
    assert_accessible(page)
    next_page(page)
    expect(page.get_by_text("マイナンバーカードから入力済み").first).to_be_visible()
    expect(page.locator('[name="applicant.name"]')).to_have_value("山田　太郎")
    assert_accessible(page)
    next_page(page)
    assert_accessible(page)
    next_page(page)
    page.get_by_label("電話番号").fill("090-1234-5678")
    assert_accessible(page)
    next_page(page)

    # 世帯主 applies: the household-head page is skipped.
    expect(page.get_by_role("heading", level=1)).to_have_text("どの災害で被害を受けましたか")
    page.locator('[name="disaster.name"]').fill("大雨")
    page.locator('[name="disaster.cause"]').select_option("flood")
    page.locator('[name="disaster.occurred_on"]').fill((dt.date.today() - dt.timedelta(days=5)).isoformat())
    assert_accessible(page)
    next_page(page)
    page.locator('[name="property.kind"][value="dwelling"]').check()
    page.locator('[name="property.same_as_applicant"][value="true"]').check()
    page.locator('[name="property.ownership"][value="rented"]').check()
    page.locator('[name="property.structure"]').select_option("wooden")
    page.locator('[name="property.floors"]').fill("2")
    next_page(page)  # the owner's name is asked once 「賃貸」 is chosen
    expect(page.get_by_role("alert")).to_be_visible()
    page.locator('[name="property.owner_name"]').fill("千代田不動産株式会社")
    assert_accessible(page)
    next_page(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("被害の状況を教えてください")
    page.get_by_label("内壁・天井・床").check()
    page.get_by_label("設備（台所・浴室・トイレ）").check()
    page.locator('[name="damage.description"]').fill("1階の床上まで水につかり、畳と床板が傷みました。")
    page.locator('[name="damage.flooding"][value="above_floor"]').check()
    page.locator('[name="damage.self_assessment"][value="false"]').check()
    next_page(page)  # the depth is asked once 「床上浸水」 is chosen
    page.locator('[name="damage.flood_depth_cm"]').fill("30")
    assert_accessible(page)
    next_page(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("被害の写真を添付してください")
    next_page(page)  # no photo: the required file field is named in the error summary
    expect(page.get_by_role("alert")).to_contain_text("被害の写真")
    assert_accessible(page)
    page.locator('[name="damage.photos"]').set_input_files(
        files=[FilePayload(name="higai.png", mimeType="image/png", buffer=tiny_png())]
    )
    next_page(page)
    page.locator('[name="whereabouts.kind"][value="home"]').check()
    page.locator('[name="certificate.copies"]').fill("2")
    assert_accessible(page)
    next_page(page)
    page.locator('[name="declaration.ledger_consent"]').check()
    page.locator('[name="declaration.truthful"]').check()
    assert_accessible(page)
    next_page(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("書類を添付してください")
    expect(page.get_by_role("button", name="higai.pngを削除")).to_be_visible()  # the photo from its page
    assert_accessible(page)
    upload_on_attachments_page(page, "lease_contract", "keiyaku.pdf", "application/pdf", tiny_pdf())
    page.get_by_role("button", name="入力内容の確認へ進む").click()
    application = sign_and_check_status(page, "罹災証明書の発行申請", ["higai.png", "keiyaku.pdf"])
    assert application.answers["damage"]["flood_depth_cm"] == 30
    assert sorted(a.attachment_code for a in application.attachments.all()) == [
        "damage_photos",
        "lease_contract",
    ]
