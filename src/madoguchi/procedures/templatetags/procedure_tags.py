"""Template tags for pages outside this app (the portal home) that start from the resident's situation."""

from __future__ import annotations

from typing import Any

from django import template

from madoguchi.procedures.labels import CATEGORY_LABELS

register = template.Library()


@register.simple_tag
def procedure_situations() -> list[dict[str, Any]]:
    """Life situations with at least one procedure: code, label, hint, count (home-page order)."""
    from madoguchi.procedures.views import situation_choices

    return situation_choices()


@register.simple_tag
def procedure_categories() -> list[tuple[str, Any]]:
    """(code, label) of every list category, referrals ("vehicle") last."""
    return list(CATEGORY_LABELS.items())
