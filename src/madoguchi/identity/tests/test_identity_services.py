"""Issue / re-issue of test cards, the serial link table with succession, document signing, nonces."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.utils import timezone

from madoguchi.core.errors import BusinessRuleViolation
from madoguchi.core.models import AuditEntry
from madoguchi.identity import runtime
from madoguchi.identity.jpki import PinLocked, SoftwareCard, WrongPin, serial_hex
from madoguchi.identity.jpki.attributes import decode_subject_alt_names
from madoguchi.identity.login import DbNonceStore, new_login_challenge
from madoguchi.identity.models import CertificateLink, LoginNonce, TestCardRecord
from madoguchi.identity.selectors import latest_link, resolve_resident_by_serial
from madoguchi.identity.services import (
    issue_test_card,
    reissue_test_card,
    sign_with_test_card,
    verify_document_signature,
)
from madoguchi.registry.models import Resident

from .conftest import SIGN_PIN

pytestmark = pytest.mark.django_db


def _san(card: SoftwareCard):  # type: ignore[no-untyped-def]
    from cryptography import x509

    return decode_subject_alt_names(
        card.signing_certificate().extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    )


def test_issue_puts_registry_attributes_in_signing_cert_only(
    residents: list[Resident], make_card: Callable[..., TestCardRecord]
) -> None:
    record = make_card(0)
    resident = residents[0]
    card = SoftwareCard.from_dict(record.card_data)
    attributes = _san(card)
    assert attributes.name.replace("\u3000", "") == f"{resident.family_name}{resident.given_name}"
    assert attributes.birth_date == resident.birth_date
    assert attributes.sex.value == {"male": "1", "female": "2"}[resident.sex]
    assert attributes.address.startswith("東京都千代田区")
    from cryptography import x509

    with pytest.raises(x509.ExtensionNotFound):
        card.authentication_certificate().extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert record.card_data["simulation"] is True
    assert record.label.startswith("テストカード（模擬）")
    links = CertificateLink.objects.filter(card_id=record.card_id).order_by("purpose")
    assert [(link.purpose, link.serial) for link in links] == [
        ("auth", serial_hex(card.authentication_certificate().serial_number)),
        ("sign", serial_hex(card.signing_certificate().serial_number)),
    ]
    assert (
        AuditEntry.objects.filter(action="identity.issue_test_card", target_id=str(resident.pk)).count() == 1
    )


@pytest.mark.parametrize(
    ("signing_pin", "auth_pin", "field"),
    [
        ("abc123", "1234", "signing_pin"),
        ("ABC12", "1234", "signing_pin"),
        ("ABC123", "12345", "auth_pin"),
        ("ABC123", "12a4", "auth_pin"),
    ],
)
def test_issue_rejects_pins_of_the_wrong_format(
    residents: list[Resident], signing_pin: str, auth_pin: str, field: str
) -> None:
    with pytest.raises(BusinessRuleViolation) as info:
        issue_test_card(actor=None, resident_id=residents[0].pk, signing_pin=signing_pin, auth_pin=auth_pin)
    assert info.value.field == field
    assert TestCardRecord.objects.count() == 0


def test_reissue_revokes_old_signing_cert_and_links_succession(
    residents: list[Resident], make_card: Callable[..., TestCardRecord]
) -> None:
    record = make_card(0)
    resident = residents[0]
    old_card = SoftwareCard.from_dict(record.card_data)
    old_serial = serial_hex(old_card.signing_certificate().serial_number)
    auth_serial = serial_hex(old_card.authentication_certificate().serial_number)
    Resident.objects.filter(pk=resident.pk).update(
        machiaza="丸の内一丁目", block_number="9番9号", address_supplement=""
    )

    record, new_link = reissue_test_card(actor=None, card_id=record.card_id)

    new_card = SoftwareCard.from_dict(record.card_data)
    assert new_link.serial == serial_hex(new_card.signing_certificate().serial_number) != old_serial
    assert _san(new_card).address.endswith("丸の内一丁目９番９号")
    old_link = CertificateLink.objects.get(purpose="sign", serial=old_serial)
    assert old_link.revocation_reason == "affiliationChanged"
    assert old_link.revoked_at is not None
    assert old_link.succeeded_by == new_link.serial
    assert new_link.predecessor_id == old_link.pk
    # the auth certificate is untouched
    assert serial_hex(new_card.authentication_certificate().serial_number) == auth_serial
    # the old serial still identifies the resident, through the succession link
    assert latest_link(old_serial, "sign") == new_link
    assert resolve_resident_by_serial(old_serial, "sign") == resident
    assert resolve_resident_by_serial(new_link.serial, "sign") == resident
    assert resolve_resident_by_serial(auth_serial.lower(), "auth") == resident
    assert resolve_resident_by_serial("00FF", "sign") is None
    assert resolve_resident_by_serial("not hex", "sign") is None
    assert resolve_resident_by_serial(old_serial, "auth") is None  # purpose matters
    # the TEST CA's CRL now says revoked (affiliationChanged) for the old certificate
    now = timezone.now()
    ca = runtime.test_ca()
    anchor = next(
        a
        for a in runtime.trust_store().anchors("sign")
        if a.label == ca.generation_of(old_card.signing_certificate()).label
    )
    status = runtime.revocation_checker(at=now).check(old_card.signing_certificate(), anchor, now)
    assert (status.state, status.reason) == ("revoked", "affiliationChanged")
    assert AuditEntry.objects.filter(action="identity.reissue_signing_certificate").count() == 1


def test_sign_with_test_card_and_verify(make_card: Callable[..., TestCardRecord]) -> None:
    record = make_card(0)
    data = "転入届 2026-11-26 申請データ".encode()
    signed = sign_with_test_card(record, data, SIGN_PIN)
    verdict = verify_document_signature(
        certificate=signed.certificate_pem, data=data, signature=signed.signature
    )
    assert (verdict.valid, verdict.reason, verdict.serial) == (True, "ok", signed.serial)
    assert verdict.subject is not None and verdict.subject.birth_date is not None
    tampered = verify_document_signature(
        certificate=signed.certificate_pem, data=data + b"!", signature=signed.signature
    )
    assert (tampered.valid, tampered.reason) == (False, "bad_signature")
    # an old signature by a certificate revoked on re-issue no longer verifies now
    reissue_test_card(actor=None, card_id=record.card_id)
    revoked = verify_document_signature(
        certificate=signed.certificate_pem, data=data, signature=signed.signature
    )
    assert (revoked.reason, revoked.revocation_reason) == ("revoked", "affiliationChanged")
    assert "住所や氏名" in revoked.message_ja


def test_signing_pin_counter_persists_and_locks_at_five(make_card: Callable[..., TestCardRecord]) -> None:
    record = make_card(0)
    for remaining in (4, 3, 2, 1):
        with pytest.raises(WrongPin) as info:
            sign_with_test_card(record.card_id, b"x", "WRONG1")
        assert info.value.remaining == remaining
        stored = TestCardRecord.objects.get(pk=record.pk)
        assert SoftwareCard.from_dict(stored.card_data).remaining_tries("sign") == remaining
    with pytest.raises(PinLocked):
        sign_with_test_card(record.card_id, b"x", "WRONG1")
    with pytest.raises(PinLocked):
        sign_with_test_card(record.card_id, b"x", SIGN_PIN)  # even the right PIN: locked


def test_nonce_is_single_use_and_expires() -> None:
    now = timezone.now()
    store = DbNonceStore()
    challenge = new_login_challenge(now=now)
    assert LoginNonce.objects.get(token=challenge.token).expires_at == now + dt.timedelta(minutes=5)
    assert store.consume(challenge.token, now + dt.timedelta(seconds=1)) is True
    assert store.consume(challenge.token, now + dt.timedelta(seconds=2)) is False  # replay
    late = new_login_challenge(now=now)
    assert store.consume(late.token, now + dt.timedelta(minutes=5, seconds=1)) is False  # expired
    assert store.consume("unknown", now) is False


def test_jpki_issue_card_command_prints_demo_pins(
    residents: list[Resident], capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("jpki_issue_card", "--resident", str(residents[1].pk))
    out = capsys.readouterr().out
    assert "テストカード（模擬）" in out
    assert "MADO2026" in out and "1234" in out
    assert TestCardRecord.objects.filter(resident=residents[1]).count() == 1


def test_seed_demo_issues_three_test_cards_once(chiyoda: object, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("seed_demo", "--residents", "40", "--no-staff")
    out = capsys.readouterr().out
    assert "デモ用テストカード（模擬）" in out and "1234" in out and "MADO2026" in out
    heads = Resident.objects.filter(municipality_id="131016", status="current", is_head=True).order_by("id")[
        :3
    ]
    assert sorted(TestCardRecord.objects.values_list("resident_id", flat=True)) == sorted(r.pk for r in heads)
    call_command("seed_demo", "--residents", "40", "--no-staff", "--quiet-logins")
    assert TestCardRecord.objects.count() == 3
