"""The portal card login through the real view: success, and each failure's Japanese message and logged reason."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from madoguchi.identity import runtime
from madoguchi.identity.jpki import (
    PRODUCTION_AUTH_POLICY,
    SoftwareCard,
    create_test_ca,
    issue_card,
    serial_hex,
)
from madoguchi.identity.jpki.ca import generate_rsa_key
from madoguchi.identity.jpki.card import KeySlot
from madoguchi.identity.models import TestCardRecord, VerificationEvidence
from madoguchi.identity.portal_session import SESSION_KEY
from madoguchi.registry.models import Resident

from .conftest import AUTH_PIN

pytestmark = pytest.mark.django_db


def _challenge(client: Client) -> str:
    response = client.get("/login/")
    assert response.status_code == 200
    return str(response.context["form"].initial["challenge"])


def _post(client: Client, card_id: str, pin: str, challenge: str | None = None):  # type: ignore[no-untyped-def]
    token = challenge or _challenge(client)
    return client.post("/login/", {"card": card_id, "pin": pin, "challenge": token})


def _store(resident: Resident, card: SoftwareCard) -> TestCardRecord:
    return TestCardRecord.objects.create(
        municipality_id=resident.municipality_id,
        card_id=card.card_id,
        resident=resident,
        label=f"テストカード（模擬） 細工 {card.card_id[:6]}",
        card_data=card.to_dict(),
    )


def test_login_greets_resident_by_name_from_the_card(
    client: Client, residents: list[Resident], make_card: Callable[..., TestCardRecord]
) -> None:
    record = make_card(0)
    response = _post(client, record.card_id, AUTH_PIN)
    assert response.status_code == 302 and response["Location"] == "/mypage/"
    identity = client.session[SESSION_KEY]
    card = SoftwareCard.from_dict(record.card_data)
    assert identity["method"] == "jpki_card"
    assert identity["auth_serial"] == serial_hex(card.authentication_certificate().serial_number)
    assert identity["sign_serial"] == serial_hex(card.signing_certificate().serial_number)
    page = client.get("/mypage/")
    resident = residents[0]
    assert f"{resident.family_name}\u3000{resident.given_name} さん、ようこそ" in page.content.decode()
    evidence = VerificationEvidence.objects.get()
    assert (evidence.context, evidence.valid, evidence.reason, evidence.revocation_source) == (
        "portal_login",
        True,
        "ok",
        "crl",
    )


def test_mypage_requires_login(client: Client) -> None:
    response = client.get("/mypage/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_wrong_pin_counts_down_then_locks(client: Client, make_card: Callable[..., TestCardRecord]) -> None:
    record = make_card(0)
    first = _post(client, record.card_id, "0000")
    assert first.status_code == 400
    assert "暗証番号が違います。あと2回間違えるとロックされます。" in first.content.decode()
    second = _post(client, record.card_id, "0000")
    assert "あと1回" in second.content.decode()
    third = _post(client, record.card_id, "0000")
    assert "ロックされています" in third.content.decode()
    right = _post(client, record.card_id, AUTH_PIN)
    assert right.status_code == 400 and "ロックされています" in right.content.decode()
    assert SESSION_KEY not in client.session
    stored = SoftwareCard.from_dict(TestCardRecord.objects.get(pk=record.pk).card_data)
    assert stored.remaining_tries("auth") == 0


def test_pin_format_is_checked_without_using_a_try(
    client: Client, make_card: Callable[..., TestCardRecord]
) -> None:
    record = make_card(0)
    response = _post(client, record.card_id, "12a4")
    assert response.status_code == 400
    assert "暗証番号は数字4桁で入力してください。" in response.content.decode()
    assert (
        SoftwareCard.from_dict(TestCardRecord.objects.get(pk=record.pk).card_data).remaining_tries("auth")
        == 3
    )


def test_replayed_nonce_is_rejected(
    client: Client, make_card: Callable[..., TestCardRecord], caplog: pytest.LogCaptureFixture
) -> None:
    record = make_card(0)
    token = _challenge(client)
    assert _post(client, record.card_id, AUTH_PIN, token).status_code == 302
    caplog.set_level(logging.WARNING, logger="madoguchi.identity")
    other = Client()
    replay = _post(other, record.card_id, AUTH_PIN, token)
    assert replay.status_code == 400
    assert "すでに使われています" in replay.content.decode()
    assert "reason=challenge_invalid" in caplog.text and "unknown, used or expired" in caplog.text


def test_expired_nonce_is_rejected(client: Client, make_card: Callable[..., TestCardRecord]) -> None:
    record = make_card(0)
    token = _challenge(client)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=6), tick=True):
        response = _post(client, record.card_id, AUTH_PIN, token)
    assert response.status_code == 400
    assert "ログインの有効時間が過ぎたか" in response.content.decode()


@pytest.mark.parametrize(
    ("reason", "expected_ja"),
    [
        ("certificateHold", "一時停止されています"),
        ("cessationOfOperation", "この電子証明書は失効しています"),
    ],
)
def test_revoked_auth_certificate_gives_reason_specific_message(
    client: Client,
    make_card: Callable[..., TestCardRecord],
    caplog: pytest.LogCaptureFixture,
    reason: str,
    expected_ja: str,
) -> None:
    record = make_card(0)
    card = SoftwareCard.from_dict(record.card_data)
    now = timezone.now()
    runtime.test_ca().revoke(
        card.authentication_certificate(), reason=reason, at=now - dt.timedelta(minutes=1)
    )
    runtime.republish_crls(now=now)
    caplog.set_level(logging.WARNING, logger="madoguchi.identity")
    response = _post(client, record.card_id, AUTH_PIN)
    assert response.status_code == 400
    assert expected_ja in response.content.decode()
    assert f"reason=revoked revocation_reason={reason}" in caplog.text
    assert VerificationEvidence.objects.get(valid=False).revocation_reason == reason


def test_expired_certificate(
    client: Client, make_card: Callable[..., TestCardRecord], caplog: pytest.LogCaptureFixture
) -> None:
    record = make_card(0)
    caplog.set_level(logging.WARNING, logger="madoguchi.identity")
    with time_machine.travel(timezone.now() + dt.timedelta(days=6 * 366), tick=True):
        response = _post(client, record.card_id, AUTH_PIN)
    assert response.status_code == 400
    assert "有効期限が切れています" in response.content.decode()
    assert "reason=expired" in caplog.text


def test_foreign_ca_card_is_untrusted(
    client: Client, residents: list[Resident], caplog: pytest.LogCaptureFixture
) -> None:
    now = timezone.now()
    foreign = create_test_ca(now=now)
    card = issue_card(
        foreign,
        name="偽造　太郎",
        address="東京都千代田区千代田１番１号",
        birth_date=dt.date(1980, 2, 17),
        sex="1",
        municipality_code="131016",
        now=now - dt.timedelta(days=1),
        signing_pin="ABC123",
        auth_pin=AUTH_PIN,
    )
    record = _store(residents[0], card)
    caplog.set_level(logging.WARNING, logger="madoguchi.identity")
    response = _post(client, record.card_id, AUTH_PIN)
    assert response.status_code == 400
    assert "公的個人認証サービスの電子証明書として確認できませんでした" in response.content.decode()
    assert "reason=untrusted_issuer" in caplog.text


def test_wrong_policy_is_rejected(
    client: Client,
    residents: list[Resident],
    make_card: Callable[..., TestCardRecord],
    caplog: pytest.LogCaptureFixture,
) -> None:
    base = SoftwareCard.from_dict(make_card(0).card_data)
    now = timezone.now()
    key = generate_rsa_key()
    certificate = runtime.test_ca().issue_certificate(
        "auth",
        key.public_key(),
        prefecture="東京都",
        city="千代田区",
        not_before=now - dt.timedelta(days=1),
        not_after=now + dt.timedelta(days=365),
        policy=PRODUCTION_AUTH_POLICY,  # a TEST root must not vouch for the production policy
    )
    card = SoftwareCard(
        card_id=uuid.uuid4().hex,
        signing=base.slot("sign"),
        auth=KeySlot.create("auth", certificate, key, AUTH_PIN),
    )
    record = _store(residents[0], card)
    caplog.set_level(logging.WARNING, logger="madoguchi.identity")
    response = _post(client, record.card_id, AUTH_PIN)
    assert response.status_code == 400
    assert "この電子証明書はこの手続きではお使いいただけません" in response.content.decode()
    assert "reason=wrong_policy" in caplog.text


def test_tampered_signature_is_rejected(
    client: Client,
    make_card: Callable[..., TestCardRecord],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    record = make_card(0)
    genuine = SoftwareCard.authenticate

    def tampered(self: SoftwareCard, challenge: bytes, pin: str) -> bytes:
        signature = bytearray(genuine(self, challenge, pin))
        signature[-1] ^= 0x01
        return bytes(signature)

    monkeypatch.setattr(SoftwareCard, "authenticate", tampered)
    caplog.set_level(logging.WARNING, logger="madoguchi.identity")
    response = _post(client, record.card_id, AUTH_PIN)
    assert response.status_code == 400
    assert "電子署名を確認できませんでした" in response.content.decode()
    assert "reason=bad_signature" in caplog.text


def test_signing_certificate_used_for_login_is_wrong_usage(
    client: Client, residents: list[Resident], make_card: Callable[..., TestCardRecord]
) -> None:
    base = SoftwareCard.from_dict(make_card(0).card_data)
    sign_slot = base.slot("sign")
    # A card whose "auth" slot holds the signing certificate and key (an auth cert must never be a signing one).
    swapped = KeySlot.create("auth", sign_slot.certificate, sign_slot.private_key, AUTH_PIN)
    card = SoftwareCard(card_id=uuid.uuid4().hex, signing=sign_slot, auth=swapped)
    record = _store(residents[0], card)
    response = _post(client, record.card_id, AUTH_PIN)
    assert response.status_code == 400
    assert "用途の違う電子証明書が使われています" in response.content.decode()


def test_login_without_usable_signing_cert_greets_without_name(
    client: Client, make_card: Callable[..., TestCardRecord]
) -> None:
    record = make_card(0)
    card = SoftwareCard.from_dict(record.card_data)
    now = timezone.now()
    runtime.test_ca().revoke(
        card.signing_certificate(), reason="affiliationChanged", at=now - dt.timedelta(minutes=1)
    )
    runtime.republish_crls(now=now)
    assert _post(client, record.card_id, AUTH_PIN).status_code == 302
    assert client.session[SESSION_KEY]["name"] == ""
    assert "<h1>ようこそ</h1>" in client.get("/mypage/").content.decode()


def test_next_parameter_is_followed_only_on_this_site(
    client: Client, make_card: Callable[..., TestCardRecord]
) -> None:
    record = make_card(0)
    token = _challenge(client)
    response = client.post(
        "/login/",
        {"card": record.card_id, "pin": AUTH_PIN, "challenge": token, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/mypage/"


def test_without_anchors_and_test_ca_every_login_fails_closed(
    client: Client, make_card: Callable[..., TestCardRecord], settings: object, tmp_path: object
) -> None:
    record = make_card(0)
    settings.MADOGUCHI_JPKI_TEST_CA = False  # type: ignore[attr-defined]
    settings.MADOGUCHI_JPKI_DIR = tmp_path  # type: ignore[attr-defined]
    response = _post(client, record.card_id, AUTH_PIN)
    assert response.status_code == 400
    assert "公的個人認証サービスの電子証明書として確認できませんでした" in response.content.decode()
    assert SESSION_KEY not in client.session
