"""Development / demo settings: embedded SQLite under ./var, DEBUG on, both zones by default."""

from .base import *  # noqa: F403
from .base import MADOGUCHI_DATA_DIR, env

DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
MADOGUCHI_DATA_DIR.mkdir(parents=True, exist_ok=True)


def _dev_secret(name: str) -> str:
    """A per-checkout random secret kept in var/ so a demo restart keeps its sessions and encrypted data."""
    import secrets

    path = MADOGUCHI_DATA_DIR / f"{name}.secret"
    if not path.exists():
        if name == "individual-number-key":
            import base64

            path.write_text(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
        else:
            path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env("MADOGUCHI_SECRET_KEY") or _dev_secret("django-secret-key")
MADOGUCHI_INDIVIDUAL_NUMBER_KEY = env("MADOGUCHI_INDIVIDUAL_NUMBER_KEY") or _dev_secret(
    "individual-number-key"
)
