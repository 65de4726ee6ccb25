from __future__ import annotations

import base64
import io
import xml.etree.ElementTree as ET

import pytest
import segno
from pypdf import PdfReader

from madoguchi.documents.qr import DEFAULT_LABEL, qr_png_data_uri, qr_svg
from madoguchi.documents.rendering import render_pdf

SVG_NS = "{http://www.w3.org/2000/svg}"
URL = "https://madoguchi.example.jp/documents/verify/01HZX3Q7R5?c=131016"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 -- our own generated SVG, not untrusted input


def test_svg_is_accessible_and_scalable() -> None:
    svg = qr_svg(URL)
    root = _parse(svg)
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("role") == "img"
    assert root.get("aria-label") == DEFAULT_LABEL
    title = root.find(f"{SVG_NS}title")
    assert title is not None and title.text == DEFAULT_LABEL
    # Sized by CSS: a viewBox of (21 + 4·version modules + 2·4 quiet zone) × scale 4, no fixed width/height.
    modules = segno.make_qr(URL, error="m").symbol_size(scale=1, border=4)[0]
    assert root.get("viewBox") == f"0 0 {modules * 4} {modules * 4}"
    assert root.get("width") is None


def test_svg_label_is_escaped() -> None:
    label = '確認 <用> & "QR"'
    root = _parse(qr_svg(URL, label=label))
    assert root.get("aria-label") == label
    title = root.find(f"{SVG_NS}title")
    assert title is not None and title.text == label


def test_svg_encodes_the_url() -> None:
    # The drawn path must match segno's own rendering of the same URL (same data, same error level).
    ours = _parse(qr_svg(URL))
    reference = _parse(segno.make_qr(URL, error="m").svg_inline(scale=4, border=4))
    path, ref_path = ours.find(f"{SVG_NS}path"), reference.find("path")
    assert path is not None and ref_path is not None
    assert path.get("d") == ref_path.get("d")
    other = _parse(qr_svg(URL + "x")).find(f"{SVG_NS}path")
    assert other is not None and other.get("d") != path.get("d")


def test_png_data_uri() -> None:
    uri = qr_png_data_uri(URL)
    prefix, payload = uri.split(",", 1)
    assert prefix == "data:image/png;base64"
    assert base64.b64decode(payload)[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("bad", ["", "   "])
def test_empty_url_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        qr_svg(bad)
    with pytest.raises(ValueError):
        qr_png_data_uri(bad)


def test_qr_renders_inside_an_official_document() -> None:
    html = f'<div class="verification">{qr_svg(URL)}<p class="verification-url">{URL}</p></div>'
    pdf = render_pdf(html)
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert URL in page.extract_text().replace("\n", "")
    content = page.get_contents()
    assert content is not None
    # The QR modules are drawn as vector strokes (WeasyPrint turns the SVG path into PDF path operators).
    assert content.get_data().count(b" l") + content.get_data().count(b" m") > 50
