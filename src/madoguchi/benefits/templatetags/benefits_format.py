"""Template filters for the benefit simulators: yen amounts and months in 西暦/和暦."""

from __future__ import annotations

import datetime as dt

from django import template

from madoguchi.benefits import views

register = template.Library()


@register.filter
def yen(amount: int) -> str:
    """12345 → 12,345円."""
    return views.yen(amount)


@register.filter
def jp_month(month: dt.date) -> str:
    """A month as 2026年12月（令和8年12月）."""
    return views.jp_month(month)


@register.filter
def month_number(month: dt.date) -> str:
    """A month as 10月."""
    return views.month_label(month)
