"""OpenID Connect with the parameters of the デジタル認証アプリ (jpki.md §8): a LOCAL provider that simulates it
(authentication by the same test-card flow) and the portal as its relying party.

Protocol: authorization code flow only; PKCE with S256 required; `state` and `nonce` required; scopes
`openid name address birthdate gender sign`; client authentication at the token endpoint by `private_key_jwt`
(client_assertion: iss = sub = client_id, aud = token endpoint, jti single use, short exp). JOSE by joserfc.

Keys are generated into MADOGUCHI_DATA_DIR/oidc/ on first use: the provider's ES256 key (ID tokens), the
portal's RS256 key (client assertions) and the portal's RSA-OAEP-256 key (sign results are JWEs encrypted to it).
The signing transaction (client credentials, `sign_transaction_id`, JWE result) is in `sign_transactions`
(provider) and `sign_app` (relying party). The local provider registers the portal as its one client; pointing
MADOGUCHI_OIDC_ISSUER at the real service (and registering the portal's public key there) swaps the provider.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import os
import re
import secrets
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet, RSAKey
from joserfc.jwt import JWTClaimsRegistry

from .login import DbNonceStore
from .models import GrantType, NonceKind, OidcAccessToken, OidcAuthorizationCode
from .portal_session import PortalIdentity

SUPPORTED_SCOPES = ("openid", "name", "address", "birthdate", "gender", "sign")
CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
CLIENT_ID_PATTERN = re.compile(r"[0-9a-zA-Z]{1,255}")
CODE_CHALLENGE_PATTERN = re.compile(r"[A-Za-z0-9_-]{43,128}")
UUID_PATTERN = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
CLIENT_CREDENTIALS_SCOPE = "sign"
VERIFIER_PATTERN = re.compile(r"[A-Za-z0-9._~-]{43,128}")  # RFC 7636 §4.1
CODE_TTL = dt.timedelta(minutes=1)
TOKEN_TTL = dt.timedelta(minutes=5)
ID_TOKEN_TTL = dt.timedelta(minutes=5)
ASSERTION_MAX_LIFETIME = dt.timedelta(minutes=5)
HTTP_TIMEOUT_S = 10
_key_lock = threading.Lock()


class OidcError(Exception):
    """An OAuth/OIDC protocol error (RFC 6749 §4.1.2.1 / §5.2 codes); `description` is English for logs/RPs."""

    def __init__(self, error: str, description: str, *, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status

    def as_json(self) -> dict[str, str]:
        """The error response body."""
        return {"error": self.error, "error_description": self.description}


# --- keys ------------------------------------------------------------------------------------------------------------
def key_dir() -> Path:
    """Where the OIDC keys live (MADOGUCHI_DATA_DIR/oidc)."""
    return Path(settings.MADOGUCHI_DATA_DIR) / "oidc"


def _load_or_create(name: str, create: Callable[[], RSAKey | ECKey]) -> dict[str, Any]:
    path = key_dir() / name
    with _key_lock:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            key = create()
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(key.as_dict(private=True), handle)
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def provider_key() -> ECKey:
    """The local provider's ES256 signing key (ID tokens)."""
    data = _load_or_create(
        "provider-es256.jwk.json",
        lambda: ECKey.generate_key("P-256", parameters={"use": "sig", "alg": "ES256"}, auto_kid=True),
    )
    return ECKey.import_key(data)


def client_key() -> RSAKey:
    """The portal's RS256 key for private_key_jwt client assertions."""
    data = _load_or_create(
        "portal-client-rs256.jwk.json",
        lambda: RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}, auto_kid=True),
    )
    return RSAKey.import_key(data)


def client_encryption_key() -> RSAKey:
    """The portal's RSA-OAEP-256 key: the provider encrypts sign results (JWE) to its public half."""
    data = _load_or_create(
        "portal-client-enc-rsa.jwk.json",
        lambda: RSAKey.generate_key(2048, parameters={"use": "enc", "alg": "RSA-OAEP-256"}, auto_kid=True),
    )
    return RSAKey.import_key(data)


def public_jwks(*keys: RSAKey | ECKey) -> dict[str, Any]:
    """A JWK Set with the public halves of `keys`."""
    return {"keys": [key.as_dict(private=False) for key in keys]}


# --- configuration -----------------------------------------------------------------------------------------------------
def issuer() -> str:
    """The provider's issuer URL (settings.MADOGUCHI_OIDC_ISSUER, no trailing slash)."""
    return str(settings.MADOGUCHI_OIDC_ISSUER).rstrip("/")


def endpoint(name: str) -> str:
    """An endpoint URL under the issuer (authorize, token, userinfo, jwks)."""
    return f"{issuer()}/{name}"


# The portal (relying party) reaches the provider at these URLs. The local provider serves them under the issuer;
# the real デジタル認証アプリ serves them under `…/protocol/openid-connect/{auth,token,certs}` (jpki.md §8),
# so each one can be set in configuration (the values of the provider's discovery document).
RP_ENDPOINT_SETTINGS = {
    "authorize": "MADOGUCHI_OIDC_AUTHORIZATION_ENDPOINT",
    "token": "MADOGUCHI_OIDC_TOKEN_ENDPOINT",
    "jwks": "MADOGUCHI_OIDC_JWKS_URI",
}


def provider_endpoint(name: str) -> str:
    """Where the portal calls the provider's endpoint `name`: the configured URL, else the local provider's."""
    configured = str(getattr(settings, RP_ENDPOINT_SETTINGS[name], "") or "").strip()
    return configured or endpoint(name)


def portal_client_id() -> str:
    """The portal's client_id at the provider."""
    return str(settings.MADOGUCHI_OIDC_CLIENT_ID)


def portal_redirect_uri() -> str:
    """The portal's registered redirect URI (public portal URL + callback path)."""
    return f"{str(settings.MADOGUCHI_PORTAL_URL).rstrip('/')}{reverse('identity:oidc_callback')}"


def portal_sign_redirect_uri() -> str:
    """The portal's second registered redirect URI: where the signing flow comes back."""
    return f"{str(settings.MADOGUCHI_PORTAL_URL).rstrip('/')}{reverse('identity:oidc_sign_callback')}"


@dataclasses.dataclass(frozen=True)
class RegisteredClient:
    """A relying party known to the local provider."""

    client_id: str
    redirect_uris: tuple[str, ...]
    jwks: dict[str, Any]


def registered_client(client_id: str) -> RegisteredClient | None:
    """The local provider's client registry: the portal itself (its public key and redirect URI)."""
    if client_id != portal_client_id():
        return None
    return RegisteredClient(
        client_id,
        (portal_redirect_uri(), portal_sign_redirect_uri()),
        public_jwks(client_key(), client_encryption_key()),
    )


def discovery_document() -> dict[str, Any]:
    """`.well-known/openid-configuration` of the local provider."""
    return {
        "issuer": issuer(),
        "authorization_endpoint": endpoint("authorize"),
        "token_endpoint": endpoint("token"),
        "userinfo_endpoint": endpoint("userinfo"),
        "jwks_uri": endpoint("jwks"),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "client_credentials"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "scopes_supported": list(SUPPORTED_SCOPES),
        "claims_supported": ["sub", "name", "address", "birthdate", "gender", "nonce", "auth_time"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256", "ES256"],
        "acr_values_supported": ["aal3", "crl"],
        # Not an OIDC metadata name: where this simulation serves the sign-transactions API (jpki.md §8).
        "sign_transactions_endpoint": f"{issuer()}/api/sign-transactions",
    }


def s256(verifier: str) -> str:
    """PKCE S256: BASE64URL(SHA256(ASCII(code_verifier))) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


# --- provider ----------------------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class AuthorizationRequest:
    """A validated authorization request."""

    client_id: str
    redirect_uri: str
    scope: tuple[str, ...]
    state: str
    nonce: str
    code_challenge: str
    sign_transaction_id: str = ""  # lower-case UUID, only with scope `sign`

    @property
    def is_signing(self) -> bool:
        """A signing request (scope `sign` with a sign transaction) rather than a login."""
        return "sign" in self.scope

    def as_params(self) -> dict[str, str]:
        """Back to query parameters (carried through the provider's login form)."""
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": " ".join(self.scope),
            "state": self.state,
            "nonce": self.nonce,
            "code_challenge": self.code_challenge,
            "code_challenge_method": "S256",
        }
        if self.sign_transaction_id:
            params["sign_transaction_id"] = self.sign_transaction_id
        return params


class RedirectableError(OidcError):
    """An authorization error that is reported to the (verified) redirect_uri with `state`."""

    def __init__(self, error: str, description: str, *, redirect_uri: str, state: str) -> None:
        super().__init__(error, description)
        self.redirect_uri = redirect_uri
        self.state = state

    def redirect_url(self) -> str:
        """redirect_uri with error, error_description and state."""
        query = {"error": self.error, "error_description": self.description}
        if self.state:
            query["state"] = self.state
        return f"{self.redirect_uri}?{urllib.parse.urlencode(query)}"


def validate_authorization_request(params: Mapping[str, str]) -> AuthorizationRequest:
    """Check an authorization request; OidcError (shown, not redirected) for a bad client or redirect_uri,
    RedirectableError for everything else."""
    client_id = params.get("client_id", "")
    redirect_uri = params.get("redirect_uri", "")
    if not CLIENT_ID_PATTERN.fullmatch(client_id):
        raise OidcError("invalid_request", "client_id is missing or malformed")
    client = registered_client(client_id)
    if client is None:
        raise OidcError("unauthorized_client", "unknown client_id")
    if redirect_uri not in client.redirect_uris:
        raise OidcError("invalid_request", "redirect_uri is not registered for this client")
    state = params.get("state", "")

    def fail(error: str, description: str) -> RedirectableError:
        return RedirectableError(error, description, redirect_uri=redirect_uri, state=state)

    if params.get("response_type") != "code":
        raise fail("unsupported_response_type", "only response_type=code is supported")
    if not state:
        raise fail("invalid_request", "state is required")
    scope = tuple(params.get("scope", "").split())
    if "openid" not in scope:
        raise fail("invalid_scope", "scope must include openid")
    unknown = [s for s in scope if s not in SUPPORTED_SCOPES]
    if unknown:
        raise fail("invalid_scope", f"unsupported scope {' '.join(unknown)}")
    nonce = params.get("nonce", "")
    if not nonce or len(nonce) > 255:
        raise fail("invalid_request", "nonce is required")
    challenge = params.get("code_challenge", "")
    if not challenge:
        raise fail("invalid_request", "code_challenge is required (PKCE)")
    if params.get("code_challenge_method") != "S256":
        raise fail("invalid_request", "code_challenge_method must be S256")
    if not CODE_CHALLENGE_PATTERN.fullmatch(challenge):
        raise fail("invalid_request", "code_challenge is malformed")
    # Signing (jpki.md §8): scope `sign` names the transaction the RP created; existence, owner, expiry and
    # single use are checked against the store by `sign_transactions.validate_request`.
    transaction_id = params.get("sign_transaction_id", "")
    if "sign" in scope and not transaction_id:
        raise fail("invalid_request", "sign_transaction_id is required with scope sign")
    if transaction_id and "sign" not in scope:
        raise fail("invalid_request", "sign_transaction_id is only allowed with scope sign")
    if transaction_id and not UUID_PATTERN.fullmatch(transaction_id):
        raise fail("invalid_request", "sign_transaction_id is not a UUID")
    return AuthorizationRequest(
        client_id, redirect_uri, scope, state, nonce, challenge, transaction_id.lower()
    )


def pairwise_subject(client_id: str, auth_serial: str) -> str:
    """A pairwise `sub` for (client, person): keyed hash of the auth certificate serial, never the serial itself."""
    key = hashlib.sha256(b"madoguchi-oidc-sub:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, f"{client_id}|{auth_serial}".encode(), hashlib.sha256).hexdigest()[:43]


_GENDER = {"男": "male", "女": "female"}


def claims_from_identity(identity: PortalIdentity) -> dict[str, Any]:
    """Claims from the card's signing-certificate attributes (empty where the certificate was not usable)."""
    claims: dict[str, Any] = {}
    if identity.name:
        claims["name"] = identity.name
    if identity.address:
        claims["address"] = {"formatted": identity.address}
    if identity.birth_date:
        claims["birthdate"] = identity.birth_date
    if identity.sex:
        claims["gender"] = _GENDER.get(identity.sex, "unknown")
    return claims


_SCOPE_CLAIMS = {"name": "name", "address": "address", "birthdate": "birthdate", "gender": "gender"}


def _scoped_claims(claims: Mapping[str, Any], scope: tuple[str, ...] | list[str]) -> dict[str, Any]:
    return {claim: claims[claim] for s, claim in _SCOPE_CLAIMS.items() if s in scope and claim in claims}


def issue_authorization_code(
    request: AuthorizationRequest, identity: PortalIdentity, *, now: dt.datetime | None = None
) -> str:
    """Store a one-minute, single-use code for an authenticated resident; return the code."""
    at = now or timezone.now()
    code = secrets.token_urlsafe(32)
    OidcAuthorizationCode.objects.create(
        code_hash=_hash(code),
        client_id=request.client_id,
        redirect_uri=request.redirect_uri,
        scope=" ".join(request.scope),
        nonce=request.nonce,
        code_challenge=request.code_challenge,
        auth_serial=identity.auth_serial,
        claims=claims_from_identity(identity),
        sign_transaction_id=request.sign_transaction_id or None,
        authenticated_at=dt.datetime.fromisoformat(identity.authenticated_at),
        expires_at=at + CODE_TTL,
    )
    return code


def verify_client_assertion(
    *, client_id: str, assertion_type: str, assertion: str, now: dt.datetime
) -> RegisteredClient:
    """private_key_jwt: signature with the client's registered key, iss = sub = client_id, aud = token endpoint,
    short exp, jti used once."""
    if assertion_type != CLIENT_ASSERTION_TYPE or not assertion:
        raise OidcError("invalid_client", "private_key_jwt client authentication is required", status=401)
    client = registered_client(client_id)
    if client is None:
        raise OidcError("invalid_client", "unknown client", status=401)
    try:
        token = jwt.decode(assertion, KeySet.import_key_set(client.jwks), algorithms=["RS256", "ES256"])  # type: ignore[arg-type]
        registry = JWTClaimsRegistry(
            now=int(now.timestamp()),
            leeway=30,
            iss={"essential": True, "value": client_id},
            sub={"essential": True, "value": client_id},
            aud={"essential": True, "values": [endpoint("token"), issuer()]},
            exp={"essential": True},
            jti={"essential": True},
        )
        registry.validate(token.claims)
    except (JoseError, ValueError) as exc:
        raise OidcError(
            "invalid_client", f"client assertion rejected: {type(exc).__name__}: {exc}", status=401
        ) from exc
    expires = int(token.claims["exp"])
    if expires - int(now.timestamp()) > ASSERTION_MAX_LIFETIME.total_seconds():
        raise OidcError("invalid_client", "client assertion lives too long", status=401)
    jti = f"{client_id}:{token.claims['jti']}"
    store = DbNonceStore(NonceKind.CLIENT_ASSERTION)
    try:
        with transaction.atomic():
            store.add(jti, dt.datetime.fromtimestamp(expires, dt.UTC) + dt.timedelta(seconds=30))
    except IntegrityError as exc:  # unique token: the jti was seen before
        raise OidcError("invalid_client", "client assertion jti was already used", status=401) from exc
    if not store.consume(jti, now):
        raise OidcError("invalid_client", "client assertion jti was already used", status=401)
    return client


def _id_token(
    *,
    client_id: str,
    subject: str,
    nonce: str,
    auth_time: dt.datetime,
    now: dt.datetime,
    claims: dict[str, Any],
) -> str:
    key = provider_key()
    payload = {
        "iss": issuer(),
        "sub": subject,
        "aud": client_id,
        "iat": int(now.timestamp()),
        "exp": int((now + ID_TOKEN_TTL).timestamp()),
        "auth_time": int(auth_time.timestamp()),
        "nonce": nonce,
        "acr": "aal3 crl",
        **claims,
    }
    return jwt.encode({"alg": "ES256", "kid": key.kid, "typ": "JWT"}, payload, key)


def _client_credentials_token(
    client: RegisteredClient, form: Mapping[str, str], at: dt.datetime
) -> dict[str, Any]:
    """client_credentials grant: a short-lived token of the client itself, only for creating sign transactions."""
    requested = form.get("scope", "").split()
    if any(s != CLIENT_CREDENTIALS_SCOPE for s in requested):
        raise OidcError("invalid_scope", f"client credentials allow only scope {CLIENT_CREDENTIALS_SCOPE}")
    access_token = secrets.token_urlsafe(32)
    OidcAccessToken.objects.create(
        token_hash=_hash(access_token),
        client_id=client.client_id,
        grant_type=GrantType.CLIENT_CREDENTIALS,
        scope=CLIENT_CREDENTIALS_SCOPE,
        subject="",
        expires_at=at + TOKEN_TTL,
    )
    return {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": int(TOKEN_TTL.total_seconds()),
        "scope": CLIENT_CREDENTIALS_SCOPE,
    }


def exchange_code(form: Mapping[str, str], *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The token endpoint: authenticate the client (private_key_jwt); then either the client_credentials grant, or
    consume the code once and check redirect_uri and PKCE."""
    at = now or timezone.now()
    client = verify_client_assertion(
        client_id=form.get("client_id", ""),
        assertion_type=form.get("client_assertion_type", ""),
        assertion=form.get("client_assertion", ""),
        now=at,
    )
    if form.get("grant_type") == "client_credentials":
        return _client_credentials_token(client, form, at)
    if form.get("grant_type") != "authorization_code":
        raise OidcError(
            "unsupported_grant_type", "only authorization_code and client_credentials are supported"
        )
    code = form.get("code", "")
    verifier = form.get("code_verifier", "")
    if not code:
        raise OidcError("invalid_request", "code is required")
    if not verifier:
        raise OidcError("invalid_request", "code_verifier is required (PKCE)")
    with transaction.atomic():
        row = OidcAuthorizationCode.objects.filter(code_hash=_hash(code)).first()
        # Single use: a conditional UPDATE, so two concurrent exchanges cannot both win.
        consumed = OidcAuthorizationCode.objects.filter(
            code_hash=_hash(code), consumed_at__isnull=True, expires_at__gte=at
        ).update(consumed_at=at)
    if row is None or consumed != 1:
        if row is not None and row.consumed_at is not None:
            # RFC 6749 §4.1.2: a reused code revokes what was issued from it.
            OidcAccessToken.objects.filter(
                client_id=row.client_id, subject=pairwise_subject(row.client_id, row.auth_serial)
            ).delete()
        raise OidcError("invalid_grant", "code is unknown, expired or already used")
    if row.client_id != client.client_id:
        raise OidcError("invalid_grant", "code was issued to another client")
    if form.get("redirect_uri", "") != row.redirect_uri:
        raise OidcError("invalid_grant", "redirect_uri does not match the authorization request")
    if not VERIFIER_PATTERN.fullmatch(verifier) or not hmac.compare_digest(
        s256(verifier), row.code_challenge
    ):
        raise OidcError("invalid_grant", "code_verifier does not match code_challenge")
    scope = row.scope.split()
    subject = pairwise_subject(row.client_id, row.auth_serial)
    access_token = secrets.token_urlsafe(32)
    OidcAccessToken.objects.create(
        token_hash=_hash(access_token),
        client_id=row.client_id,
        scope=row.scope,
        subject=subject,
        claims=_scoped_claims(row.claims, scope),
        sign_transaction_id=row.sign_transaction_id,
        expires_at=at + TOKEN_TTL,
    )
    return {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": int(TOKEN_TTL.total_seconds()),
        "scope": row.scope,
        "id_token": _id_token(
            client_id=row.client_id,
            subject=subject,
            nonce=row.nonce,
            auth_time=row.authenticated_at,
            now=at,
            claims=_scoped_claims(row.claims, scope),
        ),
    }


def userinfo(access_token: str, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The userinfo endpoint: claims allowed by the token's scope."""
    at = now or timezone.now()
    row = OidcAccessToken.objects.filter(
        token_hash=_hash(access_token), expires_at__gte=at, grant_type=GrantType.AUTHORIZATION_CODE
    ).first()
    if row is None:
        raise OidcError("invalid_token", "access token is unknown or expired", status=401)
    return {"sub": row.subject, **row.claims}


# --- relying party (the portal) ----------------------------------------------------------------------------------------
RP_SESSION_KEY = "madoguchi.oidc_rp"
RP_SCOPE = "openid name address birthdate gender"


def start_authentication(session: Any) -> str:
    """Begin a login: fresh state, nonce and PKCE verifier in the session; return the authorization URL."""
    verifier = secrets.token_urlsafe(64)[:96]
    state = secrets.token_urlsafe(24)
    nonce = secrets.token_urlsafe(24)
    session[RP_SESSION_KEY] = {"state": state, "nonce": nonce, "verifier": verifier}
    query = {
        "response_type": "code",
        "client_id": portal_client_id(),
        "redirect_uri": portal_redirect_uri(),
        "scope": RP_SCOPE,
        "state": state,
        "nonce": nonce,
        "code_challenge": s256(verifier),
        "code_challenge_method": "S256",
        "acr_values": "aal3 crl",
    }
    return f"{provider_endpoint('authorize')}?{urllib.parse.urlencode(query)}"


def client_assertion(
    *, now: dt.datetime | None = None, audience: str | None = None, jti: str | None = None
) -> str:
    """A private_key_jwt client assertion signed with the portal's RS256 key."""
    at = now or timezone.now()
    key = client_key()
    claims = {
        "iss": portal_client_id(),
        "sub": portal_client_id(),
        "aud": audience or provider_endpoint("token"),
        "jti": jti or secrets.token_urlsafe(16),
        "iat": int(at.timestamp()),
        "exp": int((at + dt.timedelta(minutes=1)).timestamp()),
    }
    return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)


def _http_json(request: urllib.request.Request) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as response:  # noqa: S310 - configured URL
            return response.status, json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        body = exc.read().decode("utf-8", "replace")
        try:
            return exc.code, json.loads(body)
        except json.JSONDecodeError:
            return exc.code, {"error": "server_error", "error_description": body[:200]}


def _require_http(url: str) -> None:
    if urllib.parse.urlsplit(url).scheme not in {"http", "https"}:
        raise OidcError("invalid_request", "the provider URL must be http(s)")


def fetch_provider_jwks() -> KeySet:
    """The provider's signing keys from its jwks endpoint (over HTTP, as from the real service)."""
    url = provider_endpoint("jwks")
    _require_http(url)
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310 - http(s) checked
    status, body = _http_json(request)
    if status != 200:
        raise OidcError("server_error", f"jwks endpoint answered {status}")
    return KeySet.import_key_set(body)  # type: ignore[arg-type]


def token_request(
    *, code: str, verifier: str, now: dt.datetime | None = None, redirect_uri: str | None = None
) -> dict[str, Any]:
    """POST the code to the provider's token endpoint with private_key_jwt (a real HTTP call)."""
    return _post_token(
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri or portal_redirect_uri(),
            "code_verifier": verifier,
        },
        now=now,
    )


def client_credentials_request(
    *, scope: str = CLIENT_CREDENTIALS_SCOPE, now: dt.datetime | None = None
) -> str:
    """The portal's own access token (client_credentials grant, private_key_jwt) for the sign-transactions API."""
    body = _post_token({"grant_type": "client_credentials", "scope": scope}, now=now)
    token = body.get("access_token")
    if not isinstance(token, str) or not token:
        raise OidcError("server_error", "the token endpoint returned no access_token")
    return token


def _post_token(grant: dict[str, str], *, now: dt.datetime | None) -> dict[str, Any]:
    url = provider_endpoint("token")
    _require_http(url)
    form = {
        **grant,
        "client_id": portal_client_id(),
        "client_assertion_type": CLIENT_ASSERTION_TYPE,
        "client_assertion": client_assertion(now=now),
    }
    request = urllib.request.Request(  # noqa: S310 - http(s) checked above
        url,
        data=urllib.parse.urlencode(form).encode("ascii"),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
        method="POST",
    )
    status, body = _http_json(request)
    if status != 200:
        raise OidcError(str(body.get("error", "server_error")), str(body.get("error_description", status)))
    return body


def validate_id_token(id_token: str, *, nonce: str, keys: KeySet, now: dt.datetime) -> dict[str, Any]:
    """Check the ID token: ES256 signature by the provider, iss, aud, exp, iat and our nonce."""
    try:
        token = jwt.decode(id_token, keys, algorithms=["ES256"])
        JWTClaimsRegistry(
            now=int(now.timestamp()),
            leeway=30,
            iss={"essential": True, "value": issuer()},
            aud={"essential": True, "value": portal_client_id()},
            exp={"essential": True},
            iat={"essential": True},
            sub={"essential": True},
            nonce={"essential": True, "value": nonce},
        ).validate(token.claims)
    except (JoseError, ValueError) as exc:
        raise OidcError("invalid_id_token", f"{type(exc).__name__}: {exc}") from exc
    return dict(token.claims)


def finish_authentication(
    session: Any, params: Mapping[str, str], *, now: dt.datetime | None = None
) -> PortalIdentity:
    """The redirect back: check state (then forget it), exchange the code, validate the ID token, build the identity."""
    at = now or timezone.now()
    pending = session.pop(RP_SESSION_KEY, None)
    if not isinstance(pending, dict) or not params.get("state"):
        raise OidcError("invalid_state", "no login in progress in this session")
    if not hmac.compare_digest(str(pending.get("state", "")), params.get("state", "")):
        raise OidcError("invalid_state", "state does not match the one sent")
    if params.get("error"):
        raise OidcError(params["error"], params.get("error_description", ""))
    code = params.get("code", "")
    if not code:
        raise OidcError("invalid_request", "no code in the callback")
    tokens = token_request(code=code, verifier=str(pending["verifier"]), now=at)
    claims = validate_id_token(
        str(tokens.get("id_token", "")), nonce=str(pending["nonce"]), keys=fetch_provider_jwks(), now=at
    )
    address = claims.get("address")
    gender = {"male": "男", "female": "女"}.get(str(claims.get("gender", "")), "")
    return PortalIdentity(
        method="oidc",
        # The RP never sees the certificate serial: its stable handle is the pairwise subject.
        auth_serial=f"oidc:{claims['sub']}",
        authenticated_at=dt.datetime.fromtimestamp(
            int(claims.get("auth_time", at.timestamp())), dt.UTC
        ).isoformat(),
        name=str(claims.get("name", "")),
        address=str(address.get("formatted", "")) if isinstance(address, dict) else "",
        birth_date=str(claims.get("birthdate", "")),
        sex=gender,
        subject=str(claims["sub"]),
    )
