"""A TEST certification authority shaped like J-LIS's JPKI roots (simulation only).

Two single-tier, self-signed RSA-2048 roots per generation (signing CA, authentication CA) with the real DNs and
extensions of jpki.md §2, in two generations by default: `gen1` ("2015-like", started 8 years before `now`, 10-year
validity, serial 01) and `gen2` ("2023-like", started 2 years before `now`, random serial), so rollover and several
anchor generations can be exercised. Dates are relative to the `now` given at creation so tests do not rot.

The CA issues end-entity certificates with the TEST policy OIDs, keeps revocation state and publishes one full
DER CRL per CA generation (production partitions CRLs per municipality; the test CA does not).

Private keys are written as UNENCRYPTED PEM (mode 0600). That is acceptable only because this is a TEST CA
whose certificates nobody outside the test world trusts; never put real key material in this format.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import secrets
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .constants import (
    CPS_URI,
    JST,
    PURPOSES,
    REVOCATION_REASONS,
    TEST_AUTH_POLICY,
    TEST_POLICIES,
    TEST_SIGN_POLICY,
    Purpose,
    ca_name,
    crl_partition_name,
    serial_hex,
    service_dir_name,
)
from .trust import Anchor, TrustStore, fingerprint_sha256

FORMAT = "madoguchi.jpki.test_ca/1"
KeyFactory = Callable[[], rsa.RSAPrivateKey]


def generate_rsa_key() -> rsa.RSAPrivateKey:
    """A fresh RSA-2048 key with e = 65537 (the JPKI profile)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def years_before(day: dt.date, years: int) -> dt.date:
    """Same calendar day `years` earlier (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


@dataclasses.dataclass(frozen=True)
class GenerationSpec:
    """How to create one CA generation relative to `now`."""

    label: str
    started_years_ago: int
    valid_years: int = 10
    fixed_serial: int | None = None


# gen1 ≈ the 2015 roots (serial 01, in their last years), gen2 ≈ the 2023 roots (random serial, young).
DEFAULT_GENERATIONS: tuple[GenerationSpec, ...] = (
    GenerationSpec("gen1", started_years_ago=8, fixed_serial=1),
    GenerationSpec("gen2", started_years_ago=2),
)


@dataclasses.dataclass(frozen=True)
class CaGeneration:
    """One root certificate and its private key."""

    purpose: Purpose
    label: str
    certificate: x509.Certificate
    private_key: rsa.RSAPrivateKey

    @property
    def serial(self) -> str:
        """Root serial, upper-case hex."""
        return serial_hex(self.certificate.serial_number)

    @property
    def fingerprint(self) -> str:
        """SHA-256 fingerprint of the root certificate."""
        return fingerprint_sha256(self.certificate)

    @property
    def key_identifier(self) -> bytes:
        """subjectKeyIdentifier of the root."""
        return self.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest

    def is_valid_at(self, at: dt.datetime) -> bool:
        """True inside the root's validity period."""
        return self.certificate.not_valid_before_utc <= at <= self.certificate.not_valid_after_utc


@dataclasses.dataclass(frozen=True)
class RevocationEntry:
    """One revoked certificate in the CA's CRL state."""

    purpose: Purpose
    generation: str
    serial: int
    revoked_at: dt.datetime
    reason: str

    def to_json(self) -> dict[str, str]:
        """JSON-able form."""
        return {
            "purpose": self.purpose,
            "generation": self.generation,
            "serial": serial_hex(self.serial),
            "revoked_at": self.revoked_at.isoformat(),
            "reason": self.reason,
        }

    @classmethod
    def from_json(cls, data: dict[str, str]) -> RevocationEntry:
        """Inverse of `to_json`."""
        purpose = data["purpose"]
        if purpose not in PURPOSES:
            raise ValueError(f"bad purpose {purpose!r}")
        return cls(
            purpose="sign" if purpose == "sign" else "auth",
            generation=data["generation"],
            serial=int(data["serial"], 16),
            revoked_at=dt.datetime.fromisoformat(data["revoked_at"]),
            reason=data["reason"],
        )


def _end_of_day_jst(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), JST).astimezone(dt.UTC)


def _start_of_day_jst(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0, 0), JST).astimezone(dt.UTC)


def build_root(
    purpose: Purpose, key: rsa.RSAPrivateKey, *, not_before: dt.datetime, not_after: dt.datetime, serial: int
) -> x509.Certificate:
    """A self-signed JPKI-shaped root: keyUsage keyCertSign+cRLSign and basicConstraints CA, both critical."""
    name = ca_name(purpose)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
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
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.SubjectAlternativeName([x509.DirectoryName(service_dir_name())]), critical=False)
        .add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        full_name=[x509.DirectoryName(name)],
                        relative_name=None,
                        reasons=None,
                        crl_issuer=None,
                    )
                ]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )


def leaf_key_usage(purpose: Purpose) -> x509.KeyUsage:
    """keyUsage of an end-entity certificate: sign → digitalSignature + nonRepudiation; auth → digitalSignature."""
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=purpose == "sign",
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def leaf_serial() -> int:
    """A random positive 63-bit serial (the certificate's 発行番号-like handle)."""
    return secrets.randbits(63) | (1 << 62)


class TestCa:
    """The TEST JPKI CA: root generations per purpose, revocation state, CRL publication, leaf issuance."""

    __test__ = False  # not a pytest test class

    def __init__(
        self,
        generations: Iterable[CaGeneration],
        *,
        directory: Path | None = None,
        revocations: Iterable[RevocationEntry] = (),
        crl_number: int = 0,
        created_at: dt.datetime | None = None,
    ) -> None:
        self._generations: dict[Purpose, list[CaGeneration]] = {"sign": [], "auth": []}
        for generation in generations:
            self._generations[generation.purpose].append(generation)
        for purpose in PURPOSES:
            if not self._generations[purpose]:
                raise ValueError(f"the test CA needs at least one {purpose} generation")
            self._generations[purpose].sort(key=lambda g: g.certificate.not_valid_before_utc)
        self.directory = directory
        self._revocations: list[RevocationEntry] = list(revocations)
        self.crl_number = crl_number
        self.created_at = created_at

    # --- generations ----------------------------------------------------------------------------------------
    def generations(self, purpose: Purpose) -> tuple[CaGeneration, ...]:
        """Root generations for `purpose`, oldest first."""
        return tuple(self._generations[purpose])

    def generation(self, purpose: Purpose, label: str) -> CaGeneration:
        """The generation called `label`."""
        for generation in self._generations[purpose]:
            if generation.label == label:
                return generation
        raise KeyError(f"no {purpose} generation {label!r}")

    def current_generation(self, purpose: Purpose, at: dt.datetime) -> CaGeneration:
        """The newest generation valid at `at` (the one that issues new certificates)."""
        valid = [g for g in self._generations[purpose] if g.is_valid_at(at)]
        if not valid:
            raise ValueError(f"no {purpose} CA generation is valid at {at.isoformat()}")
        return valid[-1]

    def generation_of(self, certificate: x509.Certificate) -> CaGeneration:
        """The generation that issued `certificate` (matched by AKI, confirmed by DN)."""
        aki = certificate.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
        for purpose in PURPOSES:
            for generation in self._generations[purpose]:
                if generation.key_identifier == aki and certificate.issuer == generation.certificate.subject:
                    return generation
        raise KeyError("certificate was not issued by this test CA")

    def trust_store(self) -> TrustStore:
        """Anchors of every generation, separately per purpose, accepting only the TEST policies."""
        anchors = {
            purpose: [
                Anchor(g.certificate, purpose=purpose, policies=TEST_POLICIES[purpose], label=g.label)
                for g in self._generations[purpose]
            ]
            for purpose in PURPOSES
        }
        return TrustStore(sign_anchors=anchors["sign"], auth_anchors=anchors["auth"])

    # --- issuance ---------------------------------------------------------------------------------------------
    def issue_certificate(
        self,
        purpose: Purpose,
        public_key: rsa.RSAPublicKey,
        *,
        prefecture: str,
        city: str,
        not_before: dt.datetime,
        not_after: dt.datetime,
        subject_alt_names: Sequence[x509.GeneralName] = (),
        generation: str | None = None,
        policy: str | None = None,
        key_usage: x509.KeyUsage | None = None,
        key_usage_critical: bool = True,
        policy_critical: bool = True,
        serial: int | None = None,
        common_name: str | None = None,
    ) -> x509.Certificate:
        """Low-level: an end-entity certificate with the JPKI profile of §3.1 (overrides exist for tests).

        notAfter is clamped to the issuing root's notAfter.
        """
        issuer = (
            self.generation(purpose, generation)
            if generation
            else self.current_generation(purpose, not_before)
        )
        chosen_policy = policy or (TEST_SIGN_POLICY if purpose == "sign" else TEST_AUTH_POLICY)
        # The CPS qualifier appears on signing certificates only (§3.1).
        qualifiers: list[str | x509.UserNotice] | None = [CPS_URI] if purpose == "sign" else None
        subject = x509.Name(
            [
                x509.NameAttribute(x509.NameOID.COUNTRY_NAME, "JP"),
                x509.NameAttribute(x509.NameOID.LOCALITY_NAME, prefecture),
                x509.NameAttribute(x509.NameOID.LOCALITY_NAME, city),
                x509.NameAttribute(x509.NameOID.COMMON_NAME, common_name or secrets.token_hex(10).upper()),
            ]
        )
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer.certificate.subject)
            .public_key(public_key)
            .serial_number(serial if serial is not None else leaf_serial())
            .not_valid_before(not_before)
            .not_valid_after(min(not_after, issuer.certificate.not_valid_after_utc))
            .add_extension(key_usage or leaf_key_usage(purpose), critical=key_usage_critical)
            .add_extension(
                x509.CertificatePolicies(
                    [x509.PolicyInformation(x509.ObjectIdentifier(chosen_policy), qualifiers)]
                ),
                critical=policy_critical,
            )
            .add_extension(
                x509.IssuerAlternativeName([x509.DirectoryName(service_dir_name())]), critical=False
            )
            .add_extension(
                x509.CRLDistributionPoints(
                    [
                        x509.DistributionPoint(
                            full_name=[x509.DirectoryName(crl_partition_name(purpose, prefecture, city))],
                            relative_name=None,
                            reasons=None,
                            crl_issuer=None,
                        )
                    ]
                ),
                critical=False,
            )
            .add_extension(
                x509.AuthorityKeyIdentifier(
                    key_identifier=issuer.key_identifier,
                    authority_cert_issuer=None,
                    authority_cert_serial_number=None,
                ),
                critical=False,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        )
        if subject_alt_names:
            builder = builder.add_extension(
                x509.SubjectAlternativeName(list(subject_alt_names)), critical=False
            )
        return builder.sign(issuer.private_key, hashes.SHA256())

    # --- revocation -------------------------------------------------------------------------------------------
    @property
    def revocations(self) -> tuple[RevocationEntry, ...]:
        """Every revocation recorded so far."""
        return tuple(self._revocations)

    def revoke(self, certificate: x509.Certificate, *, reason: str, at: dt.datetime) -> RevocationEntry:
        """Record a revocation (RFC 5280 reason name, e.g. affiliationChanged); persisted if the CA has a directory."""
        if reason not in REVOCATION_REASONS:
            raise ValueError(f"unknown revocation reason {reason!r}")
        generation = self.generation_of(certificate)
        entry = RevocationEntry(
            purpose=generation.purpose,
            generation=generation.label,
            serial=certificate.serial_number,
            revoked_at=at.astimezone(dt.UTC),
            reason=reason,
        )
        self._revocations = [
            e
            for e in self._revocations
            if not (
                e.purpose == entry.purpose and e.generation == entry.generation and e.serial == entry.serial
            )
        ]
        self._revocations.append(entry)
        if self.directory is not None:
            self._write_revocations()
        return entry

    def add_revocations(self, entries: Iterable[RevocationEntry]) -> None:
        """Record many revocations at once (synthetic populations for demos and benchmarks); persisted once."""
        for entry in entries:
            if entry.reason not in REVOCATION_REASONS:
                raise ValueError(f"unknown revocation reason {entry.reason!r}")
            self._revocations.append(entry)
        if self.directory is not None:
            self._write_revocations()

    def build_crl(
        self, purpose: Purpose, label: str, *, now: dt.datetime, validity: dt.timedelta = dt.timedelta(days=7)
    ) -> x509.CertificateRevocationList:
        """A signed CRL for one generation holding revocations recorded at or before `now`."""
        generation = self.generation(purpose, label)
        self.crl_number += 1
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(generation.certificate.subject)
            .last_update(now)
            .next_update(now + validity)
            .add_extension(x509.CRLNumber(self.crl_number), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier(
                    key_identifier=generation.key_identifier,
                    authority_cert_issuer=None,
                    authority_cert_serial_number=None,
                ),
                critical=False,
            )
        )
        for entry in self._revocations:
            if entry.purpose != purpose or entry.generation != label or entry.revoked_at > now:
                continue
            revoked = (
                x509.RevokedCertificateBuilder().serial_number(entry.serial).revocation_date(entry.revoked_at)
            )
            if entry.reason != "unspecified":  # RFC 5280 §5.3.1: omit reasonCode for unspecified
                revoked = revoked.add_extension(
                    x509.CRLReason(x509.ReasonFlags(entry.reason)), critical=False
                )
            builder = builder.add_revoked_certificate(revoked.build())
        return builder.sign(generation.private_key, hashes.SHA256())

    def crls(self, *, now: dt.datetime, validity: dt.timedelta = dt.timedelta(days=7)) -> dict[str, bytes]:
        """DER CRLs for every generation, keyed by file name `<purpose>-<label>.crl`."""
        return {
            f"{purpose}-{g.label}.crl": self.build_crl(
                purpose, g.label, now=now, validity=validity
            ).public_bytes(serialization.Encoding.DER)
            for purpose in PURPOSES
            for g in self._generations[purpose]
        }

    def publish_crls(self, *, now: dt.datetime, validity: dt.timedelta = dt.timedelta(days=7)) -> list[Path]:
        """Write the DER CRLs to `<directory>/crl/` (test CRLs last a week; J-LIS refreshes about daily)."""
        if self.directory is None:
            raise ValueError("this test CA has no directory")
        folder = self.directory / "crl"
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for file_name, der in self.crls(now=now, validity=validity).items():
            path = folder / file_name
            path.write_bytes(der)
            paths.append(path)
        self._write_metadata()
        return paths

    # --- persistence ------------------------------------------------------------------------------------------
    def save(self, directory: Path | None = None) -> Path:
        """Write anchors, keys (unencrypted PEM, 0600), trust.json, metadata and revocations to `directory`."""
        target = directory or self.directory
        if target is None:
            raise ValueError("no directory to save the test CA to")
        self.directory = target
        for purpose in PURPOSES:
            (target / "anchors" / purpose).mkdir(parents=True, exist_ok=True)
        (target / "keys").mkdir(parents=True, exist_ok=True)
        os.chmod(target / "keys", 0o700)
        for purpose in PURPOSES:
            for g in self._generations[purpose]:
                (target / "anchors" / purpose / f"{g.label}.pem").write_bytes(
                    g.certificate.public_bytes(serialization.Encoding.PEM)
                )
                key_path = target / "keys" / f"{purpose}-{g.label}.key.pem"
                key_path.write_bytes(
                    g.private_key.private_bytes(
                        serialization.Encoding.PEM,
                        serialization.PrivateFormat.PKCS8,
                        serialization.NoEncryption(),
                    )
                )
                os.chmod(key_path, 0o600)
        (target / "trust.json").write_text(
            json.dumps(
                {
                    "kind": "test",
                    "sign_policies": sorted(TEST_POLICIES["sign"]),
                    "auth_policies": sorted(TEST_POLICIES["auth"]),
                },
                indent=2,
            ),
            encoding="utf-8",
        )
        self._write_revocations()
        self._write_metadata()
        return target

    def _write_metadata(self) -> None:
        assert self.directory is not None
        metadata = {
            "format": FORMAT,
            "simulation": True,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "crl_number": self.crl_number,
            "generations": [
                {"purpose": purpose, "label": g.label, "serial": g.serial, "sha256": g.fingerprint}
                for purpose in PURPOSES
                for g in self._generations[purpose]
            ],
        }
        (self.directory / "ca.json").write_text(json.dumps(metadata, indent=2), encoding="utf-8")

    def _write_revocations(self) -> None:
        assert self.directory is not None
        (self.directory / "revocations.json").write_text(
            json.dumps([e.to_json() for e in self._revocations], indent=2), encoding="utf-8"
        )

    @classmethod
    def exists_in(cls, directory: Path) -> bool:
        """True if `directory` holds a saved test CA."""
        return (directory / "ca.json").is_file()

    @classmethod
    def load(cls, directory: Path) -> TestCa:
        """Load a test CA saved by `init_test_ca` / `save`."""
        metadata = json.loads((directory / "ca.json").read_text(encoding="utf-8"))
        if metadata.get("format") != FORMAT:
            raise ValueError(f"{directory} does not hold a {FORMAT} test CA")
        generations = []
        for item in metadata["generations"]:
            purpose: Purpose = "sign" if item["purpose"] == "sign" else "auth"
            label = item["label"]
            certificate = x509.load_pem_x509_certificate(
                (directory / "anchors" / purpose / f"{label}.pem").read_bytes()
            )
            key = serialization.load_pem_private_key(
                (directory / "keys" / f"{purpose}-{label}.key.pem").read_bytes(), password=None
            )
            if not isinstance(key, rsa.RSAPrivateKey):
                raise ValueError("test CA key is not RSA")
            generations.append(CaGeneration(purpose, label, certificate, key))
        revocations_path = directory / "revocations.json"
        revocations = (
            [RevocationEntry.from_json(e) for e in json.loads(revocations_path.read_text(encoding="utf-8"))]
            if revocations_path.exists()
            else []
        )
        created = metadata.get("created_at")
        return cls(
            generations,
            directory=directory,
            revocations=revocations,
            crl_number=int(metadata.get("crl_number", 0)),
            created_at=dt.datetime.fromisoformat(created) if created else None,
        )


def create_test_ca(
    *,
    now: dt.datetime,
    generations: Sequence[GenerationSpec] = DEFAULT_GENERATIONS,
    key_factory: KeyFactory = generate_rsa_key,
) -> TestCa:
    """An in-memory test CA (nothing written); `init_test_ca` persists one."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    today = now.astimezone(JST).date()
    built = []
    for spec in generations:
        start_day = years_before(today, spec.started_years_ago)
        not_before = _start_of_day_jst(start_day)
        end_day = years_before(start_day, -spec.valid_years) - dt.timedelta(days=1)
        for purpose in PURPOSES:
            key = key_factory()
            serial = spec.fixed_serial if spec.fixed_serial is not None else secrets.randbits(31) | (1 << 26)
            certificate = build_root(
                purpose, key, not_before=not_before, not_after=_end_of_day_jst(end_day), serial=serial
            )
            built.append(CaGeneration(purpose, spec.label, certificate, key))
    return TestCa(built, created_at=now)


def init_test_ca(
    directory: Path,
    *,
    now: dt.datetime,
    generations: Sequence[GenerationSpec] = DEFAULT_GENERATIONS,
    key_factory: KeyFactory = generate_rsa_key,
    overwrite: bool = False,
) -> TestCa:
    """Create a test CA, save it to `directory` and publish empty CRLs; FileExistsError if one is there already."""
    if TestCa.exists_in(directory) and not overwrite:
        raise FileExistsError(f"a test CA already exists in {directory}")
    directory.mkdir(parents=True, exist_ok=True)
    ca = create_test_ca(now=now, generations=generations, key_factory=key_factory)
    if overwrite:  # remove only files of our own layout, so a misconfigured directory loses nothing else
        patterns = (
            "anchors/sign/*.pem",
            "anchors/auth/*.pem",
            "keys/*.key.pem",
            "crl/*.crl",
            "revocations.json",
        )
        for pattern in patterns:
            for stale in directory.glob(pattern):
                stale.unlink()
    ca.save(directory)
    ca.publish_crls(now=now)
    return ca
