"""Login challenges: single use, TTL, verification with the authentication key."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from madoguchi.identity.jpki import (
    CrlRevocationChecker,
    InMemoryNonceStore,
    SoftwareCard,
    TrustStore,
    issue_challenge,
    make_challenge,
    verify_login,
)
from madoguchi.identity.jpki.challenge import challenge_value

from .conftest import AUTH_PIN, NOW, SIGN_PIN


def test_challenge_is_random_and_round_trips() -> None:
    first, second = make_challenge(now=NOW), make_challenge(now=NOW)
    assert first.value != second.value and len(first.value) == 32
    assert challenge_value(first.token) == first.value
    assert first.expires_at - first.issued_at == dt.timedelta(minutes=5)


def test_login_ok_then_replay_rejected(
    make_card: Callable[..., SoftwareCard], trust: TrustStore, fresh_crls: Callable[[], CrlRevocationChecker]
) -> None:
    card = make_card()
    store = InMemoryNonceStore()
    challenge = issue_challenge(store, now=NOW)
    signature = card.authenticate(challenge.value, AUTH_PIN)
    kwargs: dict[str, Any] = {"store": store, "trust": trust, "revocation": fresh_crls()}
    at = NOW + dt.timedelta(seconds=30)
    verdict = verify_login(challenge.token, card.authentication_certificate(), signature, at=at, **kwargs)
    assert verdict.reason == "ok"
    replay = verify_login(challenge.token, card.authentication_certificate(), signature, at=at, **kwargs)
    assert replay.reason == "challenge_invalid"
    assert "やり直して" in replay.message_ja


def test_expired_unknown_and_malformed_challenges(
    make_card: Callable[..., SoftwareCard], trust: TrustStore, fresh_crls: Callable[[], CrlRevocationChecker]
) -> None:
    card = make_card()
    store = InMemoryNonceStore()
    challenge = issue_challenge(store, now=NOW, ttl=dt.timedelta(minutes=2))
    signature = card.authenticate(challenge.value, AUTH_PIN)
    kwargs: dict[str, Any] = {"store": store, "trust": trust, "revocation": fresh_crls()}
    late = NOW + dt.timedelta(minutes=3)
    assert (
        verify_login(challenge.token, card.authentication_certificate(), signature, at=late, **kwargs).reason
        == "challenge_invalid"
    )
    stranger = make_challenge(now=NOW)  # never stored
    assert (
        verify_login(
            stranger.token,
            card.authentication_certificate(),
            card.authenticate(stranger.value, AUTH_PIN),
            at=NOW,
            **kwargs,
        ).reason
        == "challenge_invalid"
    )
    assert (
        verify_login("%%%", card.authentication_certificate(), signature, at=NOW, **kwargs).reason
        == "challenge_invalid"
    )


def test_signing_key_cannot_log_in(
    make_card: Callable[..., SoftwareCard], trust: TrustStore, fresh_crls: Callable[[], CrlRevocationChecker]
) -> None:
    card = make_card()
    store = InMemoryNonceStore()
    challenge = issue_challenge(store, now=NOW)
    verdict = verify_login(
        challenge.token,
        card.signing_certificate(),
        card.sign(challenge.value, SIGN_PIN),
        store=store,
        trust=trust,
        revocation=fresh_crls(),
        at=NOW,
    )
    assert verdict.reason == "wrong_key_usage"
    assert len(store) == 0  # consumed anyway: a failed attempt cannot be retried with the same nonce
