"""Core of `madoguchi jpki_verify` (no Django): parse arguments, load files, verify, return (exit code, JSON).

Exit codes: 0 valid, 1 not valid (the JSON says why), 2 unusable input (missing/unreadable file, bad --at,
unparseable anchor or CRL, no trust anchors at all). Certificates may be PEM or DER; the signature is raw bytes.
When --anchor is given only those anchors are trusted (for --purpose), accepting the production and TEST
policies of that purpose unless --policy narrows them. Naive --at values are read as Japan time (JST).
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from .constants import JST, KNOWN_POLICIES, Purpose
from .revocation import CrlRevocationChecker
from .trust import Anchor, AnchorError, TrustStore, load_certificates
from .verify import verify


class UsageError(Exception):
    """Unusable command-line input (exit code 2)."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that raises instead of printing and exiting."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        raise UsageError(message or f"exit {status}")


def add_verify_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the jpki_verify options on `parser` (shared with the Django command)."""
    parser.add_argument("--purpose", required=True, choices=["sign", "auth"])
    parser.add_argument("--cert", required=True, type=Path, help="certificate (PEM or DER)")
    parser.add_argument("--data", required=True, type=Path, help="the exact signed bytes")
    parser.add_argument("--signature", required=True, type=Path, help="raw signature bytes")
    parser.add_argument("--anchor", action="append", type=Path, default=[], help="trusted root (PEM/DER)")
    parser.add_argument("--crl", action="append", type=Path, default=[], help="CRL (DER/PEM)")
    parser.add_argument("--policy", action="append", default=[], help="accepted policy OID (with --anchor)")
    parser.add_argument("--at", default=None, help="ISO 8601 time of use (default: now)")


def build_parser() -> argparse.ArgumentParser:
    """The stand-alone parser used by run_verify_cli."""
    parser = _Parser(
        prog="jpki_verify", description="Verify a JPKI signature or authentication.", add_help=False
    )
    add_verify_arguments(parser)
    return parser


def parse_at(text: str | None) -> dt.datetime:
    """--at value: ISO 8601; naive means JST; None means now."""
    if text is None:
        return dt.datetime.now(dt.UTC)
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(f"--at is not an ISO 8601 date-time: {text!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=JST)


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {what} {path}: {exc.strerror or exc}") from exc


def _usage_result(message: str) -> tuple[int, dict[str, Any]]:
    return 2, {
        "valid": False,
        "reason": "unusable_input",
        "serial": "",
        "policy": "",
        "subject": None,
        "error": message,
    }


def run_verify_cli(
    argv: Sequence[str],
    *,
    default_trust: TrustStore | None,
    default_crls: Sequence[bytes] = (),
) -> tuple[int, dict[str, Any]]:
    """Run jpki_verify on `argv`; returns (exit code, JSON object). Never raises for bad input."""
    try:
        options = build_parser().parse_args(list(argv))
    except UsageError as exc:
        return _usage_result(str(exc))
    return run_verify_options(options, default_trust=default_trust, default_crls=default_crls)


def run_verify_options(
    options: argparse.Namespace,
    *,
    default_trust: TrustStore | None,
    default_crls: Sequence[bytes] = (),
) -> tuple[int, dict[str, Any]]:
    """Same as run_verify_cli for already-parsed options (the Django command's path)."""
    purpose: Purpose = "sign" if options.purpose == "sign" else "auth"
    try:
        at = parse_at(options.at)
        certificate = _read(options.cert, "certificate")
        data = _read(options.data, "data")
        signature = _read(options.signature, "signature")
        trust = _trust_from_options(purpose, options, default_trust)
        crl_blobs = [_read(path, "CRL") for path in options.crl] if options.crl else list(default_crls)
        try:
            revocation = CrlRevocationChecker(crl_blobs)
        except ValueError as exc:
            raise UsageError(f"a CRL cannot be parsed: {exc}") from exc
    except UsageError as exc:
        return _usage_result(str(exc))
    verdict = verify(purpose, certificate, data, signature, trust=trust, revocation=revocation, at=at)
    return (0 if verdict.valid else 1), verdict.cli_json()


def _trust_from_options(
    purpose: Purpose, options: argparse.Namespace, default_trust: TrustStore | None
) -> TrustStore:
    if not options.anchor:
        if default_trust is None or not default_trust.anchors(purpose):
            raise UsageError("no trust anchors: pass --anchor or configure the JPKI directory")
        return default_trust
    policies = options.policy or sorted(KNOWN_POLICIES[purpose])
    anchors = []
    for path in options.anchor:
        blob = _read(path, "anchor")
        try:
            for certificate in load_certificates(blob):
                anchors.append(Anchor(certificate, purpose=purpose, policies=policies, label=path.stem))
        except (ValueError, AnchorError) as exc:
            raise UsageError(f"anchor {path} cannot be used: {exc}") from exc
    if purpose == "sign":
        return TrustStore(sign_anchors=anchors)
    return TrustStore(auth_anchors=anchors)
