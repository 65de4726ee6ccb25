"""Signing identities for official documents: the municipality's document-signing key and certificate.

Two sources:

* **TEST** — :func:`create_test_signing_identity` makes a small self-signed CA ("Madoguchi TEST document CA —
  not for production") and issues a document-signing certificate for one municipality, stored as PEM files in a
  directory (unencrypted keys, mode 0600). Meant for development, demos and tests; PDFs signed with it are only
  "trusted" by a verifier that is explicitly given this TEST root.
* **Production** — the municipality's LGPKI (地方公共団体組織認証基盤) key and certificate, or any other
  key the municipality is issued, loaded with :meth:`SigningIdentity.from_pkcs12` (a ``.p12``/``.pfx`` export)
  or :meth:`SigningIdentity.from_pem` (key + certificate + CA chain PEM/DER files). The chain should reach the
  LGPKI root; the verifier is given that root as its trust anchor. Keys held in an HSM need a pyHanko PKCS#11
  signer instead (not provided here).

All certificates are ``cryptography.x509.Certificate`` objects.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from madoguchi.common.checkdigits import is_valid_local_government_code

__all__ = [
    "CA_CERT_FILE",
    "CA_KEY_FILE",
    "DOCUMENT_SIGNING_EKU",
    "SIGNING_CERT_FILE",
    "SIGNING_KEY_FILE",
    "TEST_CA_COMMON_NAME",
    "SigningIdentity",
    "SigningKey",
    "create_test_signing_identity",
    "load_signing_identity",
]

SigningKey = (
    rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey
)
"""Private key types pyHanko can sign with."""

# RFC 9336: id-kp-documentSigning. pyHanko's default key-usage constraints accept any EKU, so this is safe to
# assert; it tells relying software the key is meant for signing documents, not TLS or e-mail.
DOCUMENT_SIGNING_EKU = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")

TEST_CA_COMMON_NAME = "Madoguchi TEST document CA — not for production"
CA_KEY_FILE = "ca.key.pem"
CA_CERT_FILE = "ca.cert.pem"
SIGNING_KEY_FILE = "signing.key.pem"
SIGNING_CERT_FILE = "signing.cert.pem"

_TEST_CA_YEARS = 20
_TEST_SIGNING_YEARS = 5
# Certificates are back-dated a little so a verifier whose clock is slightly behind still accepts them.
_BACKDATE = dt.timedelta(hours=1)


@dataclass(frozen=True)
class SigningIdentity:
    """A signing key with its certificate, the issuing chain and (if known) the trust root."""

    private_key: SigningKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()
    """Issuer certificates above `certificate` (intermediates, then the root if available); embedded in the CMS."""
    trust_root: x509.Certificate | None = None
    """The self-signed root of `chain`, if present: the anchor a verifier should be given."""

    def __post_init__(self) -> None:
        if not isinstance(
            self.private_key,
            rsa.RSAPrivateKey
            | ec.EllipticCurvePrivateKey
            | ed25519.Ed25519PrivateKey
            | ed448.Ed448PrivateKey,
        ):
            raise TypeError(f"unsupported signing key type: {type(self.private_key).__name__}")
        if _public_der(self.private_key.public_key()) != _public_der(self.certificate.public_key()):
            raise ValueError("the private key does not belong to the signing certificate")

    @property
    def trust_roots(self) -> list[x509.Certificate]:
        """The trust anchors to give a verifier: ``[trust_root]`` or ``[]`` when the root is not known."""
        return [self.trust_root] if self.trust_root is not None else []

    @property
    def subject(self) -> str:
        """The signing certificate's subject as an RFC 4514 string."""
        return self.certificate.subject.rfc4514_string()

    @classmethod
    def from_pkcs12(cls, path: Path | str, passphrase: str | bytes | None) -> SigningIdentity:
        """Load a key, certificate and CA chain from a PKCS#12 (.p12/.pfx) file, e.g. an LGPKI export."""
        password = passphrase.encode() if isinstance(passphrase, str) else passphrase
        key, certificate, additional = pkcs12.load_key_and_certificates(Path(path).read_bytes(), password)
        if key is None or certificate is None:
            raise ValueError("the PKCS#12 file does not contain both a private key and its certificate")
        return cls._assemble(key, certificate, additional)

    @classmethod
    def from_pem(
        cls,
        key_path: Path | str,
        cert_path: Path | str,
        chain_paths: Sequence[Path | str] = (),
        *,
        key_passphrase: str | bytes | None = None,
    ) -> SigningIdentity:
        """Load a key, certificate and CA chain from PEM (or DER) files; chain files may hold several certs."""
        password = key_passphrase.encode() if isinstance(key_passphrase, str) else key_passphrase
        key_data = Path(key_path).read_bytes()
        if b"-----BEGIN" in key_data:
            key = serialization.load_pem_private_key(key_data, password)
        else:
            key = serialization.load_der_private_key(key_data, password)
        certificates = _read_certificates(Path(cert_path))
        if len(certificates) != 1:
            raise ValueError(f"{cert_path}: expected exactly one certificate, found {len(certificates)}")
        chain = [cert for chain_path in chain_paths for cert in _read_certificates(Path(chain_path))]
        return cls._assemble(key, certificates[0], chain)

    @classmethod
    def _assemble(
        cls, key: object, certificate: x509.Certificate, others: Sequence[x509.Certificate]
    ) -> SigningIdentity:
        if not isinstance(
            key,
            rsa.RSAPrivateKey
            | ec.EllipticCurvePrivateKey
            | ed25519.Ed25519PrivateKey
            | ed448.Ed448PrivateKey,
        ):
            raise TypeError(f"unsupported signing key type: {type(key).__name__}")
        chain = tuple(cert for cert in _order_chain(certificate, others) if cert != certificate)
        roots = [cert for cert in chain if _is_self_signed(cert)]
        return cls(
            private_key=key, certificate=certificate, chain=chain, trust_root=roots[0] if roots else None
        )


def create_test_signing_identity(
    directory: Path,
    *,
    municipality_name: str,
    municipality_code: str,
    now: dt.datetime | None = None,
) -> SigningIdentity:
    """Create (or load, if already there) a TEST CA and a document-signing certificate for one municipality."""
    if not is_valid_local_government_code(municipality_code):
        raise ValueError(f"not a valid 6-digit 地方公共団体コード: {municipality_code!r}")
    if not municipality_name.strip():
        raise ValueError("municipality_name must not be empty")
    now = now or dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)

    ca_key_path, ca_cert_path = directory / CA_KEY_FILE, directory / CA_CERT_FILE
    if ca_key_path.exists() and ca_cert_path.exists():
        ca_key = _load_key(ca_key_path)
        ca_cert = x509.load_pem_x509_certificate(ca_cert_path.read_bytes())
    else:
        ca_key, ca_cert = _make_test_ca(now)
        _write_key(ca_key_path, ca_key)
        ca_cert_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))

    key_path, cert_path = directory / SIGNING_KEY_FILE, directory / SIGNING_CERT_FILE
    if key_path.exists() and cert_path.exists():
        identity = load_signing_identity(directory)
        organizations = identity.certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
        if [attr.value for attr in organizations] != [municipality_name]:
            raise ValueError(f"{directory} already holds a signing identity for another municipality")
        return identity

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, municipality_name),
            # The 地方公共団体コード identifies the issuer unambiguously (names repeat across prefectures).
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, municipality_code),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{municipality_name} 文書署名 (TEST)"),
        ]
    )
    not_before = now - _BACKDATE
    not_after = min(now + dt.timedelta(days=365 * _TEST_SIGNING_YEARS), ca_cert.not_valid_after_utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # a.k.a. nonRepudiation; pyHanko requires it by default
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([DOCUMENT_SIGNING_EKU]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(_authority_key_id(ca_cert), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    _write_key(key_path, key)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return SigningIdentity(private_key=key, certificate=cert, chain=(ca_cert,), trust_root=ca_cert)


def load_signing_identity(directory: Path) -> SigningIdentity:
    """Load the TEST signing identity that :func:`create_test_signing_identity` wrote to `directory`."""
    directory = Path(directory)
    ca_cert = x509.load_pem_x509_certificate((directory / CA_CERT_FILE).read_bytes())
    cert = x509.load_pem_x509_certificate((directory / SIGNING_CERT_FILE).read_bytes())
    key = _load_key(directory / SIGNING_KEY_FILE)
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise TypeError(f"unsupported signing key type: {type(key).__name__}")
    return SigningIdentity(private_key=key, certificate=cert, chain=(ca_cert,), trust_root=ca_cert)


def _make_test_ca(now: dt.datetime) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Madoguchi TEST"),
            x509.NameAttribute(NameOID.COMMON_NAME, TEST_CA_COMMON_NAME),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + dt.timedelta(days=365 * _TEST_CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _authority_key_id(issuer: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)


def _load_key(path: Path) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise TypeError(f"{path}: unsupported key type {type(key).__name__}")
    return key


def _write_key(path: Path, key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # TEST keys are unencrypted; at least keep them private to the owner.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)


def _read_certificates(path: Path) -> list[x509.Certificate]:
    data = path.read_bytes()
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


def _public_der(public_key: object) -> bytes:
    if not hasattr(public_key, "public_bytes"):
        raise TypeError(f"unsupported public key type: {type(public_key).__name__}")
    der: bytes = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return der


def _is_self_signed(cert: x509.Certificate) -> bool:
    if cert.subject != cert.issuer:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _order_chain(leaf: x509.Certificate, others: Sequence[x509.Certificate]) -> list[x509.Certificate]:
    """Order `others` from the leaf's issuer upwards; certificates not on the path are appended at the end."""
    remaining = [cert for cert in others if cert != leaf]
    ordered: list[x509.Certificate] = []
    current = leaf
    while not _is_self_signed(current):
        issuer = next((cert for cert in remaining if cert.subject == current.issuer), None)
        if issuer is None:
            break
        ordered.append(issuer)
        remaining.remove(issuer)
        current = issuer
    return ordered + remaining
