"""run_verify_cli: exit codes 0/1/2 and the JSON shape, with real files."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from madoguchi.identity.jpki import SoftwareCard, TestCa, TrustStore
from madoguchi.identity.jpki.cli import parse_at, run_verify_cli

from .conftest import AUTH_PIN, CRL_AT, NOW, SIGN_PIN

KEYS = {"valid", "reason", "serial", "policy", "subject"}
SUBJECT_KEYS = {"name", "address", "birth_date", "sex"}


@pytest.fixture
def files(tmp_path: Path, make_card: Callable[..., SoftwareCard], test_ca: TestCa) -> dict[str, Path]:
    card = make_card(
        name="田中 一郎",
        address="北海道札幌市中央区北1条西2丁目",
        municipality_code="011011",
        birth_date=dt.date(1990, 1, 8),
        sex="1",
    )
    data = "申請データ".encode()
    paths = {
        "cert_pem": tmp_path / "sign.pem",
        "cert_der": tmp_path / "sign.der",
        "auth_cert": tmp_path / "auth.der",
        "data": tmp_path / "data.bin",
        "sig": tmp_path / "sig.bin",
        "auth_sig": tmp_path / "auth_sig.bin",
        "tampered": tmp_path / "tampered.bin",
        "garbage": tmp_path / "garbage.der",
    }
    cert = card.signing_certificate()
    paths["cert_pem"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths["cert_der"].write_bytes(cert.public_bytes(serialization.Encoding.DER))
    paths["auth_cert"].write_bytes(card.authentication_certificate().public_bytes(serialization.Encoding.DER))
    paths["data"].write_bytes(data)
    paths["sig"].write_bytes(card.sign(data, SIGN_PIN))
    paths["auth_sig"].write_bytes(card.authenticate(data, AUTH_PIN))
    paths["tampered"].write_bytes(data + b"!")
    paths["garbage"].write_bytes(b"\x00not a certificate")
    crl_dir = tmp_path / "crl"
    crl_dir.mkdir()
    for name, der in test_ca.crls(now=CRL_AT).items():
        (crl_dir / name).write_bytes(der)
        paths[f"crl:{name}"] = crl_dir / name
    for purpose in ("sign", "auth"):
        for g in test_ca.generations(purpose):
            anchor = tmp_path / f"{purpose}-{g.label}.pem"
            anchor.write_bytes(g.certificate.public_bytes(serialization.Encoding.PEM))
            paths[f"anchor:{purpose}-{g.label}"] = anchor
    return paths


def _crl_args(files: dict[str, Path]) -> list[str]:
    return [arg for key, path in files.items() if key.startswith("crl:") for arg in ("--crl", str(path))]


def _args(
    files: dict[str, Path],
    *,
    cert: str = "cert_pem",
    data: str = "data",
    sig: str = "sig",
    purpose: str = "sign",
) -> list[str]:
    return [
        "--purpose",
        purpose,
        "--cert",
        str(files[cert]),
        "--data",
        str(files[data]),
        "--signature",
        str(files[sig]),
        *_crl_args(files),
        "--at",
        NOW.isoformat(),
    ]


def test_valid_exit_0_and_json_shape(files: dict[str, Path], trust: TrustStore) -> None:
    for cert in ("cert_pem", "cert_der"):
        code, result = run_verify_cli(_args(files, cert=cert), default_trust=trust)
        assert code == 0, result
        assert set(result) == KEYS
        assert set(result["subject"]) == SUBJECT_KEYS
        assert result["valid"] is True and result["reason"] == "ok"
        assert result["subject"] == {
            "name": "田中\u3000一郎",
            "address": "北海道札幌市中央区北１条西２丁目",
            "birth_date": "1990-01-08",
            "sex": "1",
        }
        assert result["policy"] == "1.2.392.200149.8.5.1.0.20"
        assert result["serial"] and result["serial"] == result["serial"].upper()
        json.dumps(result, ensure_ascii=False)


def test_auth_purpose(files: dict[str, Path], trust: TrustStore) -> None:
    code, result = run_verify_cli(
        _args(files, cert="auth_cert", sig="auth_sig", purpose="auth"), default_trust=trust
    )
    assert (code, result["reason"], result["subject"]) == (0, "ok", None)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"data": "tampered"}, "bad_signature"),
        ({"cert": "garbage"}, "malformed"),
        ({"cert": "auth_cert", "sig": "auth_sig"}, "wrong_key_usage"),
    ],
)
def test_invalid_exit_1(
    files: dict[str, Path], trust: TrustStore, overrides: dict[str, str], reason: str
) -> None:
    code, result = run_verify_cli(_args(files, **overrides), default_trust=trust)
    assert (code, result["valid"], result["reason"]) == (1, False, reason)
    assert set(result) == KEYS


def test_without_crl_fails_closed(files: dict[str, Path], trust: TrustStore) -> None:
    args = [a for a in _args(files) if not a.endswith(".crl") and a != "--crl"]
    code, result = run_verify_cli(args, default_trust=trust)
    assert (code, result["reason"]) == (1, "revocation_unknown")


def test_at_outside_validity(files: dict[str, Path], trust: TrustStore) -> None:
    args = _args(files)
    args[-1] = (NOW - dt.timedelta(days=3)).isoformat()
    assert run_verify_cli(args, default_trust=trust)[1]["reason"] == "not_yet_valid"


def test_explicit_anchors_replace_default_trust(
    files: dict[str, Path], trust: TrustStore, foreign_ca: TestCa, tmp_path: Path
) -> None:
    good = [
        *_args(files),
        "--anchor",
        str(files["anchor:sign-gen1"]),
        "--anchor",
        str(files["anchor:sign-gen2"]),
    ]
    code, result = run_verify_cli(good, default_trust=None)
    assert (code, result["reason"]) == (0, "ok")
    foreign = tmp_path / "foreign.pem"
    foreign.write_bytes(
        foreign_ca.generation("sign", "gen2").certificate.public_bytes(serialization.Encoding.PEM)
    )
    code, result = run_verify_cli([*_args(files), "--anchor", str(foreign)], default_trust=trust)
    assert (code, result["reason"]) == (1, "untrusted_issuer")
    only_production = [*good, "--policy", "1.2.392.200149.8.5.1.1.20"]
    assert run_verify_cli(only_production, default_trust=None)[1]["reason"] == "wrong_policy"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda args, files: [a if a != str(files["sig"]) else "/nonexistent/sig.bin" for a in args],
        lambda args, files: [*args[:-1], "yesterday"],
        lambda args, files: [a for a in args if a != "--purpose" and a != "sign"],
        lambda args, files: [*args, "--purpose", "login"],
        lambda args, files: [*args, "--anchor", str(files["garbage"])],
        lambda args, files: [*args, "--crl", str(files["garbage"])],
        lambda args, files: [*args, "--unknown-flag"],
    ],
    ids=[
        "missing file",
        "bad --at",
        "missing --purpose",
        "bad purpose",
        "garbage anchor",
        "garbage CRL",
        "unknown",
    ],
)
def test_unusable_input_exit_2(
    files: dict[str, Path], trust: TrustStore, mutate: Callable[[list[str], dict[str, Path]], list[str]]
) -> None:
    code, result = run_verify_cli(mutate(_args(files), files), default_trust=trust)
    assert code == 2
    assert result["valid"] is False and result["reason"] == "unusable_input" and result["error"]


def test_no_trust_at_all_is_exit_2(files: dict[str, Path]) -> None:
    code, result = run_verify_cli(_args(files), default_trust=None)
    assert code == 2 and "anchor" in result["error"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-04-01T09:00:00+09:00", dt.datetime(2025, 4, 1, 0, 0, tzinfo=dt.UTC)),
        ("2025-04-01T09:00:00", dt.datetime(2025, 4, 1, 0, 0, tzinfo=dt.UTC)),  # naive = JST
        ("2025-04-01T00:00:00Z", dt.datetime(2025, 4, 1, 0, 0, tzinfo=dt.UTC)),
    ],
)
def test_parse_at(text: str, expected: dt.datetime) -> None:
    assert parse_at(text) == expected
