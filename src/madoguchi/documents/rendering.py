"""HTML → PDF rendering of official documents with WeasyPrint.

Official documents print names and addresses exactly as registered, including 異体字 written with an Ideographic
Variation Sequence (base character + U+E0100…U+E01EF, registry.md §11). Two IVS collections occur in practice:

* **Moji_Joho** (the 文字情報基盤 / MJ collection used by 標準準拠 systems), carried by IPAmj明朝;
* **Adobe-Japan1** (common in desktop data, e.g. 葛󠄀 U+845B U+E0100, 辻󠄀 U+8FBB U+E0100), carried by Noto CJK.

Font fallback in Pango works per character, not per sequence: a font that has 葛 but not 葛+E0100 silently
prints the default 葛. So before layout every variation sequence is wrapped in a ``<span class="ivs">`` pinned to
the first installed font whose cmap format-14 table has that exact sequence (:data:`IVS_FONT_FAMILIES`). A
sequence no installed font supports is left alone (it prints the base glyph) and logged.

Resources: only ``data:`` URLs and local files under `base_url` (when it is a local path) are fetched; network
URLs are refused, so a template cannot make the renderer reach other hosts.
"""

from __future__ import annotations

import functools
import logging
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import cssselect2
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

__all__ = [
    "DEFAULT_STYLESHEET",
    "IVS_FONT_FAMILIES",
    "OfficialURLFetcher",
    "default_stylesheet",
    "font_supports_sequence",
    "render_pdf",
]

logger = logging.getLogger(__name__)

DEFAULT_STYLESHEET = "static_css/official.css"
"""Path of the default stylesheet inside the ``madoguchi.documents`` package."""

IVS_FONT_FAMILIES: tuple[str, ...] = ("IPAmjMincho", "Noto Serif CJK JP")
"""Fonts tried, in order, for a variation sequence: MJ (Moji_Joho) first, then Adobe-Japan1."""

# A base character followed by one variation selector: VS1–VS16 (standardized variants) or VS17–VS256 (IVS).
_VARIATION_SEQUENCE = re.compile(
    "([^\ufe00-\ufe0f\U000e0100-\U000e01ef])([\ufe00-\ufe0f\U000e0100-\U000e01ef])"
)
_HAS_SELECTOR = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")
# Elements whose text is not laid out as document text.
_SKIP_ELEMENTS = frozenset({"script", "style", "title", "textarea", "template", "head", "meta", "link"})


def default_stylesheet() -> str:
    """The text of the default official-document stylesheet (A4, BIZ UD body, IPAmj明朝 names)."""
    return (
        resources.files("madoguchi.documents")
        .joinpath(*DEFAULT_STYLESHEET.split("/"))
        .read_text(encoding="utf-8")
    )


def render_pdf(
    html: str,
    *,
    base_url: str | None = None,
    stylesheets: Sequence[str] = (),
    pdf_variant: str | None = None,
) -> bytes:
    """Render an HTML document to A4 PDF bytes with the default official stylesheet plus `stylesheets` (CSS text).

    `pdf_variant` is passed to WeasyPrint (e.g. ``"pdf/a-2b"`` for archival copies); the default is plain PDF.
    """
    fetcher = OfficialURLFetcher(base_url)
    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
    # Tagged PDF needs a document language, and "ja" also makes Pango pick Japanese glyph forms.
    document.etree_element.attrib.setdefault("lang", "ja")
    if _HAS_SELECTOR.search(html):
        _pin_variation_sequences(document)
    css = [CSS(string=default_stylesheet(), url_fetcher=fetcher)]
    css += [CSS(string=sheet, base_url=base_url, url_fetcher=fetcher) for sheet in stylesheets]
    pdf = document.write_pdf(stylesheets=css, pdf_variant=pdf_variant, pdf_tags=True)
    if pdf is None:  # only happens when a target file is given
        raise RuntimeError("WeasyPrint returned no PDF")
    return bytes(pdf)


class OfficialURLFetcher(URLFetcher):
    """WeasyPrint URL fetcher that allows ``data:`` URLs and local files under the base directory only."""

    def __init__(self, base_url: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._root = _local_root(base_url)

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        """Fetch `url` if it is a ``data:`` URL or a file under the base directory; refuse anything else."""
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file" and self._root is not None:
            path = Path(url2pathname(urlsplit(url).path)).resolve()
            if path.is_relative_to(self._root):
                return super().fetch(url, headers)
        raise ValueError(f"resource not allowed in an official document: {url[:120]}")


def _local_root(base_url: str | None) -> Path | None:
    if not base_url:
        return None
    parts = urlsplit(base_url)
    if parts.scheme == "file":
        path = Path(url2pathname(parts.path))
    elif parts.scheme and len(parts.scheme) > 1:  # http:, https:, … (a one-letter scheme is a Windows drive)
        return None
    else:
        path = Path(base_url)
    path = path.resolve()
    return path if path.is_dir() else path.parent


# -- IVS font pinning ----------------------------------------------------------------------------------------


def font_supports_sequence(family: str, base: str, selector: str) -> bool:
    """Whether the installed font `family` maps the variation sequence `base`+`selector` (cmap format 14)."""
    return (ord(base), ord(selector)) in _font_sequences(family)


def _family_for_sequence(base: str, selector: str) -> str | None:
    for family in IVS_FONT_FAMILIES:
        if font_supports_sequence(family, base, selector):
            return family
    return None


@functools.cache
def _font_sequences(family: str) -> frozenset[tuple[int, int]]:
    """All (base, selector) pairs the font `family` maps, default-glyph entries included; empty if not found."""
    font_file = _font_file(family)
    if font_file is None:
        logger.warning("font %r is not installed; variation sequences cannot use it", family)
        return frozenset()
    path, index = font_file
    from fontTools.ttLib import TTFont  # WeasyPrint dependency; imported lazily as it is only needed here

    with TTFont(path, fontNumber=index, lazy=True) as font:
        pairs = {
            (code_point, selector)
            for table in font["cmap"].tables
            if table.format == 14
            for selector, mappings in table.uvsDict.items()
            for code_point, _glyph in mappings
        }
    return frozenset(pairs)


def _font_file(family: str) -> tuple[str, int] | None:
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    result = subprocess.run(
        [fc_match, "--format=%{file}\n%{index}\n%{family}\n", f"{family}:style=Regular"],
        capture_output=True,
        text=True,
        check=False,
        timeout=10,
    )
    lines = result.stdout.splitlines()
    if result.returncode != 0 or len(lines) < 3 or family not in lines[2].split(","):
        return None  # fc-match always answers; a different family means ours is not installed
    return lines[0], int(lines[1] or 0)


def _pin_variation_sequences(document: HTML) -> None:
    """Wrap each variation sequence in the document's text in a span whose font has that sequence."""
    root = document.etree_element
    changed = False
    for element in list(root.iter()):
        if not _is_layout_element(element):
            continue
        # Text before the first child, then each child's tail (text that follows the child inside `element`).
        slots: list[tuple[ET.Element | None, str | None]] = [(None, element.text)]
        slots += [(child, child.tail) for child in list(element)]
        for after, text in slots:
            if not text:
                continue
            pieces = _split_text(text)
            if all(isinstance(piece, str) for piece in pieces):
                continue
            first = pieces[0]
            leading = ""
            if isinstance(first, str):
                leading = first
                pieces = pieces[1:]
            if after is None:
                element.text = leading
                index = 0
            else:
                after.tail = leading
                index = list(element).index(after) + 1
            _insert_pieces(element, index, pieces)
            changed = True
    if changed:
        # The wrapper tree is built lazily, but rebuild it so it cannot hold stale children.
        document.wrapper_element = cssselect2.ElementWrapper.from_html_root(root, content_language=None)
        document.etree_element = document.wrapper_element.etree_element


def _is_layout_element(element: ET.Element) -> bool:
    tag = element.tag
    # Comments/processing instructions have a callable tag; foreign (SVG, MathML) elements a "{ns}" tag.
    return isinstance(tag, str) and not tag.startswith("{") and tag not in _SKIP_ELEMENTS


def _split_text(text: str) -> list[str | ET.Element]:
    """Split `text` into plain strings and ``span.ivs`` elements, one per variation sequence a font supports."""
    pieces: list[str | ET.Element] = []
    position = 0
    for match in _VARIATION_SEQUENCE.finditer(text):
        family = _family_for_sequence(match[1], match[2])
        if family is None:
            logger.warning(
                "no installed font has the variation sequence U+%04X U+%04X", ord(match[1]), ord(match[2])
            )
            continue
        if match.start() > position:
            pieces.append(text[position : match.start()])
        span = ET.Element("span", {"class": "ivs", "style": f'font-family: "{family}"'})
        span.text = match[0]
        pieces.append(span)
        position = match.end()
    if position < len(text):
        pieces.append(text[position:])
    return pieces


def _insert_pieces(parent: ET.Element, index: int, pieces: list[str | ET.Element]) -> None:
    """Insert span pieces at `index` in `parent`; a string after a span becomes that span's tail."""
    last: ET.Element | None = None
    for piece in pieces:
        if isinstance(piece, str):
            if last is None:  # cannot happen: callers strip a leading string
                raise AssertionError("text piece without a preceding span")
            last.tail = (last.tail or "") + piece
        else:
            parent.insert(index, piece)
            index += 1
            last = piece
