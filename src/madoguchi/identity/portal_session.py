"""Who the resident is in the portal: the identity established at login, kept in the Django session.

Residents are not Django users. A login (JPKI card authentication, or OIDC with the デジタル認証アプリ) ends by calling
`login_portal_identity`; portal views read it with `get_portal_identity` or require it with
`portal_login_required`. The portal never reads the registry: whatever it knows about the resident comes from the
card/OIDC claims stored here (and, later, narrow audited answers from the office zone).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

SESSION_KEY = "madoguchi.portal_identity"


@dataclass(frozen=True)
class PortalIdentity:
    """The logged-in resident as the portal knows them (from the certificate or the OIDC claims)."""

    method: str  # "jpki_card" | "oidc"
    auth_serial: str  # serial of the 利用者証明用電子証明書 (the stable handle, as in 申請管理)
    authenticated_at: str  # ISO 8601
    name: str = ""
    name_kana: str = ""
    address: str = ""
    birth_date: str = ""  # ISO date or "" when unknown
    sex: str = ""
    sign_serial: str = ""  # serial of the 署名用電子証明書 when known
    subject: str = ""  # OIDC: the provider's pairwise `sub` (auth_serial is then "oidc:<sub>")

    @property
    def birth_date_on(self) -> dt.date | None:
        return dt.date.fromisoformat(self.birth_date) if self.birth_date else None


def login_portal_identity(request: HttpRequest, identity: PortalIdentity) -> None:
    """Start a resident session (a new session key, so a fixed pre-login session id cannot be reused)."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = asdict(identity)


def get_portal_identity(request: HttpRequest) -> PortalIdentity | None:
    """The logged-in resident, or None."""
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    try:
        return PortalIdentity(**data)
    except TypeError:
        return None


def logout_portal(request: HttpRequest) -> None:
    """End the resident session."""
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()


def portal_login_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Send residents who are not logged in to the portal login page, then back here."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if get_portal_identity(request) is None:
            return HttpResponseRedirect(
                f"{reverse('portal:login')}?{urlencode({'next': request.get_full_path()})}"
            )
        return view(request, *args, **kwargs)

    return wrapper
