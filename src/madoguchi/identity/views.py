"""Portal login with a (test) My Number card, the resident's my page, and the local OIDC provider/RP views."""

from __future__ import annotations

import logging
import uuid
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import oidc, sign_app, sign_transactions
from .forms import CardLoginForm, CardSignForm
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


@never_cache
@require_GET
def oidc_sign_callback(request: HttpRequest) -> HttpResponse:
    """The provider's redirect back after signing: exchange the code, fetch and decrypt the result, verify it with
    the JPKI library, and hand the outcome to the page that started the signing (it submits or explains)."""
    try:
        return_path, reference, signature = sign_app.finish_signing(request.session, request.GET.dict())
    except sign_app.SignAppError as exc:
        logger.warning("sign app failed: reason=%s detail=%s", exc.reason, exc.detail)
        if exc.return_path:
            sign_app.store_outcome(request.session, reference=exc.reference, error=exc)
            return HttpResponseRedirect(exc.return_path)
        return render(
            request,
            "identity/oidc_error.html",
            {
                "heading": _("署名できませんでした"),
                "message": exc.message,
                "back_url": reverse("portal:mypage"),
                "back_label": _("マイページに戻る"),
            },
            status=400,
        )
    logger.info("sign app ok: transaction=%s serial=%s", signature.transaction_id, signature.serial)
    sign_app.store_outcome(request.session, reference=reference, signature=signature)
    return HttpResponseRedirect(return_path)


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
        auth_request = sign_transactions.validate_request(params)
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
    if auth_request.is_signing:
        return _authorize_signing(request, auth_request)
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


def _sign_error_message(outcome: sign_transactions.SignOutcome) -> str:
    if outcome.reason == "wrong_pin":
        return _(
            "署名用電子証明書の暗証番号が違います。あと%(remaining)s回間違えるとロックされ、窓口での初期化が必要になります。"
        ) % {"remaining": outcome.remaining_tries}
    if outcome.reason == "pin_locked":
        return _(
            "署名用電子証明書の暗証番号が5回続けて間違えられたため、ロックされています。"
            "お住まいの市区町村の窓口で暗証番号の初期化（再設定）を申請してください。"
            "「署名をやめて戻る」を押すと、申請の画面に戻ります。"
        )
    if outcome.reason == "pin_format":
        return _("署名用電子証明書の暗証番号は、英大文字と数字を組み合わせた6〜16文字で入力してください。")
    return _("選んだテストカードが見つかりません。一覧からもう一度選んでください。")


def _authorize_signing(request: HttpRequest, auth_request: oidc.AuthorizationRequest) -> HttpResponse:
    """The signing step of the simulated app: show what is signed, choose the card, enter the 署名用 PIN."""
    context: dict[str, Any] = {
        "oidc_params": auth_request.as_params(),
        "digest_hex": sign_transactions.transaction_digest_hex(auth_request),
    }
    if request.method != "POST":
        return render(request, "identity/oidc_sign.html", {**context, "form": CardSignForm()})
    if request.POST.get("action") == "cancel":
        return HttpResponseRedirect(sign_transactions.cancel_transaction(auth_request))
    form = CardSignForm(request.POST)
    if not form.is_valid():
        return render(request, "identity/oidc_sign.html", {**context, "form": form}, status=400)
    try:
        outcome = sign_transactions.sign_at_provider(
            auth_request, card_id=form.cleaned_data["card"], pin=form.cleaned_data["pin"]
        )
    except oidc.RedirectableError as exc:  # expired or used while the resident was on this page
        logger.warning("oidc sign rejected: %s: %s", exc.error, exc.description)
        return HttpResponseRedirect(exc.redirect_url())
    if outcome.code:
        query = {"code": outcome.code, "state": auth_request.state}
        return HttpResponseRedirect(f"{auth_request.redirect_uri}?{urlencode(query)}")
    fresh = CardSignForm(initial={"card": form.cleaned_data["card"]})
    context |= {
        "form": fresh,
        "sign_error": _sign_error_message(outcome),
        "sign_error_field": "card" if outcome.reason == "unknown_card" else "pin",
    }
    return render(request, "identity/oidc_sign.html", context, status=400)


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


def _api_error(exc: oidc.OidcError) -> JsonResponse:
    response = _json(exc.as_json(), status=exc.status)
    if exc.status in (401, 403):
        response["WWW-Authenticate"] = f'Bearer error="{exc.error}"'
    return response


@csrf_exempt
@require_POST
def sign_transactions_create(request: HttpRequest) -> JsonResponse:
    """POST /api/sign-transactions: a client-credentials token and the document's SHA-256 digest → the id."""
    try:
        created = sign_transactions.create_transaction(
            authorization=request.headers.get("Authorization", ""), body=request.body
        )
    except oidc.OidcError as exc:
        logger.warning("sign transaction create rejected: %s: %s", exc.error, exc.description)
        return _api_error(exc)
    return _json(created, status=201)


@csrf_exempt
@require_GET
def sign_transaction_result(request: HttpRequest, transaction_id: uuid.UUID) -> HttpResponse:
    """GET /api/sign-transactions/{id}/result: the resident's access token → the result as a JWE, once."""
    try:
        token = sign_transactions.transaction_result(
            str(transaction_id), authorization=request.headers.get("Authorization", "")
        )
    except oidc.OidcError as exc:
        logger.warning(
            "sign transaction %s result rejected: %s: %s", transaction_id, exc.error, exc.description
        )
        return _api_error(exc)
    response = HttpResponse(token, content_type="application/jose")
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response
