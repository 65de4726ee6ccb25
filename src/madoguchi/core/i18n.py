"""Languages per zone, BCP 47 page language, language-aware dates, and furigana for やさしい日本語.

- The resident portal speaks every language in settings.LANGUAGES; the office zone only
  settings.MADOGUCHI_OFFICE_LANGUAGES (ja/en). ZoneLanguageMiddleware falls an office request back to Japanese
  when the negotiated language (cookie or Accept-Language) is a portal-only one.
- `ja-easy` (やさしい日本語) is not a registered language tag; its pages are Japanese, so `<html lang>` says `ja`.
- やさしい日本語 catalogues write furigana as ｛漢字｜かんじ｝. RubyMiddleware turns the notation into
  `<ruby>` in HTML text and into 漢字（かんじ） wherever ruby markup is not allowed (attributes, <title>, <option>),
  for やさしい日本語 HTML responses only (docs/adr/0005-easy-japanese-furigana.md).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import formats, timezone, translation

from madoguchi.common.wareki import to_wareki

EASY_JAPANESE = "ja-easy"
# Languages whose responses get the furigana notation turned into ruby.
RUBY_LANGUAGES = frozenset({EASY_JAPANESE})
# Languages that show 和暦 dates with 西暦 in parentheses; the others show the Gregorian calendar.
WAREKI_LANGUAGES = frozenset({"ja", EASY_JAPANESE})
# The page language (BCP 47) of each Django language code, where it differs from the code itself.
_HTML_LANG = {EASY_JAPANESE: "ja", "zh-hans": "zh-Hans", "zh-hant": "zh-Hant", "pt-br": "pt-BR"}


def html_lang(code: str | None) -> str:
    """The BCP 47 tag for `<html lang>` / `lang=` / `hreflang=` of a Django language code (ja-easy → ja)."""
    code = (code or settings.LANGUAGE_CODE).lower()
    return _HTML_LANG.get(code, code)


# ---- zones --------------------------------------------------------------------------------------------------------


def zone_of(request: HttpRequest) -> str:
    """ "office" for the office zone's pages (and every page of an office-only deployment), else "portal"."""
    if settings.MADOGUCHI_ZONE == "office":
        return "office"
    match = getattr(request, "resolver_match", None)
    if match is not None and match.namespaces:
        return "office" if match.namespaces[0] == "office" else "portal"
    path = request.path_info
    return "office" if path.startswith(("/office/", "/api/v1/office/")) else "portal"


def zone_language_codes(zone: str) -> list[str]:
    """The language codes a zone offers, in switcher order."""
    codes = [code for code, _ in settings.LANGUAGES]
    if zone == "office":
        office = set(settings.MADOGUCHI_OFFICE_LANGUAGES)
        return [c for c in codes if c in office]
    return codes


def switcher_languages(zone: str, current: str) -> list[dict[str, Any]]:
    """What the language switcher lists for a zone: code, own-language name, page language, selected."""
    names = dict(settings.LANGUAGES)
    return [
        {"code": code, "name": names[code], "lang": html_lang(code), "selected": code == current}
        for code in zone_language_codes(zone)
    ]


class ZoneLanguageMiddleware:
    """After LocaleMiddleware: an office page asked for in a portal-only language is served in Japanese.

    The resident may have picked 한국어 on the portal in the same browser (the language cookie is shared); the
    office zone has no catalogue for it and its switcher offers only ja/en, so it falls back to the source
    language rather than to a half-translated page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> None:
        if zone_of(request) != "office":
            return
        current = translation.get_language() or settings.LANGUAGE_CODE
        if current not in settings.MADOGUCHI_OFFICE_LANGUAGES:
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE


# ---- dates --------------------------------------------------------------------------------------------------------


def local_date(value: dt.date | dt.datetime | None, language: str | None = None) -> str:
    """A date for residents: 和暦 with 西暦 in parentheses in Japanese and やさしい日本語
    (令和8年11月26日（2026年）), the locale's Gregorian date format otherwise (Nov. 26, 2026; 2026년 11월 26일)."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    if language in WAREKI_LANGUAGES:
        try:
            return to_wareki(value, with_seireki=True)
        except ValueError:  # before 明治: the Western date only
            return f"{value.year}年{value.month}月{value.day}日"
    with translation.override(language):
        return formats.date_format(value, "DATE_FORMAT")


def local_datetime(value: dt.datetime | None, language: str | None = None) -> str:
    """local_date() plus the local time (hh:mm)."""
    if value is None:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{local_date(local, language)} {local:%H:%M}"


# ---- furigana -----------------------------------------------------------------------------------------------------

RUBY_OPEN, RUBY_SEPARATOR, RUBY_CLOSE = "｛", "｜", "｝"
# ｛base｜reading｝: neither part may hold the notation's own characters or markup.
RUBY_NOTATION = re.compile(r"｛([^｛｜｝<>\n]+)｜([^｛｜｝<>\n]+)｝")


def furigana_plain(text: str) -> str:
    """｛漢字｜かんじ｝ → 漢字（かんじ）: for attributes, titles, options, plain-text mail and logs."""
    return RUBY_NOTATION.sub(r"\1（\2）", text) if RUBY_OPEN in text else text


def furigana_base(text: str) -> str:
    """｛漢字｜かんじ｝ → 漢字: the text without readings (search keys, comparisons)."""
    return RUBY_NOTATION.sub(r"\1", text) if RUBY_OPEN in text else text


def furigana_ruby(escaped_text: str) -> str:
    """｛漢字｜かんじ｝ → <ruby>漢字<rp>（</rp><rt>かんじ</rt><rp>）</rp></ruby> in already-escaped HTML text.

    The <rp> parentheses are hidden where ruby is rendered and keep 漢字（かんじ） readable where it is not
    (reader modes, copy and paste, text browsers)."""
    return RUBY_NOTATION.sub(r"<ruby>\1<rp>（</rp><rt>\2</rt><rp>）</rp></ruby>", escaped_text)


def notation_problems(text: str) -> list[str]:
    """What is wrong with the furigana notation in a translation (empty when it is well-formed)."""
    rest = RUBY_NOTATION.sub("", text)
    stray = sorted({c for c in rest if c in (RUBY_OPEN, RUBY_SEPARATOR, RUBY_CLOSE)})
    if stray:
        return [f"unbalanced furigana notation (stray {' '.join(stray)}): write ｛漢字｜かんじ｝"]
    return []


# Elements whose text must not be touched (code, styles, and the resident's own typed text in a textarea, which
# is submitted back as-is), and elements where ruby markup is not allowed (plain 漢字（かんじ） there).
_UNTOUCHED = frozenset({"script", "style", "textarea", "template", "pre", "code"})
_PLAIN = frozenset(
    {"head", "title", "select", "option", "optgroup", "datalist", "ruby", "rt", "rp", "svg", "math"}
)
# Attributes that hold human-readable text; every other attribute (href, value, name, data-…) is left alone.
_TEXT_ATTRIBUTES = frozenset(
    {
        "alt",
        "title",
        "placeholder",
        "label",
        "aria-label",
        "aria-description",
        "aria-roledescription",
        "aria-valuetext",
        "aria-placeholder",
    }
)
_BUTTON_INPUTS = frozenset({"submit", "button", "reset"})
_VOID = frozenset(
    {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    }
)


class _RubyRewriter(HTMLParser):
    """Finds the notation in text nodes and text attributes; records replacements by absolute offset.

    The document is tokenised (not searched with one regular expression), so the element a piece of text sits in
    decides its rendering, and everything outside the replaced spans is copied byte for byte.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.edits: list[tuple[int, int, str]] = []
        self._base = 0  # offset of the parser's current rawdata in the whole document
        self._pos = 0  # end of the last consumed token, relative to rawdata

    def updatepos(self, i: int, j: int) -> int:
        self._pos = j
        return super().updatepos(i, j)

    def rewrite(self, document: str) -> str:
        self.feed(document)
        self._base = len(document) - len(self.rawdata)
        self._pos = 0
        self.close()
        if not self.edits:
            return document
        out: list[str] = []
        last = 0
        for start, end, replacement in sorted(self.edits):
            out.append(document[last:start])
            out.append(replacement)
            last = end
        out.append(document[last:])
        return "".join(out)

    def _start_of(self, raw: str) -> int:
        start = self._base + self._pos
        if self.rawdata.startswith(raw, self._pos):
            return start
        found = self.rawdata.find(raw, self._pos)  # defensive: never splice at a wrong place
        return self._base + found if found >= 0 else -1

    def _context(self) -> str:
        if any(tag in _UNTOUCHED for tag in self.stack):
            return "untouched"
        if any(tag in _PLAIN for tag in self.stack):
            return "plain"
        return "ruby"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raw = self.get_starttag_text() or ""
        if RUBY_OPEN in raw:
            self._rewrite_tag(tag, attrs, raw)
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raw = self.get_starttag_text() or ""
        if RUBY_OPEN in raw:
            self._rewrite_tag(tag, attrs, raw)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if RUBY_OPEN not in data:
            return
        context = self._context()
        if context == "untouched":
            return
        start = self._start_of(data)
        if start < 0:
            return
        replacement = furigana_ruby(data) if context == "ruby" else furigana_plain(data)
        if replacement != data:
            self.edits.append((start, start + len(data), replacement))

    def _rewrite_tag(self, tag: str, attrs: list[tuple[str, str | None]], raw: str) -> None:
        start = self._start_of(raw)
        if start < 0:
            return
        kind = next((v for k, v in attrs if k == "type"), None) or ""
        parts = [f"<{tag}"]
        changed = False
        for name, value in attrs:
            if value is None:
                parts.append(f" {name}")
                continue
            if RUBY_OPEN in value and (
                name in _TEXT_ATTRIBUTES
                or (name == "content" and tag == "meta")
                or (name == "value" and tag == "input" and kind.lower() in _BUTTON_INPUTS)
            ):
                value = furigana_plain(value)
                changed = True
            parts.append(f' {name}="{html.escape(value, quote=True)}"')
        if not changed:
            return
        parts.append(" />" if raw.rstrip().endswith("/>") else ">")
        self.edits.append((start, start + len(raw), "".join(parts)))


def add_ruby(document: str) -> str:
    """Turn the furigana notation of an HTML document into ruby (text) and 漢字（かんじ） (elsewhere)."""
    if RUBY_OPEN not in document:
        return document
    return _RubyRewriter().rewrite(document)


class RubyMiddleware:
    """For やさしい日本語 HTML responses: furigana notation → ruby. Other languages, PDFs, JSON: untouched.

    Sits after CommonMiddleware in MIDDLEWARE, so it runs before Content-Length is set on the way out."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        language = getattr(request, "LANGUAGE_CODE", None) or translation.get_language()
        if (
            language in RUBY_LANGUAGES
            and isinstance(response, HttpResponse)
            and not response.streaming
            and response.get("Content-Type", "").startswith("text/html")
            and RUBY_OPEN.encode() in response.content
        ):
            charset = response.charset or "utf-8"
            response.content = add_ruby(response.content.decode(charset)).encode(charset)
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
        return response
