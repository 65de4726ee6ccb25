"""The Django management commands around the library (the only test here that needs Django settings).

Django is reached through importlib/importorskip so the jpki package itself keeps no import of Django.
"""

from __future__ import annotations

import importlib
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from madoguchi.identity.jpki import SoftwareCard, TestCa, issue_card

from .conftest import ISSUED_AT, NOW, SIGN_PIN

django_test = pytest.importorskip("django.test")
management = pytest.importorskip("django.core.management")


def _command(name: str) -> Any:
    module = importlib.import_module(f"madoguchi.identity.management.commands.{name}")
    return module.Command(stdout=io.StringIO(), stderr=io.StringIO())


def test_init_test_ca_is_idempotent_and_verify_uses_it(
    tmp_path: Path, make_card: Callable[..., SoftwareCard]
) -> None:
    jpki_dir = tmp_path / "jpki"
    with django_test.override_settings(MADOGUCHI_JPKI_DIR=jpki_dir):
        first = _command("jpki_init_test_ca")
        management.call_command(first)
        assert "Test CA created" in first.stdout.getvalue()
        fingerprint = TestCa.load(jpki_dir).generations("sign")[1].fingerprint
        again = _command("jpki_init_test_ca")
        management.call_command(again)
        assert "nothing to do" in again.stdout.getvalue()
        assert TestCa.load(jpki_dir).generations("sign")[1].fingerprint == fingerprint

        ca = TestCa.load(jpki_dir)
        card = issue_card(
            ca,
            name="山田 花子",
            address="東京都千代田区千代田1-1",
            birth_date=None,
            sex="2",
            municipality_code="131016",
            now=ISSUED_AT,
            signing_pin=SIGN_PIN,
            auth_pin="1234",
        )
        ca.publish_crls(now=NOW)
        cert, data, sig = tmp_path / "c.pem", tmp_path / "d", tmp_path / "s"
        cert.write_bytes(card.signing_certificate().public_bytes(serialization.Encoding.PEM))
        data.write_bytes(b"hello")
        sig.write_bytes(card.sign(b"hello", SIGN_PIN))
        argv = [
            "madoguchi",
            "jpki_verify",
            "--purpose",
            "sign",
            "--cert",
            str(cert),
            "--data",
            str(data),
            "--signature",
            str(sig),
        ]
        verify_command = _command("jpki_verify")
        with pytest.raises(SystemExit) as exited:
            verify_command.run_from_argv(argv)
        assert exited.value.code == 0
        result = json.loads(verify_command.stdout.getvalue())
        assert result["reason"] == "ok"
        assert result["subject"]["birth_date"] is None

        via_call = _command("jpki_verify")
        with pytest.raises(SystemExit) as exited:
            management.call_command(
                via_call,
                "--purpose",
                "sign",
                "--cert",
                str(cert),
                "--data",
                str(data),
                "--signature",
                str(tmp_path / "missing"),
            )
        assert exited.value.code == 2
        assert json.loads(via_call.stdout.getvalue())["reason"] == "unusable_input"

        forced = _command("jpki_init_test_ca")
        management.call_command(forced, "--force")
        assert TestCa.load(jpki_dir).generations("sign")[1].fingerprint != fingerprint
