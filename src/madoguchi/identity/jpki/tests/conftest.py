"""Shared fixtures: RSA keys are generated once per session (2048-bit, the JPKI profile) and reused."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from madoguchi.identity.jpki import (
    CrlRevocationChecker,
    SoftwareCard,
    TestCa,
    TrustStore,
    create_test_ca,
    init_test_ca,
    issue_card,
)
from madoguchi.identity.jpki.ca import generate_rsa_key

# Relative to the real clock so the fixtures never rot; every test computes its times from NOW.
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
ISSUED_AT = NOW - dt.timedelta(days=1)
CRL_AT = NOW - dt.timedelta(hours=1)
REVOKED_AT = NOW - dt.timedelta(hours=2)
SIGN_PIN = "ABC123"
AUTH_PIN = "1234"

CA_KEYS = 4
FOREIGN_CA_KEYS = 4
SPARE_CA_KEYS = 4
CARD_KEYS = 14


@pytest.fixture(scope="session")
def key_pool() -> list[rsa.RSAPrivateKey]:
    """All RSA keys the suite needs, generated once."""
    return [generate_rsa_key() for _ in range(CA_KEYS + FOREIGN_CA_KEYS + SPARE_CA_KEYS + CARD_KEYS)]


@pytest.fixture(scope="session")
def spare_ca_keys(key_pool: list[rsa.RSAPrivateKey]) -> list[rsa.RSAPrivateKey]:
    """Keys for tests that build a further CA of their own (never shared with the main or foreign CA)."""
    start = CA_KEYS + FOREIGN_CA_KEYS
    return key_pool[start : start + SPARE_CA_KEYS]


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory: pytest.TempPathFactory, key_pool: list[rsa.RSAPrivateKey]) -> TestCa:
    """The suite's TEST CA (two generations), saved in a temporary directory."""
    keys = iter(key_pool[:CA_KEYS])
    return init_test_ca(tmp_path_factory.mktemp("jpki") / "ca", now=NOW, key_factory=lambda: next(keys))


@pytest.fixture(scope="session")
def foreign_ca(key_pool: list[rsa.RSAPrivateKey]) -> TestCa:
    """A second CA with the same DNs but other keys: nothing it issues may be trusted."""
    keys = iter(key_pool[CA_KEYS : CA_KEYS + FOREIGN_CA_KEYS])
    return create_test_ca(now=NOW, key_factory=lambda: next(keys))


@pytest.fixture(scope="session")
def card_keys(key_pool: list[rsa.RSAPrivateKey]) -> Iterator[rsa.RSAPrivateKey]:
    """An endless supply of card keys (a cycle; no two consecutive cards share a key)."""
    return itertools.cycle(key_pool[-CARD_KEYS:])


@pytest.fixture(scope="session")
def trust(test_ca: TestCa) -> TrustStore:
    """Trust store of the suite's TEST CA."""
    return test_ca.trust_store()


@pytest.fixture
def make_card(test_ca: TestCa, card_keys: Iterator[rsa.RSAPrivateKey]) -> Callable[..., SoftwareCard]:
    """Issue a card for a synthetic resident; keyword arguments override the defaults."""

    def make(ca: TestCa | None = None, **overrides: Any) -> SoftwareCard:
        params: dict[str, Any] = {
            "name": "山田 花子",
            "address": "東京都千代田区千代田1-1",
            "birth_date": dt.date(1980, 2, 17),
            "sex": "2",
            "municipality_code": "131016",
            "now": ISSUED_AT,
            "signing_pin": SIGN_PIN,
            "auth_pin": AUTH_PIN,
            "signing_key": next(card_keys),
            "auth_key": next(card_keys),
        }
        params.update(overrides)
        return issue_card(ca or test_ca, **params)

    return make


@pytest.fixture
def fresh_crls(test_ca: TestCa) -> Callable[[], CrlRevocationChecker]:
    """Build a CRL checker from the CA's current revocation state (CRLs issued an hour before NOW)."""

    def build() -> CrlRevocationChecker:
        return CrlRevocationChecker(test_ca.crls(now=CRL_AT).values())

    return build
