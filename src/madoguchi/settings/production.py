"""Production settings: every secret must come from the environment; refuse to start without them."""

from .base import *  # noqa: F403
from .base import MADOGUCHI_INDIVIDUAL_NUMBER_KEY, SECRET_KEY, env_bool

if not SECRET_KEY or not MADOGUCHI_INDIVIDUAL_NUMBER_KEY:
    raise RuntimeError("MADOGUCHI_SECRET_KEY and MADOGUCHI_INDIVIDUAL_NUMBER_KEY must be set in production")

DEBUG = False
# Never create or trust the simulated JPKI test CA in production (pinned J-LIS anchors only).
MADOGUCHI_JPKI_TEST_CA = env_bool("MADOGUCHI_JPKI_TEST_CA", False)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = env_bool("MADOGUCHI_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31536000
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
