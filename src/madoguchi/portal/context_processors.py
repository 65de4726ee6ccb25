"""Template context of the resident portal."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from madoguchi.identity.portal_session import get_portal_identity


def portal(request: HttpRequest) -> dict[str, Any]:
    return {"portal_identity": get_portal_identity(request) if hasattr(request, "session") else None}
