"""Languages per zone, Accept-Language negotiation, page language, dates, and the furigana notation → ruby."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.utils import translation
from django.utils.translation import get_language_info

from madoguchi.core.i18n import (
    RubyMiddleware,
    add_ruby,
    furigana_base,
    furigana_plain,
    html_lang,
    local_date,
    notation_problems,
)

pytestmark = pytest.mark.django_db

PORTAL_LANGUAGES = ["ja", "ja-easy", "en", "zh-hans", "ko", "vi", "pt-br"]


def test_seven_portal_languages_with_own_names() -> None:
    assert [c for c, _ in settings.LANGUAGES] == PORTAL_LANGUAGES
    assert dict(settings.LANGUAGES)["ko"] == "한국어"
    assert settings.MADOGUCHI_OFFICE_LANGUAGES == ["ja", "en"]
    info = get_language_info("ja-easy")
    assert info["name_local"] == "やさしい にほんご"
    assert info["code"] == "ja-easy"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("ja", "ja"),
        ("ja-JP,ja;q=0.9", "ja"),
        ("zh-CN,zh;q=0.9", "zh-hans"),
        ("zh", "zh-hans"),
        ("pt", "pt-br"),
        ("pt-BR", "pt-br"),
        ("ko-KR", "ko"),
        ("vi-VN", "vi"),
        ("en-US,en;q=0.8", "en"),
        ("fr-FR", "ja"),  # no catalogue: the source language
    ],
)
def test_accept_language_negotiation(accept: str, expected: str) -> None:
    response = Client().get("/", headers={"accept-language": accept})
    assert response.status_code == 200
    assert response["Content-Language"] == expected


def test_japanese_browser_never_gets_easy_japanese_automatically() -> None:
    for accept in ("ja", "ja-JP", "ja-jp,en;q=0.5", "ja;q=1.0,ja-easy;q=0.1"):
        assert Client().get("/", headers={"accept-language": accept})["Content-Language"] == "ja"


@pytest.mark.parametrize(
    ("code", "lang"),
    [
        ("ja", "ja"),
        ("ja-easy", "ja"),
        ("en", "en"),
        ("zh-hans", "zh-Hans"),
        ("ko", "ko"),
        ("vi", "vi"),
        ("pt-br", "pt-BR"),
    ],
)
def test_html_lang_is_bcp47(code: str, lang: str) -> None:
    assert html_lang(code) == lang
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = code
    body = client.get("/").content.decode()
    assert f'<html lang="{lang}">' in body


def _switcher_codes(body: str) -> list[str]:
    select = body[body.index('<select id="language"') : body.index("</select>")]
    return re.findall(r'<option value="([^"]+)"', select)


def test_portal_switcher_lists_seven_office_two() -> None:
    client = Client()
    assert _switcher_codes(client.get("/").content.decode()) == PORTAL_LANGUAGES
    office = client.get("/office/login/").content.decode()
    assert _switcher_codes(office) == ["ja", "en"]
    # Each option names the language in itself, with its own lang attribute (read out in the right voice).
    home = client.get("/").content.decode()
    assert '<option value="ja-easy" lang="ja">やさしい にほんご</option>' in home
    assert '<option value="zh-hans" lang="zh-Hans">简体中文</option>' in home


def test_office_falls_back_to_japanese_for_portal_only_languages() -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ko"
    assert client.get("/")["Content-Language"] == "ko"
    office = client.get("/office/login/")
    assert office["Content-Language"] == "ja"
    assert '<html lang="ja">' in office.content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert client.get("/office/login/")["Content-Language"] == "en"


def test_switching_language_without_javascript_keeps_the_page() -> None:
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "ja-easy", "next": "/procedures/"})
    assert response.status_code == 302
    assert response["Location"] == "/procedures/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ja-easy"
    assert client.get("/procedures/")["Content-Language"] == "ja-easy"


def test_dates_wareki_in_japanese_gregorian_elsewhere() -> None:
    day = dt.date(2026, 11, 26)
    assert local_date(day, "ja") == "令和8年11月26日（2026年）"
    assert local_date(day, "ja-easy") == "令和8年11月26日（2026年）"
    assert local_date(day, "en") == "Nov. 26, 2026"
    assert local_date(day, "ko") == "2026년 11월 26일"
    assert local_date(day, "zh-hans") == "2026年11月26日"
    assert "2026" in local_date(day, "vi") and "26" in local_date(day, "pt-br")
    assert local_date(dt.date(1860, 1, 1), "ja") == "1860年1月1日"
    assert local_date(None) == ""
    with translation.override("en"):
        assert local_date(day) == "Nov. 26, 2026"


# ---- furigana ---------------------------------------------------------------------------------------------------


def test_notation_plain_base_and_problems() -> None:
    text = "｛児童手当｜じどうてあて｝を ｛申請｜しんせい｝します"
    assert furigana_plain(text) == "児童手当（じどうてあて）を 申請（しんせい）します"
    assert furigana_base(text) == "児童手当を 申請します"
    assert notation_problems(text) == []
    assert notation_problems("｛児童手当｜じどうてあて を") != []
    assert notation_problems("｛児童手当｝") != []
    assert notation_problems("ふつうの 文") == []


PAGE = (
    '<!DOCTYPE html>\n<html lang="ja"><head><meta charset="utf-8">'
    '<meta name="description" content="｛手続｜てつづき｝の ページ">'
    "<title>｛申請｜しんせい｝ | ｛窓口｜まどぐち｝</title></head>"
    '<body><a class="skip" href="#main">｛本文｜ほんぶん｝へ</a>'
    '<p>｛申請｜しんせい｝します &amp; <a href="/x?a=1&amp;b=2" title="｛手続｜てつづき｝">｛手続｜てつづき｝</a></p>'
    '<label for="s">｛言語｜げんご｝</label><select id="s"><option value="v">｛子｜こ｝ども</option></select>'
    '<textarea name="t">｛自分｜じぶん｝で 書いた</textarea>'
    '<input type="submit" value="｛送信｜そうしん｝"><input name="q" value="｛入力｜にゅうりょく｝">'
    '<img src="/a.png" alt="｛写真｜しゃしん｝"/><button type="submit" aria-label="｛送｜おく｝る">｛送｜おく｝る</button>'
    '<script src="/s.js"></script><!-- ｛注｜ちゅう｝ --></body></html>'
)


def test_ruby_in_text_plain_where_ruby_is_not_allowed() -> None:
    out = add_ruby(PAGE)
    ruby = "<ruby>申請<rp>（</rp><rt>しんせい</rt><rp>）</rp></ruby>します &amp; "
    assert ruby in out
    assert "<title>申請（しんせい） | 窓口（まどぐち）</title>" in out
    assert 'content="手続（てつづき）の ページ"' in out
    assert 'title="手続（てつづき）">' in out and 'href="/x?a=1&amp;b=2"' in out
    assert '<option value="v">子（こ）ども</option>' in out
    assert 'value="送信（そうしん）"' in out and 'alt="写真（しゃしん）"' in out
    assert 'aria-label="送（おく）る"><ruby>送<rp>' in out
    # The resident's own text and machine values are never rewritten; comments stay as they are.
    assert '<textarea name="t">｛自分｜じぶん｝で 書いた</textarea>' in out
    assert '<input name="q" value="｛入力｜にゅうりょく｝">' in out
    assert "<!-- ｛注｜ちゅう｝ -->" in out
    # Everything without notation is copied byte for byte.
    assert out.startswith('<!DOCTYPE html>\n<html lang="ja"><head><meta charset="utf-8">')
    assert out.endswith('<script src="/s.js"></script><!-- ｛注｜ちゅう｝ --></body></html>')


def test_ruby_inside_existing_ruby_stays_plain() -> None:
    assert (
        add_ruby("<p><ruby>｛漢字｜かんじ｝<rt>x</rt></ruby></p>")
        == "<p><ruby>漢字（かんじ）<rt>x</rt></ruby></p>"
    )


def test_document_without_notation_is_returned_as_is() -> None:
    doc = "<p>ふつうの ページ</p>"
    assert add_ruby(doc) is doc


def _response(body: str, content_type: str = "text/html; charset=utf-8") -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Length"] = str(len(response.content))
    return response


@pytest.mark.parametrize(
    ("language", "content_type", "converted"),
    [
        ("ja-easy", "text/html; charset=utf-8", True),
        ("ja", "text/html; charset=utf-8", False),
        ("en", "text/html; charset=utf-8", False),
        ("ja-easy", "application/json", False),
        ("ja-easy", "application/pdf", False),
    ],
)
def test_middleware_only_for_easy_japanese_html(language: str, content_type: str, converted: bool) -> None:
    body = "<p>｛申請｜しんせい｝</p>"
    request = RequestFactory().get("/")
    request.LANGUAGE_CODE = language
    response = RubyMiddleware(lambda r: _response(body, content_type))(request)
    assert isinstance(response, HttpResponse)
    assert (b"<ruby>" in response.content) is converted
    assert response["Content-Length"] == str(len(response.content))


def test_rewriting_is_cheap() -> None:
    """A 60 KB page with 400 readings is rewritten in well under the time the page took to render."""
    chunk = '<li><a href="/procedures/x/">｛児童手当｜じどうてあて｝の ｛申請｜しんせい｝</a></li>\n'
    filler = "<p>" + "あ" * 40 + "</p>\n"
    doc = "<html><body><ul>" + (chunk + filler) * 400 + "</ul></body></html>"
    assert len(doc.encode()) > 60_000
    start = time.perf_counter()
    for _ in range(5):
        out = add_ruby(doc)
    per_page_ms = (time.perf_counter() - start) / 5 * 1000
    assert out.count("<ruby>") == 800
    assert per_page_ms < 100, f"{per_page_ms:.1f} ms per page"
