"""verify(): the rejection matrix, both anchor generations, fail-closed revocation, messages, robustness."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from typing import cast

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from madoguchi.identity.jpki import (
    MESSAGES_JA,
    PRODUCTION_SIGN_POLICY,
    REASONS,
    Anchor,
    AnchorError,
    CrlRevocationChecker,
    FakePlatformProviderChecker,
    Purpose,
    RevocationChecker,
    SoftwareCard,
    TestCa,
    TrustStore,
    Verdict,
    issue_card,
    verify,
)
from madoguchi.identity.jpki.ca import leaf_key_usage
from madoguchi.identity.jpki.card import rsa_sign_sha256
from madoguchi.identity.jpki.constants import TEST_POLICIES, TEST_SIGN_POLICY

from .conftest import AUTH_PIN, CRL_AT, ISSUED_AT, NOW, REVOKED_AT, SIGN_PIN

DATA = "転入届 2025-04-01 山田花子 nonce=7f3a".encode()


@dataclasses.dataclass
class Case:
    purpose: Purpose
    certificate: bytes | x509.Certificate
    data: bytes
    signature: bytes


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def _der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def _run(case: Case, trust: TrustStore, revocation: RevocationChecker, at: dt.datetime = NOW) -> Verdict:
    return verify(
        case.purpose, case.certificate, case.data, case.signature, trust=trust, revocation=revocation, at=at
    )


@pytest.fixture
def card(make_card: Callable[..., SoftwareCard]) -> SoftwareCard:
    return make_card(name="髙橋 花子", address="東京都千代田区千代田1-1")


def test_valid_signature_and_subject(
    card: SoftwareCard, trust: TrustStore, fresh_crls: Callable[[], CrlRevocationChecker]
) -> None:
    verdict = verify(
        "sign",
        _pem(card.signing_certificate()),
        DATA,
        card.sign(DATA, SIGN_PIN),
        trust=trust,
        revocation=fresh_crls(),
        at=NOW,
    )
    assert verdict.valid and verdict.reason == "ok"
    assert verdict.serial == format(card.signing_certificate().serial_number, "X").zfill(16)
    assert verdict.policy == TEST_SIGN_POLICY
    assert verdict.subject is not None
    assert verdict.subject.name == "高橋\u3000花子"
    assert verdict.subject.name_substitutions == "10000"
    assert verdict.subject.name_substituted_positions == (0,)
    assert verdict.subject.address == "東京都千代田区千代田１－１"
    assert verdict.subject.birth_date == dt.date(1980, 2, 17)
    assert verdict.subject.sex.value == "2"
    assert verdict.revocation_source == "crl"
    assert verdict.message_ja == "電子証明書を確認しました。"


def test_valid_authentication_has_no_subject(
    card: SoftwareCard, trust: TrustStore, fresh_crls: Callable[[], CrlRevocationChecker]
) -> None:
    verdict = verify(
        "auth",
        _der(card.authentication_certificate()),
        b"nonce",
        card.authenticate(b"nonce", AUTH_PIN),
        trust=trust,
        revocation=fresh_crls(),
        at=NOW,
    )
    assert (verdict.valid, verdict.reason, verdict.subject) == (True, "ok", None)


def test_prehashed_verification(
    card: SoftwareCard, trust: TrustStore, fresh_crls: Callable[[], CrlRevocationChecker]
) -> None:
    digest = hashlib.sha256(DATA).digest()
    verdict = verify(
        "sign",
        card.signing_certificate(),
        digest,
        card.sign_digest(digest, SIGN_PIN),
        trust=trust,
        revocation=fresh_crls(),
        at=NOW,
        prehashed=True,
    )
    assert verdict.reason == "ok"


def test_both_anchor_generations_verify(
    make_card: Callable[..., SoftwareCard], trust: TrustStore, fresh_crls: Callable[[], CrlRevocationChecker]
) -> None:
    fingerprints = set()
    for generation in ("gen1", "gen2"):
        card = make_card(generation=generation)
        cases: list[tuple[Purpose, bytes]] = [
            ("sign", card.sign(DATA, SIGN_PIN)),
            ("auth", card.authenticate(DATA, AUTH_PIN)),
        ]
        for purpose, signature in cases:
            verdict = verify(
                purpose,
                card.certificate(purpose),
                DATA,
                signature,
                trust=trust,
                revocation=fresh_crls(),
                at=NOW,
            )
            assert verdict.reason == "ok", (generation, purpose, verdict.detail)
            fingerprints.add(verdict.issuer_fingerprint)
    assert len(fingerprints) == 4


# --- the rejection matrix ---------------------------------------------------------------------------------------
def _wrong_policy_cert(
    test_ca: TestCa, key: rsa.RSAPrivateKey, card: SoftwareCard, **overrides: object
) -> x509.Certificate:
    san = card.signing_certificate().extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    params: dict[str, object] = {
        "prefecture": "東京都",
        "city": "千代田区",
        "not_before": ISSUED_AT,
        "not_after": NOW + dt.timedelta(days=30),
        "subject_alt_names": list(san),
    }
    params.update(overrides)
    return test_ca.issue_certificate("sign", key.public_key(), **params)  # type: ignore[arg-type]


@pytest.fixture
def matrix(
    card: SoftwareCard,
    make_card: Callable[..., SoftwareCard],
    test_ca: TestCa,
    foreign_ca: TestCa,
    card_keys: Iterator[rsa.RSAPrivateKey],
) -> dict[str, tuple[Case, str]]:
    """name → (case, expected reason)."""
    sign_cert = card.signing_certificate()
    signature = card.sign(DATA, SIGN_PIN)
    foreign = make_card(ca=foreign_ca)
    revoked = make_card()
    test_ca.revoke(revoked.signing_certificate(), reason="affiliationChanged", at=REVOKED_AT)
    key = next(card_keys)

    def own(cert: x509.Certificate) -> Case:
        return Case("sign", cert, DATA, rsa_sign_sha256(key, DATA))

    return {
        "foreign CA": (
            Case("sign", foreign.signing_certificate(), DATA, foreign.sign(DATA, SIGN_PIN)),
            "untrusted_issuer",
        ),
        "expired": (Case("sign", sign_cert, DATA, signature), "expired"),  # run at a late `at`, below
        "not yet valid": (Case("sign", sign_cert, DATA, signature), "not_yet_valid"),
        "revoked": (
            Case("sign", revoked.signing_certificate(), DATA, revoked.sign(DATA, SIGN_PIN)),
            "revoked",
        ),
        "production policy from the TEST CA": (
            own(_wrong_policy_cert(test_ca, key, card, policy=PRODUCTION_SIGN_POLICY)),
            "wrong_policy",
        ),
        "policy not critical": (
            own(_wrong_policy_cert(test_ca, key, card, policy_critical=False)),
            "wrong_policy",
        ),
        "keyUsage digitalSignature only": (
            own(_wrong_policy_cert(test_ca, key, card, key_usage=leaf_key_usage("auth"))),
            "wrong_key_usage",
        ),
        "keyUsage not critical": (
            own(_wrong_policy_cert(test_ca, key, card, key_usage_critical=False)),
            "wrong_key_usage",
        ),
        "auth certificate used to sign": (
            Case("sign", card.authentication_certificate(), DATA, card.authenticate(DATA, AUTH_PIN)),
            "wrong_key_usage",
        ),
        "signing certificate used to log in": (Case("auth", sign_cert, DATA, signature), "wrong_key_usage"),
        "root presented as leaf": (
            Case("sign", test_ca.generation("sign", "gen2").certificate, DATA, signature),
            "wrong_key_usage",
        ),
        "tampered data": (Case("sign", sign_cert, DATA + b" ", signature), "bad_signature"),
        "tampered signature": (
            Case("sign", sign_cert, DATA, bytes([signature[0] ^ 1]) + signature[1:]),
            "bad_signature",
        ),
        "signature by another key": (
            Case("sign", sign_cert, DATA, rsa_sign_sha256(key, DATA)),
            "bad_signature",
        ),
        "empty signature": (Case("sign", sign_cert, DATA, b""), "bad_signature"),
        "garbage certificate bytes": (Case("sign", b"\x30\x82\x01\x00garbage", DATA, signature), "malformed"),
        "empty certificate": (Case("sign", b"", DATA, signature), "malformed"),
        "broken PEM": (
            Case("sign", b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", DATA, signature),
            "malformed",
        ),
        "truncated DER": (Case("sign", _der(sign_cert)[:-10], DATA, signature), "malformed"),
        "signing cert without 4 attributes": (
            own(_wrong_policy_cert(test_ca, key, card, subject_alt_names=[])),
            "malformed",
        ),
        "data not bytes": (Case("sign", sign_cert, "text", signature), "malformed"),  # type: ignore[arg-type]
    }


MATRIX_AT = {
    "expired": NOW + dt.timedelta(days=365 * 6),
    "not yet valid": ISSUED_AT - dt.timedelta(minutes=1),
}


def test_rejection_matrix(
    matrix: dict[str, tuple[Case, str]],
    trust: TrustStore,
    fresh_crls: Callable[[], CrlRevocationChecker],
    test_ca: TestCa,
) -> None:
    results = {}
    for name, (case, expected) in matrix.items():
        at = MATRIX_AT.get(name, NOW)
        checker = fresh_crls() if at == NOW else CrlRevocationChecker(test_ca.crls(now=at).values())
        verdict = _run(case, trust, checker, at)
        results[name] = (verdict.reason, expected, verdict.detail)
        assert not verdict.valid
        assert verdict.message_ja
    wrong = {name: r for name, r in results.items() if r[0] != r[1]}
    assert not wrong, wrong
    assert len(results) == 21


def test_revoked_verdict_carries_reason_and_time(
    make_card: Callable[..., SoftwareCard],
    test_ca: TestCa,
    trust: TrustStore,
    fresh_crls: Callable[[], CrlRevocationChecker],
) -> None:
    card = make_card()
    test_ca.revoke(card.signing_certificate(), reason="superseded", at=REVOKED_AT)
    verdict = verify(
        "sign",
        card.signing_certificate(),
        DATA,
        card.sign(DATA, SIGN_PIN),
        trust=trust,
        revocation=fresh_crls(),
        at=NOW,
    )
    assert (verdict.reason, verdict.revocation_reason, verdict.revoked_at) == (
        "revoked",
        "superseded",
        REVOKED_AT,
    )
    assert verdict.subject is not None  # staff can still see whose certificate it was
    # the same certificate was fine before it was revoked (a CRL of that time says so)
    earlier = REVOKED_AT - dt.timedelta(minutes=30)
    before = verify(
        "sign",
        card.signing_certificate(),
        DATA,
        card.sign(DATA, SIGN_PIN),
        trust=trust,
        revocation=CrlRevocationChecker(test_ca.crls(now=earlier - dt.timedelta(minutes=1)).values()),
        at=earlier,
    )
    assert before.reason == "ok"


def test_expired_anchor_generation_is_untrusted(
    make_card: Callable[..., SoftwareCard], test_ca: TestCa, trust: TrustStore
) -> None:
    card = make_card(generation="gen1")
    root_end = test_ca.generation("sign", "gen1").certificate.not_valid_after_utc
    late = root_end + dt.timedelta(seconds=1)
    verdict = verify(
        "sign",
        card.signing_certificate(),
        DATA,
        card.sign(DATA, SIGN_PIN),
        trust=trust,
        revocation=CrlRevocationChecker(test_ca.crls(now=late).values()),
        at=late,
    )
    assert verdict.reason == "untrusted_issuer"


def test_trust_stores_are_separate(
    card: SoftwareCard, test_ca: TestCa, fresh_crls: Callable[[], CrlRevocationChecker]
) -> None:
    only_auth = TrustStore(auth_anchors=test_ca.trust_store().anchors("auth"))
    verdict = verify(
        "sign",
        card.signing_certificate(),
        DATA,
        card.sign(DATA, SIGN_PIN),
        trust=only_auth,
        revocation=fresh_crls(),
        at=NOW,
    )
    assert verdict.reason == "untrusted_issuer"
    with pytest.raises(AnchorError):
        TrustStore(sign_anchors=test_ca.trust_store().anchors("auth"))
    with pytest.raises(AnchorError):  # a sign anchor can never vouch for the auth policy
        Anchor(test_ca.generation("sign", "gen2").certificate, purpose="sign", policies=TEST_POLICIES["auth"])


def test_pinning(test_ca: TestCa) -> None:
    root = test_ca.generation("sign", "gen2")
    pem = root.certificate.public_bytes(serialization.Encoding.PEM)
    anchor = Anchor.load(
        pem, purpose="sign", policies=TEST_POLICIES["sign"], pinned_sha256=[root.fingerprint.lower()]
    )
    assert anchor.fingerprint == root.fingerprint
    with pytest.raises(AnchorError, match="pinned"):
        Anchor.load(pem, purpose="sign", pinned_sha256=[test_ca.generation("sign", "gen1").fingerprint])
    with pytest.raises(AnchorError):  # the real J-LIS pins never match the TEST CA
        TrustStore.production(sign=[pem], auth=[])
    with pytest.raises(AnchorError):
        Anchor.load(b"not a certificate", purpose="sign")


def test_production_anchors_alongside_test(
    card: SoftwareCard, test_ca: TestCa, foreign_ca: TestCa, fresh_crls: Callable[[], CrlRevocationChecker]
) -> None:
    production_like = TrustStore(
        sign_anchors=[
            Anchor(g.certificate, purpose="sign", policies={PRODUCTION_SIGN_POLICY}, label=g.label)
            for g in foreign_ca.generations("sign")
        ]
    )
    merged = test_ca.trust_store().merged(production_like)
    assert len(merged.anchors("sign")) == 4
    verdict = verify(
        "sign",
        card.signing_certificate(),
        DATA,
        card.sign(DATA, SIGN_PIN),
        trust=merged,
        revocation=fresh_crls(),
        at=NOW,
    )
    assert verdict.reason == "ok"


# --- revocation sources fail closed ----------------------------------------------------------------------------
def test_missing_crl_is_revocation_unknown(card: SoftwareCard, trust: TrustStore) -> None:
    verdict = verify(
        "sign",
        card.signing_certificate(),
        DATA,
        card.sign(DATA, SIGN_PIN),
        trust=trust,
        revocation=CrlRevocationChecker(),
        at=NOW,
    )
    assert (verdict.valid, verdict.reason) == (False, "revocation_unknown")
    assert verdict.message_ja.startswith("電子証明書が有効かどうかを確認できませんでした")


def test_stale_crl_is_revocation_unknown(card: SoftwareCard, trust: TrustStore, test_ca: TestCa) -> None:
    stale = CrlRevocationChecker(test_ca.crls(now=NOW - dt.timedelta(days=8)).values())
    verdict = verify(
        "sign",
        card.signing_certificate(),
        DATA,
        card.sign(DATA, SIGN_PIN),
        trust=trust,
        revocation=stale,
        at=NOW,
    )
    assert verdict.reason == "revocation_unknown"
    assert "stale" in verdict.detail


def test_crl_from_other_generation_or_foreign_ca_does_not_count(
    card: SoftwareCard, trust: TrustStore, test_ca: TestCa, foreign_ca: TestCa
) -> None:
    crls = test_ca.crls(now=CRL_AT)
    wrong_generation = CrlRevocationChecker([crls["sign-gen1.crl"], crls["auth-gen2.crl"]])
    forged = CrlRevocationChecker(foreign_ca.crls(now=CRL_AT).values())  # same DN, other key
    for checker in (wrong_generation, forged):
        verdict = verify(
            "sign",
            card.signing_certificate(),
            DATA,
            card.sign(DATA, SIGN_PIN),
            trust=trust,
            revocation=checker,
            at=NOW,
        )
        assert verdict.reason == "revocation_unknown"


def test_platform_provider_checker(card: SoftwareCard, trust: TrustStore) -> None:
    platform = FakePlatformProviderChecker()
    cert = card.signing_certificate()
    signature = card.sign(DATA, SIGN_PIN)

    def run(data: bytes = DATA) -> Verdict:
        return verify("sign", cert, data, signature, trust=trust, revocation=platform, at=NOW)

    assert run().reason == "revocation_unknown"  # serial not known
    platform.register(cert)
    assert run().reason == "ok"
    platform.set_unreachable()
    unreachable = run()
    assert unreachable.reason == "revocation_unknown"
    assert "PlatformUnreachableError" in unreachable.detail
    platform.set_unreachable(False)
    platform.set_revoked(cert.serial_number, reason="certificateHold", at=REVOKED_AT)
    held = run()
    assert (held.reason, held.revocation_reason, held.revocation_source) == (
        "revoked",
        "certificateHold",
        "platform",
    )
    calls = platform.calls
    assert run(DATA + b"x").reason == "bad_signature"
    assert platform.calls == calls  # a forged request never reaches the PF


def test_checker_that_returns_nonsense_fails_closed(card: SoftwareCard, trust: TrustStore) -> None:
    class Broken:
        def check(self, certificate: x509.Certificate, issuer: Anchor, at: dt.datetime) -> object:
            return "good"

    verdict = verify(
        "sign",
        card.signing_certificate(),
        DATA,
        card.sign(DATA, SIGN_PIN),
        trust=trust,
        revocation=cast(RevocationChecker, Broken()),
        at=NOW,
    )
    assert verdict.reason == "revocation_unknown"


def test_platform_links(card: SoftwareCard) -> None:
    platform = FakePlatformProviderChecker()
    platform.link_successor("0A", "0B")
    platform.link_successor(0x0B, 0x0C)
    assert platform.latest_serial("0A") == 0x0C
    platform.link_auth(
        card.signing_certificate().serial_number, card.authentication_certificate().serial_number
    )
    assert platform.auth_serial_for(card.signing_certificate().serial_number) == (
        card.authentication_certificate().serial_number
    )


# --- messages and robustness ------------------------------------------------------------------------------------
def test_every_reason_has_a_polite_japanese_message() -> None:
    for reason in REASONS:
        message = Verdict(False, reason, "sign").message_ja
        assert message.endswith("。") and (
            "ください" in message or "ました" in message or "ません" in message
        )
    assert Verdict(False, "expired", "sign").message_ja == (
        "電子証明書の有効期限が切れています。市区町村の窓口で更新してください。"
    )
    assert "署名用電子証明書" in Verdict(False, "wrong_key_usage", "sign").message_ja
    assert "利用者証明用電子証明書" in Verdict(False, "wrong_key_usage", "auth").message_ja
    assert set(MESSAGES_JA) == set(REASONS)


def test_bad_arguments_from_code_raise() -> None:
    store = TrustStore()
    with pytest.raises(ValueError):
        verify("login", b"", b"", b"", trust=store, revocation=CrlRevocationChecker(), at=NOW)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        verify(
            "sign", b"", b"", b"", trust=store, revocation=CrlRevocationChecker(), at=dt.datetime(2025, 1, 1)
        )


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2048), st.binary(max_size=300))
def test_garbage_never_raises(certificate: bytes, signature: bytes) -> None:
    verdict = verify(
        "sign", certificate, b"data", signature, trust=TrustStore(), revocation=CrlRevocationChecker(), at=NOW
    )
    assert not verdict.valid
    assert verdict.reason in {"malformed", "untrusted_issuer", "wrong_key_usage"}


@pytest.fixture(scope="module")
def mutation_target(
    test_ca: TestCa, key_pool: list[rsa.RSAPrivateKey]
) -> tuple[bytes, bytes, TrustStore, object]:
    """(certificate DER, signature, trust, checker) of a valid signing case."""
    card = issue_card(
        test_ca,
        name="山田 太郎",
        address="東京都港区芝公園4-2-8",
        birth_date=dt.date(1975, 1, 1),
        sex="1",
        municipality_code="131032",
        now=ISSUED_AT,
        signing_pin=SIGN_PIN,
        auth_pin=AUTH_PIN,
        signing_key=key_pool[-2],
        auth_key=key_pool[-3],
    )
    platform = FakePlatformProviderChecker()
    platform.register(card.signing_certificate())
    return _der(card.signing_certificate()), card.sign(DATA, SIGN_PIN), test_ca.trust_store(), platform


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_mutated_certificates_never_verify(
    mutation_target: tuple[bytes, bytes, TrustStore, FakePlatformProviderChecker], data: st.DataObject
) -> None:
    """Flip bits anywhere in a valid certificate: the verdict is never ok and never an exception."""
    der, signature, trust, platform = mutation_target
    assert verify("sign", der, DATA, signature, trust=trust, revocation=platform, at=NOW).reason == "ok"
    mutated = bytearray(der)
    position = data.draw(st.integers(min_value=0, max_value=len(der) - 1))
    mutated[position] ^= data.draw(st.integers(min_value=1, max_value=255))
    verdict = verify("sign", bytes(mutated), DATA, signature, trust=trust, revocation=platform, at=NOW)
    assert verdict.reason != "ok"


def test_newest_fresh_crl_decides(
    make_card: Callable[..., SoftwareCard], test_ca: TestCa, trust: TrustStore
) -> None:
    card = make_card()
    older = test_ca.crls(now=REVOKED_AT - dt.timedelta(minutes=10))  # before the revocation
    test_ca.revoke(card.signing_certificate(), reason="keyCompromise", at=REVOKED_AT)
    newer = test_ca.crls(now=CRL_AT)
    checker = CrlRevocationChecker([*older.values(), *newer.values(), *older.values()])
    assert len(checker) == 8  # duplicates are parsed once
    verdict = verify(
        "sign",
        card.signing_certificate(),
        DATA,
        card.sign(DATA, SIGN_PIN),
        trust=trust,
        revocation=checker,
        at=NOW,
    )
    assert (verdict.reason, verdict.revocation_reason) == ("revoked", "keyCompromise")


def test_forged_crl_with_copied_key_identifier_is_ignored(
    make_card: Callable[..., SoftwareCard], test_ca: TestCa, foreign_ca: TestCa, trust: TrustStore
) -> None:
    """An attacker's CRL that names the real CA (DN and AKI) but is signed with another key must not count."""
    from cryptography.hazmat.primitives import hashes

    card = make_card()
    test_ca.revoke(card.signing_certificate(), reason="keyCompromise", at=REVOKED_AT)
    real = test_ca.generation("sign", "gen2")
    forged = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(real.certificate.subject)
        .last_update(CRL_AT)
        .next_update(CRL_AT + dt.timedelta(days=1))
        .add_extension(x509.AuthorityKeyIdentifier(real.key_identifier, None, None), critical=False)
        .sign(foreign_ca.generation("sign", "gen2").private_key, hashes.SHA256())
    )  # lists nothing: would say "good" if its signature were not checked
    verdict = verify(
        "sign",
        card.signing_certificate(),
        DATA,
        card.sign(DATA, SIGN_PIN),
        trust=trust,
        revocation=CrlRevocationChecker([forged]),
        at=NOW,
    )
    assert verdict.reason == "revocation_unknown"
