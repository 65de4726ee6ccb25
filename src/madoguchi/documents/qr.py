"""QR codes printed on official documents, pointing at the document's verification page.

Error correction level M (segno may raise it when the symbol has room) survives the smudges and folds of a
printed A4 sheet while keeping a verification URL in a small symbol.
"""

from __future__ import annotations

import html
import io

import segno

__all__ = ["DEFAULT_LABEL", "qr_png_data_uri", "qr_svg"]

DEFAULT_LABEL = "この文書の真正性を確認するページのQRコード"


def qr_svg(url: str, *, label: str = DEFAULT_LABEL, scale: int = 4) -> str:
    """Inline SVG of a QR code for `url`, with a <title> and ``role="img"``/``aria-label`` for screen readers."""
    qr = _make(url)
    buffer = io.BytesIO()
    # omitsize: emit a viewBox instead of width/height so CSS decides the printed size.
    qr.save(
        buffer,
        kind="svg",
        xmldecl=False,
        svgns=True,
        nl=False,
        scale=scale,
        border=4,
        omitsize=True,
        title=label,
        svgclass="qr-code",
        lineclass=None,
    )
    svg = buffer.getvalue().decode("utf-8")
    if not svg.startswith("<svg"):
        raise RuntimeError("unexpected SVG output from segno")
    return f'<svg role="img" aria-label="{html.escape(label, quote=True)}"' + svg[len("<svg") :]


def qr_png_data_uri(url: str, *, scale: int = 4) -> str:
    """A ``data:image/png;base64,…`` URI of a QR code for `url` (for ``<img>``; give it an ``alt`` text)."""
    return str(_make(url).png_data_uri(scale=scale, border=4))


def _make(url: str) -> segno.QRCode:
    if not isinstance(url, str) or not url.strip():
        raise ValueError("a QR code needs a non-empty URL")
    return segno.make_qr(url, error="m")
