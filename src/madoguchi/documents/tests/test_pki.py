from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from madoguchi.documents.pki import (
    CA_CERT_FILE,
    CA_KEY_FILE,
    DOCUMENT_SIGNING_EKU,
    SIGNING_CERT_FILE,
    SIGNING_KEY_FILE,
    TEST_CA_COMMON_NAME,
    SigningIdentity,
    create_test_signing_identity,
    load_signing_identity,
)

from .conftest import MUNICIPALITY_CODE, MUNICIPALITY_NAME


def _attr(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    return str(name.get_attributes_for_oid(oid)[0].value)


def test_test_identity_files_and_subjects(identity: SigningIdentity, identity_dir: Path) -> None:
    for filename in (CA_KEY_FILE, CA_CERT_FILE, SIGNING_KEY_FILE, SIGNING_CERT_FILE):
        assert (identity_dir / filename).is_file()
    for filename in (CA_KEY_FILE, SIGNING_KEY_FILE):
        assert stat.S_IMODE((identity_dir / filename).stat().st_mode) == 0o600

    root = identity.trust_root
    assert root is not None
    assert _attr(root.subject, NameOID.COMMON_NAME) == "Madoguchi TEST document CA — not for production"
    assert root.subject == root.issuer
    assert identity.chain == (root,)
    assert identity.trust_roots == [root]

    cert = identity.certificate
    assert cert.issuer == root.subject
    assert _attr(cert.subject, NameOID.ORGANIZATION_NAME) == "窓口市"
    assert _attr(cert.subject, NameOID.COMMON_NAME) == "窓口市 文書署名 (TEST)"
    assert _attr(cert.subject, NameOID.ORGANIZATIONAL_UNIT_NAME) == "131016"
    assert identity.subject == "CN=窓口市 文書署名 (TEST),OU=131016,O=窓口市,C=JP"
    cert.verify_directly_issued_by(root)


def test_signing_certificate_extensions(identity: SigningIdentity) -> None:
    cert = identity.certificate
    key_usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert key_usage.critical
    assert key_usage.value.digital_signature
    assert key_usage.value.content_commitment  # nonRepudiation
    assert not key_usage.value.key_cert_sign
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [DOCUMENT_SIGNING_EKU]
    assert DOCUMENT_SIGNING_EKU.dotted_string == "1.3.6.1.5.5.7.3.36"
    assert ExtendedKeyUsageOID.SERVER_AUTH not in eku
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False

    root = identity.trust_root
    assert root is not None
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    assert root.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign


def test_validity_follows_now(tmp_path: Path) -> None:
    now = dt.datetime(2025, 4, 1, 0, 0, tzinfo=dt.UTC)
    created = create_test_signing_identity(
        tmp_path, municipality_name="窓口町", municipality_code="011002", now=now
    )
    assert created.certificate.not_valid_before_utc == dt.datetime(2025, 3, 31, 23, 0, tzinfo=dt.UTC)
    assert created.certificate.not_valid_after_utc == now + dt.timedelta(days=5 * 365)
    assert created.trust_root is not None
    assert created.trust_root.not_valid_after_utc == now + dt.timedelta(days=20 * 365)


def test_create_is_idempotent(identity: SigningIdentity, identity_dir: Path) -> None:
    again = create_test_signing_identity(
        identity_dir, municipality_name=MUNICIPALITY_NAME, municipality_code=MUNICIPALITY_CODE
    )
    assert again.certificate == identity.certificate
    assert again.trust_root == identity.trust_root
    loaded = load_signing_identity(identity_dir)
    assert loaded.certificate == identity.certificate
    assert loaded.chain == identity.chain


def test_existing_ca_is_reused_for_a_new_signing_certificate(tmp_path: Path) -> None:
    first = create_test_signing_identity(tmp_path, municipality_name="窓口村", municipality_code="011002")
    (tmp_path / SIGNING_CERT_FILE).unlink()
    second = create_test_signing_identity(tmp_path, municipality_name="窓口村", municipality_code="011002")
    assert second.trust_root == first.trust_root
    assert second.certificate != first.certificate


def test_directory_of_another_municipality_is_refused(identity_dir: Path) -> None:
    with pytest.raises(ValueError, match="another municipality"):
        create_test_signing_identity(identity_dir, municipality_name="別の町", municipality_code="011002")


@pytest.mark.parametrize("code", ["131015", "13101", "1310160", "abcdef", ""])
def test_invalid_municipality_code_is_refused(tmp_path: Path, code: str) -> None:
    with pytest.raises(ValueError, match="地方公共団体コード"):
        create_test_signing_identity(tmp_path, municipality_name="窓口市", municipality_code=code)
    assert not (tmp_path / CA_KEY_FILE).exists()


def test_naive_now_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        create_test_signing_identity(
            tmp_path, municipality_name="窓口市", municipality_code="131016", now=dt.datetime(2025, 4, 1)
        )


def test_from_pem_loads_key_certificate_and_chain(identity: SigningIdentity, identity_dir: Path) -> None:
    loaded = SigningIdentity.from_pem(
        identity_dir / SIGNING_KEY_FILE, identity_dir / SIGNING_CERT_FILE, [identity_dir / CA_CERT_FILE]
    )
    assert loaded.certificate == identity.certificate
    assert loaded.chain == identity.chain
    assert loaded.trust_root == identity.trust_root


def test_from_pem_with_encrypted_der_key_and_no_chain(identity: SigningIdentity, tmp_path: Path) -> None:
    key_path = tmp_path / "key.der"
    key_path.write_bytes(
        identity.private_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"pass"),
        )
    )
    cert_path = tmp_path / "cert.der"
    cert_path.write_bytes(identity.certificate.public_bytes(serialization.Encoding.DER))
    loaded = SigningIdentity.from_pem(key_path, cert_path, key_passphrase="pass")
    assert loaded.certificate == identity.certificate
    assert loaded.chain == ()
    assert loaded.trust_root is None
    assert loaded.trust_roots == []


def test_from_pkcs12(identity: SigningIdentity, tmp_path: Path) -> None:
    p12 = tmp_path / "lgpki.p12"
    assert identity.trust_root is not None
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"signer",
            identity.private_key,
            identity.certificate,
            [identity.trust_root],
            serialization.BestAvailableEncryption(b"secret"),
        )
    )
    loaded = SigningIdentity.from_pkcs12(p12, "secret")
    assert loaded.certificate == identity.certificate
    assert loaded.trust_root == identity.trust_root
    with pytest.raises(ValueError):
        SigningIdentity.from_pkcs12(p12, "wrong")


def test_key_must_match_certificate(identity: SigningIdentity, foreign_identity: SigningIdentity) -> None:
    with pytest.raises(ValueError, match="does not belong"):
        SigningIdentity(private_key=foreign_identity.private_key, certificate=identity.certificate)
    with pytest.raises(ValueError, match="does not belong"):
        SigningIdentity(private_key=ec.generate_private_key(ec.SECP256R1()), certificate=identity.certificate)


def test_foreign_ca_has_the_same_name_but_a_different_key(
    identity: SigningIdentity, foreign_identity: SigningIdentity
) -> None:
    assert foreign_identity.trust_root is not None and identity.trust_root is not None
    assert foreign_identity.trust_root.subject == identity.trust_root.subject
    assert foreign_identity.trust_root != identity.trust_root
    assert _attr(identity.trust_root.subject, NameOID.COMMON_NAME) == TEST_CA_COMMON_NAME
