"""API authentication (kept apart from core.api so DRF can import it while loading its settings)."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request


class VerifiedSessionAuthentication(SessionAuthentication):
    """Office API calls use the staff session, and only once the TOTP second factor is verified."""

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        if not getattr(user, "is_verified", lambda: False)():
            raise exceptions.AuthenticationFailed("A verified second factor (TOTP) is required.")
        return result

    def authenticate_header(self, request: Request) -> str:
        return 'Session realm="office"'
