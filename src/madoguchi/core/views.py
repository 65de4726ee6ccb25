"""Site-wide error views."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form was sent without a valid CSRF token (often: the page was open too long). Explain it plainly."""
    return render(request, "403.html", status=403)
