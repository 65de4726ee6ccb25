"""The signing transaction of the local provider (simulated デジタル認証アプリ, jpki.md §8 and §9 item 8).

1. The relying party authenticates with the client_credentials grant (private_key_jwt) and POSTs the base64
   SHA-256 digest of its document to `/api/sign-transactions` → `sign_transaction_id` (UUID, lives
   SIGN_TRANSACTION_TTL).
2. It sends the resident to the authorization endpoint with scope `sign` and that `sign_transaction_id`
   (`validate_request` rejects a missing, unknown, expired, used or other client's transaction with
   `invalid_request`). On the provider's page the resident chooses the (test) card and enters the 署名用 PIN; the
   card signs the digest (a wrong PIN decrements the card's counter, which locks at 5 like the chip).
3. After the code exchange, `GET /api/sign-transactions/{id}/result` with the resident's access token returns the
   result ONCE, within RESULT_TTL of signing, as a compact JWE (RSA-OAEP-256 + A256GCM) encrypted to the
   client's registered encryption key. The JWE's JSON payload (claim names are ours; the real service's are
   unconfirmed, jpki.md §10.3):

   iss, aud (client_id), iat, exp, sign_transaction_id, digest_algorithm ("SHA-256"), digest (base64, the value
   the RP sent), signature_value (base64 of the raw RSA PKCS#1 v1.5 signature over the DigestInfo of the digest),
   signing_certificate (base64 DER of the 署名用電子証明書, as in an x5c entry), signed_at (epoch seconds).

The provider does not judge the certificate: the relying party verifies signature, chain, policy and revocation.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import json
import logging
import uuid
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives import serialization
from django.db import transaction
from django.utils import timezone
from joserfc import jwe
from joserfc.jwk import KeySet, RSAKey

from . import oidc
from .jpki import PinFormatError, PinLocked, SoftwareCard, WrongPin, serial_hex
from .login import holder_attributes
from .models import GrantType, OidcAccessToken, SignTransaction, SignTransactionStatus
from .oidc import AuthorizationRequest, OidcError, RedirectableError
from .portal_session import PortalIdentity
from .services import use_test_card

logger = logging.getLogger("madoguchi.identity")

SIGN_TRANSACTION_TTL = dt.timedelta(minutes=10)  # from creation to the resident's signature
RESULT_TTL = dt.timedelta(minutes=5)  # from the signature to the RP fetching the result
DIGEST_ALGORITHMS = ("SHA-256",)
JWE_ALGORITHM = "RSA-OAEP-256"
JWE_ENCRYPTION = "A256GCM"
JWE_ALGORITHMS = (JWE_ALGORITHM, JWE_ENCRYPTION)


class SignApiError(OidcError):
    """An error of the sign-transactions API (JSON body {error, error_description}; `description` English)."""


# --- 1. creation (client credentials) --------------------------------------------------------------------------------
def _bearer(header: str) -> str:
    if not header.startswith("Bearer ") or not header.removeprefix("Bearer ").strip():
        raise SignApiError("invalid_token", "Bearer token required", status=401)
    return header.removeprefix("Bearer ").strip()


def _token_row(authorization: str, at: dt.datetime) -> OidcAccessToken:
    row = OidcAccessToken.objects.filter(
        token_hash=oidc._hash(_bearer(authorization)), expires_at__gte=at
    ).first()
    if row is None:
        raise SignApiError("invalid_token", "access token is unknown or expired", status=401)
    return row


def decode_digest(value: object) -> bytes:
    """The 32-byte SHA-256 digest from standard base64; SignApiError otherwise."""
    if not isinstance(value, str) or len(value) != 44:
        raise SignApiError("invalid_request", "digest must be the base64 of a 32-byte SHA-256 digest")
    try:
        digest = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignApiError("invalid_request", "digest is not valid base64") from exc
    if len(digest) != 32:
        raise SignApiError("invalid_request", "digest must be the base64 of a 32-byte SHA-256 digest")
    return digest


def create_transaction(*, authorization: str, body: bytes, now: dt.datetime | None = None) -> dict[str, Any]:
    """POST /api/sign-transactions: a client-credentials token and {digest, digest_algorithm} → the new id."""
    at = now or timezone.now()
    row = _token_row(authorization, at)
    if row.grant_type != GrantType.CLIENT_CREDENTIALS or "sign" not in row.scope.split():
        raise SignApiError(
            "insufficient_scope", "a client_credentials token with scope sign is required", status=403
        )
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SignApiError("invalid_request", "the body must be a JSON object") from exc
    if not isinstance(payload, dict):
        raise SignApiError("invalid_request", "the body must be a JSON object")
    algorithm = payload.get("digest_algorithm", "SHA-256")
    if algorithm not in DIGEST_ALGORITHMS:
        raise SignApiError(
            "invalid_request", f"digest_algorithm must be one of {', '.join(DIGEST_ALGORITHMS)}"
        )
    digest = decode_digest(payload.get("digest"))
    created = SignTransaction.objects.create(
        transaction_id=uuid.uuid4(),
        client_id=row.client_id,
        digest_algorithm=algorithm,
        digest_b64=base64.b64encode(digest).decode("ascii"),
        created_at=at,
        expires_at=at + SIGN_TRANSACTION_TTL,
    )
    logger.info("sign transaction %s created for client %s", created.transaction_id, row.client_id)
    return {
        "sign_transaction_id": str(created.transaction_id),
        "expires_in": int(SIGN_TRANSACTION_TTL.total_seconds()),
    }


# --- 2. binding to the authorization request ---------------------------------------------------------------------------
def _pending_transaction(request: AuthorizationRequest, at: dt.datetime) -> SignTransaction:
    """The transaction the request names, if it may still be signed; RedirectableError (invalid_request) if not."""

    def fail(reason: str, description: str) -> RedirectableError:
        logger.warning(
            "sign transaction %s refused at authorize: %s", request.sign_transaction_id or "-", reason
        )
        return RedirectableError(
            "invalid_request", description, redirect_uri=request.redirect_uri, state=request.state
        )

    row = SignTransaction.objects.filter(transaction_id=request.sign_transaction_id).first()
    if row is None:
        raise fail("sign_transaction_unknown", "sign_transaction_id is unknown")
    if row.client_id != request.client_id:
        raise fail("sign_transaction_other_client", "sign_transaction_id belongs to another client")
    if row.status != SignTransactionStatus.PENDING:
        raise fail("sign_transaction_used", "sign_transaction_id was already used")
    if row.expires_at < at:
        raise fail("sign_transaction_expired", "sign_transaction_id has expired")
    return row


def validate_request(params: Mapping[str, str], *, now: dt.datetime | None = None) -> AuthorizationRequest:
    """`oidc.validate_authorization_request`, plus: a signing request names a live, pending transaction of the
    same client."""
    request = oidc.validate_authorization_request(params)
    if request.is_signing:
        _pending_transaction(request, now or timezone.now())
    return request


def transaction_digest_hex(request: AuthorizationRequest) -> str:
    """The digest to be signed, in hex (shown to the resident on the provider's page)."""
    row = SignTransaction.objects.filter(transaction_id=request.sign_transaction_id).first()
    return base64.b64decode(row.digest_b64).hex() if row is not None else ""


@dataclasses.dataclass(frozen=True)
class SignOutcome:
    """What the provider's signing step produced: a code, or a reason and the tries left."""

    code: str = ""
    reason: str = ""  # wrong_pin | pin_locked | pin_format | unknown_card
    remaining_tries: int | None = None


def sign_at_provider(
    request: AuthorizationRequest, *, card_id: str, pin: str, now: dt.datetime | None = None
) -> SignOutcome:
    """The resident signs the transaction's digest with the chosen test card and the 署名用 PIN.

    The PIN counter is persisted by `use_test_card` even when the PIN is wrong (the chip counts every try); a
    transaction that expired or was used meanwhile raises RedirectableError. Returns the authorization code.
    """
    at = now or timezone.now()
    pending = _pending_transaction(request, at)
    digest = base64.b64decode(pending.digest_b64)
    try:
        card, signature = use_test_card(card_id, "sign_digest", digest, pin)
    except LookupError:
        return SignOutcome(reason="unknown_card")
    except (WrongPin, PinLocked, PinFormatError) as exc:
        reason, remaining = (
            ("wrong_pin", exc.remaining)
            if isinstance(exc, WrongPin)
            else ("pin_locked", 0)
            if isinstance(exc, PinLocked)
            else ("pin_format", None)
        )
        logger.warning(
            "sign transaction %s: %s on test card %s (tries left %s)",
            pending.transaction_id,
            f"sign_{reason}",
            card_id,
            remaining,
        )
        return SignOutcome(reason=reason, remaining_tries=remaining)
    identity = _signer_identity(card, at)
    subject = oidc.pairwise_subject(request.client_id, identity.auth_serial)
    with transaction.atomic():
        # Single use: only one request turns this pending transaction into a signed one.
        won = SignTransaction.objects.filter(
            pk=pending.pk, status=SignTransactionStatus.PENDING, expires_at__gte=at
        ).update(
            status=SignTransactionStatus.SIGNED,
            subject=subject,
            signature=signature,
            certificate_der=card.signing_certificate().public_bytes(serialization.Encoding.DER),
            signed_at=at,
            result_expires_at=at + RESULT_TTL,
        )
        if won != 1:
            raise RedirectableError(
                "invalid_request",
                "sign_transaction_id was already used",
                redirect_uri=request.redirect_uri,
                state=request.state,
            )
        code = oidc.issue_authorization_code(request, identity, now=at)
    logger.info("sign transaction %s signed (sign serial %s)", pending.transaction_id, identity.sign_serial)
    return SignOutcome(code=code)


def _signer_identity(card: SoftwareCard, at: dt.datetime) -> PortalIdentity:
    """Who signed, for the ID token: the card's auth serial (pairwise sub) and the 基本4情報 of its signing cert.

    The auth certificate is readable without a PIN (the app reads it to tell cards apart); the signature made with
    the 署名用 key after its PIN is the proof of the person here.
    """
    signing = card.signing_certificate()
    attributes = holder_attributes(signing, at=at)
    return PortalIdentity(
        method="oidc_sign",
        auth_serial=serial_hex(card.authentication_certificate().serial_number),
        authenticated_at=at.isoformat(),
        name=attributes.name if attributes else "",
        address=attributes.address if attributes else "",
        birth_date=attributes.birth_date.isoformat() if attributes and attributes.birth_date else "",
        sex=attributes.sex.label_ja if attributes else "",
        sign_serial=serial_hex(signing.serial_number),
    )


def cancel_transaction(request: AuthorizationRequest, *, now: dt.datetime | None = None) -> str:
    """The resident declined at the provider: end the transaction; return the access_denied redirect URL."""
    at = now or timezone.now()
    SignTransaction.objects.filter(
        transaction_id=request.sign_transaction_id,
        client_id=request.client_id,
        status=SignTransactionStatus.PENDING,
    ).update(status=SignTransactionStatus.CANCELLED, ended_reason="access_denied")
    logger.info("sign transaction %s cancelled by the resident at %s", request.sign_transaction_id, at)
    return RedirectableError(
        "access_denied",
        "the resident declined to sign",
        redirect_uri=request.redirect_uri,
        state=request.state,
    ).redirect_url()


# --- 3. the result ------------------------------------------------------------------------------------------------------
def _encryption_key(jwks: dict[str, Any]) -> RSAKey:
    for data in jwks.get("keys", []):
        if data.get("use") == "enc" and data.get("kty") == "RSA":
            return RSAKey.import_key(data)
    raise SignApiError("server_error", "the client registered no RSA encryption key", status=500)


def transaction_result(transaction_id: str, *, authorization: str, now: dt.datetime | None = None) -> str:
    """GET /api/sign-transactions/{id}/result: the resident's access token for this transaction → the JWE, once."""
    at = now or timezone.now()
    token = _token_row(authorization, at)
    if token.grant_type != GrantType.AUTHORIZATION_CODE or "sign" not in token.scope.split():
        raise SignApiError(
            "insufficient_scope", "a resident's access token with scope sign is required", status=403
        )
    row = SignTransaction.objects.filter(transaction_id=transaction_id).first()
    if row is None or row.client_id != token.client_id:
        raise SignApiError("transaction_not_found", "no such sign transaction for this client", status=404)
    if token.sign_transaction_id != row.transaction_id:
        raise SignApiError(
            "insufficient_scope", "the access token was issued for another transaction", status=403
        )
    if row.status == SignTransactionStatus.DELIVERED:
        raise SignApiError("transaction_already_used", "the result was already delivered", status=410)
    if row.status != SignTransactionStatus.SIGNED:
        raise SignApiError("transaction_not_signed", f"the transaction is {row.status}", status=409)
    if row.result_expires_at is None or row.result_expires_at < at:
        raise SignApiError("transaction_expired", "the result is no longer available", status=410)
    client = oidc.registered_client(row.client_id)
    if client is None:
        raise SignApiError("invalid_client", "the client is no longer registered", status=401)
    with transaction.atomic():
        delivered = SignTransaction.objects.filter(pk=row.pk, status=SignTransactionStatus.SIGNED).update(
            status=SignTransactionStatus.DELIVERED, delivered_at=at
        )
    if delivered != 1:
        raise SignApiError("transaction_already_used", "the result was already delivered", status=410)
    payload = {
        "iss": oidc.issuer(),
        "aud": row.client_id,
        "iat": int(at.timestamp()),
        "exp": int((at + RESULT_TTL).timestamp()),
        "sign_transaction_id": str(row.transaction_id),
        "digest_algorithm": row.digest_algorithm,
        "digest": row.digest_b64,
        "signature_value": base64.b64encode(bytes(row.signature or b"")).decode("ascii"),
        "signing_certificate": base64.b64encode(bytes(row.certificate_der or b"")).decode("ascii"),
        "signed_at": int(row.signed_at.timestamp()) if row.signed_at else None,
    }
    key = _encryption_key(client.jwks)
    logger.info("sign transaction %s result delivered", row.transaction_id)
    return jwe.encrypt_compact(
        {"alg": JWE_ALGORITHM, "enc": JWE_ENCRYPTION, "kid": key.kid, "cty": "JSON"},
        json.dumps(payload, separators=(",", ":")).encode("utf-8"),
        key,
        algorithms=list(JWE_ALGORITHMS),
    )


def decrypt_result(token: str, key: RSAKey | KeySet) -> dict[str, Any]:
    """Open a result JWE with the client's private key (used by the relying party)."""
    result = jwe.decrypt_compact(token, key, algorithms=list(JWE_ALGORITHMS))
    payload = json.loads((result.plaintext or b"").decode("utf-8"))
    if not isinstance(payload, dict):
        raise ValueError("the result is not a JSON object")
    return payload


def purge_transactions(*, before: dt.datetime) -> int:
    """Delete transactions that expired before `before` (housekeeping; results are single use anyway)."""
    deleted, _ = SignTransaction.objects.filter(expires_at__lt=before).delete()
    return deleted


__all__ = [
    "RESULT_TTL",
    "SIGN_TRANSACTION_TTL",
    "SignApiError",
    "SignOutcome",
    "cancel_transaction",
    "create_transaction",
    "decrypt_result",
    "purge_transactions",
    "sign_at_provider",
    "transaction_result",
    "validate_request",
]
