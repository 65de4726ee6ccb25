"""The portal as relying party of the デジタル認証アプリ's signing transaction (jpki.md §8, steps 1–4).

`start_signing` creates the transaction (client_credentials token with private_key_jwt, then
`POST {MADOGUCHI_SIGN_API_URL}/sign-transactions` with the base64 SHA-256 digest of the document) and returns the
authorization URL (code flow, PKCE S256, state, nonce, scope `openid sign`, `sign_transaction_id`).
`finish_signing` handles the redirect back: state, code exchange, ID-token nonce, `GET …/{id}/result` with the
resident's access token, JWE decryption with the portal's encryption key, and verification of the signature over
the digest with the one JPKI verification library (chain, policy, key usage, validity, CRL fail closed) — exactly
what the direct card path is checked with. The result is an `AppSignature`: signature value and 署名用 certificate,
the same evidence a card signature gives, so intake accepts it unchanged.

Only URLs and keys come from configuration: MADOGUCHI_OIDC_ISSUER, MADOGUCHI_SIGN_API_URL, MADOGUCHI_OIDC_CLIENT_ID
and the keys in MADOGUCHI_DATA_DIR/oidc/. Every failure is a `SignAppError` with a precise `reason` for the log and
a plain Japanese `message` for the resident.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import urllib.error
import urllib.parse
import urllib.request
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from joserfc.errors import JoseError

from . import oidc
from .jpki import Verdict
from .oidc import OidcError
from .services import verify_document_signature
from .sign_transactions import decrypt_result

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

logger = logging.getLogger("madoguchi.identity")

SIGN_SESSION_KEY = "madoguchi.sign_app_rp"
OUTCOME_SESSION_KEY = "madoguchi.sign_app_outcome"
SIGN_SCOPE = "openid sign"
RESULT_LEEWAY_S = 30
DEFAULT_TRANSACTION_TTL = dt.timedelta(minutes=10)  # when the API does not say how long a transaction lives

# Resident-facing messages by reason (the precise reason goes to the log). signature_* reasons use the
# verification library's own message (expired, revoked with its reason, untrusted issuer …).
MESSAGES_JA: dict[str, StrOrPromise] = {
    "sign_cancelled": _(
        "デジタル認証アプリでの署名が中止されました。申請はまだ送信されていません。"
        "もう一度署名するか、別の方法で署名してください。"
    ),
    "sign_transaction_expired": _(
        "署名の手続きの有効時間が過ぎました。申請はまだ送信されていません。"
        "もう一度「デジタル認証アプリで署名する」を押してください。"
    ),
    "sign_result_replayed": _(
        "この署名の結果はすでに使われています。申請はまだ送信されていません。もう一度署名してください。"
    ),
    "sign_state_mismatch": _(
        "署名の手続きが途中で切れたか、別の画面から戻られました。申請はまだ送信されていません。"
        "もう一度署名してください。"
    ),
    "sign_digest_mismatch": _(
        "署名された内容が申請内容と一致しませんでした。申請はまだ送信されていません。もう一度署名してください。"
    ),
    "sign_provider_error": _(
        "デジタル認証アプリとの通信に失敗しました。申請はまだ送信されていません。"
        "時間をおいてもう一度お試しいただくか、別の方法で署名してください。"
    ),
}


class SignAppError(Exception):
    """The signing transaction failed: `reason` (log), `message` (resident, Japanese), `detail` (English, log)."""

    def __init__(self, reason: str, detail: str, *, message: StrOrPromise | None = None) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
        self.message = (
            message if message is not None else MESSAGES_JA.get(reason, MESSAGES_JA["sign_provider_error"])
        )
        self.return_path = ""
        self.reference = ""


@dataclasses.dataclass(frozen=True)
class AppSignature:
    """A verified signature from the デジタル認証アプリ: the same evidence as a card signature."""

    signature: bytes
    certificate_pem: str
    serial: str
    transaction_id: str
    digest_b64: str
    verdict: Verdict


# --- configuration -----------------------------------------------------------------------------------------------------
def sign_api_url() -> str:
    """Base URL of the sign-transactions API (settings.MADOGUCHI_SIGN_API_URL; default: the local provider)."""
    configured = str(getattr(settings, "MADOGUCHI_SIGN_API_URL", "") or "").rstrip("/")
    return configured or f"{oidc.issuer()}/api"


def transactions_url() -> str:
    """`POST` here creates a transaction; `GET {this}/{id}/result` fetches its result."""
    return f"{sign_api_url()}/sign-transactions"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _http(request: urllib.request.Request) -> tuple[int, bytes]:
    oidc._require_http(request.full_url)
    try:
        with urllib.request.urlopen(request, timeout=oidc.HTTP_TIMEOUT_S) as response:  # noqa: S310 - http(s) checked
            return int(response.status), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise SignAppError("sign_provider_error", f"{request.full_url} unreachable: {exc}") from exc


def _error_code(body: bytes) -> tuple[str, str]:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return "server_error", body[:200].decode("utf-8", "replace")
    if not isinstance(data, dict):
        return "server_error", ""
    return str(data.get("error", "server_error")), str(data.get("error_description", ""))


# --- step 1: the transaction --------------------------------------------------------------------------------------------
def create_sign_transaction(digest: bytes, *, now: dt.datetime | None = None) -> tuple[str, dt.datetime]:
    """Client credentials, then POST the digest: (sign_transaction_id, when it expires)."""
    at = now or timezone.now()
    try:
        token = oidc.client_credentials_request(now=at)
    except OidcError as exc:
        raise SignAppError(
            "sign_provider_error", f"client credentials: {exc.error}: {exc.description}"
        ) from exc
    body = json.dumps({"digest_algorithm": "SHA-256", "digest": _b64(digest)}).encode("utf-8")
    request = urllib.request.Request(  # noqa: S310 - http(s) checked in _http
        transactions_url(),
        data=body,
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        },
        method="POST",
    )
    status, raw = _http(request)
    if status not in (200, 201):
        error, description = _error_code(raw)
        raise SignAppError(
            "sign_provider_error", f"create transaction answered {status} {error}: {description}"
        )
    try:
        data = json.loads(raw.decode("utf-8"))
        transaction_id = str(data["sign_transaction_id"])
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise SignAppError("sign_provider_error", "create transaction: no sign_transaction_id") from exc
    if not oidc.UUID_PATTERN.fullmatch(transaction_id):
        raise SignAppError("sign_provider_error", "create transaction: sign_transaction_id is not a UUID")
    lifetime = data.get("expires_in")
    ttl = (
        dt.timedelta(seconds=int(lifetime))
        if isinstance(lifetime, int) and lifetime > 0
        else DEFAULT_TRANSACTION_TTL
    )
    return transaction_id, at + ttl


def start_signing(
    session: Any, *, content: bytes, reference: str, return_path: str, now: dt.datetime | None = None
) -> str:
    """Create the transaction for `content` and remember the flow in the session; return the authorization URL.

    `reference` names what is being signed (e.g. a draft id) so the outcome is only handed to that page;
    `return_path` is where the callback sends the resident (a path on this site).
    """
    if not return_path.startswith("/") or not url_has_allowed_host_and_scheme(
        return_path, allowed_hosts=set()
    ):
        raise ValueError("return_path must be a path on this site")
    at = now or timezone.now()
    digest = hashlib.sha256(content).digest()
    transaction_id, expires_at = create_sign_transaction(digest, now=at)
    verifier = secrets.token_urlsafe(64)[:96]
    state = secrets.token_urlsafe(24)
    nonce = secrets.token_urlsafe(24)
    session.pop(OUTCOME_SESSION_KEY, None)
    session[SIGN_SESSION_KEY] = {
        "state": state,
        "nonce": nonce,
        "verifier": verifier,
        "transaction_id": transaction_id,
        "digest": _b64(digest),
        "expires_at": expires_at.isoformat(),
        "reference": reference,
        "return_path": return_path,
    }
    logger.info("sign app: transaction %s started for %s", transaction_id, reference)
    query = {
        "response_type": "code",
        "client_id": oidc.portal_client_id(),
        "redirect_uri": oidc.portal_sign_redirect_uri(),
        "scope": SIGN_SCOPE,
        "state": state,
        "nonce": nonce,
        "code_challenge": oidc.s256(verifier),
        "code_challenge_method": "S256",
        "sign_transaction_id": transaction_id,
    }
    return f"{oidc.provider_endpoint('authorize')}?{urllib.parse.urlencode(query)}"


# --- steps 2–4: the redirect back ---------------------------------------------------------------------------------------
def _fetch_result(transaction_id: str, access_token: str) -> str:
    request = urllib.request.Request(  # noqa: S310 - http(s) checked in _http
        f"{transactions_url()}/{transaction_id}/result",
        headers={"Authorization": f"Bearer {access_token}", "Accept": "application/jose, application/json"},
        method="GET",
    )
    status, raw = _http(request)
    if status == 200:
        return raw.decode("ascii", "replace").strip()
    error, description = _error_code(raw)
    detail = f"result answered {status} {error}: {description}"
    if error == "transaction_already_used":
        raise SignAppError("sign_result_replayed", detail)
    if error == "transaction_expired":
        raise SignAppError("sign_transaction_expired", detail)
    raise SignAppError("sign_provider_error", detail)


def open_result(
    token: str, *, transaction_id: str, digest_b64: str, now: dt.datetime | None = None
) -> AppSignature:
    """Decrypt the result JWE, check it is this transaction's answer for our digest, verify the signature."""
    at = now or timezone.now()
    try:
        claims = decrypt_result(token, oidc.client_encryption_key())
    except (JoseError, ValueError, UnicodeDecodeError) as exc:
        raise SignAppError(
            "sign_provider_error", f"result JWE unreadable: {type(exc).__name__}: {exc}"
        ) from exc
    if claims.get("aud") != oidc.portal_client_id() or claims.get("iss") != oidc.issuer():
        raise SignAppError("sign_provider_error", "result JWE is not from our provider for us (iss/aud)")
    if claims.get("sign_transaction_id") != transaction_id:
        raise SignAppError("sign_provider_error", "result JWE is for another transaction")
    expires = claims.get("exp")
    if not isinstance(expires, int) or expires + RESULT_LEEWAY_S < at.timestamp():
        raise SignAppError("sign_transaction_expired", "result JWE has expired")
    if not isinstance(claims.get("digest"), str) or not hmac.compare_digest(
        str(claims["digest"]), digest_b64
    ):
        raise SignAppError("sign_digest_mismatch", "the provider signed another digest than the one we sent")
    try:
        signature = base64.b64decode(str(claims["signature_value"]), validate=True)
        certificate = x509.load_der_x509_certificate(
            base64.b64decode(str(claims["signing_certificate"]), validate=True)
        )
    except (KeyError, binascii.Error, ValueError) as exc:
        raise SignAppError("sign_provider_error", f"result JWE claims unreadable: {exc}") from exc
    verdict = verify_document_signature(
        certificate=certificate,
        data=base64.b64decode(digest_b64),
        signature=signature,
        at=at,
        prehashed=True,
        context="sign_app_signature",
    )
    if not verdict.valid:
        raise SignAppError(
            f"signature_{verdict.reason}",
            f"{verdict.detail or verdict.reason} (revocation_reason={verdict.revocation_reason})",
            message=verdict.message_ja,
        )
    return AppSignature(
        signature=signature,
        certificate_pem=certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        serial=verdict.serial,
        transaction_id=transaction_id,
        digest_b64=digest_b64,
        verdict=verdict,
    )


def _complete(pending: dict[str, Any], params: dict[str, str], at: dt.datetime) -> AppSignature:
    if params.get("error"):
        error, description = params["error"], params.get("error_description", "")
        if error == "access_denied":
            raise SignAppError("sign_cancelled", f"access_denied: {description}")
        if at > dt.datetime.fromisoformat(str(pending["expires_at"])):
            raise SignAppError("sign_transaction_expired", f"{error}: {description}")
        raise SignAppError("sign_provider_error", f"authorization error {error}: {description}")
    code = params.get("code", "")
    if not code:
        raise SignAppError("sign_provider_error", "no code in the callback")
    try:
        tokens = oidc.token_request(
            code=code,
            verifier=str(pending["verifier"]),
            now=at,
            redirect_uri=oidc.portal_sign_redirect_uri(),
        )
        oidc.validate_id_token(
            str(tokens.get("id_token", "")),
            nonce=str(pending["nonce"]),
            keys=oidc.fetch_provider_jwks(),
            now=at,
        )
    except OidcError as exc:
        raise SignAppError("sign_provider_error", f"token/id_token: {exc.error}: {exc.description}") from exc
    token = _fetch_result(str(pending["transaction_id"]), str(tokens.get("access_token", "")))
    return open_result(
        token, transaction_id=str(pending["transaction_id"]), digest_b64=str(pending["digest"]), now=at
    )


def finish_signing(
    session: Any, params: dict[str, str], *, now: dt.datetime | None = None
) -> tuple[str, str, AppSignature]:
    """The provider's redirect back: (return_path, reference, verified signature). SignAppError carries the
    return_path and reference when the flow was known, so the resident lands back on the page they signed from."""
    at = now or timezone.now()
    pending = session.pop(SIGN_SESSION_KEY, None)
    if not isinstance(pending, dict) or not params.get("state"):
        raise SignAppError("sign_state_mismatch", "no signing in progress in this session")
    try:
        if not hmac.compare_digest(str(pending.get("state", "")), params.get("state", "")):
            raise SignAppError("sign_state_mismatch", "state does not match the one sent")
        signature = _complete(pending, params, at)
    except SignAppError as exc:
        exc.return_path = str(pending.get("return_path", ""))
        exc.reference = str(pending.get("reference", ""))
        raise
    return str(pending["return_path"]), str(pending["reference"]), signature


# --- handing the outcome to the page that asked -------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class SigningOutcome:
    """What the page that started the signing gets back: a signature, or a reason and a message."""

    reference: str
    digest_b64: str = ""
    signature: bytes = b""
    certificate_pem: str = ""
    serial: str = ""
    transaction_id: str = ""
    reason: str = ""
    message: str = ""

    @property
    def ok(self) -> bool:
        return not self.reason


def store_outcome(
    session: Any, *, reference: str, signature: AppSignature | None = None, error: SignAppError | None = None
) -> None:
    """Keep the outcome for the page that asked (one outcome per session; the next start replaces it)."""
    if signature is not None:
        session[OUTCOME_SESSION_KEY] = {
            "reference": reference,
            "digest": signature.digest_b64,
            "signature": _b64(signature.signature),
            "certificate_pem": signature.certificate_pem,
            "serial": signature.serial,
            "transaction_id": signature.transaction_id,
        }
    elif error is not None:
        session[OUTCOME_SESSION_KEY] = {
            "reference": reference,
            "reason": error.reason,
            "message": str(error.message),
        }


def take_outcome(session: Any, *, reference: str) -> SigningOutcome | None:
    """The outcome for `reference`, removed from the session (single use), or None."""
    data = session.get(OUTCOME_SESSION_KEY)
    if not isinstance(data, dict) or data.get("reference") != reference:
        return None
    session.pop(OUTCOME_SESSION_KEY, None)
    if data.get("reason"):
        return SigningOutcome(reference, reason=str(data["reason"]), message=str(data.get("message", "")))
    return SigningOutcome(
        reference,
        digest_b64=str(data.get("digest", "")),
        signature=base64.b64decode(str(data.get("signature", ""))),
        certificate_pem=str(data.get("certificate_pem", "")),
        serial=str(data.get("serial", "")),
        transaction_id=str(data.get("transaction_id", "")),
    )


__all__ = [
    "MESSAGES_JA",
    "AppSignature",
    "SignAppError",
    "SigningOutcome",
    "create_sign_transaction",
    "finish_signing",
    "open_result",
    "sign_api_url",
    "start_signing",
    "store_outcome",
    "take_outcome",
]
