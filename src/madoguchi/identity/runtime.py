"""The application's JPKI material: the TEST CA, trust anchors and CRLs under settings.MADOGUCHI_JPKI_DIR.

The TEST CA is created on first use (same layout as `madoguchi jpki_init_test_ca`). CRLs are republished when they
are about to go stale, and right after every revocation, so the CRL check — which fails closed — keeps answering.
A production deployment puts the J-LIS anchors (pinned) in `anchors/` and CRLs fetched from its PF in `crl/`; then
no TEST CA exists and nothing is republished here.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import threading
from pathlib import Path

from cryptography import x509
from django.conf import settings

from .jpki import CrlRevocationChecker, TestCa, TrustStore, init_test_ca

# Republish when a CRL expires within this margin (test CRLs last a week; J-LIS refreshes about daily).
CRL_REFRESH_MARGIN = dt.timedelta(days=1)
_lock = threading.Lock()
# Parsed trust stores and CRL checkers by the SHA-256 of the files they were built from: every verification reads
# the files (cheap) but parses certificates and CRLs only when a file's content changed.
_parsed: dict[tuple[str, bytes], TrustStore | CrlRevocationChecker] = {}


def _content_key(blobs: list[bytes]) -> bytes:
    digest = hashlib.sha256()
    for blob in blobs:
        digest.update(hashlib.sha256(blob).digest())
    return digest.digest()


@functools.lru_cache(maxsize=64)
def _parse_crl(der: bytes) -> x509.CertificateRevocationList:
    return x509.load_der_x509_crl(der)


def test_ca_enabled() -> bool:
    """settings.MADOGUCHI_JPKI_TEST_CA: whether the simulated TEST CA (and test cards) may be used at all."""
    return bool(getattr(settings, "MADOGUCHI_JPKI_TEST_CA", False))


def jpki_dir() -> Path:
    """settings.MADOGUCHI_JPKI_DIR as a Path."""
    return Path(settings.MADOGUCHI_JPKI_DIR)


def test_ca(*, now: dt.datetime | None = None) -> TestCa:
    """The TEST CA in MADOGUCHI_JPKI_DIR, created (with fresh CRLs) when missing."""
    if not test_ca_enabled():
        raise RuntimeError("the TEST JPKI CA is disabled (settings.MADOGUCHI_JPKI_TEST_CA is false)")
    directory = jpki_dir()
    with _lock:
        if not TestCa.exists_in(directory):
            return init_test_ca(directory, now=now or dt.datetime.now(dt.UTC))
        return TestCa.load(directory)


test_ca.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def has_test_ca() -> bool:
    """True when the TEST CA is enabled and MADOGUCHI_JPKI_DIR holds one."""
    return test_ca_enabled() and TestCa.exists_in(jpki_dir())


def ensure_jpki_material(*, now: dt.datetime) -> None:
    """Create the TEST CA if there is no trust material at all (dev/demo/test), so logins can be checked."""
    directory = jpki_dir()
    if test_ca_enabled() and not (directory / "anchors").is_dir():
        test_ca(now=now)


def trust_store(*, now: dt.datetime | None = None) -> TrustStore:
    """Anchors from MADOGUCHI_JPKI_DIR (sign and auth kept apart; policies and pins from trust.json)."""
    ensure_jpki_material(now=now or dt.datetime.now(dt.UTC))
    directory = jpki_dir()
    if not (directory / "anchors").is_dir():
        return TrustStore()  # no anchors configured: every certificate is untrusted (fail closed)
    files = [directory / "trust.json"]
    for purpose in ("sign", "auth"):
        folder = directory / "anchors" / purpose
        files += sorted(folder.iterdir()) if folder.is_dir() else []
    key = ("trust", _content_key([f.name.encode() + b"\0" + f.read_bytes() for f in files if f.is_file()]))
    store = _parsed.get(key)
    if not isinstance(store, TrustStore):
        store = TrustStore.from_directory(directory)
        if len(_parsed) > 32:  # material replaced many times (tests): keep the cache small
            _parsed.clear()
        _parsed[key] = store
    return store


def _crl_paths() -> list[Path]:
    folder = jpki_dir() / "crl"
    return sorted(folder.glob("*.crl")) if folder.is_dir() else []


def _crls_stale(paths: list[Path], at: dt.datetime) -> bool:
    if not paths:
        return True
    for path in paths:
        crl = _parse_crl(path.read_bytes())
        if crl.next_update_utc is None or crl.next_update_utc < at + CRL_REFRESH_MARGIN:
            return True
        if crl.last_update_utc > at:  # published "in the future" relative to `at` (clock moved back in tests)
            return True
    return False


def republish_crls(*, now: dt.datetime) -> None:
    """Publish fresh CRLs of the TEST CA (after a revocation, or when they are stale)."""
    with _lock:
        TestCa.load(jpki_dir()).publish_crls(now=now)


def revocation_checker(*, at: dt.datetime) -> CrlRevocationChecker:
    """A fail-closed CRL checker over `crl/*.crl`, republishing the TEST CA's CRLs first when stale."""
    ensure_jpki_material(now=at)
    if has_test_ca() and _crls_stale(_crl_paths(), at):
        republish_crls(now=at)
    blobs = [path.read_bytes() for path in _crl_paths()]
    key = ("crl", _content_key(blobs))
    checker = _parsed.get(key)
    if not isinstance(checker, CrlRevocationChecker):
        checker = CrlRevocationChecker(blobs)
        if len(_parsed) > 32:  # material replaced many times (tests): keep the cache small
            _parsed.clear()
        _parsed[key] = checker
    return checker
