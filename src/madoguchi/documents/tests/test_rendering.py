from __future__ import annotations

import base64
import io
import logging
import re
from pathlib import Path
from typing import cast

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject, StreamObject

from madoguchi.documents.qr import qr_png_data_uri
from madoguchi.documents.rendering import (
    DEFAULT_STYLESHEET,
    OfficialURLFetcher,
    default_stylesheet,
    font_supports_sequence,
    render_pdf,
)

KUZU = "葛"  # U+845B
TSUJI = "辻"  # U+8FBB
VS17 = "\U000e0100"  # Adobe-Japan1 collection: 葛󠄀 (ヒ form) / 辻󠄀
VS19 = "\U000e0102"  # Moji_Joho collection: 葛 + U+E0102 = MJ022335 in IPAmj明朝

A4_POINTS = (595.28, 841.89)


def _fonts(pdf: bytes) -> dict[str, DictionaryObject]:
    """BaseFont name (subset prefix removed) → font dictionary, over all pages."""
    fonts: dict[str, DictionaryObject] = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources = cast(DictionaryObject, page["/Resources"])
        for reference in cast(DictionaryObject, resources["/Font"]).values():
            font = cast(DictionaryObject, reference.get_object())
            fonts[str(font["/BaseFont"]).split("+", 1)[-1]] = font
    return fonts


def _codes_for(font: DictionaryObject, text: str) -> set[str]:
    """The glyph codes whose ToUnicode entry is exactly `text` (as UTF-16BE hex)."""
    cmap = cast(StreamObject, font["/ToUnicode"].get_object()).get_data().decode("ascii")
    target = text.encode("utf-16-be").hex()
    return {code for code, uni in re.findall(r"<([0-9a-f]+)>\s*<([0-9a-f]+)>", cmap) if uni == target}


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_default_stylesheet_is_packaged_and_sets_fonts() -> None:
    css = default_stylesheet()
    assert DEFAULT_STYLESHEET == "static_css/official.css"
    assert "size: A4" in css
    assert '"IPAmjMincho"' in css
    assert '"BIZ UDGothic"' in css


def test_page_is_a4_and_stylesheets_apply_after_the_default(unsigned_pdf: bytes) -> None:
    box = PdfReader(io.BytesIO(unsigned_pdf)).pages[0].mediabox
    assert (round(float(box.width), 2), round(float(box.height), 2)) == A4_POINTS
    a5 = render_pdf("<p>テスト</p>", stylesheets=["@page { size: A5 }"])
    box = PdfReader(io.BytesIO(a5)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (420, 595)


def test_names_use_ipamj_and_body_uses_biz_ud(unsigned_pdf: bytes) -> None:
    fonts = _fonts(unsigned_pdf)
    assert "IPAmjMincho" in fonts
    assert "BIZ-UDGothic" in fonts  # body text
    assert "BIZ-UDMincho" in fonts  # certification sentence
    text = _text(unsigned_pdf)
    assert "髙橋 﨑子" in text  # 異体字 kept, not folded to 高/崎
    assert "窓口市本町一丁目2番3号" in text
    assert "この写しは、住民票の原本と相違ないことを証明する。" in text


def test_font_tables_know_which_collection_has_which_sequence() -> None:
    assert font_supports_sequence("IPAmjMincho", KUZU, VS19)
    assert not font_supports_sequence("IPAmjMincho", KUZU, VS17)
    assert font_supports_sequence("Noto Serif CJK JP", KUZU, VS17)
    assert font_supports_sequence("Noto Serif CJK JP", TSUJI, VS17)
    assert not font_supports_sequence("No Such Font", KUZU, VS17)


def test_ivs_sequences_print_their_own_glyphs() -> None:
    html = (
        '<p class="name">'
        f"{KUZU}飾 {KUZU}{VS19}城 {KUZU}{VS17}西 {TSUJI}{VS17}本 髙橋 山﨑"
        "</p>"
        # Outside .name (body font BIZ UD has no IVS): the renderer must still pin the right font.
        f"<p>本文中の{KUZU}{VS19}</p>"
    )
    pdf = render_pdf(html)
    fonts = _fonts(pdf)

    ipamj = fonts["IPAmjMincho"]
    plain = _codes_for(ipamj, KUZU)
    moji_joho = _codes_for(ipamj, KUZU + VS19)
    assert len(plain) == 1 and len(moji_joho) == 1
    assert plain != moji_joho  # a different glyph, not the default 葛

    # Adobe-Japan1 sequences are not in IPAmj明朝; they are set in Noto Serif CJK JP, which has them.
    noto = fonts["Noto-Serif-CJK-JP"]
    assert _codes_for(noto, KUZU + VS17)
    assert _codes_for(noto, TSUJI + VS17)
    assert not _codes_for(ipamj, KUZU + VS17)

    text = _text(pdf)
    assert f"{KUZU}{VS19}城" in text
    assert f"{KUZU}{VS17}西" in text
    assert f"{TSUJI}{VS17}本" in text
    assert "髙橋 山﨑" in text
    assert f"本文中の{KUZU}{VS19}" in text


def test_ivs_in_attributes_scripts_and_svg_is_left_alone() -> None:
    html = (
        f'<p title="{KUZU}{VS19}">氏名</p>'
        f"<style>/* {KUZU}{VS19} */</style>"
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><title>{KUZU}{VS19}</title>'
        '<rect width="10" height="10"/></svg>'
        f"<p>{KUZU}{VS19}</p>"
    )
    pdf = render_pdf(html)
    assert f"{KUZU}{VS19}" in _text(pdf)


def test_unsupported_sequence_is_rendered_with_the_base_character(caplog: pytest.LogCaptureFixture) -> None:
    # U+4E00 with VS256 is not a registered sequence in any installed font.
    with caplog.at_level(logging.WARNING, logger="madoguchi.documents.rendering"):
        pdf = render_pdf("<p>一\U000e01ef二</p>")
    assert "一" in _text(pdf)
    assert "no installed font has the variation sequence U+4E00 U+E01EF" in caplog.text


def test_fetcher_allows_data_and_local_files_below_base_only(tmp_path: Path) -> None:
    (tmp_path / "inside.css").write_text("p { color: red }", encoding="utf-8")
    outside = tmp_path.parent / "outside.txt"
    outside.write_text("secret", encoding="utf-8")
    fetcher = OfficialURLFetcher(str(tmp_path))
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"
    response = fetcher.fetch((tmp_path / "inside.css").as_uri())
    assert response.read() == b"p { color: red }"
    response.close()
    for url in (
        outside.as_uri(),
        "file:///etc/passwd",
        "http://127.0.0.1:9/x.png",
        "https://example.com/a.css",
    ):
        with pytest.raises(ValueError, match="not allowed"):
            fetcher.fetch(url)
    with pytest.raises(ValueError, match="not allowed"):
        OfficialURLFetcher(None).fetch((tmp_path / "inside.css").as_uri())


def test_remote_resources_are_not_fetched_during_rendering(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = render_pdf('<p>画像</p><img src="http://127.0.0.1:9/logo.png" alt="ロゴ">')
    assert "画像" in _text(pdf)
    assert "not allowed in an official document" in caplog.text


def test_local_image_below_base_url_is_embedded(tmp_path: Path) -> None:
    (tmp_path / "qr.png").write_bytes(
        base64.b64decode(qr_png_data_uri("https://example.jp/").split(",", 1)[1])
    )
    pdf = render_pdf('<img src="qr.png" alt="QR">', base_url=str(tmp_path))
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert len(page.images) == 1


def test_pdf_a_variant_is_passed_through() -> None:
    pdf = render_pdf("<p>保存用</p>", pdf_variant="pdf/a-2b")
    reader = PdfReader(io.BytesIO(pdf))
    catalog = cast(DictionaryObject, reader.trailer["/Root"])
    assert "/OutputIntents" in catalog
    assert b"pdfaid" in cast(StreamObject, catalog["/Metadata"].get_object()).get_data()
