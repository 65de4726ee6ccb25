"""Template filters shared by both zones."""

from __future__ import annotations

import datetime as dt

from django import template

from madoguchi.common.wareki import to_wareki
from madoguchi.core import i18n

register = template.Library()


@register.filter
def wareki(value: dt.date | None) -> str:
    """A date as 和暦 with 西暦 in parentheses (令和8年11月26日（2026年）); empty for no date."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    try:
        return to_wareki(value, with_seireki=True)
    except ValueError:  # before 明治: show the Western date only
        return value.isoformat()


@register.filter
def local_date(value: dt.date | dt.datetime | None) -> str:
    """A date in the page language: 令和8年11月26日（2026年） in ja/ja-easy, Gregorian (Nov. 26, 2026) otherwise."""
    return i18n.local_date(value)


@register.filter
def local_datetime(value: dt.datetime | None) -> str:
    """local_date with the local time (令和8年11月26日（2026年） 14:05)."""
    return i18n.local_datetime(value)


@register.filter
def html_lang(code: str | None) -> str:
    """A Django language code as a BCP 47 tag for lang/hreflang attributes (ja-easy → ja, zh-hans → zh-Hans)."""
    return i18n.html_lang(code)
