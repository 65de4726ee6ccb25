"""One verification routine for JPKI signatures and authentications (jpki.md §4), used everywhere.

Order of checks (the first failure decides the reason):
malformed → wrong_key_usage (purpose, CA leaf) → untrusted_issuer (DN + anchor signature, anchor validity)
→ wrong_policy (critical certificatePolicies accepted by that anchor) → not_yet_valid / expired
→ bad_signature (PKCS#1 v1.5, SHA-256, over the exact data) → revoked / revocation_unknown → ok.
The signature is checked before revocation so a forged request never costs a platform-provider query.

`Verdict.serial` is the certificate serial as UPPER-CASE HEX, zero-padded to an even number of digits
("067C6A21"), the form openssl and J-LIS print; "" when the certificate could not be read.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
from typing import Any, Literal

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

from .attributes import AttributeFormatError, BasicFourAttributes, decode_subject_alt_names
from .constants import PURPOSES, Purpose, serial_hex
from .revocation import RevocationChecker, RevocationStatus
from .trust import TrustStore, load_certificate

logger = logging.getLogger(__name__)

Reason = Literal[
    "ok",
    "expired",
    "not_yet_valid",
    "revoked",
    "untrusted_issuer",
    "bad_signature",
    "wrong_key_usage",
    "wrong_policy",
    "revocation_unknown",
    "malformed",
    "challenge_invalid",
]
REASONS: tuple[Reason, ...] = (
    "ok",
    "expired",
    "not_yet_valid",
    "revoked",
    "untrusted_issuer",
    "bad_signature",
    "wrong_key_usage",
    "wrong_policy",
    "revocation_unknown",
    "malformed",
    "challenge_invalid",
)


def gettext_noop(message: str) -> str:
    """Marks a Japanese message for the portal's message catalogues (makemessages extracts this name); the
    library stays free of Django, the portal translates the message when it shows it."""
    return message


# Resident-facing messages (plain, polite Japanese; UX.md: say how to fix it, never a code).
MESSAGES_JA: dict[str, str] = {
    "ok": gettext_noop("電子証明書を確認しました。"),
    "expired": gettext_noop("電子証明書の有効期限が切れています。市区町村の窓口で更新してください。"),
    "not_yet_valid": gettext_noop(
        "電子証明書がまだ使える状態になっていません。時間をおいてもう一度お試しください。"
    ),
    "revoked": gettext_noop(
        "この電子証明書は失効しています。"
        "住所や氏名の変更などで失効した場合は、市区町村の窓口で新しい電子証明書の発行を受けてください。"
    ),
    "untrusted_issuer": gettext_noop(
        "公的個人認証サービスの電子証明書として確認できませんでした。"
        "お使いのマイナンバーカードをお確かめください。"
    ),
    "bad_signature": gettext_noop("電子署名を確認できませんでした。お手数ですが、もう一度お試しください。"),
    "wrong_key_usage": gettext_noop("用途の違う電子証明書が使われています。"),
    "wrong_policy": gettext_noop("この電子証明書はこの手続きではお使いいただけません。"),
    "revocation_unknown": gettext_noop(
        "電子証明書が有効かどうかを確認できませんでした。時間をおいてもう一度お試しください。"
        "続く場合は市区町村の窓口にお問い合わせください。"
    ),
    "malformed": gettext_noop("電子証明書または署名のデータを読み取れませんでした。もう一度お試しください。"),
    "challenge_invalid": gettext_noop(
        "ログインの有効時間が過ぎたか、すでに使われています。最初からやり直してください。"
    ),
}
# MESSAGES_JA["wrong_key_usage"] with what to use instead, one message per purpose (one catalogue entry each).
_WRONG_USAGE_JA: dict[Purpose, str] = {
    "sign": gettext_noop(
        "用途の違う電子証明書が使われています。"
        "署名には署名用電子証明書（英数字6〜16桁の暗証番号）をお使いください。"
    ),
    "auth": gettext_noop(
        "用途の違う電子証明書が使われています。"
        "ログインには利用者証明用電子証明書（数字4桁の暗証番号）をお使いください。"
    ),
}
_REVOKED_BY_REASON_JA: dict[str, str] = {
    "certificateHold": gettext_noop(
        "この電子証明書は一時停止されています。"
        "カードが見つかった場合は、市区町村の窓口で停止の解除を申請してください。"
    ),
    "affiliationChanged": gettext_noop(
        "住所や氏名などの変更により、この電子証明書は失効しています。"
        "市区町村の窓口で新しい署名用電子証明書の発行を受けてください。"
    ),
}


@dataclasses.dataclass(frozen=True)
class Verdict:
    """Outcome of `verify()`: `valid` only when `reason == "ok"`; `detail` is English for logs, never shown."""

    valid: bool
    reason: str
    purpose: Purpose
    serial: str = ""
    policy: str = ""
    subject: BasicFourAttributes | None = None
    revocation_reason: str | None = None
    revoked_at: dt.datetime | None = None
    revocation_source: str = ""
    issuer_fingerprint: str = ""
    checked_at: dt.datetime | None = None
    detail: str = ""

    @property
    def message_ja(self) -> str:
        """Japanese message for the resident, specific to the reason."""
        if self.reason == "revoked" and self.revocation_reason in _REVOKED_BY_REASON_JA:
            return _REVOKED_BY_REASON_JA[self.revocation_reason]
        if self.reason == "wrong_key_usage":
            return _WRONG_USAGE_JA[self.purpose]
        return MESSAGES_JA.get(self.reason, MESSAGES_JA["malformed"])

    def cli_json(self) -> dict[str, Any]:
        """The `jpki_verify` JSON shape: valid, reason, serial, policy, subject {name, address, birth_date, sex}."""
        subject = None
        if self.subject is not None:
            subject = {
                "name": self.subject.name,
                "address": self.subject.address,
                "birth_date": self.subject.birth_date.isoformat() if self.subject.birth_date else None,
                "sex": self.subject.sex.value,
            }
        return {
            "valid": self.valid,
            "reason": self.reason,
            "serial": self.serial,
            "policy": self.policy,
            "subject": subject,
        }

    def evidence(self) -> dict[str, Any]:
        """What to retain as verification evidence (§4.7): time, result, serial, CA, revocation source."""
        return {
            "checked_at": self.checked_at.isoformat() if self.checked_at else None,
            "purpose": self.purpose,
            "valid": self.valid,
            "reason": self.reason,
            "serial": self.serial,
            "policy": self.policy,
            "issuer_sha256": self.issuer_fingerprint,
            "revocation_source": self.revocation_source,
            "revocation_reason": self.revocation_reason,
        }


@dataclasses.dataclass(frozen=True, slots=True)
class _LeafFacts:
    """Everything verify() needs from a leaf, derived once per distinct DER (cached)."""

    certificate: x509.Certificate
    der: bytes
    serial: str
    not_before: dt.datetime
    not_after: dt.datetime
    is_ca: bool
    key_usage: x509.KeyUsage | None
    key_usage_critical: bool
    policies: tuple[str, ...]
    policies_critical: bool
    public_key: rsa.RSAPublicKey | None
    key_problem: str
    subject: BasicFourAttributes | None
    subject_problem: str


def _extension(certificate: x509.Certificate, oid: x509.ObjectIdentifier) -> x509.Extension[Any] | None:
    try:
        return certificate.extensions.get_extension_for_oid(oid)
    except x509.ExtensionNotFound:
        return None


@functools.lru_cache(maxsize=2048)
def _leaf_facts(der: bytes) -> _LeafFacts:
    """Parse and pre-digest a DER certificate; raises ValueError (or friends) on malformed input."""
    certificate = x509.load_der_x509_certificate(der)
    if certificate.serial_number <= 0:  # RFC 5280 §4.1.2.2: serials are positive
        raise ValueError("certificate serial number is not positive")
    basic = _extension(certificate, x509.ExtensionOID.BASIC_CONSTRAINTS)
    key_usage_ext = _extension(certificate, x509.ExtensionOID.KEY_USAGE)
    policies_ext = _extension(certificate, x509.ExtensionOID.CERTIFICATE_POLICIES)
    public_key = certificate.public_key()
    key_problem = ""
    rsa_key: rsa.RSAPublicKey | None = None
    if not isinstance(public_key, rsa.RSAPublicKey):
        key_problem = "leaf key is not RSA"
    else:
        rsa_key = public_key
        numbers = public_key.public_numbers()
        if public_key.key_size < 2048 or numbers.e != 65537:
            key_problem = "leaf key is not RSA-2048+ with e = 65537"
    subject: BasicFourAttributes | None = None
    subject_problem = ""
    san = _extension(certificate, x509.ExtensionOID.SUBJECT_ALTERNATIVE_NAME)
    if san is not None:
        try:
            subject = decode_subject_alt_names(san.value)
        except AttributeFormatError as exc:
            subject_problem = str(exc)
    else:
        subject_problem = "no subjectAltName"
    return _LeafFacts(
        certificate=certificate,
        der=der,
        serial=serial_hex(certificate.serial_number),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        is_ca=bool(basic is not None and basic.value.ca),
        key_usage=key_usage_ext.value if key_usage_ext is not None else None,
        key_usage_critical=bool(key_usage_ext is not None and key_usage_ext.critical),
        policies=tuple(p.policy_identifier.dotted_string for p in policies_ext.value) if policies_ext else (),
        policies_critical=bool(policies_ext is not None and policies_ext.critical),
        public_key=rsa_key,
        key_problem=key_problem,
        subject=subject,
        subject_problem=subject_problem,
    )


def _key_usage_problem(purpose: Purpose, facts: _LeafFacts) -> str:
    if facts.is_ca:
        return "leaf is a CA certificate"
    usage = facts.key_usage
    if usage is None or not facts.key_usage_critical:
        return "keyUsage missing or not critical"
    if usage.key_cert_sign or usage.crl_sign:
        return "leaf keyUsage allows certificate/CRL signing"
    if not usage.digital_signature:
        return "keyUsage lacks digitalSignature"
    if purpose == "sign" and not usage.content_commitment:
        return "signing needs nonRepudiation (an authentication certificate was used to sign?)"
    if purpose == "auth" and usage.content_commitment:
        return "authentication certificate must not carry nonRepudiation (a signing certificate was used?)"
    return ""


def _as_der(certificate: bytes | str | x509.Certificate) -> bytes:
    if isinstance(certificate, x509.Certificate):
        return certificate.public_bytes(serialization.Encoding.DER)
    if isinstance(certificate, bytes | bytearray | memoryview):
        raw = bytes(certificate)
        if not raw.lstrip().startswith(b"-----BEGIN"):
            return raw
    return load_certificate(certificate).public_bytes(serialization.Encoding.DER)


def verify(
    purpose: Purpose,
    certificate: bytes | str | x509.Certificate,
    data: bytes,
    signature: bytes,
    *,
    trust: TrustStore,
    revocation: RevocationChecker,
    at: dt.datetime,
    prehashed: bool = False,
) -> Verdict:
    """Verify `signature` over `data` made with the `purpose` key of `certificate`; never raises on bad input.

    `certificate` is PEM, DER or parsed; `data` the exact signed bytes (or, with prehashed=True, their SHA-256
    digest); `at` an aware datetime (the time of use).
    """
    if purpose not in PURPOSES:
        raise ValueError(f"purpose must be 'sign' or 'auth', not {purpose!r}")
    if at.tzinfo is None:
        raise ValueError("at must be timezone-aware")
    at = at.astimezone(dt.UTC)
    try:
        return _verify(
            purpose,
            certificate,
            data,
            signature,
            trust=trust,
            revocation=revocation,
            at=at,
            prehashed=prehashed,
        )
    except Exception as exc:  # garbage must yield a verdict, not a 500
        logger.warning("jpki verify: unexpected %s treated as malformed", type(exc).__name__, exc_info=True)
        return Verdict(False, "malformed", purpose, checked_at=at, detail=f"unexpected {type(exc).__name__}")


def _verify(
    purpose: Purpose,
    certificate: bytes | str | x509.Certificate,
    data: bytes,
    signature: bytes,
    *,
    trust: TrustStore,
    revocation: RevocationChecker,
    at: dt.datetime,
    prehashed: bool,
) -> Verdict:
    def fail(reason: Reason, detail: str, **extra: Any) -> Verdict:
        return Verdict(False, reason, purpose, checked_at=at, detail=detail, **extra)

    if not isinstance(data, bytes | bytearray | memoryview) or not isinstance(
        signature, bytes | bytearray | memoryview
    ):
        return fail("malformed", "data and signature must be bytes")
    try:
        facts = _leaf_facts(_as_der(certificate))
    except (ValueError, TypeError, UnicodeError) as exc:
        return fail("malformed", f"certificate cannot be parsed: {exc}")
    common = {"serial": facts.serial}
    if facts.public_key is None or facts.key_problem:
        return fail("malformed", facts.key_problem, **common)

    problem = _key_usage_problem(purpose, facts)
    if problem:
        return fail("wrong_key_usage", problem, **common)

    anchor = trust.find_issuer(purpose, facts.certificate, facts.der)
    if anchor is None:
        return fail("untrusted_issuer", f"no {purpose} anchor issued this certificate", **common)
    common["issuer_fingerprint"] = anchor.fingerprint
    if not anchor.is_valid_at(at):
        return fail(
            "untrusted_issuer", f"anchor {anchor.label or anchor.fingerprint} is not valid at `at`", **common
        )

    accepted = [oid for oid in facts.policies if oid in anchor.policies]
    policy = accepted[0] if accepted else (facts.policies[0] if facts.policies else "")
    common["policy"] = policy
    if not facts.policies_critical or not accepted:
        return fail(
            "wrong_policy", f"policies {facts.policies} (critical={facts.policies_critical})", **common
        )

    subject: BasicFourAttributes | None = None
    if purpose == "sign":
        if facts.subject is None:
            return fail("malformed", f"signing certificate attributes: {facts.subject_problem}", **common)
        subject = facts.subject

    extra: dict[str, Any] = {**common, "subject": subject}
    if at < facts.not_before:
        return fail("not_yet_valid", f"valid from {facts.not_before.isoformat()}", **extra)
    if at > facts.not_after:
        return fail("expired", f"expired at {facts.not_after.isoformat()}", **extra)

    try:
        if prehashed:
            facts.public_key.verify(
                bytes(signature), bytes(data), padding.PKCS1v15(), utils.Prehashed(hashes.SHA256())
            )
        else:
            facts.public_key.verify(bytes(signature), bytes(data), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return fail("bad_signature", "signature does not verify over the data", **extra)

    try:
        status = revocation.check(facts.certificate, anchor, at)
    except Exception as exc:  # PF timeouts, network errors: fail closed
        return fail("revocation_unknown", f"revocation check failed: {type(exc).__name__}: {exc}", **extra)
    if not isinstance(status, RevocationStatus):
        return fail("revocation_unknown", "revocation checker returned no status", **extra)
    extra["revocation_source"] = status.source
    if status.state == "revoked":
        return fail(
            "revoked",
            f"revoked ({status.reason})",
            revocation_reason=status.reason or "unspecified",
            revoked_at=status.revoked_at,
            **extra,
        )
    if status.state != "good":
        return fail("revocation_unknown", status.detail or "revocation status unknown", **extra)
    return Verdict(True, "ok", purpose, checked_at=at, **extra)
