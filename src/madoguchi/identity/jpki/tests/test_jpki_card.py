"""Software card: PIN formats, retry counters and locking, signatures, serialization, re-issue."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from madoguchi.identity.jpki import (
    CrlRevocationChecker,
    PinFormatError,
    PinLocked,
    SoftwareCard,
    TestCa,
    TrustStore,
    WrongPin,
    reissue_signing_certificate,
    revoke_card,
    serial_hex,
    verify,
)

from .conftest import AUTH_PIN, CRL_AT, NOW, REVOKED_AT, SIGN_PIN


@pytest.mark.parametrize(
    ("purpose", "pin", "ok"),
    [
        ("sign", "ABC123", True),
        ("sign", "A1B2C3D4E5F6G7H8", True),  # 16
        ("sign", "ABCDE", False),  # 5
        ("sign", "A1B2C3D4E5F6G7H8I", False),  # 17
        ("sign", "abc123", False),  # lower case
        ("sign", "ABC 123", False),
        ("sign", "ＡＢＣ１２３", False),  # full-width
        ("auth", "1234", True),
        ("auth", "123", False),
        ("auth", "12345", False),
        ("auth", "12a4", False),
        ("auth", "１２３４", False),
    ],
)
def test_pin_formats(make_card: Callable[..., SoftwareCard], purpose: str, pin: str, ok: bool) -> None:
    card = make_card()
    action = card.sign if purpose == "sign" else card.authenticate
    tries = card.remaining_tries("sign" if purpose == "sign" else "auth")
    if ok:
        with contextlib.suppress(WrongPin):  # right format, maybe wrong value: the card was asked
            action(b"x", pin)
    else:
        with pytest.raises(PinFormatError):
            action(b"x", pin)
        assert card.remaining_tries("sign" if purpose == "sign" else "auth") == tries  # no try used


def test_signing_pin_locks_after_five_wrong_tries(make_card: Callable[..., SoftwareCard]) -> None:
    card = make_card()
    assert card.remaining_tries("sign") == 5
    for remaining in (4, 3, 2, 1):
        with pytest.raises(WrongPin) as caught:
            card.sign(b"x", "WRONG1")
        assert caught.value.remaining == remaining == card.remaining_tries("sign")
    with pytest.raises(PinLocked):
        card.sign(b"x", "WRONG1")
    assert card.is_locked("sign")
    with pytest.raises(PinLocked):
        card.sign(b"x", SIGN_PIN)  # even the right PIN
    assert card.remaining_tries("auth") == 3  # the other PIN is independent
    card.reset_pin("sign", "NEWPIN9")
    assert card.remaining_tries("sign") == 5
    card.sign(b"x", "NEWPIN9")


def test_auth_pin_locks_after_three_and_success_resets(make_card: Callable[..., SoftwareCard]) -> None:
    card = make_card()
    with pytest.raises(WrongPin):
        card.authenticate(b"c", "0000")
    with pytest.raises(WrongPin) as caught:
        card.authenticate(b"c", "0000")
    assert caught.value.remaining == 1
    card.authenticate(b"c", AUTH_PIN)
    assert card.remaining_tries("auth") == 3
    for _ in range(2):
        with pytest.raises(WrongPin):
            card.authenticate(b"c", "9999")
    with pytest.raises(PinFormatError):
        card.authenticate(b"c", "99")  # format errors never count
    assert card.remaining_tries("auth") == 1
    with pytest.raises(PinLocked):
        card.authenticate(b"c", "9999")
    with pytest.raises(PinLocked):
        card.authenticate(b"c", AUTH_PIN)


def test_signature_is_pkcs1v15_sha256_with_the_right_key(make_card: Callable[..., SoftwareCard]) -> None:
    card = make_card()
    data = "申請書：児童手当 認定請求".encode()
    signature = card.sign(data, SIGN_PIN)
    sign_key = card.signing_certificate().public_key()
    assert isinstance(sign_key, rsa.RSAPublicKey)
    sign_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    assert card.sign_digest(hashlib.sha256(data).digest(), SIGN_PIN) == signature  # DigestInfo over the hash
    auth_signature = card.authenticate(b"challenge", AUTH_PIN)
    auth_key = card.authentication_certificate().public_key()
    assert isinstance(auth_key, rsa.RSAPublicKey)
    auth_key.verify(auth_signature, b"challenge", padding.PKCS1v15(), hashes.SHA256())
    assert auth_signature != card.sign(b"challenge", SIGN_PIN)  # two different keys


def test_card_serializes_to_json_and_back(make_card: Callable[..., SoftwareCard]) -> None:
    card = make_card()
    with pytest.raises(WrongPin):
        card.sign(b"x", "WRONG1")
    data = json.loads(json.dumps(card.to_dict()))
    assert data["simulation"] is True
    assert SIGN_PIN not in json.dumps(data)  # the PIN is stored only as a salted hash
    restored = SoftwareCard.from_dict(data)
    assert restored.card_id == card.card_id
    assert restored.remaining_tries("sign") == 4
    assert restored.signing_certificate() == card.signing_certificate()
    assert restored.sign(b"x", SIGN_PIN) == card.sign(b"x", SIGN_PIN)
    with pytest.raises(ValueError):
        SoftwareCard.from_dict({"format": "something else"})


def test_reissue_revokes_old_certificate_and_links_serials(
    make_card: Callable[..., SoftwareCard],
    test_ca: TestCa,
    trust: TrustStore,
    card_keys: Iterator[rsa.RSAPrivateKey],
) -> None:
    card = make_card(name="佐藤 花子", address="東京都千代田区千代田1-1")
    old_cert = card.signing_certificate()
    new_card, link = reissue_signing_certificate(
        test_ca,
        card,
        now=REVOKED_AT,
        name="鈴木 花子",
        address="神奈川県横浜市中区日本大通1",
        municipality_code="141003",
        signing_key=next(card_keys),
    )
    new_cert = new_card.signing_certificate()
    assert link.old_serial == serial_hex(old_cert.serial_number)
    assert link.new_serial == serial_hex(new_cert.serial_number)
    assert link.reason == "affiliationChanged"
    assert new_card.authentication_certificate() == card.authentication_certificate()
    localities = [a.value for a in new_cert.subject.get_attributes_for_oid(x509.NameOID.LOCALITY_NAME)]
    assert localities == ["神奈川県", "横浜市中区"]

    checker = CrlRevocationChecker(test_ca.crls(now=CRL_AT).values())
    data = b"application"
    old_verdict = verify(
        "sign", old_cert, data, card.sign(data, SIGN_PIN), trust=trust, revocation=checker, at=NOW
    )
    assert (old_verdict.reason, old_verdict.revocation_reason) == ("revoked", "affiliationChanged")
    new_verdict = verify(
        "sign", new_cert, data, new_card.sign(data, SIGN_PIN), trust=trust, revocation=checker, at=NOW
    )
    assert new_verdict.reason == "ok"
    assert new_verdict.subject is not None
    assert new_verdict.subject.name == "鈴木\u3000花子"
    assert new_verdict.subject.address == "神奈川県横浜市中区日本大通１"
    assert new_verdict.subject.birth_date == dt.date(1980, 2, 17)  # kept


def test_reissue_keeps_substitution_flags_of_unchanged_name(
    make_card: Callable[..., SoftwareCard], test_ca: TestCa, card_keys: Iterator[rsa.RSAPrivateKey]
) -> None:
    card = make_card(name="髙橋 一郎")
    new_card, _ = reissue_signing_certificate(
        test_ca, card, now=REVOKED_AT, address="東京都港区芝公園4-2-8", signing_key=next(card_keys)
    )
    checker = CrlRevocationChecker(test_ca.crls(now=CRL_AT).values())
    verdict = verify(
        "sign",
        new_card.signing_certificate(),
        b"d",
        new_card.sign(b"d", SIGN_PIN),
        trust=test_ca.trust_store(),
        revocation=checker,
        at=NOW,
    )
    assert verdict.subject is not None
    assert (verdict.subject.name, verdict.subject.name_substitutions) == ("高橋\u3000一郎", "10000")


def test_revoke_card_suspends_both_certificates(
    make_card: Callable[..., SoftwareCard], test_ca: TestCa, trust: TrustStore
) -> None:
    card = make_card()
    revoke_card(test_ca, card, reason="certificateHold", at=REVOKED_AT)
    checker = CrlRevocationChecker(test_ca.crls(now=CRL_AT).values())
    sign = verify(
        "sign",
        card.signing_certificate(),
        b"d",
        card.sign(b"d", SIGN_PIN),
        trust=trust,
        revocation=checker,
        at=NOW,
    )
    auth = verify(
        "auth",
        card.authentication_certificate(),
        b"c",
        card.authenticate(b"c", AUTH_PIN),
        trust=trust,
        revocation=checker,
        at=NOW,
    )
    assert sign.revocation_reason == auth.revocation_reason == "certificateHold"
    assert "一時停止" in sign.message_ja
