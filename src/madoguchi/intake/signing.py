"""Signing an application in the demo (simulated test card) and verifying any application signature.

In production the resident's own device signs with the card (JPKI 署名用電子証明書); the portal only verifies.
In the demo the resident's SIMULATED card is kept by the identity app (`identity.models.TestCardRecord`), and the
portal signs on the resident's behalf after they type the signing PIN — the PIN counter is persisted like the chip.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from django.apps import apps

from madoguchi.identity.jpki import Card, PinFormatError, PinLocked, Verdict, WrongPin, serial_hex
from madoguchi.identity.portal_session import PortalIdentity

NO_TEST_CARD_MESSAGE_JA = (
    "このログインに対応するテストカード（模擬）が見つかりません。"
    "デモでは、窓口でテストカードの発行を受けた方だけが署名できます。"
)
PIN_FORMAT_MESSAGE_JA = "「署名用電子証明書の暗証番号」は英数字6〜16文字で入力してください。"
PIN_LOCKED_MESSAGE_JA = (
    "署名用電子証明書の暗証番号が5回続けて間違えられたため、ロックされています。"
    "お住まいの市区町村の窓口で暗証番号の初期化（再設定）を申請してください。"
)


def wrong_pin_message_ja(remaining: int) -> str:
    """Message for a wrong signing PIN, with the tries left before the card locks."""
    return (
        f"「署名用電子証明書の暗証番号」が違います。あと{remaining}回間違えるとロックされ、"
        "窓口での手続きが必要になります。"
    )


@dataclass(frozen=True)
class CardSignature:
    """A signature made with a card, with the signing certificate (PEM) that verifies it."""

    signature: bytes
    certificate_pem: str
    serial: str


class SigningFailed(Exception):
    """The card could not sign; `message_ja` tells the resident why and what to do."""

    def __init__(self, code: str, message_ja: str) -> None:
        self.code = code
        self.message_ja = message_ja
        super().__init__(code)


def _test_card_record(identity: PortalIdentity) -> object | None:
    """The identity app's TestCardRecord for this login, through the auth-certificate link (None if absent)."""
    try:
        record_model = apps.get_model("identity", "TestCardRecord")
        link_model = apps.get_model("identity", "CertificateLink")
    except LookupError:
        return None
    link = (
        link_model.objects.filter(purpose="auth", serial=identity.auth_serial.upper())
        .exclude(card_id="")
        .order_by("-issued_at")
        .first()
    )
    if link is None:
        return None
    return record_model.objects.filter(card_id=link.card_id).first()


def get_test_card_for(identity: PortalIdentity) -> Card | None:
    """The resident's simulated card (a `SoftwareCard`), or None when the identity app keeps no test card for them."""
    record = _test_card_record(identity)
    if record is None:
        return None
    from madoguchi.identity.jpki import SoftwareCard

    return SoftwareCard.from_dict(record.card_data)  # type: ignore[attr-defined]


def sign_with_card(identity: PortalIdentity, data: bytes, pin: str) -> CardSignature:
    """Sign `data` with the resident's test card after the signing PIN; SigningFailed with a plain message."""
    record = _test_card_record(identity)
    try:
        if record is not None:
            # The identity app persists the PIN counter (wrong tries count, like the chip).
            from madoguchi.identity.services import sign_with_test_card

            made = sign_with_test_card(record.card_id, data, pin)  # type: ignore[attr-defined]
            return CardSignature(made.signature, made.certificate_pem, made.serial)
        card = get_test_card_for(identity)
        if card is None:
            raise SigningFailed("no_card", NO_TEST_CARD_MESSAGE_JA)
        signature = card.sign(data, pin)
    except PinFormatError as exc:
        raise SigningFailed("pin_format", PIN_FORMAT_MESSAGE_JA) from exc
    except WrongPin as exc:
        raise SigningFailed("wrong_pin", wrong_pin_message_ja(exc.remaining)) from exc
    except PinLocked as exc:
        raise SigningFailed("pin_locked", PIN_LOCKED_MESSAGE_JA) from exc
    certificate = card.signing_certificate()
    return CardSignature(
        signature,
        certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        serial_hex(certificate.serial_number),
    )


def verify_application_signature(
    *, certificate_pem: str, data: bytes, signature: bytes, at: dt.datetime
) -> Verdict:
    """Verify a 署名用 signature over the exact signed bytes: chain, policy, key usage, validity, CRL (fail closed)."""
    from madoguchi.identity.services import verify_document_signature

    return verify_document_signature(certificate=certificate_pem, data=data, signature=signature, at=at)
