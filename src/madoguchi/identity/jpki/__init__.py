"""JPKI (公的個人認証サービス) relying-party library for Madoguchi — pure Python, no Django.

- `verify()` — the one verification routine (chain to a pinned anchor, validity, key usage, critical policy,
  PKCS#1 v1.5 SHA-256 signature, 基本4情報, revocation through a fail-closed `RevocationChecker`).
- `TrustStore` / `Anchor` — separate sign and auth anchors, several generations, optional SHA-256 pins.
- `CrlRevocationChecker`, `FakePlatformProviderChecker` — revocation sources; unknown means reject.
- `init_test_ca` / `TestCa`, `issue_card` / `SoftwareCard`, `reissue_signing_certificate` — the offline
  SIMULATION (TEST CA, software cards) for tests and the demo.
- `make_challenge`, `NonceStore`, `verify_login` — login challenges.
"""

from .attributes import (
    AttributeFormatError,
    BasicFourAttributes,
    Sex,
    certificate_form,
    decode_birth_date,
    encode_birth_date,
    matches_with_substitutions,
)
from .ca import CaGeneration, GenerationSpec, RevocationEntry, TestCa, create_test_ca, init_test_ca
from .card import (
    Card,
    PinError,
    PinFormatError,
    PinLocked,
    SoftwareCard,
    SuccessionLink,
    WrongPin,
    certificate_expiry_on,
    issue_card,
    reissue_signing_certificate,
    revoke_card,
)
from .challenge import (
    Challenge,
    InMemoryNonceStore,
    NonceStore,
    issue_challenge,
    make_challenge,
    verify_login,
)
from .constants import (
    PRODUCTION_AUTH_POLICY,
    PRODUCTION_SIGN_POLICY,
    TEST_AUTH_POLICY,
    TEST_SIGN_POLICY,
    Purpose,
    parse_serial,
    serial_hex,
)
from .revocation import (
    CrlRevocationChecker,
    FakePlatformProviderChecker,
    PlatformUnreachableError,
    RevocationChecker,
    RevocationStatus,
)
from .trust import Anchor, AnchorError, TrustStore, fingerprint_sha256, load_certificate
from .verify import MESSAGES_JA, REASONS, Verdict, verify

__all__ = [
    "MESSAGES_JA",
    "PRODUCTION_AUTH_POLICY",
    "PRODUCTION_SIGN_POLICY",
    "REASONS",
    "TEST_AUTH_POLICY",
    "TEST_SIGN_POLICY",
    "Anchor",
    "AnchorError",
    "AttributeFormatError",
    "BasicFourAttributes",
    "CaGeneration",
    "Card",
    "Challenge",
    "CrlRevocationChecker",
    "FakePlatformProviderChecker",
    "GenerationSpec",
    "InMemoryNonceStore",
    "NonceStore",
    "PinError",
    "PinFormatError",
    "PinLocked",
    "PlatformUnreachableError",
    "Purpose",
    "RevocationChecker",
    "RevocationEntry",
    "RevocationStatus",
    "Sex",
    "SoftwareCard",
    "SuccessionLink",
    "TestCa",
    "TrustStore",
    "Verdict",
    "WrongPin",
    "certificate_expiry_on",
    "certificate_form",
    "create_test_ca",
    "decode_birth_date",
    "encode_birth_date",
    "fingerprint_sha256",
    "init_test_ca",
    "issue_card",
    "issue_challenge",
    "load_certificate",
    "make_challenge",
    "matches_with_substitutions",
    "parse_serial",
    "reissue_signing_certificate",
    "revoke_card",
    "serial_hex",
    "verify",
    "verify_login",
]
