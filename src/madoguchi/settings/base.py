"""Settings shared by every environment. Everything deployment-specific comes from the environment
(each variable is documented in docs/configuration.md)."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.conf.locale import LANG_INFO as _django_lang_info

PACKAGE_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PACKAGE_DIR.parent.parent  # the repository root in a source checkout


def env(name: str, default: str | None = None) -> str | None:
    """Read one environment variable (empty string counts as unset)."""
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_bool(name: str, default: bool = False) -> bool:
    """Read a boolean environment variable: 1/true/yes/on."""
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# ---- zones (三層の対策): which URL roots this process serves -------------------------------------------------
MADOGUCHI_ZONE = env("MADOGUCHI_ZONE", "all")
if MADOGUCHI_ZONE not in {"all", "portal", "office"}:
    raise RuntimeError(f"MADOGUCHI_ZONE must be all, portal or office, not {MADOGUCHI_ZONE!r}")

# ---- data directory: SQLite file, key material of the test CAs, uploaded files -------------------------------
MADOGUCHI_DATA_DIR = Path(env("MADOGUCHI_DATA_DIR", str(BASE_DIR / "var")) or "var")
MADOGUCHI_JPKI_DIR = MADOGUCHI_DATA_DIR / "jpki"
MADOGUCHI_DOCUMENT_KEY_DIR = MADOGUCHI_DATA_DIR / "document-signing"
MEDIA_ROOT = MADOGUCHI_DATA_DIR / "media"

SECRET_KEY = env("MADOGUCHI_SECRET_KEY", "") or ""
# Key of the audit chain HMAC; defaults to a key derived from MADOGUCHI_SECRET_KEY.
MADOGUCHI_AUDIT_KEY = env("MADOGUCHI_AUDIT_KEY", "") or ""
# Key that encrypts core systems' signing keys at rest; defaults to one derived from MADOGUCHI_SECRET_KEY.
MADOGUCHI_CORE_SYSTEM_KEY = env("MADOGUCHI_CORE_SYSTEM_KEY", "") or ""
# Key for 個人番号 encryption at rest (Fernet, urlsafe base64 of 32 bytes) and its blind index (HMAC).
MADOGUCHI_INDIVIDUAL_NUMBER_KEY = env("MADOGUCHI_INDIVIDUAL_NUMBER_KEY", "") or ""
# The office answers channel the portal asks for household facts (prefill, intake checks): in-process in `all`
# mode; a split deployment names its internal-API client class here.
MADOGUCHI_OFFICE_ANSWERS = env("MADOGUCHI_OFFICE_ANSWERS", "madoguchi.office.answers.RegistryOfficeAnswers")
# Zone channel (split deployment): the office pulls submissions from the portal's internal API and pushes status
# back, HMAC-signed with a key both sides share. Office: set the portal's internal URL (empty = in-process, `all`).
MADOGUCHI_PORTAL_INTERNAL_URL = (env("MADOGUCHI_PORTAL_INTERNAL_URL", "") or "").rstrip("/")
MADOGUCHI_CHANNEL_CLIENT_ID = env("MADOGUCHI_CHANNEL_CLIENT_ID", "office") or "office"
MADOGUCHI_CHANNEL_KEY = env("MADOGUCHI_CHANNEL_KEY", "") or ""
MADOGUCHI_CHANNEL_TIMEOUT_SECONDS = float(env("MADOGUCHI_CHANNEL_TIMEOUT_SECONDS", "10") or "10")
MADOGUCHI_CHANNEL_RETRIES = int(env("MADOGUCHI_CHANNEL_RETRIES", "4") or "4")
MADOGUCHI_CHANNEL_BACKOFF_SECONDS = float(env("MADOGUCHI_CHANNEL_BACKOFF_SECONDS", "0.5") or "0.5")
# Portal: hold back timeline events younger than this (a concurrent commit could land behind the cursor).
MADOGUCHI_CHANNEL_SETTLE_SECONDS = float(env("MADOGUCHI_CHANNEL_SETTLE_SECONDS", "5") or "5")
# Public base URL of the portal: printed and encoded as QR on signed documents (verification page).
MADOGUCHI_PORTAL_URL = env("MADOGUCHI_PORTAL_URL", "http://127.0.0.1:8000")
MADOGUCHI_DEMO_MUNICIPALITY = env("MADOGUCHI_DEMO_MUNICIPALITY", "131016")

DEBUG = False
ALLOWED_HOSTS = [h.strip() for h in (env("MADOGUCHI_ALLOWED_HOSTS", "") or "").split(",") if h.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "madoguchi.core",
    "madoguchi.registry",
    "madoguchi.identity",
    "madoguchi.benefits",
    "madoguchi.portal",
    "madoguchi.office",
    "madoguchi.demo",
    "madoguchi.documents",
    "madoguchi.procedures",
    "madoguchi.intake",
    "madoguchi.casework",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "madoguchi.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "madoguchi.core.middleware.SessionRefreshMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "madoguchi.core.i18n.ZoneLanguageMiddleware",
    "madoguchi.core.i18n.RubyMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "madoguchi.urls"
WSGI_APPLICATION = "madoguchi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "madoguchi.core.context_processors.madoguchi",
                "madoguchi.core.context_processors.languages",
                "madoguchi.portal.context_processors.portal",
            ],
        },
    },
]

# ---- database: embedded SQLite by default, PostgreSQL via DATABASE_URL ------------------------------------------
_sqlite_path = MADOGUCHI_DATA_DIR / "madoguchi.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{_sqlite_path}") or "", conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE: a writing transaction takes the write lock at BEGIN, so two writers never read the same
    # audit-chain head and then collide (SQLite has no SELECT … FOR UPDATE).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ---- accounts, passwords, MFA, lockout --------------------------------------------------------------------------
AUTH_USER_MODEL = "core.StaffUser"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "office:login"
OTP_TOTP_ISSUER = "Madoguchi"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.5  # hours; an administrator can also unlock (axes_reset_username)
# Lock the account, not the address: counter terminals of a city hall share one NAT address, and an IP lockout
# would stop the whole office (axes.W006 silenced for that reason).
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "madoguchi.office.views.locked_out"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True

# Staff sessions end after 30 minutes without activity (shared counter terminals).
SESSION_COOKIE_AGE = int(env("MADOGUCHI_SESSION_SECONDS", "1800") or "1800")
# Idle timeout: the session is saved again (30 more minutes) at most once a minute while in use, by
# core.middleware.SessionRefreshMiddleware, instead of a database write on every request.
SESSION_SAVE_EVERY_REQUEST = False
MADOGUCHI_SESSION_REFRESH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "madoguchi.core.views.csrf_failure"

# ---- i18n -------------------------------------------------------------------------------------------------------
# Japanese is the source language (msgids are Japanese). The resident portal speaks seven languages; the office
# zone only ja/en (MADOGUCHI_OFFICE_LANGUAGES, enforced by core.i18n.ZoneLanguageMiddleware). Names are in their
# own language, as the switcher shows them. Locale directories: ja_Easy, zh_Hans, pt_BR (django to_locale()).
LANGUAGE_CODE = "ja"
LANGUAGES = [
    ("ja", "日本語"),
    ("ja-easy", "やさしい にほんご"),
    ("en", "English"),
    ("zh-hans", "简体中文"),
    ("ko", "한국어"),
    ("vi", "Tiếng Việt"),
    ("pt-br", "Português"),
]
MADOGUCHI_OFFICE_LANGUAGES = ["ja", "en"]
# やさしい日本語 has no registered BCP 47 tag; Django needs it in LANG_INFO for get_language_info() and the switcher.
# Its pages are Japanese, so <html lang> says "ja" (core.i18n.html_lang); furigana come from the ｛漢字｜かんじ｝
# notation in its catalogue (core.i18n.RubyMiddleware, docs/adr/0005-easy-japanese-furigana.md).
EXTRA_LANG_INFO = {
    "ja-easy": {
        "bidi": False,
        "code": "ja-easy",
        "name": "Easy Japanese",
        "name_local": "やさしい にほんご",
    },
}
_django_lang_info.update(EXTRA_LANG_INFO)
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Tokyo"

# ---- static files ------------------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = MADOGUCHI_DATA_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# ---- API ---------------------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "madoguchi.core.api.problem_exception_handler",
    "DEFAULT_AUTHENTICATION_CLASSES": ["madoguchi.core.api_auth.VerifiedSessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Madoguchi API",
    "DESCRIPTION": "Public and office APIs of Madoguchi (窓口). Errors are RFC 9457 problem details.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
}

# ---- security headers ----------------------------------------------------------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("MADOGUCHI_LOG_LEVEL", "WARNING")},
}

# ---- identity: resident login with the My Number card and OIDC (デジタル認証アプリ) ------------------------------------
# Issuer URL of the OpenID provider the portal logs residents in with. The default is the local provider that
# simulates the デジタル認証アプリ (mounted at /oidc/ in the portal zone); the portal calls its token and jwks
# endpoints over HTTP, so it must be reachable from the server itself.
MADOGUCHI_OIDC_ISSUER = env("MADOGUCHI_OIDC_ISSUER", "http://127.0.0.1:8000/oidc")
# The portal's client_id at that provider ([0-9a-zA-Z]{1,255}); its private_key_jwt key is generated into
# MADOGUCHI_DATA_DIR/oidc/ on first use (register the public half with the provider).
MADOGUCHI_OIDC_CLIENT_ID = env("MADOGUCHI_OIDC_CLIENT_ID", "madoguchiportal")
# The provider's endpoints as the portal calls them (its discovery document's authorization_endpoint, token_endpoint,
# jwks_uri; the portal reads the claims from the ID token). Empty: the local provider's URLs under MADOGUCHI_OIDC_ISSUER
# (…/authorize, …/token, …/jwks). For the デジタル認証アプリ they are …/api/realms/main/protocol/openid-connect/{auth,token,…}.
MADOGUCHI_OIDC_AUTHORIZATION_ENDPOINT = env("MADOGUCHI_OIDC_AUTHORIZATION_ENDPOINT", "")
MADOGUCHI_OIDC_TOKEN_ENDPOINT = env("MADOGUCHI_OIDC_TOKEN_ENDPOINT", "")
MADOGUCHI_OIDC_JWKS_URI = env("MADOGUCHI_OIDC_JWKS_URI", "")
# Base URL of the デジタル認証アプリ sign-transactions API (…/api; the portal POSTs to …/sign-transactions and GETs
# …/sign-transactions/{id}/result). Empty: MADOGUCHI_OIDC_ISSUER + "/api", where the local provider serves it.
MADOGUCHI_SIGN_API_URL = env("MADOGUCHI_SIGN_API_URL", "")
# Whether the simulated TEST JPKI CA and test cards may be used (created in MADOGUCHI_JPKI_DIR on first use).
# Demo/dev/test only: set it to false in production, where MADOGUCHI_JPKI_DIR holds the pinned J-LIS anchors and CRLs.
MADOGUCHI_JPKI_TEST_CA = env_bool("MADOGUCHI_JPKI_TEST_CA", True)
