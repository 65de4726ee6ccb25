from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from madoguchi.documents._sync import run_blocking
from madoguchi.documents.pki import CA_KEY_FILE, SigningIdentity
from madoguchi.documents.signing import sign_pdf, to_asn1_certificate
from madoguchi.documents.verification import verify_pdf

from .conftest import SIGNED_AT


def _pyhanko_status(pdf: bytes, identity: SigningIdentity) -> tuple[EmbeddedPdfSignature, PdfSignatureStatus]:
    """Validate the (only) signature with pyHanko's own validator, independently of verification.py."""
    reader = PdfFileReader(io.BytesIO(pdf))
    (signature,) = reader.embedded_signatures
    assert identity.trust_root is not None
    context = ValidationContext(trust_roots=[to_asn1_certificate(identity.trust_root)], allow_fetching=False)
    return signature, run_blocking(async_validate_pdf_signature(signature, context))


def test_signature_validates_with_pyhanko(signed_pdf: bytes, identity: SigningIdentity) -> None:
    _signature, status = _pyhanko_status(signed_pdf, identity)
    assert status.bottom_line
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.md_algorithm == "sha256"
    assert status.signing_cert.dump() == to_asn1_certificate(identity.certificate).dump()
    assert status.signer_reported_dt == SIGNED_AT


def test_signature_dictionary_is_pades_with_reason_and_location(signed_pdf: bytes) -> None:
    reader = PdfFileReader(io.BytesIO(signed_pdf))
    (signature,) = reader.embedded_signatures
    sig_object = signature.sig_object
    assert signature.field_name == "Signature1"
    assert sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert sig_object["/Reason"] == "住民票の写しの交付"
    assert sig_object["/Location"] == "窓口市"
    assert sig_object["/M"] == "D:20250401093000+09'00'"
    # The chain (the TEST root) travels inside the CMS so verifiers can build the path offline.
    certificates = [choice.chosen for choice in signature.signed_data["certificates"]]
    subjects = sorted(cert.subject.native["common_name"] for cert in certificates)
    assert subjects == ["Madoguchi TEST document CA — not for production", "窓口市 文書署名 (TEST)"]
    # PAdES B-B: signing-certificate-v2 is a signed attribute; CMS signing-time is not used (/M carries it).
    attributes = {attr["type"].native for attr in signature.signer_info["signed_attrs"]}
    assert "signing_certificate_v2" in attributes
    assert "signing_time" not in attributes


def test_certification_signature_forbids_changes(signed_pdf: bytes) -> None:
    reader = PdfFileReader(io.BytesIO(signed_pdf))
    (signature,) = reader.embedded_signatures
    assert signature.docmdp_level == MDPPerm.NO_CHANGES


def test_approval_signature_when_not_certifying(unsigned_pdf: bytes, identity: SigningIdentity) -> None:
    signed = sign_pdf(unsigned_pdf, identity, reason="承認", location="窓口市", certify=False)
    reader = PdfFileReader(io.BytesIO(signed))
    (signature,) = reader.embedded_signatures
    assert signature.docmdp_level is None
    assert verify_pdf(signed, trust_roots=identity.trust_roots).reason == "ok"


def test_signing_is_an_incremental_update(unsigned_pdf: bytes, signed_pdf: bytes) -> None:
    assert signed_pdf.startswith(unsigned_pdf)
    assert len(signed_pdf) > len(unsigned_pdf)


def test_custom_field_name_and_default_time(unsigned_pdf: bytes, identity: SigningIdentity) -> None:
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    signed = sign_pdf(unsigned_pdf, identity, reason="通知", location="窓口市", field_name="MunicipalSeal")
    verdict = verify_pdf(signed, trust_roots=identity.trust_roots)
    reader = PdfFileReader(io.BytesIO(signed))
    assert [sig.field_name for sig in reader.embedded_signatures] == ["MunicipalSeal"]
    assert verdict.signed_at is not None
    assert before - dt.timedelta(seconds=1) <= verdict.signed_at <= dt.datetime.now(dt.UTC)


def test_naive_timestamp_is_refused(unsigned_pdf: bytes, identity: SigningIdentity) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        sign_pdf(unsigned_pdf, identity, reason="r", location="l", timestamp=dt.datetime(2025, 4, 1))


def test_garbage_input_is_a_value_error(identity: SigningIdentity) -> None:
    with pytest.raises(ValueError, match="not a readable PDF"):
        sign_pdf(b"not a pdf at all", identity, reason="r", location="l")


def _test_tsa(identity_dir: Path, identity: SigningIdentity) -> DummyTimeStamper:
    """A TEST time-stamping authority certified by the TEST CA (pyHanko's in-process TSA)."""
    ca_key = serialization.load_pem_private_key((identity_dir / CA_KEY_FILE).read_bytes(), password=None)
    assert isinstance(ca_key, rsa.RSAPrivateKey) and identity.trust_root is not None
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    tsa_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Madoguchi TEST TSA")]))
        .issuer_name(identity.trust_root.subject)
        .public_key(tsa_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key_der = tsa_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return DummyTimeStamper(
        tsa_cert=to_asn1_certificate(tsa_cert),
        tsa_key=asn1_keys.PrivateKeyInfo.load(key_der),
        certs_to_embed=SimpleCertificateStore.from_certs([to_asn1_certificate(identity.trust_root)]),
        fixed_dt=dt.datetime(2025, 4, 1, 0, 31, 5, tzinfo=dt.UTC),
    )


def test_timestamper_gives_pades_b_t(
    unsigned_pdf: bytes, identity: SigningIdentity, identity_dir: Path
) -> None:
    signed = sign_pdf(
        unsigned_pdf,
        identity,
        reason="住民票の写しの交付",
        location="窓口市",
        timestamp=SIGNED_AT,
        timestamper=_test_tsa(identity_dir, identity),
    )
    _signature, status = _pyhanko_status(signed, identity)
    assert status.bottom_line
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted
    verdict = verify_pdf(signed, trust_roots=identity.trust_roots)
    assert verdict.reason == "ok"
    # The trusted timestamp wins over the signer's claim.
    assert verdict.signed_at == dt.datetime(2025, 4, 1, 0, 31, 5, tzinfo=dt.UTC)
