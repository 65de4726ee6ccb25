"""Site-wide views: error pages and the office access gate."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from .errors import ActionNotPermitted, NotFoundInMunicipality


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form was sent without a valid CSRF token (often: the page was open too long). Explain it plainly."""
    return render(request, "403.html", status=403)


View = Callable[..., HttpResponse]


def staff_required(view: View) -> View:
    """Office pages need a logged-in staff member whose TOTP second factor is verified in this session.

    Domain errors become pages: a role that may not do this → 403 with the reason; a record outside the
    actor's municipality → 404 (indistinguishable from a missing one).
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated or not user.is_verified():  # type: ignore[attr-defined]
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse('office:login')}?{query}")
        try:
            return view(request, *args, **kwargs)
        except ActionNotPermitted as exc:
            return render(request, "office/forbidden.html", {"message": exc.message}, status=403)
        except NotFoundInMunicipality:
            return render(request, "office/not_found.html", status=404)

    return wrapper
