"""TEST CA: root profile (§2), generations, persistence, leaf profile (§3.1), validity (§1), CRLs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from madoguchi.identity.jpki import (
    SoftwareCard,
    TestCa,
    TrustStore,
    certificate_expiry_on,
    init_test_ca,
)
from madoguchi.identity.jpki.constants import JST, TEST_AUTH_POLICY, TEST_SIGN_POLICY

from .conftest import CRL_AT, ISSUED_AT, NOW, REVOKED_AT


def test_root_distinguished_names_and_extensions(test_ca: TestCa) -> None:
    expected_ou = {"sign": "JPKI for digital signature", "auth": "JPKI for user authentication"}
    for purpose in ("sign", "auth"):
        for generation in test_ca.generations(purpose):
            cert = generation.certificate
            assert cert.subject == cert.issuer
            assert cert.subject.rfc4514_string() == (
                f"OU=Japan Agency for Local Authority Information Systems,OU={expected_ou[purpose]},O=JPKI,C=JP"
            )
            key = cert.public_key()
            assert isinstance(key, rsa.RSAPublicKey)
            assert key.key_size == 2048
            assert key.public_numbers().e == 65537
            usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
            assert usage.critical
            assert usage.value.key_cert_sign and usage.value.crl_sign and not usage.value.digital_signature
            constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints)
            assert constraints.critical and constraints.value.ca
            cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
            crl_dp = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
            assert crl_dp[0].full_name == [x509.DirectoryName(cert.subject)]
            # DER detail: C is PrintableString, the SAN DirName's O is a UTF8String 公的個人認証サービス.
            parsed = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
            country = parsed.subject.chosen[0][0]["value"]
            assert country.chosen.__class__.__name__ == "PrintableString"
            san_name = parsed.subject_alt_name_value[0].chosen
            organization = san_name.chosen[1][0]["value"]
            assert organization.name == "utf8_string"
            assert organization.native == "公的個人認証サービス"


def test_two_generations_overlap_with_distinct_serials(test_ca: TestCa) -> None:
    for purpose in ("sign", "auth"):
        gen1, gen2 = test_ca.generations(purpose)
        assert (gen1.label, gen2.label) == ("gen1", "gen2")
        assert gen1.certificate.serial_number == 1
        assert gen2.certificate.serial_number != 1
        assert gen1.fingerprint != gen2.fingerprint
        assert gen1.is_valid_at(NOW) and gen2.is_valid_at(NOW)
        assert gen1.certificate.not_valid_after_utc < gen2.certificate.not_valid_after_utc
        # 10-year validity ending the day before the anniversary (like 2015-10-20 → 2025-10-19).
        start = gen1.certificate.not_valid_before_utc.astimezone(JST).date()
        end = gen1.certificate.not_valid_after_utc.astimezone(JST).date()
        assert end == start.replace(year=start.year + 10) - dt.timedelta(days=1)
        assert test_ca.current_generation(purpose, NOW) is gen2


def test_saved_ca_loads_back_and_directory_layout(test_ca: TestCa) -> None:
    assert test_ca.directory is not None
    loaded = TestCa.load(test_ca.directory)
    for purpose in ("sign", "auth"):
        assert [g.fingerprint for g in loaded.generations(purpose)] == [
            g.fingerprint for g in test_ca.generations(purpose)
        ]
    key_file = test_ca.directory / "keys" / "sign-gen2.key.pem"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert b"BEGIN PRIVATE KEY" in key_file.read_bytes()  # unencrypted: TEST CA only
    store = TrustStore.from_directory(test_ca.directory)
    assert store.accepted_policies("sign") == {TEST_SIGN_POLICY}
    assert store.accepted_policies("auth") == {TEST_AUTH_POLICY}
    assert len(store.anchors("sign")) == len(store.anchors("auth")) == 2
    assert sorted(p.name for p in (test_ca.directory / "crl").iterdir()) == [
        "auth-gen1.crl",
        "auth-gen2.crl",
        "sign-gen1.crl",
        "sign-gen2.crl",
    ]


def test_init_refuses_existing_ca_unless_overwrite(
    tmp_path: Path, spare_ca_keys: list[rsa.RSAPrivateKey]
) -> None:
    keys = iter(spare_ca_keys + spare_ca_keys[::-1])
    first = init_test_ca(tmp_path, now=NOW, key_factory=lambda: next(keys))
    with pytest.raises(FileExistsError):
        init_test_ca(tmp_path, now=NOW, key_factory=lambda: next(keys))
    (tmp_path / "unrelated.txt").write_text("keep me")
    second = init_test_ca(tmp_path, now=NOW, key_factory=lambda: next(keys), overwrite=True)
    assert (tmp_path / "unrelated.txt").read_text() == "keep me"
    reloaded = TestCa.load(tmp_path)
    assert reloaded.generations("sign")[0].fingerprint == second.generations("sign")[0].fingerprint
    assert first.generations("sign")[0].fingerprint != second.generations("sign")[0].fingerprint


def test_signing_leaf_profile(make_card: Callable[..., SoftwareCard], test_ca: TestCa) -> None:
    card = make_card(address="大阪府大阪市北区中之島1-3-20", municipality_code="271276")
    cert = card.signing_certificate()
    locality = [a.value for a in cert.subject.get_attributes_for_oid(x509.NameOID.LOCALITY_NAME)]
    assert locality == ["大阪府", "大阪市北区"]
    assert cert.subject.get_attributes_for_oid(x509.NameOID.COUNTRY_NAME)[0].value == "JP"
    common_name = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value
    assert "山田" not in str(common_name)  # CN is an opaque id, not the person's name
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and usage.value.content_commitment
    policies = cert.extensions.get_extension_for_class(x509.CertificatePolicies)
    assert policies.critical
    assert policies.value[0].policy_identifier.dotted_string == TEST_SIGN_POLICY
    assert policies.value[0].policy_qualifiers == ["http://www.jpki.go.jp/cps.html"]
    issuer_alt = cert.extensions.get_extension_for_class(x509.IssuerAlternativeName).value
    assert issuer_alt[0].value.rfc4514_string() == "O=公的個人認証サービス,C=JP"
    generation = test_ca.generation_of(cert)
    aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
    assert aki == generation.key_identifier and generation.label == "gen2"
    crl_dp = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value[0].full_name[0]
    assert crl_dp.value.rfc4514_string() == (
        "CN=大阪市北区 CRLDP,OU=大阪府,OU=CRL Distribution Points,OU=JPKI for digital signature,O=JPKI,C=JP"
    )


def test_authentication_leaf_has_no_personal_data(make_card: Callable[..., SoftwareCard]) -> None:
    cert = make_card().authentication_certificate()
    with pytest.raises(x509.ExtensionNotFound):
        cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and not usage.value.content_commitment
    policies = cert.extensions.get_extension_for_class(x509.CertificatePolicies)
    assert policies.critical and policies.value[0].policy_identifier.dotted_string == TEST_AUTH_POLICY


@pytest.mark.parametrize(
    ("birth", "issued", "expiry"),
    [
        (dt.date(1980, 2, 17), dt.date(2024, 5, 10), dt.date(2029, 2, 17)),
        (dt.date(1980, 2, 17), dt.date(2024, 2, 17), dt.date(2029, 2, 17)),  # issued on the birthday
        (dt.date(1980, 2, 17), dt.date(2024, 2, 16), dt.date(2028, 2, 17)),  # birthday the next day
        (dt.date(2000, 2, 29), dt.date(2024, 3, 1), dt.date(2029, 2, 28)),  # 29 Feb in a common year
        (dt.date(2000, 2, 29), dt.date(2023, 3, 1), dt.date(2028, 2, 29)),
        (None, dt.date(2024, 5, 10), dt.date(2029, 5, 10)),
    ],
)
def test_validity_ends_on_fifth_birthday_after_issue(
    birth: dt.date | None, issued: dt.date, expiry: dt.date
) -> None:
    assert certificate_expiry_on(birth, issued) == expiry


def test_issued_certificate_ends_at_end_of_day_jst(make_card: Callable[..., SoftwareCard]) -> None:
    card = make_card(birth_date=dt.date(1990, 6, 1))
    not_after = card.signing_certificate().not_valid_after_utc.astimezone(JST)
    expected_day = certificate_expiry_on(dt.date(1990, 6, 1), ISSUED_AT.astimezone(JST).date())
    assert (not_after.date(), not_after.time()) == (expected_day, dt.time(23, 59, 59))
    assert (
        card.authentication_certificate().not_valid_after_utc
        == card.signing_certificate().not_valid_after_utc
    )


def test_leaf_never_outlives_issuing_root(make_card: Callable[..., SoftwareCard], test_ca: TestCa) -> None:
    card = make_card(generation="gen1", birth_date=dt.date(1990, 6, 1))
    root_end = test_ca.generation("sign", "gen1").certificate.not_valid_after_utc
    assert card.signing_certificate().not_valid_after_utc == root_end


def test_crl_holds_revocations_with_reasons(make_card: Callable[..., SoftwareCard], test_ca: TestCa) -> None:
    card = make_card()
    test_ca.revoke(card.signing_certificate(), reason="certificateHold", at=REVOKED_AT)
    crl = x509.load_der_x509_crl(test_ca.crls(now=CRL_AT)["sign-gen2.crl"])
    entry = crl.get_revoked_certificate_by_serial_number(card.signing_certificate().serial_number)
    assert entry is not None
    assert (
        entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
        == x509.ReasonFlags.certificate_hold
    )
    assert crl.is_signature_valid(test_ca.generation("sign", "gen2").certificate.public_key())  # type: ignore[arg-type]
    assert crl.next_update_utc == CRL_AT + dt.timedelta(days=7)
    # revocations are persisted and survive a reload
    assert test_ca.directory is not None
    reloaded = TestCa.load(test_ca.directory)
    assert any(e.serial == card.signing_certificate().serial_number for e in reloaded.revocations)


def test_revocation_reason_must_be_known(make_card: Callable[..., SoftwareCard], test_ca: TestCa) -> None:
    with pytest.raises(ValueError, match="reason"):
        test_ca.revoke(make_card().signing_certificate(), reason="moved", at=REVOKED_AT)
