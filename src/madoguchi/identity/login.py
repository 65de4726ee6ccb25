"""Resident login with the 利用者証明用電子証明書: server nonce (single use, 5-minute TTL) → card signs → verify.

In the demo a stored test card (software card) plays the card and the reader; in production the card reader or the
smartphone app returns the certificate and the signature over the same challenge, and only `complete_card_login`
runs on the server.

Where the resident's name comes from: the authentication certificate carries no personal data (jpki.md §1). The
portal reads the 基本4情報 from the card's 署名用電子証明書, as the card-reading app does for prefill (the signing
certificate is readable without its PIN in the library's Card model; on a real card the 券面事項入力補助AP gives the
same four items with the 4-digit PIN the resident has just entered). The portal uses them only if that certificate
chains to a trusted signing anchor, is inside its validity and is not revoked; otherwise the resident is still
logged in (by the auth certificate) and greeted without a name. The portal never reads the registry for this.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from . import runtime
from .jpki import (
    BasicFourAttributes,
    Challenge,
    PinFormatError,
    PinLocked,
    Verdict,
    WrongPin,
    issue_challenge,
    serial_hex,
    verify_login,
)
from .jpki.attributes import decode_subject_alt_names
from .jpki.challenge import challenge_value
from .models import LoginNonce, NonceKind
from .portal_session import PortalIdentity
from .services import record_evidence, use_test_card

logger = logging.getLogger("madoguchi.identity")
LOGIN_CHALLENGE_TTL = dt.timedelta(minutes=5)

# Japanese messages (gettext msgids; the login page translates them when it shows them).
PIN_MESSAGES_JA = {
    "format": gettext_noop("利用者証明用電子証明書の暗証番号は、数字4桁で入力してください。"),
    "locked": gettext_noop(
        "暗証番号を続けて間違えたため、利用者証明用電子証明書の暗証番号がロックされています。"
        "お住まいの市区町村の窓口で暗証番号の初期化を申請してください。"
    ),
    "unknown_card": gettext_noop("選んだテストカードが見つかりません。一覧からもう一度選んでください。"),
}


def wrong_pin_message(remaining: int) -> str:
    """The wrong-PIN message with the tries left (the auth PIN locks after 3), in the active language."""
    return gettext("暗証番号が違います。あと%(remaining)s回間違えるとロックされます。") % {
        "remaining": remaining
    }


class DbNonceStore:
    """The library's NonceStore on the LoginNonce table: one conditional UPDATE consumes a nonce exactly once."""

    def __init__(self, kind: str = NonceKind.JPKI_LOGIN) -> None:
        self.kind = kind

    def add(self, token: str, expires_at: dt.datetime) -> None:
        """Remember an issued token."""
        LoginNonce.objects.create(kind=self.kind, token=token, expires_at=expires_at)

    def consume(self, token: str, at: dt.datetime) -> bool:
        """True only for the first use of a live token (UPDATE … WHERE consumed_at IS NULL AND expires_at >= at)."""
        with transaction.atomic():
            updated = LoginNonce.objects.filter(
                kind=self.kind, token=token, consumed_at__isnull=True, expires_at__gte=at
            ).update(consumed_at=at)
        return updated == 1


def purge_nonces(*, before: dt.datetime) -> int:
    """Delete nonces that expired before `before` (housekeeping)."""
    deleted, _ = LoginNonce.objects.filter(expires_at__lt=before).delete()
    return deleted


def new_login_challenge(*, now: dt.datetime | None = None) -> Challenge:
    """Issue and store a login challenge (256-bit, single use, TTL 5 minutes); drop long-expired ones."""
    at = now or timezone.now()
    purge_nonces(before=at - dt.timedelta(hours=1))
    return issue_challenge(DbNonceStore(), now=at, ttl=LOGIN_CHALLENGE_TTL)


@dataclasses.dataclass(frozen=True)
class CardLoginResult:
    """Outcome of a card login: an identity when it worked, else a message for the resident."""

    identity: PortalIdentity | None
    message_ja: str = ""
    reason: str = ""
    verdict: Verdict | None = None
    remaining_tries: int | None = None


def holder_attributes(
    signing_certificate: x509.Certificate, *, at: dt.datetime
) -> BasicFourAttributes | None:
    """基本4情報 of a signing certificate read from the card, if it chains to a sign anchor, is valid and not revoked."""
    der = signing_certificate.public_bytes(serialization.Encoding.DER)
    anchor = runtime.trust_store(now=at).find_issuer("sign", signing_certificate, der)
    if anchor is None or not anchor.is_valid_at(at):
        return None
    if not signing_certificate.not_valid_before_utc <= at <= signing_certificate.not_valid_after_utc:
        return None
    try:
        status = runtime.revocation_checker(at=at).check(signing_certificate, anchor, at)
        san = signing_certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        attributes = decode_subject_alt_names(san)
    except Exception:  # unreadable or unknown: no name rather than a wrong one
        logger.warning("jpki login: signing certificate attributes not usable", exc_info=True)
        return None
    return attributes if status.state == "good" else None


def identity_from(
    verdict: Verdict, *, method: str, signing_certificate: x509.Certificate | None, at: dt.datetime
) -> PortalIdentity:
    """The PortalIdentity for a valid authentication, with 基本4情報 when the signing certificate is usable."""
    attributes = holder_attributes(signing_certificate, at=at) if signing_certificate is not None else None
    return PortalIdentity(
        method=method,
        auth_serial=verdict.serial,
        authenticated_at=at.isoformat(),
        name=attributes.name if attributes else "",
        name_kana=(attributes.name_kana or "") if attributes else "",
        address=attributes.address if attributes else "",
        birth_date=attributes.birth_date.isoformat() if attributes and attributes.birth_date else "",
        sex=attributes.sex.label_ja if attributes else "",
        sign_serial=serial_hex(signing_certificate.serial_number)
        if attributes and signing_certificate
        else "",
    )


def complete_card_login(
    *,
    token: str,
    certificate: x509.Certificate | bytes | str,
    signature: bytes,
    signing_certificate: x509.Certificate | None,
    at: dt.datetime | None = None,
    context: str = "portal_login",
    method: str = "jpki_card",
) -> CardLoginResult:
    """Consume the nonce, verify the auth signature (chain, policy, key usage, CRL fail-closed), keep the evidence."""
    when = at or timezone.now()
    verdict = verify_login(
        token,
        certificate,
        signature,
        store=DbNonceStore(),
        trust=runtime.trust_store(now=when),
        revocation=runtime.revocation_checker(at=when),
        at=when,
    )
    record_evidence(verdict, context=context)
    if not verdict.valid:
        return CardLoginResult(None, verdict.message_ja, verdict.reason, verdict)
    identity = identity_from(verdict, method=method, signing_certificate=signing_certificate, at=when)
    return CardLoginResult(identity, "", "ok", verdict)


def login_with_test_card(
    *,
    card_id: str,
    token: str,
    pin: str,
    at: dt.datetime | None = None,
    context: str = "portal_login",
    method: str = "jpki_card",
) -> CardLoginResult:
    """The demo path: the stored test card signs the challenge after the PIN, then `complete_card_login`."""
    when = at or timezone.now()
    try:
        value = challenge_value(token)
    except ValueError:
        verdict = Verdict(
            False, "challenge_invalid", "auth", checked_at=when, detail="malformed challenge token"
        )
        record_evidence(verdict, context=context)
        return CardLoginResult(None, verdict.message_ja, verdict.reason, verdict)
    try:
        card, signature = use_test_card(card_id, "authenticate", value, pin)
    except LookupError:
        return CardLoginResult(None, PIN_MESSAGES_JA["unknown_card"], "unknown_card")
    except PinFormatError:
        return CardLoginResult(None, PIN_MESSAGES_JA["format"], "pin_format")
    except WrongPin as exc:
        logger.warning(
            "jpki %s: wrong auth PIN on test card %s, %d tries left", context, card_id, exc.remaining
        )
        return CardLoginResult(
            None, wrong_pin_message(exc.remaining), "wrong_pin", remaining_tries=exc.remaining
        )
    except PinLocked:
        logger.warning("jpki %s: auth PIN locked on test card %s", context, card_id)
        return CardLoginResult(None, PIN_MESSAGES_JA["locked"], "pin_locked", remaining_tries=0)
    return complete_card_login(
        token=token,
        certificate=card.authentication_certificate(),
        signature=signature,
        signing_certificate=card.signing_certificate(),
        at=when,
        context=context,
        method=method,
    )


__all__ = [
    "CardLoginResult",
    "DbNonceStore",
    "complete_card_login",
    "holder_attributes",
    "identity_from",
    "login_with_test_card",
    "new_login_challenge",
    "purge_nonces",
    "wrong_pin_message",
]
