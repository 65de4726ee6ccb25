"""The local OIDC provider (デジタル認証アプリ parameters) and the portal as its relying party."""

from __future__ import annotations

import base64
import json
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from madoguchi.identity import oidc
from madoguchi.identity.models import TestCardRecord
from madoguchi.identity.oidc import RP_SESSION_KEY, OidcError
from madoguchi.identity.portal_session import SESSION_KEY
from madoguchi.registry.models import Resident

from .conftest import AUTH_PIN

VERIFIER = "v" * 20 + "-._~" + "A1" * 15


def _params(**overrides: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": oidc.portal_client_id(),
        "redirect_uri": oidc.portal_redirect_uri(),
        "scope": "openid name address birthdate gender",
        "state": "state-123",
        "nonce": "nonce-456",
        "code_challenge": oidc.s256(VERIFIER),
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v != "<drop>"}


def _error_of(response: Any) -> dict[str, str]:
    assert response.status_code == 302
    location = urllib.parse.urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == oidc.portal_redirect_uri()
    return dict(urllib.parse.parse_qsl(location.query))


def _authorize(client: Client, card: TestCardRecord, **overrides: str) -> str:
    """Run the provider's authorize step with the test card; return the code."""
    params = _params(**overrides)
    page = client.get("/oidc/authorize", params)
    assert page.status_code == 200, page.content.decode()[:500]
    challenge = page.context["form"].initial["challenge"]
    response = client.post(
        "/oidc/authorize", {**params, "card": card.card_id, "pin": AUTH_PIN, "challenge": challenge}
    )
    query = _error_of(response)
    assert query["state"] == params["state"]
    return query["code"]


def _token(client: Client, code: str, **overrides: str) -> Any:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": oidc.portal_redirect_uri(),
        "code_verifier": VERIFIER,
        "client_id": oidc.portal_client_id(),
        "client_assertion_type": oidc.CLIENT_ASSERTION_TYPE,
        "client_assertion": oidc.client_assertion(),
    }
    form.update(overrides)
    return client.post("/oidc/token", {k: v for k, v in form.items() if v != "<drop>"})


@pytest.mark.django_db
def test_discovery_and_jwks(client: Client) -> None:
    document = client.get("/oidc/.well-known/openid-configuration").json()
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    assert set(document["scopes_supported"]) == {"openid", "name", "address", "birthdate", "gender", "sign"}
    keys = client.get("/oidc/jwks").json()["keys"]
    assert keys[0]["kty"] == "EC" and "d" not in keys[0]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"code_challenge": "<drop>"}, "invalid_request"),
        ({"code_challenge_method": "plain", "code_challenge": VERIFIER}, "invalid_request"),
        ({"code_challenge_method": "<drop>"}, "invalid_request"),
        ({"nonce": "<drop>"}, "invalid_request"),
        ({"scope": "name address"}, "invalid_scope"),
        ({"scope": "openid email"}, "invalid_scope"),
        ({"response_type": "token"}, "unsupported_response_type"),
    ],
)
def test_authorize_rejects_bad_requests_to_the_redirect_uri(
    client: Client, overrides: dict[str, str], error: str
) -> None:
    query = _error_of(client.get("/oidc/authorize", _params(**overrides)))
    assert query["error"] == error
    assert query["state"] == "state-123"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides",
    [{"client_id": "unknownclient"}, {"redirect_uri": "https://evil.example/cb"}, {"client_id": "bad id!"}],
)
def test_authorize_never_redirects_to_an_unregistered_place(
    client: Client, overrides: dict[str, str]
) -> None:
    response = client.get("/oidc/authorize", _params(**overrides))
    assert response.status_code == 400
    assert "サービスの設定に誤り" in response.content.decode()


@pytest.mark.django_db
def test_state_is_required(client: Client) -> None:
    response = client.get("/oidc/authorize", _params(state="<drop>"))
    query = _error_of(response)
    assert query["error"] == "invalid_request" and "state" not in query


@pytest.mark.django_db
def test_code_flow_issues_id_token_with_card_claims(
    client: Client, residents: list[Resident], make_card: Callable[..., TestCardRecord]
) -> None:
    code = _authorize(client, make_card(0))
    response = _token(client, code)
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    keys = KeySet.import_key_set(oidc.public_jwks(oidc.provider_key()))  # type: ignore[arg-type]
    claims = oidc.validate_id_token(
        body["id_token"],
        nonce="nonce-456",
        keys=keys,
        now=timezone.now(),
    )
    resident = residents[0]
    assert claims["name"] == f"{resident.family_name}\u3000{resident.given_name}"
    assert claims["birthdate"] == resident.birth_date.isoformat()  # type: ignore[union-attr]
    assert claims["gender"] == resident.sex
    assert claims["address"]["formatted"].startswith("東京都千代田区")
    header = json.loads(base64.urlsafe_b64decode(body["id_token"].split(".")[0] + "=="))
    assert header["alg"] == "ES256"
    info = client.get("/oidc/userinfo", HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    assert (
        info.status_code == 200
        and info.json()["sub"] == claims["sub"]
        and info.json()["name"] == claims["name"]
    )
    assert client.get("/oidc/userinfo").status_code == 401


@pytest.mark.django_db
def test_scope_limits_claims(client: Client, make_card: Callable[..., TestCardRecord]) -> None:
    code = _authorize(client, make_card(0), scope="openid name")
    body = _token(client, code).json()
    info = client.get("/oidc/userinfo", HTTP_AUTHORIZATION=f"Bearer {body['access_token']}").json()
    assert set(info) == {"sub", "name"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "status", "error"),
    [
        ({"code_verifier": "<drop>"}, 400, "invalid_request"),
        ({"code_verifier": "w" * 50}, 400, "invalid_grant"),
        ({"redirect_uri": "http://127.0.0.1:8000/other"}, 400, "invalid_grant"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"client_assertion": "<drop>"}, 401, "invalid_client"),
        ({"client_assertion_type": "<drop>"}, 401, "invalid_client"),
        ({"client_assertion": "not.a.jwt"}, 401, "invalid_client"),
    ],
)
def test_token_endpoint_errors(
    client: Client,
    make_card: Callable[..., TestCardRecord],
    overrides: dict[str, str],
    status: int,
    error: str,
) -> None:
    code = _authorize(client, make_card(0))
    response = _token(client, code, **overrides)
    assert (response.status_code, response.json()["error"]) == (status, error)


@pytest.mark.django_db
def test_client_assertion_signed_with_another_key_or_for_another_audience(
    client: Client, make_card: Callable[..., TestCardRecord]
) -> None:
    card = make_card(0)
    stranger = RSAKey.generate_key(2048)
    now = time.time()
    forged = jwt.encode(
        {"alg": "RS256"},
        {
            "iss": oidc.portal_client_id(),
            "sub": oidc.portal_client_id(),
            "aud": oidc.endpoint("token"),
            "jti": "x1",
            "exp": int(now) + 60,
        },
        stranger,
    )
    response = _token(client, _authorize(client, card), client_assertion=forged)
    assert (response.status_code, response.json()["error"]) == (401, "invalid_client")
    wrong_aud = oidc.client_assertion(audience="https://elsewhere.example/token")
    response = _token(client, _authorize(client, card), client_assertion=wrong_aud)
    assert (response.status_code, response.json()["error"]) == (401, "invalid_client")


@pytest.mark.django_db
def test_client_assertion_replay_and_code_reuse(
    client: Client, make_card: Callable[..., TestCardRecord]
) -> None:
    card = make_card(0)
    assertion = oidc.client_assertion(jti="fixed-jti")
    code = _authorize(client, card)
    assert _token(client, code, client_assertion=assertion).status_code == 200
    replay = _token(client, _authorize(client, card), client_assertion=assertion)
    assert (replay.status_code, replay.json()["error"]) == (401, "invalid_client")
    reuse = _token(client, code)
    assert (reuse.status_code, reuse.json()["error"]) == (400, "invalid_grant")


@pytest.mark.django_db
def test_wrong_pin_at_provider_shows_message_and_no_code(
    client: Client, make_card: Callable[..., TestCardRecord]
) -> None:
    card = make_card(0)
    params = _params()
    page = client.get("/oidc/authorize", params)
    challenge = page.context["form"].initial["challenge"]
    response = client.post(
        "/oidc/authorize", {**params, "card": card.card_id, "pin": "9999", "challenge": challenge}
    )
    assert response.status_code == 400
    assert "あと2回" in response.content.decode()


def test_id_token_nonce_mismatch_is_rejected(db: None) -> None:
    key = oidc.provider_key()
    now = timezone.now()
    token = oidc._id_token(
        client_id=oidc.portal_client_id(), subject="s", nonce="sent", auth_time=now, now=now, claims={}
    )
    keys = KeySet.import_key_set(oidc.public_jwks(key))  # type: ignore[arg-type]
    assert oidc.validate_id_token(token, nonce="sent", keys=keys, now=now)["sub"] == "s"
    with pytest.raises(OidcError) as info:
        oidc.validate_id_token(token, nonce="other", keys=keys, now=now)
    assert info.value.error == "invalid_id_token"


@pytest.mark.django_db
def test_rp_callback_rejects_state_mismatch(client: Client) -> None:
    start = client.get("/login/oidc/start")
    assert start.status_code == 302
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(start["Location"]).query))
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["state"] == client.session[RP_SESSION_KEY]["state"]
    response = client.get("/login/oidc/callback", {"state": "forged", "code": "whatever"})
    assert response.status_code == 400
    assert "最初からやり直してください" in response.content.decode()
    assert SESSION_KEY not in client.session
    # the pending login is gone: a second try with the right state fails too
    again = client.get("/login/oidc/callback", {"state": query["state"], "code": "whatever"})
    assert again.status_code == 400


REAL_APP = "https://sb-auth-and-sign.go.jp/api/realms/main"


def test_relying_party_endpoints_come_from_configuration(settings: Any) -> None:
    """Pointing the portal at the real デジタル認証アプリ is configuration: its endpoints are not under the issuer."""
    assert oidc.provider_endpoint("token") == f"{oidc.issuer()}/token"  # default: the local provider
    settings.MADOGUCHI_OIDC_AUTHORIZATION_ENDPOINT = f"{REAL_APP}/protocol/openid-connect/auth"
    settings.MADOGUCHI_OIDC_TOKEN_ENDPOINT = f"{REAL_APP}/protocol/openid-connect/token"
    settings.MADOGUCHI_OIDC_JWKS_URI = f"{REAL_APP}/protocol/openid-connect/certs"

    session: dict[str, Any] = {}
    url = urllib.parse.urlsplit(oidc.start_authentication(session))
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{REAL_APP}/protocol/openid-connect/auth"
    query = urllib.parse.parse_qs(url.query)
    assert query["state"] == [session[RP_SESSION_KEY]["state"]]
    assert query["code_challenge_method"] == ["S256"]

    # private_key_jwt: the assertion's audience is the token endpoint the portal posts to.
    claims = jwt.decode(oidc.client_assertion(), oidc.client_key()).claims
    assert claims["aud"] == f"{REAL_APP}/protocol/openid-connect/token"
    assert oidc.provider_endpoint("jwks") == f"{REAL_APP}/protocol/openid-connect/certs"
    # The local provider's own discovery document still names its own URLs.
    assert oidc.discovery_document()["token_endpoint"] == oidc.endpoint("token")
