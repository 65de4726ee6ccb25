"""Where each municipality's document-signing identity and trust roots live (Django settings aware).

Layout: ``settings.MADOGUCHI_DOCUMENT_KEY_DIR / <地方公共団体コード> /`` holds the files written by
:func:`madoguchi.documents.pki.create_test_signing_identity` (``ca.cert.pem``, ``signing.key.pem``,
``signing.cert.pem`` …). The signing key is needed only where documents are issued (office zone); the verification
page (portal zone) reads nothing but the trust roots: ``ca.cert.pem`` and, if present, ``trust-roots.pem`` (extra
anchors such as the LGPKI root when a municipality signs with its LGPKI certificate).
"""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cryptography import x509
from django.conf import settings

from madoguchi.common.checkdigits import is_valid_local_government_code
from madoguchi.core.models import Municipality

from .pki import (
    CA_CERT_FILE,
    SIGNING_CERT_FILE,
    SIGNING_KEY_FILE,
    SigningIdentity,
    create_test_signing_identity,
    load_signing_identity,
)

__all__ = [
    "EXTRA_TRUST_ROOTS_FILE",
    "all_trust_roots",
    "get_signing_identity",
    "key_directory",
    "trust_roots_for",
]

logger = logging.getLogger(__name__)

EXTRA_TRUST_ROOTS_FILE = "trust-roots.pem"


def key_directory(municipality_code: str) -> Path:
    """The key directory of one municipality; ValueError for anything but a valid 6-digit code (no path tricks)."""
    if not is_valid_local_government_code(municipality_code):
        raise ValueError(f"not a valid 地方公共団体コード: {municipality_code!r}")
    return Path(settings.MADOGUCHI_DOCUMENT_KEY_DIR) / municipality_code


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    # Two first issuances at once must not both generate a CA and overwrite each other's files.
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def get_signing_identity(municipality: Municipality, *, create: bool = True) -> SigningIdentity:
    """The municipality's signing identity; with `create`, a TEST identity is made on first use."""
    directory = key_directory(municipality.code)
    if (directory / SIGNING_KEY_FILE).exists() and (directory / SIGNING_CERT_FILE).exists():
        return load_signing_identity(directory)
    if not create:
        raise FileNotFoundError(f"no document-signing identity in {directory}")
    with _locked(directory):
        identity = create_test_signing_identity(
            directory, municipality_name=municipality.name, municipality_code=municipality.code
        )
    logger.warning(
        "created a TEST document-signing identity for %s in %s (not for production)",
        municipality.code,
        directory,
    )
    return identity


def trust_roots_for(municipality_code: str) -> list[x509.Certificate]:
    """The trust anchors for documents of one municipality (empty when it has never signed anything)."""
    try:
        directory = key_directory(municipality_code)
    except ValueError:
        return []
    roots: list[x509.Certificate] = []
    for name in (CA_CERT_FILE, EXTRA_TRUST_ROOTS_FILE):
        path = directory / name
        if path.is_file():
            roots.extend(x509.load_pem_x509_certificates(path.read_bytes()))
    return roots


def all_trust_roots() -> list[x509.Certificate]:
    """Trust anchors of every municipality with a key directory (for a PDF whose issuer is not yet known)."""
    base = Path(settings.MADOGUCHI_DOCUMENT_KEY_DIR)
    if not base.is_dir():
        return []
    roots: list[x509.Certificate] = []
    for directory in sorted(base.iterdir()):
        if directory.is_dir() and is_valid_local_government_code(directory.name):
            for root in trust_roots_for(directory.name):
                if root not in roots:
                    roots.append(root)
    return roots
