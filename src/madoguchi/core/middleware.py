"""Request-scoped middleware."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .context import reset_request_id, set_request_id

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Give every request an id (or accept a well-formed X-Request-ID from the proxy) and echo it back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        token = set_request_id(incoming if _SAFE_ID.match(incoming) else None)
        try:
            from .context import current_request_id

            request.request_id = current_request_id()  # type: ignore[attr-defined]
            response = self.get_response(request)
            response["X-Request-ID"] = request.request_id  # type: ignore[attr-defined]
            return response
        finally:
            reset_request_id(token)


SESSION_REFRESHED_KEY = "_madoguchi_refreshed"


class SessionRefreshMiddleware:
    """A sliding idle timeout without writing the session on every request.

    A session lives `SESSION_COOKIE_AGE` (30 minutes) from its last save. Saving on every request
    (`SESSION_SAVE_EVERY_REQUEST`) cost a database write and a commit per page view; instead, a request that finds
    the session not refreshed for `MADOGUCHI_SESSION_REFRESH_SECONDS` (60) marks it changed, and the session
    middleware saves it with a new expiry. Idle for 30 minutes, a session has therefore ended at most one refresh
    interval earlier than that; in use, it never ends. "In use" means a request that read the session (every office
    page and every portal page that knows who is logged in does); requests without a session, and a cookie naming
    no stored session, are left alone, so that no session is created for them.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.interval = int(getattr(settings, "MADOGUCHI_SESSION_REFRESH_SECONDS", 60))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty():
            return response  # no session cookie, or logged out (flushed) during this request
        # A stale or unknown cookie: nothing to keep alive, and no session is created for it.
        stored = [key for key in session.keys() if key != SESSION_REFRESHED_KEY]  # noqa: SIM118 - not iterable
        if session.session_key is None or not stored:
            return response
        now = int(timezone.now().timestamp())
        last = session.get(SESSION_REFRESHED_KEY)
        if not isinstance(last, int) or not 0 <= now - last < self.interval:
            session[SESSION_REFRESHED_KEY] = now  # modified: the session middleware saves it (new expiry)
        return response
