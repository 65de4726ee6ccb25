"""End to end over real HTTP: the portal (RP) calls the local provider's token and jwks endpoints on live_server."""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from madoguchi.identity.models import TestCardRecord
from madoguchi.identity.oidc import RP_SESSION_KEY
from madoguchi.identity.portal_session import SESSION_KEY
from madoguchi.registry.models import Resident

from .conftest import AUTH_PIN


@pytest.fixture
def live_oidc(live_server: Any, settings: Any, transactional_db: None) -> str:
    settings.MADOGUCHI_OIDC_ISSUER = f"{live_server.url}/oidc"
    settings.MADOGUCHI_PORTAL_URL = live_server.url
    return str(live_server.url)


def _path(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _login_until_callback(client: Client, card: TestCardRecord) -> str:
    start = client.get("/login/oidc/start")
    page = client.get(_path(start["Location"]))
    assert page.status_code == 200
    params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(start["Location"]).query))
    params.pop("acr_values", None)
    challenge = page.context["form"].initial["challenge"]
    back = client.post(
        "/oidc/authorize", {**params, "card": card.card_id, "pin": AUTH_PIN, "challenge": challenge}
    )
    assert back.status_code == 302
    return _path(back["Location"])


def test_oidc_login_end_to_end(
    live_oidc: str, client: Client, residents: list[Resident], make_card: Callable[..., TestCardRecord]
) -> None:
    callback = _login_until_callback(client, make_card(0))
    done = client.get(callback)
    assert done.status_code == 302 and done["Location"] == "/mypage/", done.content.decode()[:800]
    identity = client.session[SESSION_KEY]
    assert identity["method"] == "oidc" and identity["auth_serial"] == f"oidc:{identity['subject']}"
    resident = residents[0]
    page = client.get("/mypage/").content.decode()
    assert f"{resident.family_name}\u3000{resident.given_name} さん、ようこそ" in page
    assert "デジタル認証アプリ（模擬）で本人確認をしました" in page


def test_oidc_nonce_mismatch_end_to_end(
    live_oidc: str, client: Client, make_card: Callable[..., TestCardRecord]
) -> None:
    callback = _login_until_callback(client, make_card(0))
    session = client.session
    pending = dict(session[RP_SESSION_KEY])
    pending["nonce"] = "not-the-one-sent"
    session[RP_SESSION_KEY] = pending
    session.save()
    response = client.get(callback)
    assert response.status_code == 400
    assert "本人確認の結果を確かめられませんでした" in response.content.decode()
    assert SESSION_KEY not in client.session
