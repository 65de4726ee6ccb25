"""Template filters shared by both zones."""

from __future__ import annotations

import datetime as dt

from django import template

from madoguchi.common.wareki import to_wareki

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
