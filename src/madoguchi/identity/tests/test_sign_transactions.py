"""The local provider's signing transaction (simulated デジタル認証アプリ): client credentials, creation, binding to
the authorization request, the signing-PIN step, and the single-use JWE result — each error on its own."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import urllib.parse
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from django.test import Client
from django.utils import timezone
from joserfc.jwk import KeySet

from madoguchi.identity import oidc, runtime
from madoguchi.identity.jpki import SoftwareCard, verify
from madoguchi.identity.models import (
    GrantType,
    OidcAccessToken,
    SignTransaction,
    SignTransactionStatus,
    TestCardRecord,
)
from madoguchi.identity.sign_transactions import decrypt_result

from .conftest import SIGN_PIN

VERIFIER = "s" * 20 + "-._~" + "B2" * 15
DOCUMENT = "申請内容（テスト）".encode()
DIGEST = hashlib.sha256(DOCUMENT).digest()


def _cc_token(client: Client, **overrides: str) -> Any:
    form = {
        "grant_type": "client_credentials",
        "scope": "sign",
        "client_id": oidc.portal_client_id(),
        "client_assertion_type": oidc.CLIENT_ASSERTION_TYPE,
        "client_assertion": oidc.client_assertion(),
    }
    form.update(overrides)
    return client.post("/oidc/token", {k: v for k, v in form.items() if v != "<drop>"})


def _create(client: Client, body: Any = None, token: str | None = None) -> Any:
    if token is None:
        token = _cc_token(client).json()["access_token"]
    payload = (
        body
        if body is not None
        else {"digest_algorithm": "SHA-256", "digest": base64.b64encode(DIGEST).decode()}
    )
    return client.post(
        "/oidc/api/sign-transactions",
        data=payload if isinstance(payload, bytes) else json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def _new_transaction(client: Client) -> str:
    response = _create(client)
    assert response.status_code == 201, response.content
    return str(response.json()["sign_transaction_id"])


def _params(transaction_id: str, **overrides: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": oidc.portal_client_id(),
        "redirect_uri": oidc.portal_sign_redirect_uri(),
        "scope": "openid sign",
        "state": "sign-state",
        "nonce": "sign-nonce",
        "code_challenge": oidc.s256(VERIFIER),
        "code_challenge_method": "S256",
        "sign_transaction_id": transaction_id,
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v != "<drop>"}


def _query(response: Any) -> dict[str, str]:
    assert response.status_code == 302, response.content.decode()[:600]
    location = urllib.parse.urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == oidc.portal_sign_redirect_uri()
    return dict(urllib.parse.parse_qsl(location.query))


def _sign(client: Client, card: TestCardRecord, params: dict[str, str], pin: str = SIGN_PIN) -> Any:
    return client.post("/oidc/authorize", {**params, "card": card.card_id, "pin": pin, "action": "sign"})


def _user_token(client: Client, card: TestCardRecord, transaction_id: str) -> dict[str, Any]:
    code = _query(_sign(client, card, _params(transaction_id)))["code"]
    response = client.post(
        "/oidc/token",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": oidc.portal_sign_redirect_uri(),
            "code_verifier": VERIFIER,
            "client_id": oidc.portal_client_id(),
            "client_assertion_type": oidc.CLIENT_ASSERTION_TYPE,
            "client_assertion": oidc.client_assertion(),
        },
    )
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def _result(client: Client, transaction_id: str, token: str | None) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.get(f"/oidc/api/sign-transactions/{transaction_id}/result", **headers)


# --- client credentials and creation ---------------------------------------------------------------------------------
@pytest.mark.django_db
def test_client_credentials_token_is_only_for_sign_transactions(client: Client) -> None:
    body = _cc_token(client).json()
    assert body["token_type"] == "Bearer" and body["scope"] == "sign" and "id_token" not in body
    assert OidcAccessToken.objects.get().grant_type == GrantType.CLIENT_CREDENTIALS
    # …it is not a resident's token: userinfo refuses it
    info = client.get("/oidc/userinfo", HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    assert info.status_code == 401
    wrong_scope = _cc_token(client, scope="openid")
    assert (wrong_scope.status_code, wrong_scope.json()["error"]) == (400, "invalid_scope")
    unauthenticated = _cc_token(client, client_assertion="<drop>")
    assert (unauthenticated.status_code, unauthenticated.json()["error"]) == (401, "invalid_client")


@pytest.mark.django_db
def test_create_transaction(client: Client) -> None:
    response = _create(client)
    assert response.status_code == 201 and response["Cache-Control"] == "no-store"
    body = response.json()
    row = SignTransaction.objects.get(transaction_id=uuid.UUID(body["sign_transaction_id"]))
    assert body["expires_in"] == 600
    assert row.status == SignTransactionStatus.PENDING and row.client_id == oidc.portal_client_id()
    assert base64.b64decode(row.digest_b64) == DIGEST


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"digest": base64.b64encode(b"short").decode()}, 400, "invalid_request"),
        ({"digest": "!" * 44}, 400, "invalid_request"),
        ({}, 400, "invalid_request"),
        ({"digest": base64.b64encode(DIGEST).decode(), "digest_algorithm": "SHA-1"}, 400, "invalid_request"),
        (b"not json", 400, "invalid_request"),
        ([1, 2], 400, "invalid_request"),
    ],
)
def test_create_rejects_bad_bodies(client: Client, body: Any, status: int, error: str) -> None:
    response = _create(client, body)
    assert (response.status_code, response.json()["error"]) == (status, error)
    assert not SignTransaction.objects.exists()


@pytest.mark.django_db
def test_create_requires_a_client_credentials_token(
    client: Client, make_card: Callable[..., TestCardRecord]
) -> None:
    no_token = client.post("/oidc/api/sign-transactions", data="{}", content_type="application/json")
    assert (no_token.status_code, no_token.json()["error"]) == (401, "invalid_token")
    assert no_token["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    unknown = _create(client, token="made-up")
    assert (unknown.status_code, unknown.json()["error"]) == (401, "invalid_token")
    # a resident's access token (authorization code) may not create transactions
    resident_token = _user_token(client, make_card(0), _new_transaction(client))["access_token"]
    forbidden = _create(client, token=resident_token)
    assert (forbidden.status_code, forbidden.json()["error"]) == (403, "insufficient_scope")


# --- binding to the authorization request ------------------------------------------------------------------------------
@pytest.mark.django_db
def test_authorize_rejects_missing_malformed_unknown_or_misplaced_transactions(client: Client) -> None:
    cases: list[tuple[dict[str, str], str]] = [
        ({"sign_transaction_id": "<drop>"}, "sign_transaction_id is required"),
        ({"sign_transaction_id": "not-a-uuid"}, "not a UUID"),
        ({"sign_transaction_id": str(uuid.uuid4())}, "unknown"),
        ({"scope": "openid name"}, "only allowed with scope sign"),
    ]
    transaction_id = _new_transaction(client)
    for overrides, words in cases:
        query = _query(client.get("/oidc/authorize", _params(transaction_id, **overrides)))
        assert query["error"] == "invalid_request", overrides
        assert words in query["error_description"], (overrides, query)
        assert query["state"] == "sign-state"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"client_id": "anotherclient"}, "another client"),
        ({"expires_at": timezone.now() - dt.timedelta(seconds=1)}, "expired"),
        ({"status": SignTransactionStatus.SIGNED}, "already used"),
        ({"status": SignTransactionStatus.CANCELLED}, "already used"),
    ],
)
def test_authorize_rejects_other_client_expired_or_used_transactions(
    client: Client, change: dict[str, Any], words: str
) -> None:
    transaction_id = _new_transaction(client)
    SignTransaction.objects.filter(transaction_id=transaction_id).update(**change)
    query = _query(client.get("/oidc/authorize", _params(transaction_id)))
    assert query["error"] == "invalid_request" and words in query["error_description"]


# --- the signing-PIN step ----------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_signing_page_shows_the_digest_and_asks_for_the_signing_pin(
    client: Client, make_card: Callable[..., TestCardRecord]
) -> None:
    make_card(0)
    page = client.get("/oidc/authorize", _params(_new_transaction(client)))
    assert page.status_code == 200
    html = page.content.decode()
    assert DIGEST.hex() in html
    assert "署名用電子証明書の暗証番号（英数字6〜16文字）" in html
    assert "署名をやめて戻る" in html


@pytest.mark.django_db
def test_wrong_signing_pin_counts_down_and_locks_the_card(
    client: Client, make_card: Callable[..., TestCardRecord]
) -> None:
    card = make_card(0)
    transaction_id = _new_transaction(client)
    params = _params(transaction_id)
    for remaining in (4, 3, 2, 1):
        response = _sign(client, card, params, pin="WRONG1")
        assert response.status_code == 400
        assert f"あと{remaining}回" in response.content.decode()
        card.refresh_from_db()
        assert SoftwareCard.from_dict(card.card_data).remaining_tries("sign") == remaining
    locked = _sign(client, card, params, pin="WRONG1")
    assert locked.status_code == 400 and "ロックされています" in locked.content.decode()
    # …and the right PIN no longer helps: locked like the chip
    again = _sign(client, card, params)
    assert again.status_code == 400 and "ロックされています" in again.content.decode()
    assert SignTransaction.objects.get(transaction_id=transaction_id).status == SignTransactionStatus.PENDING


@pytest.mark.django_db
def test_malformed_pin_uses_no_try(client: Client, make_card: Callable[..., TestCardRecord]) -> None:
    card = make_card(0)
    response = _sign(client, card, _params(_new_transaction(client)), pin="abc")
    assert response.status_code == 400 and "6〜16文字" in response.content.decode()
    card.refresh_from_db()
    assert SoftwareCard.from_dict(card.card_data).remaining_tries("sign") == 5


@pytest.mark.django_db
def test_cancel_returns_access_denied_and_ends_the_transaction(
    client: Client, make_card: Callable[..., TestCardRecord]
) -> None:
    card = make_card(0)
    transaction_id = _new_transaction(client)
    params = _params(transaction_id)
    query = _query(client.post("/oidc/authorize", {**params, "action": "cancel"}))
    assert query["error"] == "access_denied" and query["state"] == "sign-state"
    assert (
        SignTransaction.objects.get(transaction_id=transaction_id).status == SignTransactionStatus.CANCELLED
    )
    reuse = _query(_sign(client, card, params))
    assert reuse["error"] == "invalid_request" and "already used" in reuse["error_description"]


@pytest.mark.django_db
def test_transaction_expiring_while_the_resident_is_on_the_page(
    client: Client, make_card: Callable[..., TestCardRecord]
) -> None:
    card = make_card(0)
    transaction_id = _new_transaction(client)
    SignTransaction.objects.filter(transaction_id=transaction_id).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    query = _query(_sign(client, card, _params(transaction_id)))
    assert query["error"] == "invalid_request" and "expired" in query["error_description"]
    card.refresh_from_db()
    assert SoftwareCard.from_dict(card.card_data).remaining_tries("sign") == 5  # the card was never asked


# --- the result --------------------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_result_is_a_jwe_for_the_client_with_a_verifiable_signature_once(
    client: Client, make_card: Callable[..., TestCardRecord]
) -> None:
    card = make_card(0)
    transaction_id = _new_transaction(client)
    tokens = _user_token(client, card, transaction_id)
    claims = oidc.validate_id_token(
        tokens["id_token"],
        nonce="sign-nonce",
        keys=KeySet.import_key_set(oidc.public_jwks(oidc.provider_key())),  # type: ignore[arg-type]
        now=timezone.now(),
    )
    assert claims["sub"]
    response = _result(client, transaction_id, tokens["access_token"])
    assert response.status_code == 200 and response["Content-Type"] == "application/jose"
    assert response["Cache-Control"] == "no-store"
    jwe_token = response.content.decode()
    header = json.loads(base64.urlsafe_b64decode(jwe_token.split(".")[0] + "=="))
    assert (header["alg"], header["enc"]) == ("RSA-OAEP-256", "A256GCM")
    assert header["kid"] == oidc.client_encryption_key().kid
    result = decrypt_result(jwe_token, oidc.client_encryption_key())
    assert result["sign_transaction_id"] == transaction_id and result["aud"] == oidc.portal_client_id()
    assert base64.b64decode(result["digest"]) == DIGEST and result["digest_algorithm"] == "SHA-256"
    software_card = SoftwareCard.from_dict(TestCardRecord.objects.get(pk=card.pk).card_data)
    certificate = base64.b64decode(result["signing_certificate"])
    assert certificate == software_card.signing_certificate().public_bytes(Encoding.DER)
    now = timezone.now()
    verdict = verify(
        "sign",
        certificate,
        DOCUMENT,  # the signature over the digest is a signature over the document
        base64.b64decode(result["signature_value"]),
        trust=runtime.trust_store(now=now),
        revocation=runtime.revocation_checker(at=now),
        at=now,
    )
    assert verdict.valid, verdict
    row = SignTransaction.objects.get(transaction_id=transaction_id)
    assert row.status == SignTransactionStatus.DELIVERED and row.subject == claims["sub"]
    replay = _result(client, transaction_id, tokens["access_token"])
    assert (replay.status_code, replay.json()["error"]) == (410, "transaction_already_used")


@pytest.mark.django_db
def test_result_errors(client: Client, make_card: Callable[..., TestCardRecord]) -> None:
    card = make_card(0)
    transaction_id = _new_transaction(client)
    tokens = _user_token(client, card, transaction_id)
    access = tokens["access_token"]

    missing = _result(client, transaction_id, None)
    assert (missing.status_code, missing.json()["error"]) == (401, "invalid_token")
    client_token = _cc_token(client).json()["access_token"]
    not_resident = _result(client, transaction_id, client_token)
    assert (not_resident.status_code, not_resident.json()["error"]) == (403, "insufficient_scope")
    other = _new_transaction(client)
    wrong_transaction = _result(client, other, access)
    assert (wrong_transaction.status_code, wrong_transaction.json()["error"]) == (403, "insufficient_scope")
    unknown = _result(client, str(uuid.uuid4()), access)
    assert (unknown.status_code, unknown.json()["error"]) == (404, "transaction_not_found")

    SignTransaction.objects.filter(transaction_id=transaction_id).update(
        result_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    expired = _result(client, transaction_id, access)
    assert (expired.status_code, expired.json()["error"]) == (410, "transaction_expired")
    assert SignTransaction.objects.get(transaction_id=transaction_id).status == SignTransactionStatus.SIGNED

    # a resident token bound to a transaction that was never signed
    pending = _new_transaction(client)
    OidcAccessToken.objects.create(
        token_hash=hashlib.sha256(b"pending-token").hexdigest(),
        client_id=oidc.portal_client_id(),
        scope="openid sign",
        subject="s",
        sign_transaction_id=uuid.UUID(pending),
        expires_at=timezone.now() + dt.timedelta(minutes=1),
    )
    unsigned = _result(client, pending, "pending-token")
    assert (unsigned.status_code, unsigned.json()["error"]) == (409, "transaction_not_signed")


@pytest.mark.django_db
def test_discovery_names_the_client_credentials_grant_and_the_sign_api(client: Client) -> None:
    document = client.get("/oidc/.well-known/openid-configuration").json()
    assert "client_credentials" in document["grant_types_supported"]
    assert document["sign_transactions_endpoint"].endswith("/oidc/api/sign-transactions")
