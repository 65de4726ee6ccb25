"""Test settings: fixed keys, fast hashing, SQLite unless DATABASE_URL points at PostgreSQL."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES, env

SECRET_KEY = "test-only-secret-key-not-for-production-0123456789"  # noqa: S105
MADOGUCHI_INDIVIDUAL_NUMBER_KEY = "dGVzdC1vbmx5LWtleS0wMTIzNDU2Nzg5YWJjZGVmZ2g="  # test-only Fernet key
DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; production uses argon2
MADOGUCHI_DATA_DIR = Path(env("MADOGUCHI_TEST_DATA_DIR") or tempfile.mkdtemp(prefix="madoguchi-test-"))
MADOGUCHI_JPKI_DIR = MADOGUCHI_DATA_DIR / "jpki"
MADOGUCHI_DOCUMENT_KEY_DIR = MADOGUCHI_DATA_DIR / "document-signing"
MEDIA_ROOT = MADOGUCHI_DATA_DIR / "media"
STATIC_ROOT = MADOGUCHI_DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(MADOGUCHI_DATA_DIR / "test.sqlite3")}
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
AXES_ENABLED = True
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
