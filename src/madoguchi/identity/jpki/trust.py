"""Trust anchors: the JPKI root CAs, kept in SEPARATE sign and auth stores, optionally pinned by SHA-256.

Anchors are configured, never fetched at runtime (jpki.md §2). Several generations of a root are valid in parallel;
each anchor says which certificate policies it vouches for, so a TEST root never validates a certificate that
claims a production policy and vice versa.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .constants import KNOWN_POLICIES, PRODUCTION_ANCHOR_FINGERPRINTS, PRODUCTION_POLICIES, PURPOSES, Purpose


class AnchorError(ValueError):
    """An anchor certificate cannot be used (unparseable, not a CA, not RSA, or not matching a pin)."""


CERTIFICATE_SUFFIXES = (".pem", ".crt", ".cer", ".der")


def load_certificate(data: bytes | str | x509.Certificate) -> x509.Certificate:
    """Parse one certificate from PEM or DER (or pass a parsed one through); ValueError when it is not one."""
    if isinstance(data, x509.Certificate):
        return data
    if isinstance(data, str):
        data = data.encode("ascii")
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ValueError("certificate must be bytes")
    raw = bytes(data)
    if raw.lstrip().startswith(b"-----BEGIN"):
        return x509.load_pem_x509_certificate(raw)
    return x509.load_der_x509_certificate(raw)


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """All certificates in a PEM bundle, or the single DER certificate."""
    if data.lstrip().startswith(b"-----BEGIN"):
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


def normalize_fingerprint(text: str) -> str:
    """Upper-case hex with colons (the form J-LIS and openssl print)."""
    cleaned = text.strip().replace(":", "").replace(" ", "").upper()
    if len(cleaned) != 64 or any(ch not in "0123456789ABCDEF" for ch in cleaned):
        raise ValueError(f"not a SHA-256 fingerprint: {text!r}")
    return ":".join(cleaned[i : i + 2] for i in range(0, 64, 2))


def fingerprint_sha256(certificate: x509.Certificate) -> str:
    """SHA-256 fingerprint of the DER certificate, `AB:CD:…` form."""
    return normalize_fingerprint(certificate.fingerprint(hashes.SHA256()).hex())


class Anchor:
    """One root CA generation trusted for one purpose, with the policies it may vouch for."""

    __slots__ = (
        "certificate",
        "fingerprint",
        "key_identifier",
        "label",
        "policies",
        "public_key",
        "purpose",
        "subject_der",
    )

    def __init__(
        self, certificate: x509.Certificate, *, purpose: Purpose, policies: Iterable[str], label: str = ""
    ) -> None:
        try:
            constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
        except x509.ExtensionNotFound as exc:
            raise AnchorError("anchor has no basicConstraints") from exc
        if not constraints.ca:
            raise AnchorError("anchor is not a CA certificate")
        public_key = certificate.public_key()
        if not isinstance(public_key, rsa.RSAPublicKey):
            raise AnchorError("anchor key is not RSA")
        if certificate.issuer != certificate.subject:
            raise AnchorError("anchor is not self-signed (JPKI roots are single-tier)")
        accepted = frozenset(policies)
        other: Purpose = "auth" if purpose == "sign" else "sign"
        if accepted & KNOWN_POLICIES[other]:
            raise AnchorError(f"a {purpose} anchor must not accept {other} policies")
        try:
            ski: bytes | None = certificate.extensions.get_extension_for_class(
                x509.SubjectKeyIdentifier
            ).value.digest
        except x509.ExtensionNotFound:
            ski = None
        self.certificate = certificate
        self.purpose: Purpose = purpose
        self.policies = accepted
        self.label = label
        self.public_key: rsa.RSAPublicKey = public_key
        self.fingerprint = fingerprint_sha256(certificate)
        self.subject_der = certificate.subject.public_bytes()
        self.key_identifier = ski

    def __repr__(self) -> str:
        return f"Anchor({self.purpose}, {self.label or self.fingerprint[:11]})"

    def is_valid_at(self, at: dt.datetime) -> bool:
        """True while the anchor itself is inside its validity period."""
        cert = self.certificate
        return cert.not_valid_before_utc <= at <= cert.not_valid_after_utc

    def signed(self, tbs: bytes, signature: bytes, hash_algorithm: hashes.HashAlgorithm | None) -> bool:
        """True if `signature` over `tbs` verifies with this anchor's key (PKCS#1 v1.5)."""
        if hash_algorithm is None:
            return False
        try:
            self.public_key.verify(signature, tbs, padding.PKCS1v15(), hash_algorithm)
        except (InvalidSignature, ValueError, TypeError):
            return False
        return True

    @classmethod
    def load(
        cls,
        data: bytes | x509.Certificate,
        *,
        purpose: Purpose,
        policies: Iterable[str] | None = None,
        pinned_sha256: Iterable[str] | None = None,
        label: str = "",
    ) -> Anchor:
        """Anchor from PEM/DER; policies default to production; raises AnchorError if a pin set is given and missed."""
        try:
            certificate = load_certificate(data)
        except ValueError as exc:
            raise AnchorError(f"anchor is not a certificate: {exc}") from exc
        if pinned_sha256 is not None:
            pins = {normalize_fingerprint(pin) for pin in pinned_sha256}
            if fingerprint_sha256(certificate) not in pins:
                raise AnchorError(f"anchor {fingerprint_sha256(certificate)} matches no pinned fingerprint")
        accepted = frozenset(policies) if policies is not None else PRODUCTION_POLICIES[purpose]
        return cls(certificate, purpose=purpose, policies=accepted, label=label)


class TrustStore:
    """Sign anchors and auth anchors, kept apart; caches which anchor issued a given leaf."""

    _CACHE_SIZE = 4096

    def __init__(self, *, sign_anchors: Iterable[Anchor] = (), auth_anchors: Iterable[Anchor] = ()) -> None:
        self._anchors: dict[Purpose, tuple[Anchor, ...]] = {
            "sign": tuple(sign_anchors),
            "auth": tuple(auth_anchors),
        }
        for purpose, anchors in self._anchors.items():
            for anchor in anchors:
                if anchor.purpose != purpose:
                    raise AnchorError(f"{anchor.purpose} anchor placed in the {purpose} store")
        self._by_subject: dict[tuple[Purpose, bytes], tuple[Anchor, ...]] = {}
        for purpose, anchors in self._anchors.items():
            for anchor in anchors:
                key = (purpose, anchor.subject_der)
                self._by_subject[key] = (*self._by_subject.get(key, ()), anchor)
        self._issuer_cache: OrderedDict[tuple[Purpose, bytes], Anchor | None] = OrderedDict()
        self._lock = threading.Lock()

    def anchors(self, purpose: Purpose) -> tuple[Anchor, ...]:
        """Anchors trusted for `purpose`."""
        return self._anchors[purpose]

    def accepted_policies(self, purpose: Purpose) -> frozenset[str]:
        """Union of the policies the `purpose` anchors vouch for."""
        return frozenset().union(*(anchor.policies for anchor in self._anchors[purpose]))

    def merged(self, other: TrustStore) -> TrustStore:
        """A store holding this store's anchors and `other`'s (e.g. production roots alongside the TEST CA)."""
        return TrustStore(
            sign_anchors=(*self.anchors("sign"), *other.anchors("sign")),
            auth_anchors=(*self.anchors("auth"), *other.anchors("auth")),
        )

    def find_issuer(self, purpose: Purpose, certificate: x509.Certificate, der: bytes) -> Anchor | None:
        """The `purpose` anchor whose DN matches the leaf's issuer and whose key verifies its signature."""
        cache_key = (purpose, hashlib.sha256(der).digest())
        with self._lock:
            if cache_key in self._issuer_cache:
                self._issuer_cache.move_to_end(cache_key)
                return self._issuer_cache[cache_key]
        found = self._find_issuer_uncached(purpose, certificate)
        with self._lock:  # verify() runs in threaded servers; OrderedDict mutation is not atomic
            self._issuer_cache[cache_key] = found
            if len(self._issuer_cache) > self._CACHE_SIZE:
                self._issuer_cache.popitem(last=False)
        return found

    def _find_issuer_uncached(self, purpose: Purpose, certificate: x509.Certificate) -> Anchor | None:
        candidates = self._by_subject.get((purpose, certificate.issuer.public_bytes()), ())
        if not candidates:
            return None
        try:
            aki = certificate.extensions.get_extension_for_class(
                x509.AuthorityKeyIdentifier
            ).value.key_identifier
        except x509.ExtensionNotFound:
            aki = None
        # Try the generation named by AKI first; the signature decides either way.
        ordered = sorted(candidates, key=lambda anchor: anchor.key_identifier != aki)
        for anchor in ordered:
            if anchor.signed(
                certificate.tbs_certificate_bytes, certificate.signature, certificate.signature_hash_algorithm
            ):
                return anchor
        return None

    # --- construction helpers ---------------------------------------------------------------------------------
    @classmethod
    def from_pem_or_der(
        cls,
        *,
        sign: Iterable[bytes] = (),
        auth: Iterable[bytes] = (),
        sign_policies: Iterable[str] | None = None,
        auth_policies: Iterable[str] | None = None,
        pinned_sha256: Iterable[str] | None = None,
    ) -> TrustStore:
        """Store from certificate bytes (each PEM bundle or DER); policies default to production."""
        pins = list(pinned_sha256) if pinned_sha256 is not None else None
        policies: dict[Purpose, Iterable[str] | None] = {"sign": sign_policies, "auth": auth_policies}
        built: dict[Purpose, list[Anchor]] = {"sign": [], "auth": []}
        sources: tuple[tuple[Purpose, Iterable[bytes]], ...] = (("sign", sign), ("auth", auth))
        for purpose, blobs in sources:
            for blob in blobs:
                for cert in load_certificates(blob):
                    built[purpose].append(
                        Anchor.load(cert, purpose=purpose, policies=policies[purpose], pinned_sha256=pins)
                    )
        return cls(sign_anchors=built["sign"], auth_anchors=built["auth"])

    @classmethod
    def production(cls, *, sign: Iterable[bytes], auth: Iterable[bytes]) -> TrustStore:
        """J-LIS roots pinned to PRODUCTION_ANCHOR_FINGERPRINTS, accepting only the production policies."""
        built: dict[Purpose, list[Anchor]] = {"sign": [], "auth": []}
        sources: tuple[tuple[Purpose, Iterable[bytes]], ...] = (("sign", sign), ("auth", auth))
        for purpose, blobs in sources:
            pins = PRODUCTION_ANCHOR_FINGERPRINTS[purpose]
            for blob in blobs:
                for cert in load_certificates(blob):
                    label = next(
                        (name for name, pin in pins.items() if pin == fingerprint_sha256(cert)), "jlis"
                    )
                    built[purpose].append(
                        Anchor.load(cert, purpose=purpose, pinned_sha256=pins.values(), label=label)
                    )
        return cls(sign_anchors=built["sign"], auth_anchors=built["auth"])

    @classmethod
    def from_directory(cls, directory: Path) -> TrustStore:
        """Load `anchors/sign/*` and `anchors/auth/*` (PEM/DER) plus optional `trust.json`.

        trust.json: {"sign_policies": [...], "auth_policies": [...], "pinned_sha256": [...]}; without it, the
        production policies apply and nothing is pinned.
        """
        config: Mapping[str, object] = {}
        config_path = directory / "trust.json"
        if config_path.exists():
            config = json.loads(config_path.read_text(encoding="utf-8"))
        pins_raw = config.get("pinned_sha256")
        pins = [str(pin) for pin in pins_raw] if isinstance(pins_raw, list) else None
        built: dict[Purpose, list[Anchor]] = {"sign": [], "auth": []}
        for purpose in PURPOSES:
            policies_raw = config.get(f"{purpose}_policies")
            policies = [str(p) for p in policies_raw] if isinstance(policies_raw, list) else None
            folder = directory / "anchors" / purpose
            if not folder.is_dir():
                continue
            for path in sorted(folder.iterdir()):
                if path.suffix.lower() not in CERTIFICATE_SUFFIXES:
                    continue
                for cert in load_certificates(path.read_bytes()):
                    built[purpose].append(
                        Anchor.load(
                            cert, purpose=purpose, policies=policies, pinned_sha256=pins, label=path.stem
                        )
                    )
        return cls(sign_anchors=built["sign"], auth_anchors=built["auth"])


def certificate_pem(certificate: x509.Certificate) -> str:
    """PEM text of a certificate."""
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")
