"""API authentication (kept apart from core.api so DRF can import it while loading its settings)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
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


class VerifiedSessionScheme(OpenApiAuthenticationExtension):
    """Describes the office session (cookie) authentication in the OpenAPI document."""

    target_class = "madoguchi.core.api_auth.VerifiedSessionAuthentication"
    name = "officeSession"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": "Staff session after password + TOTP login at /office/login/",
        }
