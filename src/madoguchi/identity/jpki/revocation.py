"""Revocation (失効) checking behind one protocol; every implementation fails closed.

`verify()` accepts a certificate only on `good`. `unknown`, a stale or missing CRL, an unverifiable CRL and an
unreachable platform provider (PF) all end as verdict `revocation_unknown` (jpki.md §5: accept only GOOD).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Literal, Protocol

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .constants import REVOCATION_REASONS, parse_serial
from .trust import Anchor

RevocationState = Literal["good", "revoked", "unknown"]


@dataclasses.dataclass(frozen=True, slots=True)
class RevocationStatus:
    """Result of a validity check: good, revoked (with RFC 5280 reason name and time) or unknown."""

    state: RevocationState
    reason: str | None = None
    revoked_at: dt.datetime | None = None
    source: str = ""
    detail: str = ""

    @classmethod
    def good(cls, source: str) -> RevocationStatus:
        """Not revoked according to `source`."""
        return cls("good", source=source)

    @classmethod
    def revoked(cls, reason: str, revoked_at: dt.datetime | None, source: str) -> RevocationStatus:
        """Revoked with `reason` (e.g. affiliationChanged)."""
        return cls("revoked", reason=reason, revoked_at=revoked_at, source=source)

    @classmethod
    def unknown(cls, detail: str, source: str) -> RevocationStatus:
        """No trustworthy answer; callers must reject."""
        return cls("unknown", source=source, detail=detail)


class RevocationChecker(Protocol):
    """Anything that answers "is this certificate revoked at `at`?" for a certificate chained to `issuer`."""

    def check(self, certificate: x509.Certificate, issuer: Anchor, at: dt.datetime) -> RevocationStatus:
        """Status of `certificate` at `at`; may raise on transport errors (treated as unknown)."""
        ...


@dataclasses.dataclass(frozen=True, slots=True)
class _ParsedCrl:
    crl: x509.CertificateRevocationList
    sha256: bytes
    issuer_der: bytes
    authority_key_id: bytes | None
    this_update: dt.datetime
    next_update: dt.datetime | None
    entries: dict[int, tuple[str, dt.datetime]]


def _parse_crl(data: bytes | x509.CertificateRevocationList) -> _ParsedCrl:
    if isinstance(data, x509.CertificateRevocationList):
        crl = data
        raw = crl.public_bytes(serialization.Encoding.DER)
    else:
        raw = bytes(data)
        crl = (
            x509.load_pem_x509_crl(raw)
            if raw.lstrip().startswith(b"-----BEGIN")
            else x509.load_der_x509_crl(raw)
        )
    entries: dict[int, tuple[str, dt.datetime]] = {}
    for revoked in crl:
        try:
            reason = revoked.extensions.get_extension_for_class(x509.CRLReason).value.reason.value
        except x509.ExtensionNotFound:
            reason = "unspecified"
        entries[revoked.serial_number] = (reason, revoked.revocation_date_utc)
    try:
        aki = crl.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
    except x509.ExtensionNotFound:
        aki = None
    return _ParsedCrl(
        crl=crl,
        sha256=hashlib.sha256(raw).digest(),
        issuer_der=crl.issuer.public_bytes(),
        authority_key_id=aki,
        this_update=crl.last_update_utc,
        next_update=crl.next_update_utc,
        entries=entries,
    )


class CrlRevocationChecker:
    """Checks against DER/PEM CRLs published by the CAs; CRLs are parsed once and their signatures cached.

    A CRL counts only if its issuer DN equals the anchor's subject, its signature verifies with the anchor's key
    (so a CRL of one root generation never answers for another), and it is fresh at `at`:
    thisUpdate ≤ at + clock_skew and at ≤ nextUpdate. Otherwise the answer is `unknown`.
    """

    SOURCE = "crl"

    def __init__(
        self,
        crls: Iterable[bytes | x509.CertificateRevocationList] = (),
        *,
        clock_skew: dt.timedelta = dt.timedelta(minutes=5),
    ) -> None:
        self.clock_skew = clock_skew
        self._crls: dict[bytes, _ParsedCrl] = {}
        self._by_issuer: dict[bytes, list[_ParsedCrl]] = {}
        self._signature_ok: dict[tuple[bytes, str], bool] = {}
        for crl in crls:
            self.add(crl)

    def add(self, crl: bytes | x509.CertificateRevocationList) -> None:
        """Add one CRL (DER, PEM or parsed); ValueError if it cannot be parsed. Re-adding is a no-op."""
        parsed = _parse_crl(crl)
        if parsed.sha256 in self._crls:
            return
        self._crls[parsed.sha256] = parsed
        self._by_issuer.setdefault(parsed.issuer_der, []).append(parsed)
        self._by_issuer[parsed.issuer_der].sort(key=lambda p: p.this_update, reverse=True)

    @classmethod
    def from_paths(cls, paths: Iterable[Path], **kwargs: dt.timedelta) -> CrlRevocationChecker:
        """Checker loaded from CRL files."""
        return cls([Path(path).read_bytes() for path in paths], **kwargs)

    @classmethod
    def from_directory(cls, directory: Path, **kwargs: dt.timedelta) -> CrlRevocationChecker:
        """Checker loaded from every `*.crl` file in `directory` (none → every answer is unknown)."""
        paths = sorted(directory.glob("*.crl")) if directory.is_dir() else []
        return cls.from_paths(paths, **kwargs)

    def __len__(self) -> int:
        return len(self._crls)

    def _signed_by(self, parsed: _ParsedCrl, anchor: Anchor) -> bool:
        key = (parsed.sha256, anchor.fingerprint)
        cached = self._signature_ok.get(key)
        if cached is None:
            if parsed.authority_key_id is not None and anchor.key_identifier not in (
                None,
                parsed.authority_key_id,
            ):
                cached = False
            else:
                public_key = anchor.public_key
                cached = isinstance(public_key, rsa.RSAPublicKey) and parsed.crl.is_signature_valid(
                    public_key
                )
            self._signature_ok[key] = cached
        return cached

    def check(self, certificate: x509.Certificate, issuer: Anchor, at: dt.datetime) -> RevocationStatus:
        """Status from the freshest verified CRL of `issuer` that is fresh at `at`; unknown if there is none."""
        candidates = self._by_issuer.get(issuer.subject_der, [])
        stale = False
        for parsed in candidates:  # newest first
            if not self._signed_by(parsed, issuer):
                continue
            if parsed.this_update > at + self.clock_skew:
                continue  # issued after `at`: not a statement about `at` under this policy
            if parsed.next_update is None or at > parsed.next_update:
                stale = True
                continue
            entry = parsed.entries.get(certificate.serial_number)
            if entry is None or entry[1] > at:
                return RevocationStatus.good(self.SOURCE)
            return RevocationStatus.revoked(entry[0], entry[1], self.SOURCE)
        detail = "CRL is stale (past nextUpdate)" if stale else "no verified CRL for this CA generation"
        return RevocationStatus.unknown(detail, self.SOURCE)


class PlatformUnreachableError(ConnectionError):
    """The (fake) platform provider did not answer."""


def _serial_int(serial: int | str) -> int:
    return serial if isinstance(serial, int) else parse_serial(serial)


class FakePlatformProviderChecker:
    """In-memory stand-in for a PF validity-check API (serial → status), for tests and the demo.

    Unlisted serials are `unknown` (a real PF knows every J-LIS certificate; the fake knows only what it was told).
    `set_unreachable()` makes every check raise PlatformUnreachableError, which `verify()` turns into
    `revocation_unknown`. Also keeps 新旧紐付け (old → new serial) and sign↔auth links.
    """

    SOURCE = "platform"

    def __init__(self) -> None:
        self._status: dict[int, RevocationStatus] = {}
        self._successors: dict[int, int] = {}
        self._auth_for_sign: dict[int, int] = {}
        self.reachable = True
        self.calls = 0

    def set_unreachable(self, unreachable: bool = True) -> None:
        """Simulate a PF outage (or end it)."""
        self.reachable = not unreachable

    def set_good(self, serial: int | str) -> None:
        """Mark a certificate as valid."""
        self._status[_serial_int(serial)] = RevocationStatus.good(self.SOURCE)

    def set_revoked(self, serial: int | str, *, reason: str, at: dt.datetime) -> None:
        """Mark a certificate as revoked with an RFC 5280 reason name."""
        if reason not in REVOCATION_REASONS:
            raise ValueError(f"unknown revocation reason {reason!r}")
        self._status[_serial_int(serial)] = RevocationStatus.revoked(reason, at, self.SOURCE)

    def set_unknown(self, serial: int | str) -> None:
        """Forget a certificate (the PF answers unknown)."""
        self._status.pop(_serial_int(serial), None)

    def register(self, *certificates: x509.Certificate) -> None:
        """Mark certificates as valid (e.g. both certificates of a freshly issued card)."""
        for certificate in certificates:
            self.set_good(certificate.serial_number)

    def link_successor(self, old_serial: int | str, new_serial: int | str) -> None:
        """Record 新旧紐付け: the signing certificate `old_serial` was re-issued as `new_serial`."""
        self._successors[_serial_int(old_serial)] = _serial_int(new_serial)

    def latest_serial(self, serial: int | str) -> int:
        """Follow 新旧紐付け links to the newest serial."""
        current = _serial_int(serial)
        seen = {current}
        while current in self._successors:
            current = self._successors[current]
            if current in seen:
                raise ValueError("succession links form a cycle")
            seen.add(current)
        return current

    def link_auth(self, sign_serial: int | str, auth_serial: int | str) -> None:
        """Record which authentication certificate is on the same card as a signing certificate."""
        self._auth_for_sign[_serial_int(sign_serial)] = _serial_int(auth_serial)

    def auth_serial_for(self, sign_serial: int | str) -> int | None:
        """The authentication certificate serial linked to a signing certificate, if known."""
        return self._auth_for_sign.get(_serial_int(sign_serial))

    def check(self, certificate: x509.Certificate, issuer: Anchor, at: dt.datetime) -> RevocationStatus:
        """Status of the serial; raises PlatformUnreachableError when set unreachable."""
        self.calls += 1
        if not self.reachable:
            raise PlatformUnreachableError("platform provider unreachable (simulated)")
        status = self._status.get(certificate.serial_number)
        if status is None:
            return RevocationStatus.unknown("serial not known to the platform provider", self.SOURCE)
        if status.state == "revoked" and status.revoked_at is not None and status.revoked_at > at:
            return RevocationStatus.good(self.SOURCE)
        return status
