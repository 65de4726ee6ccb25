"""個人番号 (My Number) protection: encryption at rest and a keyed blind index for uniqueness and lookup."""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@lru_cache(maxsize=4)
def _fernet(key: str) -> Fernet:
    try:
        return Fernet(key.encode())
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "MADOGUCHI_INDIVIDUAL_NUMBER_KEY must be 32 url-safe base64-encoded bytes (a Fernet key)"
        ) from exc


def _key() -> str:
    key = settings.MADOGUCHI_INDIVIDUAL_NUMBER_KEY
    if not key:
        raise ImproperlyConfigured("MADOGUCHI_INDIVIDUAL_NUMBER_KEY is not set")
    return str(key)


def encrypt_individual_number(number: str) -> str:
    """Encrypt a normalized 12-digit 個人番号 (Fernet: AES-128-CBC + HMAC-SHA256, random IV)."""
    return _fernet(_key()).encrypt(number.encode()).decode()


def decrypt_individual_number(token: str) -> str:
    """Decrypt a stored 個人番号. Only `access_*` selectors that log the reveal may call this."""
    try:
        return _fernet(_key()).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured("個人番号 could not be decrypted with the configured key") from exc


def individual_number_index(number: str) -> str:
    """Keyed blind index (HMAC-SHA256) so equal numbers can be found and kept unique without decrypting."""
    mac_key = hashlib.sha256(b"madoguchi-individual-number-index:" + _key().encode()).digest()
    return hmac.new(mac_key, number.encode(), hashlib.sha256).hexdigest()
