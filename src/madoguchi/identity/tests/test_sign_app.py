"""The portal as relying party of the signing transaction: opening and checking the result JWE, the callback's
error mapping (each failure → a reason for the log and a Japanese message), and the outcome hand-over."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from django.utils import timezone
from joserfc import jwe
from joserfc.jwk import RSAKey

from madoguchi.identity import oidc, runtime, sign_app
from madoguchi.identity.jpki import SoftwareCard, verify
from madoguchi.identity.models import TestCardRecord, VerificationEvidence
from madoguchi.identity.sign_app import SIGN_SESSION_KEY, SignAppError

from .conftest import SIGN_PIN

DOCUMENT = "申請内容（RP）".encode()
DIGEST = hashlib.sha256(DOCUMENT).digest()
DIGEST_B64 = base64.b64encode(DIGEST).decode()
TRANSACTION = "0b7d2f3e-1c4a-4e8b-9f00-123456789abc"


def _result_jwe(
    card: SoftwareCard, *, key: RSAKey | None = None, signed_digest: bytes = DIGEST, **overrides: Any
) -> str:
    """A result as the provider builds it, encrypted to the portal's key (or `key`)."""
    now = int(timezone.now().timestamp())
    claims = {
        "iss": oidc.issuer(),
        "aud": oidc.portal_client_id(),
        "iat": now,
        "exp": now + 300,
        "sign_transaction_id": TRANSACTION,
        "digest_algorithm": "SHA-256",
        "digest": DIGEST_B64,
        "signature_value": base64.b64encode(card.sign_digest(signed_digest, SIGN_PIN)).decode(),
        "signing_certificate": base64.b64encode(
            card.signing_certificate().public_bytes(Encoding.DER)
        ).decode(),
        "signed_at": now,
        **overrides,
    }
    target = key or RSAKey.import_key(oidc.client_encryption_key().as_dict(private=False))
    return jwe.encrypt_compact(
        {"alg": "RSA-OAEP-256", "enc": "A256GCM", "kid": target.kid},
        json.dumps(claims).encode(),
        target,
        algorithms=["RSA-OAEP-256", "A256GCM"],
    )


def _open(token: str) -> sign_app.AppSignature:
    return sign_app.open_result(token, transaction_id=TRANSACTION, digest_b64=DIGEST_B64)


def _card(make_card: Callable[..., TestCardRecord]) -> SoftwareCard:
    return SoftwareCard.from_dict(make_card(0).card_data)


@pytest.mark.django_db
def test_open_result_verifies_with_the_jpki_library(make_card: Callable[..., TestCardRecord]) -> None:
    card = _card(make_card)
    signature = _open(_result_jwe(card))
    assert signature.verdict.valid and signature.transaction_id == TRANSACTION
    assert signature.certificate_pem.startswith("-----BEGIN CERTIFICATE-----")
    # the same evidence as a card signature: a signature over the document itself
    now = timezone.now()
    assert verify(
        "sign",
        signature.certificate_pem,
        DOCUMENT,
        signature.signature,
        trust=runtime.trust_store(now=now),
        revocation=runtime.revocation_checker(at=now),
        at=now,
    ).valid
    evidence = VerificationEvidence.objects.get(context="sign_app_signature")
    assert evidence.valid and evidence.serial == signature.serial and evidence.revocation_source


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"digest": base64.b64encode(hashlib.sha256(b"other").digest()).decode()}, "sign_digest_mismatch"),
        ({"sign_transaction_id": "11111111-2222-4333-8444-555555555555"}, "sign_provider_error"),
        ({"aud": "someoneelse"}, "sign_provider_error"),
        ({"iss": "https://evil.example"}, "sign_provider_error"),
        ({"exp": int(timezone.now().timestamp()) - 120}, "sign_transaction_expired"),
        ({"signature_value": "***"}, "sign_provider_error"),
    ],
)
def test_open_result_rejects_results_not_for_this_transaction(
    make_card: Callable[..., TestCardRecord], overrides: dict[str, Any], reason: str
) -> None:
    with pytest.raises(SignAppError) as info:
        _open(_result_jwe(_card(make_card), **overrides))
    assert info.value.reason == reason
    assert str(info.value.message)  # a message for the resident


@pytest.mark.django_db
def test_signature_not_over_our_digest_is_rejected(make_card: Callable[..., TestCardRecord]) -> None:
    card = _card(make_card)
    with pytest.raises(SignAppError) as info:
        _open(_result_jwe(card, signed_digest=hashlib.sha256(b"something else").digest()))
    assert info.value.reason == "signature_bad_signature"
    assert "電子署名を確認できませんでした" in str(info.value.message)
    assert not VerificationEvidence.objects.get(context="sign_app_signature").valid


@pytest.mark.django_db
def test_revoked_signing_certificate_is_rejected_with_its_reason(
    make_card: Callable[..., TestCardRecord],
) -> None:
    card = _card(make_card)
    now = timezone.now()
    runtime.test_ca(now=now).revoke(card.signing_certificate(), reason="affiliationChanged", at=now)
    runtime.republish_crls(now=now)
    with pytest.raises(SignAppError) as info:
        _open(_result_jwe(card))
    assert info.value.reason == "signature_revoked"
    assert "affiliationChanged" in info.value.detail
    assert "住所や氏名などの変更により" in str(info.value.message)


@pytest.mark.django_db
def test_unreadable_or_foreign_jwe(make_card: Callable[..., TestCardRecord]) -> None:
    stranger = RSAKey.generate_key(2048, parameters={"use": "enc"}, auto_kid=True)
    for token in ("garbage", _result_jwe(_card(make_card), key=stranger)):
        with pytest.raises(SignAppError) as info:
            _open(token)
        assert info.value.reason == "sign_provider_error"


def _pending(**overrides: Any) -> dict[str, Any]:
    return {
        SIGN_SESSION_KEY: {
            "state": "st",
            "nonce": "no",
            "verifier": "v" * 50,
            "transaction_id": TRANSACTION,
            "digest": DIGEST_B64,
            "expires_at": (timezone.now() + dt.timedelta(minutes=5)).isoformat(),
            "reference": "draft-1",
            "return_path": "/apply/drafts/draft-1/sign/",
            **overrides,
        }
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("session", "params", "reason", "return_path"),
    [
        ({}, {"state": "st", "code": "c"}, "sign_state_mismatch", ""),
        (_pending(), {"state": "forged", "code": "c"}, "sign_state_mismatch", "/apply/drafts/draft-1/sign/"),
        (
            _pending(),
            {"state": "st", "error": "access_denied"},
            "sign_cancelled",
            "/apply/drafts/draft-1/sign/",
        ),
        (
            _pending(expires_at=(timezone.now() - dt.timedelta(seconds=1)).isoformat()),
            {
                "state": "st",
                "error": "invalid_request",
                "error_description": "sign_transaction_id has expired",
            },
            "sign_transaction_expired",
            "/apply/drafts/draft-1/sign/",
        ),
        (
            _pending(),
            {"state": "st", "error": "invalid_request", "error_description": "x"},
            "sign_provider_error",
            "/apply/drafts/draft-1/sign/",
        ),
        (_pending(), {"state": "st"}, "sign_provider_error", "/apply/drafts/draft-1/sign/"),
    ],
)
def test_callback_errors_map_to_reasons(
    session: dict[str, Any], params: dict[str, str], reason: str, return_path: str
) -> None:
    store = dict(session)
    with pytest.raises(SignAppError) as info:
        sign_app.finish_signing(store, params)
    assert info.value.reason == reason
    assert info.value.return_path == return_path
    assert SIGN_SESSION_KEY not in store  # a pending signing is used once, whatever happens


def test_outcome_is_for_the_page_that_asked_and_used_once() -> None:
    session: dict[str, Any] = {}
    sign_app.store_outcome(session, reference="draft-1", error=SignAppError("sign_cancelled", "test"))
    assert sign_app.take_outcome(session, reference="draft-2") is None
    outcome = sign_app.take_outcome(session, reference="draft-1")
    assert outcome is not None and not outcome.ok and outcome.reason == "sign_cancelled"
    assert "中止されました" in outcome.message
    assert sign_app.take_outcome(session, reference="draft-1") is None


@pytest.mark.parametrize("path", ["https://evil.example/", "//evil.example/", "relative/path"])
def test_start_refuses_to_return_anywhere_else(path: str) -> None:
    with pytest.raises(ValueError):
        sign_app.start_signing({}, content=b"x", reference="r", return_path=path)


def test_sign_api_url_is_configuration(settings: Any) -> None:
    settings.MADOGUCHI_OIDC_ISSUER = "https://sb-auth-and-sign.example/api/realms/main"
    settings.MADOGUCHI_SIGN_API_URL = ""
    assert (
        sign_app.transactions_url()
        == "https://sb-auth-and-sign.example/api/realms/main/api/sign-transactions"
    )
    settings.MADOGUCHI_SIGN_API_URL = "https://sb-auth-and-sign.example/api/"
    assert sign_app.transactions_url() == "https://sb-auth-and-sign.example/api/sign-transactions"
