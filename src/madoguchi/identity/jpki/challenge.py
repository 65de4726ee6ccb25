"""Login challenges for authentication with the 利用者証明用電子証明書 (pure; Django stores the nonces).

The server issues a random, single-use challenge with a short TTL (jpki.md §4.1); the card signs its bytes with
the authentication key; the server consumes the nonce (first use only, before expiry) and then verifies.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import secrets
import threading
from typing import Protocol

from cryptography import x509

from .revocation import RevocationChecker
from .trust import TrustStore
from .verify import Verdict, verify

DEFAULT_CHALLENGE_TTL = dt.timedelta(minutes=5)
CHALLENGE_BYTES = 32


@dataclasses.dataclass(frozen=True)
class Challenge:
    """A login challenge: `value` is what the card signs, `token` its URL-safe text form for forms and storage."""

    value: bytes
    issued_at: dt.datetime
    expires_at: dt.datetime

    @property
    def token(self) -> str:
        """URL-safe base64 (no padding) of `value`."""
        return base64.urlsafe_b64encode(self.value).rstrip(b"=").decode("ascii")


def challenge_value(token: str) -> bytes:
    """Bytes of a challenge token; ValueError if it is not one."""
    try:
        value = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError, TypeError) as exc:
        raise ValueError("not a challenge token") from exc
    if len(value) != CHALLENGE_BYTES:
        raise ValueError("not a challenge token")
    return value


def make_challenge(*, now: dt.datetime, ttl: dt.timedelta = DEFAULT_CHALLENGE_TTL) -> Challenge:
    """A fresh 256-bit random challenge valid for `ttl`."""
    return Challenge(value=secrets.token_bytes(CHALLENGE_BYTES), issued_at=now, expires_at=now + ttl)


class NonceStore(Protocol):
    """Single-use nonce storage (the Django side implements it with a table or the cache)."""

    def add(self, token: str, expires_at: dt.datetime) -> None:
        """Remember an issued token until `expires_at`."""
        ...

    def consume(self, token: str, at: dt.datetime) -> bool:
        """Atomically remove `token`; True only if it was present and not expired at `at`."""
        ...


class InMemoryNonceStore:
    """A thread-safe NonceStore in memory (tests, single-process tools)."""

    def __init__(self) -> None:
        self._expiry: dict[str, dt.datetime] = {}
        self._lock = threading.Lock()

    def add(self, token: str, expires_at: dt.datetime) -> None:
        """Remember `token`."""
        with self._lock:
            self._expiry[token] = expires_at

    def consume(self, token: str, at: dt.datetime) -> bool:
        """Remove `token`; True if it was live."""
        with self._lock:
            expires_at = self._expiry.pop(token, None)
            for stale in [t for t, e in self._expiry.items() if e < at]:
                del self._expiry[stale]
        return expires_at is not None and at <= expires_at

    def __len__(self) -> int:
        return len(self._expiry)


def issue_challenge(
    store: NonceStore, *, now: dt.datetime, ttl: dt.timedelta = DEFAULT_CHALLENGE_TTL
) -> Challenge:
    """Make a challenge and record it in `store`."""
    challenge = make_challenge(now=now, ttl=ttl)
    store.add(challenge.token, challenge.expires_at)
    return challenge


def verify_login(
    token: str,
    certificate: bytes | str | x509.Certificate,
    signature: bytes,
    *,
    store: NonceStore,
    trust: TrustStore,
    revocation: RevocationChecker,
    at: dt.datetime,
) -> Verdict:
    """Consume the challenge (single use even if what follows fails), then verify the authentication signature."""
    try:
        value = challenge_value(token)
    except ValueError:
        return Verdict(False, "challenge_invalid", "auth", checked_at=at, detail="malformed challenge token")
    if not store.consume(token, at):
        return Verdict(False, "challenge_invalid", "auth", checked_at=at, detail="unknown, used or expired")
    return verify("auth", certificate, value, signature, trust=trust, revocation=revocation, at=at)
