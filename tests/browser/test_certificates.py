"""Certificate journey in a real browser: clerk issues a 住民票の写し, downloads the signed PDF, and anyone verifies it
on the public page (axe on every page)."""

from __future__ import annotations

import io
from pathlib import Path

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from madoguchi.registry.tests.factories import load_residents

from .conftest import assert_accessible, office_login


def test_clerk_issues_certificate_and_public_verifies_it(
    page: Page, make_staff, chiyoda, tmp_path: Path
) -> None:
    people = load_residents(chiyoda, 12)
    person = next(p for p in people if p.status == "current" and p.household_id is not None)
    clerk = make_staff(chiyoda, "counter_clerk")
    office_login(page, clerk)
    assert_accessible(page)

    page.goto(f"/office/residents/{person.pk}/?purpose=certificate_issuance")
    expect(page.get_by_role("heading", level=1)).to_contain_text(person.family_name)
    assert_accessible(page)
    page.get_by_role("link", name="住民票の写しを交付する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("証明書の交付")
    assert_accessible(page)

    page.get_by_label("住民票の写し（世帯連記式）").check()
    page.get_by_label("世帯主の氏名と続柄を記載する").check()
    page.get_by_label("利用目的").select_option("certificate_issuance")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="交付する（PDFをダウンロード）").click()
    download = download_info.value
    saved = tmp_path / "certificate.pdf"
    download.save_as(saved)
    pdf = saved.read_bytes()
    assert pdf.startswith(b"%PDF-")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace(" ", "")
    assert person.family_name in text

    # Anyone (not logged in) verifies the downloaded file on the public page.
    public = page.context.browser.new_context(
        base_url=page.url.split("/office/")[0], bypass_csp=True, locale="ja-JP"
    )
    verifier = public.new_page()
    try:
        verifier.goto("/verify/")
        expect(verifier.get_by_role("heading", level=1)).to_contain_text("文書の真正性の確認")
        assert_accessible(verifier)
        verifier.get_by_label("確認するPDFファイル").set_input_files(str(saved))
        verifier.get_by_role("button", name="確認する", exact=True).click()
        expect(verifier.get_by_role("status").first).to_contain_text("改ざんされていません")
        expect(verifier.get_by_text("住民票の写し（世帯連記式）").first).to_be_visible()
        assert person.family_name not in verifier.content()
        assert_accessible(verifier)

        # The QR code's URL: the document page says the record is intact; a tampered copy is refused.
        public_id = download.suggested_filename.removeprefix("certificate-").removesuffix(".pdf")
        verifier.goto(f"/verify/{public_id}")
        expect(verifier.get_by_role("status").first).to_contain_text("改ざんされていません")
        assert_accessible(verifier)
        tampered = tmp_path / "tampered.pdf"
        data = bytearray(pdf)
        data[200] ^= 0x01
        tampered.write_bytes(bytes(data))
        verifier.get_by_label("確認するPDFファイル").set_input_files(str(tampered))
        verifier.get_by_role("button", name="照合する").click()
        expect(verifier.get_by_role("status").first).to_contain_text("署名後に変更されています")
        assert_accessible(verifier)

        verifier.goto("/verify/AAAAAAAAAAAAAAAAAAAAAA")
        expect(verifier.get_by_role("heading", level=1)).to_contain_text("文書が見つかりません")
        assert_accessible(verifier)
    finally:
        public.close()
