"""Template filters for the case pages: dates in 和暦 or 西暦 as the user chose."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

from madoguchi.common.wareki import to_wareki

register = template.Library()


@register.filter
def case_date(value: dt.date | dt.datetime | None, style: str = "wareki") -> str:
    """令和8年11月26日 (wareki, the default) or 2026-11-26 (seireki); datetimes in local time with hh:mm."""
    if value is None:
        return ""
    time_text = ""
    if isinstance(value, dt.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        time_text = f" {local:%H:%M}"
        value = local.date()
    if style == "seireki":
        return f"{value.isoformat()}{time_text}"
    try:
        return f"{to_wareki(value)}{time_text}"
    except ValueError:
        return f"{value.isoformat()}{time_text}"


@register.filter
def identity_document(code: str) -> str:
    """The label of an identity document code (本人確認書類) in the page language."""
    from madoguchi.casework.models import IdentityDocument

    return str(IdentityDocument(code).label) if code in IdentityDocument.values else code
