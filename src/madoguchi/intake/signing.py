"""Signing an application and verifying any application signature.

Two ways to sign the same canonical content, both ending in a `CardSignature` (signature value + 署名用
certificate) that `services.submit_application` verifies with the one JPKI library:

- the test card: in the demo the resident's SIMULATED card is kept by the identity app
  (`identity.models.TestCardRecord`), and the portal signs on the resident's behalf after they type the signing
  PIN — the PIN counter is persisted like the chip;
- the デジタル認証アプリ: `start_app_signing` sends the SHA-256 digest of the content as a sign transaction and
  returns the provider's URL; after the redirect back, `take_app_signature` hands over the verified result
  (`identity.sign_app`). The provider is the local simulation unless settings point at the real service.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from django.apps import apps
from django.utils.translation import gettext_lazy as _

from madoguchi.identity import sign_app
from madoguchi.identity.jpki import Card, PinFormatError, PinLocked, Verdict, WrongPin, serial_hex
from madoguchi.identity.portal_session import PortalIdentity

logger = logging.getLogger("madoguchi.intake")

NO_TEST_CARD_MESSAGE_JA = _(
    "このログインに対応するテストカード（模擬）が見つかりません。"
    "デモでは、窓口でテストカードの発行を受けた方だけが署名できます。"
)
PIN_FORMAT_MESSAGE_JA = _("「署名用電子証明書の暗証番号」は英数字6〜16文字で入力してください。")
PIN_LOCKED_MESSAGE_JA = _(
    "署名用電子証明書の暗証番号が5回続けて間違えられたため、ロックされています。"
    "お住まいの市区町村の窓口で暗証番号の初期化（再設定）を申請してください。"
)
CONTENT_CHANGED_MESSAGE_JA = _(
    "署名した後で申請内容が変わったため、この署名では送信できません。内容を確認して、もう一度署名してください。"
)


def wrong_pin_message_ja(remaining: int) -> str:
    """Message for a wrong signing PIN, with the tries left before the card locks."""
    return str(
        _(
            "「署名用電子証明書の暗証番号」が違います。あと%(remaining)s回間違えるとロックされ、"
            "窓口での手続きが必要になります。"
        )
        % {"remaining": remaining}
    )


@dataclass(frozen=True)
class CardSignature:
    """A signature made with a card, with the signing certificate (PEM) that verifies it."""

    signature: bytes
    certificate_pem: str
    serial: str


class SigningFailed(Exception):
    """The card could not sign; `message_ja` tells the resident why and what to do."""

    def __init__(self, code: str, message_ja: Any) -> None:
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


# --- the デジタル認証アプリ path --------------------------------------------------------------------------------------------
def start_app_signing(session: Any, *, content: bytes, reference: str, return_path: str) -> str:
    """Open a sign transaction for the digest of `content`; the URL to send the resident to (the app's page).

    SigningFailed when the provider cannot be reached or refuses the transaction (reason logged by identity)."""
    try:
        return sign_app.start_signing(session, content=content, reference=reference, return_path=return_path)
    except sign_app.SignAppError as exc:
        logger.warning("sign app could not start: reason=%s detail=%s", exc.reason, exc.detail)
        raise SigningFailed(exc.reason, exc.message) from exc


def take_app_signature(session: Any, *, reference: str, content: bytes) -> CardSignature | None:
    """The verified デジタル認証アプリ result for `reference`, once; None when there is none.

    SigningFailed (with the resident's message) when the signing failed, or when the content is no longer the
    content whose digest was signed (the draft changed in another tab meanwhile)."""
    outcome = sign_app.take_outcome(session, reference=reference)
    if outcome is None:
        return None
    if not outcome.ok:
        raise SigningFailed(outcome.reason, outcome.message)
    digest = base64.b64encode(hashlib.sha256(content).digest()).decode("ascii")
    if outcome.digest_b64 != digest:
        logger.warning("sign app result for %s is over other content: sign_content_changed", reference)
        raise SigningFailed("sign_content_changed", CONTENT_CHANGED_MESSAGE_JA)
    return CardSignature(outcome.signature, outcome.certificate_pem, outcome.serial)
