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
