"""Portal login with a (test) My Number card, the resident's my page, and the local OIDC provider/RP views."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import oidc
from .forms import CardLoginForm
from .login import CardLoginResult, login_with_test_card, new_login_challenge
from .portal_session import get_portal_identity, login_portal_identity, logout_portal, portal_login_required

logger = logging.getLogger("madoguchi.identity")

# Resident-facing messages for OIDC failures (the precise reason goes to the log only).
OIDC_MESSAGES_JA = {
    "invalid_state": "ログインの手続きが途中で切れたか、別の画面から戻られました。最初からやり直してください。",
    "access_denied": "ログインが中止されました。もう一度お試しください。",
    "invalid_id_token": "本人確認の結果を確かめられませんでした。最初からやり直してください。",
}
OIDC_DEFAULT_JA = (
    "デジタル認証アプリ（模擬）でのログインに失敗しました。時間をおいて、最初からやり直してください。"
)


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _field_for(result: CardLoginResult) -> str:
    """Which form field a failure belongs to (so the error summary links to it)."""
    return "pin" if result.reason in {"wrong_pin", "pin_locked", "pin_format"} else "card"


def _card_form_context(form: CardLoginForm, *, error: str = "", error_field: str = "") -> dict[str, Any]:
    return {"form": form, "login_error": error, "login_error_field": error_field}


def _fresh_form(data: dict[str, str] | None = None) -> CardLoginForm:
    """The card form with a fresh challenge (a failed attempt never reuses the old one)."""
    challenge = new_login_challenge()
    initial = {"challenge": challenge.token}
    if data is not None:
        return CardLoginForm(initial={**initial, "card": data.get("card", "")})
    return CardLoginForm(initial=initial)


def _attempt(
    request: HttpRequest, *, context: str, method: str
) -> tuple[CardLoginForm, CardLoginResult | None]:
    form = CardLoginForm(request.POST)
    if not form.is_valid():
        return form, None
    result = login_with_test_card(
        card_id=form.cleaned_data["card"],
        token=form.cleaned_data["challenge"],
        pin=form.cleaned_data["pin"],
        context=context,
        method=method,
    )
    return form, result


@never_cache
@require_http_methods(["GET", "POST"])
def card_login(request: HttpRequest) -> HttpResponse:
    """Log in with the 利用者証明用電子証明書 of a (test) card: nonce → card signs → server verifies."""
    next_url = _safe_next(request, reverse("portal:mypage"))
    if request.method == "POST":
        form, result = _attempt(request, context="portal_login", method="jpki_card")
        if result is not None and result.identity is not None:
            login_portal_identity(request, result.identity)
            return HttpResponseRedirect(next_url)
        if result is not None:
            context = _card_form_context(
                _fresh_form(request.POST.dict()), error=result.message_ja, error_field=_field_for(result)
            )
        else:
            fresh = _fresh_form(request.POST.dict())
            fresh.errors.update(form.errors)  # the field errors, on a new form with a fresh challenge
            context = _card_form_context(fresh)
        return render(request, "identity/login.html", {**context, "next": next_url}, status=400)
    return render(request, "identity/login.html", {**_card_form_context(_fresh_form()), "next": next_url})


@never_cache
@portal_login_required
def mypage(request: HttpRequest) -> HttpResponse:
    """The resident's page: greets them by the name from the card (or the OIDC claims)."""
    return render(request, "identity/mypage.html", {"identity": get_portal_identity(request)})


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    """End the resident session."""
    logout_portal(request)
    return HttpResponseRedirect(reverse("portal:home"))


# --- relying party ----------------------------------------------------------------------------------------------------
@never_cache
@require_GET
def oidc_start(request: HttpRequest) -> HttpResponse:
    """Send the resident to the provider (デジタル認証アプリ, here the local simulation) with PKCE, state and nonce."""
    return HttpResponseRedirect(oidc.start_authentication(request.session))


@never_cache
@require_GET
def oidc_callback(request: HttpRequest) -> HttpResponse:
    """The provider's redirect back: verify state, exchange the code, check the ID token, log the resident in."""
    try:
        identity = oidc.finish_authentication(request.session, request.GET.dict())
    except oidc.OidcError as exc:
        logger.warning("oidc rp login failed: %s: %s", exc.error, exc.description)
        message = OIDC_MESSAGES_JA.get(exc.error, OIDC_DEFAULT_JA)
        return render(request, "identity/oidc_error.html", {"message": message}, status=400)
    login_portal_identity(request, identity)
    return HttpResponseRedirect(reverse("portal:mypage"))


# --- local provider (simulated デジタル認証アプリ) ------------------------------------------------------------------------
def _json(data: dict[str, Any], status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


@require_GET
def discovery(request: HttpRequest) -> JsonResponse:
    """`.well-known/openid-configuration`."""
    return _json(oidc.discovery_document())


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    """The provider's public signing keys."""
    return _json(oidc.public_jwks(oidc.provider_key()))


@never_cache
@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponse:
    """Authorization endpoint: validate the request, authenticate with a test card, redirect with a code."""
    params = (request.POST if request.method == "POST" else request.GET).dict()
    try:
        auth_request = oidc.validate_authorization_request(params)
    except oidc.RedirectableError as exc:
        logger.warning("oidc authorize rejected: %s: %s", exc.error, exc.description)
        return HttpResponseRedirect(exc.redirect_url())
    except oidc.OidcError as exc:
        logger.warning("oidc authorize rejected (not redirected): %s: %s", exc.error, exc.description)
        return render(
            request,
            "identity/oidc_error.html",
            {
                "message": "ログインを依頼したサービスの設定に誤りがあります。サービスの提供者にお問い合わせください。"
            },
            status=400,
        )
    context: dict[str, Any] = {"oidc_params": auth_request.as_params(), "scopes": auth_request.scope}
    if request.method == "POST":
        form, result = _attempt(request, context="oidc_login", method="oidc")
        if result is not None and result.identity is not None:
            code = oidc.issue_authorization_code(auth_request, result.identity)
            query = {"code": code, "state": auth_request.state}
            return HttpResponseRedirect(f"{auth_request.redirect_uri}?{urlencode(query)}")
        if result is not None:
            context |= _card_form_context(
                _fresh_form(request.POST.dict()), error=result.message_ja, error_field=_field_for(result)
            )
        else:
            fresh = _fresh_form(request.POST.dict())
            fresh.errors.update(form.errors)
            context |= _card_form_context(fresh)
        return render(request, "identity/oidc_authorize.html", context, status=400)
    return render(request, "identity/oidc_authorize.html", context | _card_form_context(_fresh_form()))


@csrf_exempt
@require_POST
def token(request: HttpRequest) -> JsonResponse:
    """Token endpoint (private_key_jwt, PKCE S256)."""
    try:
        return _json(oidc.exchange_code(request.POST.dict(), now=timezone.now()))
    except oidc.OidcError as exc:
        logger.warning("oidc token rejected: %s: %s", exc.error, exc.description)
        return _json(exc.as_json(), status=exc.status)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def userinfo(request: HttpRequest) -> JsonResponse:
    """UserInfo endpoint (Bearer access token)."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        response = _json({"error": "invalid_token", "error_description": "Bearer token required"}, status=401)
        response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return response
    try:
        return _json(oidc.userinfo(header.removeprefix("Bearer ").strip()))
    except oidc.OidcError as exc:
        response = _json(exc.as_json(), status=exc.status)
        response["WWW-Authenticate"] = f'Bearer error="{exc.error}"'
        return response
