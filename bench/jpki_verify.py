"""Benchmark: JPKI signature verification with a cached CRL, single process (= per core).

Workload: a TEST CA (two generations), a CRL of `--revoked` entries for the issuing generation, one signing card.
Each verification receives the certificate as DER bytes, the data (1 KiB) and the signature, and runs the full
`verify()` (parse/caches, key usage, chain, policy, validity, RSA PKCS#1 v1.5 SHA-256, 基本4情報, CRL lookup).
Raw baseline in the same run: a bare `cryptography` RSA PKCS#1 v1.5 SHA-256 verify of the same signature.
A secondary "cold" figure verifies certificates never seen before (parse + chain signature on every call).

Usage: python bench/jpki_verify.py [--seconds 1.0] [--revoked 10000] [--cold 300]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import cryptography
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from madoguchi.identity.jpki import CrlRevocationChecker, create_test_ca, issue_card, verify
from madoguchi.identity.jpki.ca import RevocationEntry, generate_rsa_key
from madoguchi.identity.jpki.card import rsa_sign_sha256
from madoguchi.identity.jpki.verify import _leaf_facts

TARGET_PER_CORE = 2000
RESULTS = Path(__file__).resolve().parent / "results" / "jpki_verify.json"


def rate(operation: Callable[[], object], seconds: float, repeats: int = 5) -> float:
    """Median operations per second over `repeats` runs of about `seconds` each."""
    for _ in range(50):  # warm caches and the allocator
        operation()
    start = time.perf_counter()
    calibrate = 0
    while time.perf_counter() - start < 0.2:
        operation()
        calibrate += 1
    per_run = max(50, int(calibrate / 0.2 * seconds))
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(per_run):
            operation()
        rates.append(per_run / (time.perf_counter() - start))
    return statistics.median(rates)


def _cpu_model() -> str:
    """CPU model name from /proc/cpuinfo (platform.processor() is empty on many Linux systems)."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="length of each timed run")
    parser.add_argument("--revoked", type=int, default=10_000, help="entries in the issuing CA's CRL")
    parser.add_argument(
        "--cold", type=int, default=300, help="distinct never-seen certificates for the cold figure"
    )
    args = parser.parse_args()

    now = dt.datetime.now(dt.UTC)
    ca = create_test_ca(now=now)
    card = issue_card(
        ca,
        name="山田 花子",
        address="東京都千代田区千代田1-1",
        birth_date=dt.date(1980, 2, 17),
        sex="2",
        municipality_code="131016",
        now=now - dt.timedelta(days=1),
        signing_pin="ABC123",
        auth_pin="1234",
    )
    certificate = card.signing_certificate()
    # A realistic CRL: many revoked serials of the same generation (parsed once, then a dict lookup).
    revoked_at = now - dt.timedelta(days=2)
    ca.add_revocations(
        RevocationEntry("sign", "gen2", serial, revoked_at, "affiliationChanged")
        for serial in range(1, args.revoked + 1)
    )
    crl_ders = ca.crls(now=now - dt.timedelta(hours=1))
    checker = CrlRevocationChecker(crl_ders.values())
    trust = ca.trust_store()
    der = certificate.public_bytes(serialization.Encoding.DER)
    data = os.urandom(1024)
    signature = card.sign(data, "ABC123")
    at = now

    verdict = verify("sign", der, data, signature, trust=trust, revocation=checker, at=at)
    assert verdict.valid, verdict

    public_key = certificate.public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)

    def raw() -> None:
        public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())

    def full() -> None:
        verify("sign", der, data, signature, trust=trust, revocation=checker, at=at)

    raw_rate = rate(raw, args.seconds)
    full_rate = rate(full, args.seconds)

    # Cold: every certificate is new (fresh parse, fresh chain check, SAN decode), same CRL.
    key = generate_rsa_key()
    cold_certs = [
        ca.issue_certificate(
            "sign",
            key.public_key(),
            prefecture="東京都",
            city="千代田区",
            not_before=now - dt.timedelta(days=1),
            not_after=now + dt.timedelta(days=365),
            subject_alt_names=list(
                certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            ),
        ).public_bytes(serialization.Encoding.DER)
        for _ in range(args.cold)
    ]
    cold_signature = rsa_sign_sha256(key, data)
    _leaf_facts.cache_clear()
    start = time.perf_counter()
    for cert_der in cold_certs:
        assert verify("sign", cert_der, data, cold_signature, trust=trust, revocation=checker, at=at).valid
    cold_rate = len(cold_certs) / (time.perf_counter() - start)

    ratio = full_rate / raw_rate
    workload = {
        "crl_entries": len(ca.revocations),
        "data_bytes": len(data),
        "cold_certificates": args.cold,
        "processes": 1,
    }
    result = {
        "name": "jpki_verify",
        "unit": "verifications/s",
        "figures": {
            "verifications_per_s": round(full_rate),
            "cold_verifications_per_s": round(cold_rate),
            "raw_rsa_verify_per_s": round(raw_rate),
        },
        "ratio": round(ratio, 3),
        "baseline": "cryptography RSA-2048 PKCS#1 v1.5 SHA-256 verify of the same signature",
        "target_per_core": TARGET_PER_CORE,
        "meets_target": full_rate >= TARGET_PER_CORE,
        "workload": workload,
        "machine": {
            "processor": platform.processor() or _cpu_model(),
            "uname": " ".join(platform.uname()),
            "cpus": os.cpu_count(),
        },
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "cryptography": cryptography.__version__,
        "database": None,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(
        f"  cold (new certificate each time): {cold_rate:,.0f} verifications/s; "
        f"CRL entries: {workload['crl_entries']:,}"
    )
    print(
        f"bench jpki_verify: {full_rate:,.0f} verifications/s, {ratio:.3f} of raw "
        f"{raw_rate:,.0f} RSA PKCS#1 v1.5 verifications/s"
    )


if __name__ == "__main__":
    main()
