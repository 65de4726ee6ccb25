"""My Number card JPKI application: the `Card` interface and a SIMULATED software card.

`SoftwareCard` is a simulation for tests and the demo: a real card keeps its private keys and PIN counters in the
IC chip and never exports them. Here the keys are PEM strings in a JSON-able dict so the Django side can store a
card for a synthetic resident.
"""

from __future__ import annotations

import abc
import dataclasses
import datetime as dt
import enum
import hashlib
import hmac
import re
import secrets
import uuid
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

from .attributes import (
    BasicFourAttributes,
    Sex,
    certificate_form,
    decode_subject_alt_names,
    encode_birth_date,
    encode_subject_alt_names,
    to_full_width,
)
from .ca import TestCa, generate_rsa_key
from .constants import JST, PIN_MAX_TRIES, Purpose, serial_hex
from .localities import prefecture_of, split_locality, validate_municipality_code

CARD_FORMAT = "madoguchi.jpki.software_card/1"
PIN_PATTERNS: dict[Purpose, re.Pattern[str]] = {
    "sign": re.compile(r"[A-Z0-9]{6,16}"),  # 英数字6〜16文字 (英字は大文字)
    "auth": re.compile(r"[0-9]{4}"),  # 数字4桁
}
# PBKDF2 rounds for the simulated PIN check: enough not to store PINs in clear, cheap enough for tests.
_PIN_ROUNDS = 5_000


class PinError(Exception):
    """Base class of PIN failures."""


class PinFormatError(PinError, ValueError):
    """The PIN does not have the card's format; the card was not asked and no try was used."""


class WrongPin(PinError):
    """Wrong PIN; `remaining` tries are left before the PIN locks."""

    def __init__(self, remaining: int) -> None:
        super().__init__(f"wrong PIN, {remaining} tries left")
        self.remaining = remaining


class PinLocked(PinError):
    """The PIN is locked (too many wrong tries); reset at the municipal counter (窓口で初期化)."""


def validate_pin_format(purpose: Purpose, pin: str) -> None:
    """Raise PinFormatError unless `pin` has the format of the `purpose` PIN."""
    if not isinstance(pin, str) or not PIN_PATTERNS[purpose].fullmatch(pin):
        if purpose == "sign":
            raise PinFormatError("signing PIN must be 6–16 upper-case letters and digits")
        raise PinFormatError("authentication PIN must be exactly 4 digits")


def _hash_pin(pin: str, salt: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", pin.encode("ascii"), salt, _PIN_ROUNDS)


def rsa_sign_sha256(private_key: rsa.RSAPrivateKey, data: bytes, *, prehashed: bool = False) -> bytes:
    """RSA PKCS#1 v1.5 over the SHA-256 DigestInfo of `data` (or of a given 32-byte digest when prehashed)."""
    if prehashed:
        if len(data) != 32:
            raise ValueError("a SHA-256 digest is 32 bytes")
        return private_key.sign(data, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
    return private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())


@dataclasses.dataclass
class KeySlot:
    """One key pair of the card: certificate, private key and PIN state."""

    certificate: x509.Certificate
    private_key: rsa.RSAPrivateKey
    pin_salt: bytes
    pin_hash: bytes
    remaining: int

    @classmethod
    def create(
        cls, purpose: Purpose, certificate: x509.Certificate, private_key: rsa.RSAPrivateKey, pin: str
    ) -> KeySlot:
        """A slot with a freshly set PIN and full tries."""
        validate_pin_format(purpose, pin)
        salt = secrets.token_bytes(16)
        return cls(certificate, private_key, salt, _hash_pin(pin, salt), PIN_MAX_TRIES[purpose])

    def to_json(self) -> dict[str, Any]:
        """JSON-able form (keys and certificate as PEM)."""
        return {
            "certificate_pem": self.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"),
            "private_key_pem": self.private_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ).decode("ascii"),
            "pin_salt": self.pin_salt.hex(),
            "pin_hash": self.pin_hash.hex(),
            "remaining_tries": self.remaining,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KeySlot:
        """Inverse of `to_json`."""
        key = serialization.load_pem_private_key(data["private_key_pem"].encode("ascii"), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("card key is not RSA")
        return cls(
            certificate=x509.load_pem_x509_certificate(data["certificate_pem"].encode("ascii")),
            private_key=key,
            pin_salt=bytes.fromhex(data["pin_salt"]),
            pin_hash=bytes.fromhex(data["pin_hash"]),
            remaining=int(data["remaining_tries"]),
        )


class Card(abc.ABC):
    """The JPKI application of a My Number card (or anything that behaves like one)."""

    @abc.abstractmethod
    def signing_certificate(self) -> x509.Certificate:
        """The 署名用電子証明書 (readable without a PIN in this model)."""

    @abc.abstractmethod
    def authentication_certificate(self) -> x509.Certificate:
        """The 利用者証明用電子証明書."""

    @abc.abstractmethod
    def sign(self, data: bytes, pin: str) -> bytes:
        """Sign `data` with the signing key (RSA PKCS#1 v1.5, SHA-256 DigestInfo) after checking the signing PIN."""

    @abc.abstractmethod
    def authenticate(self, challenge: bytes, pin: str) -> bytes:
        """Sign a login `challenge` with the authentication key after checking the 4-digit PIN."""

    @abc.abstractmethod
    def remaining_tries(self, purpose: Purpose) -> int:
        """PIN tries left for `purpose` (0 = locked)."""

    def is_locked(self, purpose: Purpose) -> bool:
        """True when the `purpose` PIN is locked."""
        return self.remaining_tries(purpose) == 0

    def certificate(self, purpose: Purpose) -> x509.Certificate:
        """The certificate for `purpose`."""
        return self.signing_certificate() if purpose == "sign" else self.authentication_certificate()


class SoftwareCard(Card):
    """SIMULATION of a card in software: keys in memory, PINs as salted PBKDF2 hashes, counters like the chip."""

    def __init__(self, *, card_id: str, signing: KeySlot, auth: KeySlot) -> None:
        self.card_id = card_id
        self._slots: dict[Purpose, KeySlot] = {"sign": signing, "auth": auth}

    def signing_certificate(self) -> x509.Certificate:
        """The signing certificate."""
        return self._slots["sign"].certificate

    def authentication_certificate(self) -> x509.Certificate:
        """The authentication certificate."""
        return self._slots["auth"].certificate

    def remaining_tries(self, purpose: Purpose) -> int:
        """PIN tries left for `purpose`."""
        return self._slots[purpose].remaining

    def verify_pin(self, purpose: Purpose, pin: str) -> None:
        """Check a PIN like the chip: format first (no try used), then lock state, then the value."""
        validate_pin_format(purpose, pin)
        slot = self._slots[purpose]
        if slot.remaining <= 0:
            raise PinLocked(f"{purpose} PIN is locked")
        if hmac.compare_digest(_hash_pin(pin, slot.pin_salt), slot.pin_hash):
            slot.remaining = PIN_MAX_TRIES[purpose]
            return
        slot.remaining -= 1
        if slot.remaining == 0:
            raise PinLocked(f"{purpose} PIN is now locked")
        raise WrongPin(slot.remaining)

    def sign(self, data: bytes, pin: str) -> bytes:
        """Signature over `data` with the signing key."""
        self.verify_pin("sign", pin)
        return rsa_sign_sha256(self._slots["sign"].private_key, data)

    def sign_digest(self, digest: bytes, pin: str) -> bytes:
        """Signature over a precomputed SHA-256 digest (as the デジタル認証アプリ hands the card a hash)."""
        self.verify_pin("sign", pin)
        return rsa_sign_sha256(self._slots["sign"].private_key, digest, prehashed=True)

    def authenticate(self, challenge: bytes, pin: str) -> bytes:
        """Signature over `challenge` with the authentication key."""
        self.verify_pin("auth", pin)
        return rsa_sign_sha256(self._slots["auth"].private_key, challenge)

    def reset_pin(self, purpose: Purpose, new_pin: str) -> None:
        """Set a new PIN and full tries (the counter procedure 暗証番号の初期化; identity checked by staff)."""
        slot = self._slots[purpose]
        fresh = KeySlot.create(purpose, slot.certificate, slot.private_key, new_pin)
        self._slots[purpose] = fresh

    def with_signing_slot(self, slot: KeySlot) -> SoftwareCard:
        """A copy of this card with a replaced signing slot (re-issue)."""
        return SoftwareCard(card_id=self.card_id, signing=slot, auth=dataclasses.replace(self._slots["auth"]))

    def slot(self, purpose: Purpose) -> KeySlot:
        """The raw slot (tests and re-issue)."""
        return self._slots[purpose]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict (private keys as unencrypted PEM: simulation only)."""
        return {
            "format": CARD_FORMAT,
            "simulation": True,
            "card_id": self.card_id,
            "sign": self._slots["sign"].to_json(),
            "auth": self._slots["auth"].to_json(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SoftwareCard:
        """Inverse of `to_dict`."""
        if data.get("format") != CARD_FORMAT:
            raise ValueError("not a software card dict")
        return cls(
            card_id=str(data["card_id"]),
            signing=KeySlot.from_json(data["sign"]),
            auth=KeySlot.from_json(data["auth"]),
        )


# --- Issuance ---------------------------------------------------------------------------------------------------
def _birthday_in(birth_date: dt.date, year: int) -> dt.date:
    try:
        return birth_date.replace(year=year)
    except ValueError:  # born 29 February: 28 February in common years (unconfirmed J-LIS practice)
        return dt.date(year, 2, 28)


def certificate_expiry_on(birth_date: dt.date | None, issued_on: dt.date) -> dt.date:
    """Last valid day: the holder's 5th birthday after the issue date (§1); issue + 5 years if DOB is unknown."""
    if birth_date is None:
        return _birthday_in(issued_on, issued_on.year + 5)
    first = _birthday_in(birth_date, issued_on.year)
    if first <= issued_on:  # a birthday on the issue day itself is not "after" it
        first = _birthday_in(birth_date, issued_on.year + 1)
    return _birthday_in(birth_date, first.year + 4)


def _validity(now: dt.datetime, birth_date: dt.date | None, card_expires_on: dt.date | None) -> dt.datetime:
    expiry_on = certificate_expiry_on(birth_date, now.astimezone(JST).date())
    if card_expires_on is not None:
        expiry_on = min(expiry_on, card_expires_on)  # never beyond the card itself
    return dt.datetime.combine(expiry_on, dt.time(23, 59, 59), JST).astimezone(dt.UTC)


def _locality(
    address: str, municipality_code: str | None, prefecture: str | None, city: str | None
) -> tuple[str, str]:
    if municipality_code is not None:
        validate_municipality_code(municipality_code)
    if prefecture is None:
        prefecture = prefecture_of(municipality_code) if municipality_code else split_locality(address)[0]
    if city is None:
        city = split_locality(address)[1]
    return prefecture, city


def issue_card(
    ca: TestCa,
    *,
    name: str,
    address: str,
    birth_date: dt.date | None,
    sex: Sex | str,
    municipality_code: str,
    now: dt.datetime,
    signing_pin: str,
    auth_pin: str,
    name_kana: str | None = None,
    prefecture: str | None = None,
    city: str | None = None,
    generation: str | None = None,
    card_expires_on: dt.date | None = None,
    signing_key: rsa.RSAPrivateKey | None = None,
    auth_key: rsa.RSAPrivateKey | None = None,
) -> SoftwareCard:
    """Issue a simulated card: a signing certificate with 基本4情報 and an authentication certificate without.

    `name`/`address` are registry values (IVS and 異体字 allowed); the certificate gets their JIS form with the
    substitution flags. Subject C=JP, L=<prefecture from the code>, L=<city> (derived from the address unless
    given), CN=<random issue id>. Both certificates end on the 5th birthday after issue (JST end of day).
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    validate_pin_format("sign", signing_pin)
    validate_pin_format("auth", auth_pin)
    attributes = BasicFourAttributes.from_registry(
        name=name, address=address, birth_date=birth_date, sex=sex, name_kana=name_kana
    )
    pref, city_name = _locality(attributes.address, municipality_code, prefecture, city)
    not_after = _validity(now, birth_date, card_expires_on)
    sign_key = signing_key or generate_rsa_key()
    authentication_key = auth_key or generate_rsa_key()
    signing_certificate = ca.issue_certificate(
        "sign",
        sign_key.public_key(),
        prefecture=pref,
        city=city_name,
        not_before=now,
        not_after=not_after,
        subject_alt_names=encode_subject_alt_names(attributes),
        generation=generation,
    )
    authentication_certificate = ca.issue_certificate(
        "auth",
        authentication_key.public_key(),
        prefecture=pref,
        city=city_name,
        not_before=now,
        not_after=not_after,
        generation=generation,
    )
    return SoftwareCard(
        card_id=uuid.uuid4().hex,
        signing=KeySlot.create("sign", signing_certificate, sign_key, signing_pin),
        auth=KeySlot.create("auth", authentication_certificate, authentication_key, auth_pin),
    )


@dataclasses.dataclass(frozen=True)
class SuccessionLink:
    """新旧紐付け: the old signing certificate serial, its successor and why (RFC 5280 reason name)."""

    old_serial: str
    new_serial: str
    reason: str
    linked_at: dt.datetime | None = None


class _Keep(enum.Enum):
    KEEP = "keep"


KEEP = _Keep.KEEP


def reissue_signing_certificate(
    ca: TestCa,
    card: SoftwareCard,
    *,
    now: dt.datetime,
    name: str | None = None,
    address: str | None = None,
    birth_date: dt.date | _Keep | None = KEEP,
    sex: Sex | str | None = None,
    name_kana: str | _Keep | None = KEEP,
    municipality_code: str | None = None,
    prefecture: str | None = None,
    city: str | None = None,
    reason: str = "affiliationChanged",
    card_expires_on: dt.date | None = None,
    signing_key: rsa.RSAPrivateKey | None = None,
) -> tuple[SoftwareCard, SuccessionLink]:
    """Re-issue the signing certificate after a 4-attribute change (転居, 婚姻 …); revoke the old one.

    Attributes not given are kept from the old certificate (with their substitution flags). A new key pair
    replaces the old one; the signing PIN and its counter carry over; the auth slot is untouched. The new
    certificate runs to the 5th birthday after `now` (capped by `card_expires_on`).
    """
    old_slot = card.slot("sign")
    old_certificate = old_slot.certificate
    old = decode_subject_alt_names(
        old_certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    )
    new = old
    if name is not None:
        cert_name, flags = certificate_form(name)
        new = dataclasses.replace(new, name=cert_name, name_substitutions=flags)
    if address is not None:
        cert_address, flags = certificate_form(address)
        new = dataclasses.replace(new, address=cert_address, address_substitutions=flags)
    if not isinstance(birth_date, _Keep):
        new = dataclasses.replace(new, birth_date=birth_date, birth_date_raw=encode_birth_date(birth_date))
    if sex is not None:
        new = dataclasses.replace(new, sex=Sex(sex))
    if not isinstance(name_kana, _Keep):
        new = dataclasses.replace(new, name_kana=to_full_width(name_kana) if name_kana else None)
    if address is None and prefecture is None and city is None and municipality_code is None:
        localities = old_certificate.subject.get_attributes_for_oid(x509.NameOID.LOCALITY_NAME)
        pref, city_name = str(localities[0].value), str(localities[1].value)
    else:
        pref, city_name = _locality(new.address, municipality_code, prefecture, city)
    key = signing_key or generate_rsa_key()
    certificate = ca.issue_certificate(
        "sign",
        key.public_key(),
        prefecture=pref,
        city=city_name,
        not_before=now,
        not_after=_validity(now, new.birth_date, card_expires_on),
        subject_alt_names=encode_subject_alt_names(new),
    )
    ca.revoke(old_certificate, reason=reason, at=now)
    slot = KeySlot(certificate, key, old_slot.pin_salt, old_slot.pin_hash, old_slot.remaining)
    link = SuccessionLink(
        old_serial=serial_hex(old_certificate.serial_number),
        new_serial=serial_hex(certificate.serial_number),
        reason=reason,
        linked_at=now,
    )
    return card.with_signing_slot(slot), link


def revoke_card(ca: TestCa, card: Card, *, reason: str, at: dt.datetime) -> None:
    """Revoke both certificates of a card (e.g. certificateHold when lost, cessationOfOperation when returned)."""
    ca.revoke(card.signing_certificate(), reason=reason, at=at)
    ca.revoke(card.authentication_certificate(), reason=reason, at=at)
