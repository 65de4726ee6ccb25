"""HMAC-SHA-256 request signing shared by the machine-to-machine APIs (core systems, the zone channel).

A request carries four headers: the client id, a timestamp (Unix seconds, within `CLOCK_SKEW_SECONDS` of the
server clock), a single-use nonce and the hex HMAC-SHA-256, with the client's key, over one line each of: the
scheme name, the method, the path, the query parameters sorted and percent-encoded (RFC 3986), the timestamp, the
nonce and the client id — and, for schemes that sign the body (the zone channel), the SHA-256 of the body.

This module holds the pure parts (what is signed, checking one request); where keys and used nonces are kept is
the caller's business (`key_for`, `remember_nonce`), so each API keeps its own tables and core imports no app.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable
from urllib.parse import parse_qsl, quote

HEADER_CLIENT = "X-Madoguchi-Client"
HEADER_TIMESTAMP = "X-Madoguchi-Timestamp"
HEADER_NONCE = "X-Madoguchi-Nonce"
HEADER_SIGNATURE = "X-Madoguchi-Signature"
CLOCK_SKEW_SECONDS = 300
NONCE_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")


class SignedRequestError(Exception):
    """The request does not carry a valid, fresh, unused signature; `missing` when headers are absent (401)."""

    def __init__(self, detail: str, *, missing: bool = False) -> None:
        self.detail = detail
        self.missing = missing
        super().__init__(detail)


def canonical_query(query_string: str) -> str:
    """Query parameters sorted by name then value, each part percent-encoded (RFC 3986 unreserved kept)."""
    pairs = sorted(parse_qsl(query_string, keep_blank_values=True))
    return "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in pairs)


def string_to_sign(
    *,
    scheme: str,
    method: str,
    path: str,
    query_string: str,
    timestamp: str,
    nonce: str,
    client_id: str,
    body: bytes | None = None,
) -> bytes:
    """What a request's signature covers, one item a line (the body's SHA-256 last, when the scheme signs it)."""
    lines = [scheme, method.upper(), path, canonical_query(query_string), timestamp, nonce, client_id]
    if body is not None:
        lines.append(hashlib.sha256(body).hexdigest())
    return "\n".join(lines).encode()


def sign(
    *,
    scheme: str,
    secret: str,
    method: str,
    path: str,
    query_string: str,
    timestamp: str,
    nonce: str,
    client_id: str,
    body: bytes | None = None,
) -> str:
    """The hex HMAC-SHA-256 sent in X-Madoguchi-Signature."""
    message = string_to_sign(
        scheme=scheme,
        method=method,
        path=path,
        query_string=query_string,
        timestamp=timestamp,
        nonce=nonce,
        client_id=client_id,
        body=body,
    )
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(
    *,
    scheme: str,
    secret: str,
    client_id: str,
    method: str,
    path: str,
    query_string: str = "",
    body: bytes | None = None,
    now: float | None = None,
) -> dict[str, str]:
    """The four headers of a freshly signed request (new nonce, current time): what a client sends."""
    timestamp = str(int(time.time() if now is None else now))
    nonce = secrets.token_urlsafe(24)
    signature = sign(
        scheme=scheme,
        secret=secret,
        method=method,
        path=path,
        query_string=query_string,
        timestamp=timestamp,
        nonce=nonce,
        client_id=client_id,
        body=body,
    )
    return {
        HEADER_CLIENT: client_id,
        HEADER_TIMESTAMP: timestamp,
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: signature,
    }


def verify(
    *,
    scheme: str,
    client_id: str,
    timestamp: str,
    nonce: str,
    signature: str,
    method: str,
    path: str,
    query_string: str,
    at: dt.datetime,
    key_for: Callable[[str], str | None],
    remember_nonce: Callable[[str], bool],
    body: bytes | None = None,
) -> None:
    """Check one request; SignedRequestError unless it is complete, fresh, correctly signed and its nonce unused.

    `key_for(client_id)` gives the client's key (None: unknown or unusable); `remember_nonce(nonce)` stores the
    nonce and returns False when it was already used. The nonce is only stored once the signature verifies.
    """
    given = {
        HEADER_CLIENT: client_id,
        HEADER_TIMESTAMP: timestamp,
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: signature,
    }
    absent = [name for name, value in given.items() if not value]
    if absent:
        raise SignedRequestError(f"Missing header(s): {', '.join(absent)}.", missing=True)
    if not timestamp.isascii() or not timestamp.isdigit():
        raise SignedRequestError(f"{HEADER_TIMESTAMP} must be Unix time in whole seconds.")
    if abs(at.timestamp() - int(timestamp)) > CLOCK_SKEW_SECONDS:
        raise SignedRequestError(
            f"{HEADER_TIMESTAMP} is more than {CLOCK_SKEW_SECONDS} seconds from the server's clock."
        )
    if not NONCE_PATTERN.fullmatch(nonce):
        raise SignedRequestError(f"{HEADER_NONCE} must be 16 to 64 characters of A-Z, a-z, 0-9, '-' or '_'.")
    # The same answer for an unknown client and a wrong key: nothing tells a prober which client ids exist.
    invalid = SignedRequestError("The signature does not verify.")
    secret = key_for(client_id)
    if not secret:
        raise invalid
    expected = sign(
        scheme=scheme,
        secret=secret,
        method=method,
        path=path,
        query_string=query_string,
        timestamp=timestamp,
        nonce=nonce,
        client_id=client_id,
        body=body,
    )
    if not hmac.compare_digest(expected, signature.lower()):
        raise invalid
    if not remember_nonce(nonce):
        raise SignedRequestError(f"{HEADER_NONCE} was already used (replayed request).")


def nonce_horizon(at: dt.datetime) -> dt.datetime:
    """Nonces seen before this can no longer be replayed (the timestamp check refuses them): safe to forget."""
    return at - dt.timedelta(seconds=2 * CLOCK_SKEW_SECONDS)
