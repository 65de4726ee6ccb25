"""Identity services: issue and re-issue SIMULATED cards (test cards), keep the serial link table, sign with a
test card. Every write is audited in the same transaction.

Test cards stand in for a real My Number card behind the library's `Card` interface; in production a card reader
or the デジタル認証アプリ replaces them and only the link table (filled from J-LIS 新旧紐付け data) remains.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.db import transaction
from django.utils import timezone

from madoguchi.core.access import require, scoped
from madoguchi.core.audit import Actor, record_audit
from madoguchi.core.errors import BusinessRuleViolation, NotFoundInMunicipality
from madoguchi.core.models import StaffUser
from madoguchi.core.roles import Action
from madoguchi.registry.models import Resident, ResidentStatus

from . import runtime
from .jpki import (
    PinError,
    PinFormatError,
    Purpose,
    Sex,
    SoftwareCard,
    Verdict,
    issue_card,
    reissue_signing_certificate,
    serial_hex,
    verify,
)
from .jpki.card import validate_pin_format
from .jpki.trust import fingerprint_sha256
from .models import CertificateLink, CertificatePurpose, TestCardRecord, VerificationEvidence

logger = logging.getLogger("madoguchi.identity")

_SEX_CODES = {"male": Sex.MALE, "female": Sex.FEMALE}


def _now(now: dt.datetime | None) -> dt.datetime:
    return now if now is not None else timezone.now()


def _resident_for(actor: StaffUser | Actor | None, resident_id: int, *, lock: bool = False) -> Resident:
    """The resident, inside the staff actor's municipality (commands act as the system for any municipality)."""
    queryset = Resident.objects.all()
    if lock:
        queryset = queryset.select_for_update()
    if isinstance(actor, StaffUser):
        require(actor, Action.ISSUE_CERTIFICATE)
        queryset = scoped(queryset, actor)
    resident = queryset.filter(pk=resident_id).first()
    if resident is None:
        raise NotFoundInMunicipality("resident")
    if resident.status != ResidentStatus.CURRENT:
        raise BusinessRuleViolation(
            "resident_id",
            "住民票が消除されている方には、テストカードを発行できません。",
            "A test card can only be issued to a current resident.",
            code="resident_not_current",
        )
    return resident


def _registry_attributes(resident: Resident) -> dict[str, Any]:
    """基本4情報 for the certificate from the registry record (name, address, birth date, sex)."""
    return {
        "name": f"{resident.family_name}　{resident.given_name}".strip("　"),
        "name_kana": f"{resident.family_name_kana}　{resident.given_name_kana}".strip("　") or None,
        "address": resident.address,
        "birth_date": resident.birth_date,
        "sex": _SEX_CODES.get(resident.sex, Sex.UNKNOWN),
    }


def _pin_violation(exc: ValueError, field: str) -> BusinessRuleViolation:
    ja = (
        "署名用電子証明書の暗証番号は、英大文字と数字を組み合わせた6〜16桁で入力してください。"
        if field == "signing_pin"
        else "利用者証明用電子証明書の暗証番号は、数字4桁で入力してください。"
    )
    return BusinessRuleViolation(field, ja, str(exc), code="pin_format")


def _link(
    *,
    resident: Resident,
    certificate: x509.Certificate,
    purpose: str,
    card_id: str,
    issuer_sha256: str,
    predecessor: CertificateLink | None = None,
) -> CertificateLink:
    return CertificateLink.objects.create(
        municipality_id=resident.municipality_id,
        serial=serial_hex(certificate.serial_number),
        purpose=purpose,
        issuer_sha256=issuer_sha256,
        card_id=card_id,
        resident=resident,
        issued_at=certificate.not_valid_before_utc,
        expires_at=certificate.not_valid_after_utc,
        predecessor=predecessor,
    )


def card_label(resident: Resident) -> str:
    """How a test card is listed on the login page (simulation, holder's name)."""
    return f"テストカード（模擬） {resident.full_name}"


def issue_test_card(
    *,
    actor: StaffUser | Actor | None,
    resident_id: int,
    signing_pin: str,
    auth_pin: str,
    now: dt.datetime | None = None,
) -> TestCardRecord:
    """Issue a SIMULATED card to a registry resident: a signing cert with 基本4情報 and an auth cert without."""
    at = _now(now)
    if not runtime.test_ca_enabled():
        raise BusinessRuleViolation(
            "resident_id",
            "この環境ではテストカード（模擬）を発行できません。",
            "Test cards are disabled here (MADOGUCHI_JPKI_TEST_CA is false).",
            code="test_ca_disabled",
        )
    with transaction.atomic():
        resident = _resident_for(actor, resident_id)
        ca = runtime.test_ca(now=at)
        pins: tuple[tuple[str, Purpose, str], ...] = (
            ("signing_pin", "sign", signing_pin),
            ("auth_pin", "auth", auth_pin),
        )
        for field, purpose, pin in pins:
            try:
                validate_pin_format(purpose, pin)
            except PinFormatError as exc:
                raise _pin_violation(exc, field) from exc
        card = issue_card(
            ca,
            municipality_code=resident.municipality_id,
            now=at,
            signing_pin=signing_pin,
            auth_pin=auth_pin,
            **_registry_attributes(resident),
        )
        record = TestCardRecord.objects.create(
            municipality_id=resident.municipality_id,
            card_id=card.card_id,
            resident=resident,
            label=card_label(resident),
            card_data=card.to_dict(),
        )
        links = []
        for purpose, certificate in (
            ("sign", card.signing_certificate()),
            ("auth", card.authentication_certificate()),
        ):
            issuer = ca.generation_of(certificate).certificate
            links.append(
                _link(
                    resident=resident,
                    certificate=certificate,
                    purpose=purpose,
                    card_id=card.card_id,
                    issuer_sha256=fingerprint_sha256(issuer),
                )
            )
        record_audit(
            actor=actor,
            municipality=resident.municipality_id,
            action="identity.issue_test_card",
            target_type="resident",
            target_id=resident.pk,
            after={
                "card_id": card.card_id,
                "simulation": True,
                "sign_serial": links[0].serial,
                "auth_serial": links[1].serial,
            },
        )
    return record


def reissue_test_card(
    *,
    actor: StaffUser | Actor | None,
    card_id: str,
    now: dt.datetime | None = None,
    reason: str = "affiliationChanged",
) -> tuple[TestCardRecord, CertificateLink]:
    """Re-issue the signing certificate from the current registry record (転居, 氏名変更 …).

    The old signing certificate is revoked in the TEST CA (and the CRLs republished), and the 新旧紐付け is recorded:
    the old link gets `revoked_at`, the reason and `succeeded_by`; the new link points back with `predecessor`.
    """
    at = _now(now)
    with transaction.atomic():
        record = TestCardRecord.objects.select_for_update().filter(card_id=card_id).first()
        if record is None or (
            isinstance(actor, StaffUser) and record.municipality_id != actor.municipality_id
        ):
            raise NotFoundInMunicipality("test card")
        resident = _resident_for(actor, record.resident_id)
        card = SoftwareCard.from_dict(record.card_data)
        old_serial = serial_hex(card.signing_certificate().serial_number)
        old_link = (
            CertificateLink.objects.select_for_update()
            .filter(municipality_id=record.municipality_id, purpose="sign", serial=old_serial)
            .first()
        )
        if old_link is None:
            raise NotFoundInMunicipality("certificate link")
        ca = runtime.test_ca(now=at)
        attributes = _registry_attributes(resident)
        # The TEST CA is an external system: its revocation is recorded (and the CRLs republished) at once, like
        # J-LIS acting on the municipality's 失効 request.
        new_card, succession = reissue_signing_certificate(
            ca,
            card,
            now=at,
            name=attributes["name"],
            address=attributes["address"],
            birth_date=attributes["birth_date"],
            sex=attributes["sex"],
            name_kana=attributes["name_kana"],
            municipality_code=resident.municipality_id,
            reason=reason,
        )
        runtime.republish_crls(now=at)
        new_certificate = new_card.signing_certificate()
        new_link = _link(
            resident=resident,
            certificate=new_certificate,
            purpose="sign",
            card_id=record.card_id,
            issuer_sha256=fingerprint_sha256(ca.generation_of(new_certificate).certificate),
            predecessor=old_link,
        )
        old_link.revoked_at = at
        old_link.revocation_reason = reason
        old_link.succeeded_by = succession.new_serial
        old_link.save(update_fields=["revoked_at", "revocation_reason", "succeeded_by"])
        record.card_data = new_card.to_dict()
        record.label = card_label(resident)
        record.save(update_fields=["card_data", "label", "updated_at"])
        record_audit(
            actor=actor,
            municipality=resident.municipality_id,
            action="identity.reissue_signing_certificate",
            target_type="resident",
            target_id=resident.pk,
            before={"sign_serial": succession.old_serial},
            after={"sign_serial": succession.new_serial, "reason": reason, "card_id": record.card_id},
        )
    return record, new_link


# --- using a test card ---------------------------------------------------------------------------------------------
def load_test_card(card_id: str) -> TestCardRecord | None:
    """The stored test card (not locked), or None."""
    return TestCardRecord.objects.filter(card_id=card_id).first()


def use_test_card(card_id: str, operation: str, data: bytes, pin: str) -> tuple[SoftwareCard, bytes]:
    """Run one PIN-protected card operation ('authenticate', 'sign', or 'sign_digest' over a 32-byte SHA-256
    digest, as the デジタル認証アプリ hands the card a hash) and persist the PIN counter like the chip.

    The counter is written even when the PIN is wrong (that is the point of a counter); PinError propagates.
    """
    failure: PinError | None = None
    signature = b""
    with transaction.atomic():
        record = TestCardRecord.objects.select_for_update().filter(card_id=card_id).first()
        if record is None:
            raise LookupError("no such test card")
        card = SoftwareCard.from_dict(record.card_data)
        before = (card.remaining_tries("sign"), card.remaining_tries("auth"))
        try:
            if operation == "authenticate":
                signature = card.authenticate(data, pin)
            elif operation == "sign_digest":
                signature = card.sign_digest(data, pin)
            else:
                signature = card.sign(data, pin)
        except PinError as exc:  # keep the counter change: leave the transaction normally, raise afterwards
            failure = exc
        if (card.remaining_tries("sign"), card.remaining_tries("auth")) != before:
            record.card_data = card.to_dict()
            record.save(update_fields=["card_data", "updated_at"])
    if failure is not None:
        raise failure
    return card, signature


@dataclasses.dataclass(frozen=True)
class TestCardSignature:
    """A signature made with a test card's signing key, with the certificate to verify it."""

    __test__ = False

    signature: bytes
    certificate_pem: str
    serial: str


def sign_with_test_card(card: TestCardRecord | str, data: bytes, pin: str) -> TestCardSignature:
    """Sign `data` (e.g. a submission's canonical bytes) with a test card's 署名用 key after the signing PIN.

    Raises the library's WrongPin / PinLocked / PinFormatError; verify with `verify_document_signature`.
    """
    card_id = card.card_id if isinstance(card, TestCardRecord) else card
    software_card, signature = use_test_card(card_id, "sign", data, pin)
    certificate = software_card.signing_certificate()
    return TestCardSignature(
        signature=signature,
        certificate_pem=certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        serial=serial_hex(certificate.serial_number),
    )


def record_evidence(verdict: Verdict, *, context: str) -> VerificationEvidence:
    """Keep the verification evidence (not the certificate) and log the precise reason."""
    if verdict.valid:
        logger.info("jpki %s ok: %s serial=%s", context, verdict.purpose, verdict.serial)
    else:
        logger.warning(
            "jpki %s rejected: reason=%s revocation_reason=%s serial=%s detail=%s",
            context,
            verdict.reason,
            verdict.revocation_reason,
            verdict.serial,
            verdict.detail,
        )
    return VerificationEvidence.objects.create(
        checked_at=verdict.checked_at or timezone.now(),
        context=context,
        purpose=verdict.purpose,
        valid=verdict.valid,
        reason=verdict.reason,
        serial=verdict.serial,
        policy=verdict.policy,
        issuer_sha256=verdict.issuer_fingerprint,
        revocation_source=verdict.revocation_source,
        revocation_reason=verdict.revocation_reason or "",
        detail=verdict.detail[:300],
    )


def verify_document_signature(
    *,
    certificate: bytes | str | x509.Certificate,
    data: bytes,
    signature: bytes,
    at: dt.datetime | None = None,
    prehashed: bool = False,
    context: str = "document_signature",
) -> Verdict:
    """Verify a document signature with the signing certificate (chain, policy, key usage, CRL — fail closed).

    `data` is the signed document, or with prehashed=True its SHA-256 digest (the デジタル認証アプリ path)."""
    when = _now(at)
    verdict = verify(
        "sign",
        certificate,
        data,
        signature,
        trust=runtime.trust_store(now=when),
        revocation=runtime.revocation_checker(at=when),
        at=when,
        prehashed=prehashed,
    )
    record_evidence(verdict, context=context)
    return verdict


__all__ = [
    "CertificatePurpose",
    "TestCardSignature",
    "card_label",
    "issue_test_card",
    "load_test_card",
    "record_evidence",
    "reissue_test_card",
    "sign_with_test_card",
    "use_test_card",
    "verify_document_signature",
]
