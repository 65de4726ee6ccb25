"""Signing a submission through the デジタル認証アプリ, end to end with the Django test client over real HTTP
(live_server): sign page → sign transaction (client credentials) → the provider's signing page (card + 署名用
PIN) → callback (code, ID token, result JWE) → verified evidence → the submission accepted like a card signature.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import urllib.parse
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from madoguchi.identity import oidc, runtime, sign_app
from madoguchi.identity.jpki import SoftwareCard, serial_hex
from madoguchi.identity.models import (
    SignTransaction,
    SignTransactionStatus,
    TestCardRecord,
    VerificationEvidence,
)
from madoguchi.intake import services
from madoguchi.intake.models import Application, Draft

from .helpers import SIGN_PIN, card_identity, login_resident, make_world, pregnancy_answers

PREGNANCY = "pregnancy_notification"


@pytest.fixture
def live_sign(live_server: Any, settings: Any, transactional_db: None, chiyoda: Any) -> Any:
    settings.MADOGUCHI_OIDC_ISSUER = f"{live_server.url}/oidc"
    settings.MADOGUCHI_PORTAL_URL = live_server.url
    settings.MADOGUCHI_SIGN_API_URL = ""
    return make_world(chiyoda)


def _path(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _ready_draft(world: Any) -> tuple[Client, Draft, TestCardRecord]:
    identity, _software_card = card_identity(world.wife)
    client = login_resident(Client(), identity)
    draft = services.start_draft(
        identity=identity, municipality_code=world.wife.municipality_id, procedure_code=PREGNANCY
    )
    Draft.objects.filter(pk=draft.pk).update(answers=pregnancy_answers())
    draft.refresh_from_db()
    card = TestCardRecord.objects.get(resident=world.wife)
    return client, draft, card


def _to_provider(client: Client, draft: Draft) -> tuple[str, dict[str, str]]:
    """Press 「デジタル認証アプリで署名する」: a transaction is created and the browser goes to the provider."""
    sign_url = f"/apply/drafts/{draft.public_id}/sign/"
    page = client.get(sign_url)
    assert page.status_code == 200 and "デジタル認証アプリで署名する" in page.content.decode()
    started = client.post(sign_url, {"method": "app"})
    assert started.status_code == 302, started.content.decode()[:800]
    location = started["Location"]
    assert location.startswith(oidc.endpoint("authorize"))
    params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
    assert params["scope"] == "openid sign" and params["code_challenge_method"] == "S256"
    assert params["redirect_uri"] == oidc.portal_sign_redirect_uri()
    return _path(location), params


def _sign_at_provider(
    client: Client, authorize_path: str, params: dict[str, str], card: TestCardRecord, pin: str
) -> Any:
    page = client.get(authorize_path)
    assert page.status_code == 200
    assert "デジタル認証アプリ（模擬）で電子署名" in page.content.decode()
    return client.post("/oidc/authorize", {**params, "card": card.card_id, "pin": pin, "action": "sign"})


def test_signing_through_the_app_submits_the_application(live_sign: Any) -> None:
    client, draft, card = _ready_draft(live_sign)
    authorize_path, params = _to_provider(client, draft)
    transaction = SignTransaction.objects.get(transaction_id=params["sign_transaction_id"])
    # the digest sent is the digest of exactly what the card path would sign
    content = services.draft_signing_content(draft)
    assert base64.b64decode(transaction.digest_b64) == hashlib.sha256(content).digest()

    back = _sign_at_provider(client, authorize_path, params, card, SIGN_PIN)
    assert back.status_code == 302
    assert back["Location"].startswith(oidc.portal_sign_redirect_uri())
    returned = client.get(_path(back["Location"]))
    assert returned.status_code == 302 and returned["Location"] == f"/apply/drafts/{draft.public_id}/sign/"
    submitted = client.get(returned["Location"])
    application = Application.objects.get()
    assert (
        submitted.status_code == 302
        and submitted["Location"] == f"/apply/applications/{application.receipt_number}/done/"
    )

    software_card = SoftwareCard.from_dict(TestCardRecord.objects.get(pk=card.pk).card_data)
    assert bytes(application.signed_content) == content
    assert application.verification_reason == "ok"
    assert application.applicant_sign_serial == serial_hex(software_card.signing_certificate().serial_number)
    assert application.signing_certificate_pem.strip().startswith("-----BEGIN CERTIFICATE-----")
    assert VerificationEvidence.objects.filter(context="sign_app_signature", valid=True).count() == 1
    assert VerificationEvidence.objects.filter(context="document_signature", valid=True).count() == 1
    assert SignTransaction.objects.get(pk=transaction.pk).status == SignTransactionStatus.DELIVERED
    # reloading the sign page shows the receipt, nothing is submitted twice
    again = client.get(f"/apply/drafts/{draft.public_id}/sign/")
    assert again.status_code == 302 and Application.objects.count() == 1


def test_cancel_at_the_app_returns_to_the_sign_page_with_a_message(
    live_sign: Any, caplog: pytest.LogCaptureFixture
) -> None:
    client, draft, _card = _ready_draft(live_sign)
    authorize_path, params = _to_provider(client, draft)
    client.get(authorize_path)
    back = client.post("/oidc/authorize", {**params, "action": "cancel"})
    with caplog.at_level(logging.WARNING, logger="madoguchi.identity"):
        returned = client.get(_path(back["Location"]))
    assert returned["Location"] == f"/apply/drafts/{draft.public_id}/sign/"
    page = client.get(returned["Location"])
    assert page.status_code == 400
    html = page.content.decode()
    assert "デジタル認証アプリでの署名が中止されました" in html and 'href="#sign-app"' in html
    assert "reason=sign_cancelled" in caplog.text
    assert not Application.objects.exists()
    # the message is shown once; the page is usable again
    assert client.get(f"/apply/drafts/{draft.public_id}/sign/").status_code == 200


def test_revoked_certificate_is_refused_with_a_plain_message(
    live_sign: Any, caplog: pytest.LogCaptureFixture
) -> None:
    client, draft, card = _ready_draft(live_sign)
    software_card = SoftwareCard.from_dict(card.card_data)
    now = timezone.now()
    runtime.test_ca(now=now).revoke(software_card.signing_certificate(), reason="affiliationChanged", at=now)
    runtime.republish_crls(now=now)
    authorize_path, params = _to_provider(client, draft)
    back = _sign_at_provider(client, authorize_path, params, card, SIGN_PIN)
    with caplog.at_level(logging.WARNING, logger="madoguchi.identity"):
        returned = client.get(_path(back["Location"]))
    page = client.get(returned["Location"])
    assert page.status_code == 400
    assert "住所や氏名などの変更により、この電子証明書は失効しています" in page.content.decode()
    assert "reason=signature_revoked" in caplog.text
    assert not Application.objects.exists()


def test_content_changed_after_signing_is_not_submitted(live_sign: Any) -> None:
    client, draft, card = _ready_draft(live_sign)
    authorize_path, params = _to_provider(client, draft)
    back = _sign_at_provider(client, authorize_path, params, card, SIGN_PIN)
    # meanwhile, in another tab, the resident changes an answer
    Draft.objects.filter(pk=draft.pk).update(answers=pregnancy_answers(**{"applicant.phone": "0399999999"}))
    returned = client.get(_path(back["Location"]))
    page = client.get(returned["Location"])
    assert page.status_code == 400
    assert "署名した後で申請内容が変わったため" in page.content.decode()
    assert not Application.objects.exists()


def test_result_replayed_is_refused(live_sign: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    client, draft, card = _ready_draft(live_sign)
    tokens: list[dict[str, Any]] = []
    real_token_request = oidc.token_request

    def recording(**kwargs: Any) -> dict[str, Any]:
        body = real_token_request(**kwargs)
        tokens.append(body)
        return body

    monkeypatch.setattr(oidc, "token_request", recording)
    authorize_path, params = _to_provider(client, draft)
    back = _sign_at_provider(client, authorize_path, params, card, SIGN_PIN)
    returned = client.get(_path(back["Location"]))
    assert client.get(returned["Location"]).status_code == 302  # submitted
    with pytest.raises(sign_app.SignAppError) as info:
        sign_app._fetch_result(params["sign_transaction_id"], tokens[0]["access_token"])
    assert info.value.reason == "sign_result_replayed"
    assert "すでに使われています" in str(info.value.message)
    # replaying the callback itself finds no signing in progress
    replay = client.get(_path(back["Location"]))
    assert replay.status_code == 400 and "署名できませんでした" in replay.content.decode()


def test_application_problems_are_shown_before_going_to_the_app(live_sign: Any) -> None:
    client, draft, _card = _ready_draft(live_sign)
    Draft.objects.filter(pk=draft.pk).update(answers=pregnancy_answers(**{"declaration.truthful": False}))
    response = client.post(f"/apply/drafts/{draft.public_id}/sign/", {"method": "app"})
    assert response.status_code == 400
    assert "このままでは申請できません" in response.content.decode()
    assert not SignTransaction.objects.exists()


def test_signing_with_someone_elses_card_is_refused_by_intake(live_sign: Any) -> None:
    client, draft, _card = _ready_draft(live_sign)
    _identity, _other = card_identity(live_sign.head)  # the husband's card, also listed at the app
    husbands_card = TestCardRecord.objects.get(resident=live_sign.head)
    authorize_path, params = _to_provider(client, draft)
    back = _sign_at_provider(client, authorize_path, params, husbands_card, SIGN_PIN)
    returned = client.get(_path(back["Location"]))
    page = client.get(returned["Location"])
    assert page.status_code == 400
    assert "ログインしている方のカードと一致しません" in page.content.decode()
    assert not Application.objects.exists()
