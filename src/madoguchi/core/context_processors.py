"""Template context shared by both zones."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from .selectors import get_municipality


def madoguchi(request: HttpRequest) -> dict[str, Any]:
    return {
        "zone": settings.MADOGUCHI_ZONE,
        "demo_municipality": get_municipality(settings.MADOGUCHI_DEMO_MUNICIPALITY or ""),
    }


def languages(request: HttpRequest) -> dict[str, Any]:
    """The page language (BCP 47) and the languages the switcher offers in this zone (portal 7, office ja/en)."""
    from django.utils import translation

    from .i18n import html_lang, switcher_languages, zone_of

    current = translation.get_language() or settings.LANGUAGE_CODE
    return {
        "html_lang": html_lang(current),
        "switch_languages": switcher_languages(zone_of(request), current),
    }
