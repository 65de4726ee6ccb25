"""Core business systems (基幹システム連携): registration and credentials, signed-request verification, the
decided-case feed and its reader.

National 申請管理 spec: the core business systems (児童手当システム, 介護保険システム …) take decided applications from
申請管理. Here they pull them: `GET /api/v1/office/core-systems/decided-cases` (core_api.py) returns the decided cases
of one procedure after an opaque cursor. Delivery is at-least-once: the consumer stores `next_cursor` only after it
has processed the page, and asking again with an older cursor returns the same cases again.

Ordering: each decided case gets the next number of its municipality's feed (`DecidedCaseFeedHead`, row-locked until
the decision commits, like the audit chain head), so numbers become visible in order and a reader never skips one.

Credential: HMAC-SHA-256 request signing (`core.signed_requests`, shared with the zone channel) with a per-system key, a timestamp (±`CLOCK_SKEW_SECONDS`) and a single-use
nonce. The key is stored encrypted (Fernet, key from MADOGUCHI_CORE_SYSTEM_KEY or derived from the secret key) and
shown once, when registered or rotated.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from madoguchi.core import signed_requests
from madoguchi.core.audit import Actor, record_audit
from madoguchi.core.context import current_request_id
from madoguchi.core.errors import BusinessRuleViolation
from madoguchi.core.models import AccessLogEntry, AccessPurpose, Municipality, StaffUser
from madoguchi.core.roles import Role
from madoguchi.procedures.engine import get_catalogue

from .models import (
    ApprovalStepKind,
    Case,
    CoreSystem,
    CoreSystemNonce,
    CounterSession,
    DecidedCaseFeedEntry,
    DecidedCaseFeedHead,
)

SCHEME = "MADOGUCHI-HMAC-SHA256"
HEADER_CLIENT = signed_requests.HEADER_CLIENT
HEADER_TIMESTAMP = signed_requests.HEADER_TIMESTAMP
HEADER_NONCE = signed_requests.HEADER_NONCE
HEADER_SIGNATURE = signed_requests.HEADER_SIGNATURE
CLOCK_SKEW_SECONDS = signed_requests.CLOCK_SKEW_SECONDS
NONCE_PATTERN = signed_requests.NONCE_PATTERN
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
PURPOSE = AccessPurpose.CORE_SYSTEM_INTEGRATION
_NAME_MAX = 100


# ---------------------------------------------------------------------------------------------------------------
# Credential storage


def _key_material() -> str:
    return str(getattr(settings, "MADOGUCHI_CORE_SYSTEM_KEY", "") or settings.SECRET_KEY)


@lru_cache(maxsize=4)
def _fernet_for(material: str) -> Fernet:
    digest = hashlib.sha256(b"madoguchi-core-system-credential:" + material.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _encrypt(secret: str) -> str:
    return _fernet_for(_key_material()).encrypt(secret.encode()).decode()


def _decrypt(token: str) -> str | None:
    try:
        return _fernet_for(_key_material()).decrypt(token.encode()).decode()
    except InvalidToken:
        return None  # key changed: the credential no longer verifies (rotate it)


@dataclass(frozen=True)
class IssuedCredential:
    """A credential just issued: the plain key is here once and never again."""

    system: CoreSystem
    secret: str


def _rule(field: str, ja: str, en: str, code: str = "invalid") -> BusinessRuleViolation:
    return BusinessRuleViolation(field, gettext_noop(ja), en, code)


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _audit(system: CoreSystem, action: str, actor: StaffUser | Actor | None, after: dict[str, Any]) -> None:
    record_audit(
        actor=actor,
        municipality=system.municipality_id,
        action=f"casework.core_system_{action}",
        target_type="core_system",
        target_id=system.client_id,
        after=after,
    )


def _clean_procedures(procedures: list[str]) -> list[str]:
    codes = sorted({code.strip() for code in procedures if code.strip()})
    if not codes:
        raise _rule(
            "procedures",
            "取得できる手続を1つ以上指定してください。",
            "Give at least one procedure code.",
            "required",
        )
    known = get_catalogue().procedures
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise _rule(
            "procedures",
            "手続コードが手続一覧にありません。",
            f"Unknown procedure code(s): {', '.join(unknown)}.",
            "unknown_procedure",
        )
    return codes


def register_core_system(
    *,
    municipality_code: str,
    name: str,
    procedures: list[str],
    actor: StaffUser | Actor | None = None,
    now: dt.datetime | None = None,
) -> IssuedCredential:
    """Register a core system of a municipality with the procedures it may pull; returns its first credential."""
    at = _now(now)
    clean_name = " ".join(name.split())
    if not clean_name or len(clean_name) > _NAME_MAX:
        raise _rule(
            "name",
            "システム名を100文字以内で入力してください。",
            f"The name must be 1 to {_NAME_MAX} characters.",
        )
    codes = _clean_procedures(procedures)
    municipality = Municipality.objects.filter(code=municipality_code).first()
    if municipality is None:
        raise _rule(
            "municipality",
            "その地方公共団体コードの自治体はありません。",
            f"No municipality has the code '{municipality_code}'.",
            "unknown_municipality",
        )
    with transaction.atomic():
        if CoreSystem.objects.filter(municipality=municipality, name=clean_name).exists():
            raise _rule(
                "name",
                "同じ名前の基幹システムがすでに登録されています。",
                f"A core system named '{clean_name}' is already registered in {municipality.code}.",
                "duplicate",
            )
        client_id = "cs_" + secrets.token_hex(12)
        secret = secrets.token_urlsafe(32)
        account = StaffUser(
            username=f"core-system-{client_id}",
            municipality=municipality,
            role=Role.AUDITOR,
            last_name=clean_name[:150],
            is_active=False,  # never logs in; it only names the reader in the access log
        )
        account.set_unusable_password()
        account.save()
        system = CoreSystem.objects.create(
            municipality=municipality,
            client_id=client_id,
            name=clean_name,
            procedures=codes,
            secret_encrypted=_encrypt(secret),
            secret_hint=secret[-4:],
            credential_issued_at=at,
            service_account=account,
            created_at=at,
            updated_at=at,
        )
        _audit(system, "register", actor, {"name": clean_name, "procedures": codes})
    return IssuedCredential(system, secret)


def _system_for_update(client_id: str) -> CoreSystem:
    system = CoreSystem.objects.select_for_update().filter(client_id=client_id).first()
    if system is None:
        raise _rule(
            "client_id",
            "そのクライアントIDの基幹システムはありません。",
            f"No core system has the client id '{client_id}'.",
            "not_found",
        )
    return system


def rotate_credential(
    *, client_id: str, actor: StaffUser | Actor | None = None, now: dt.datetime | None = None
) -> IssuedCredential:
    """Issue a new key (the old one stops working at once); also re-enables a revoked system."""
    at = _now(now)
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        system = _system_for_update(client_id)
        was_revoked = system.is_revoked
        system.secret_encrypted = _encrypt(secret)
        system.secret_hint = secret[-4:]
        system.credential_issued_at = at
        system.revoked_at = None
        system.updated_at = at
        system.save()
        _audit(system, "rotate", actor, {"hint": system.secret_hint, "was_revoked": was_revoked})
    return IssuedCredential(system, secret)


def revoke_credential(
    *, client_id: str, actor: StaffUser | Actor | None = None, now: dt.datetime | None = None
) -> CoreSystem:
    """Revoke the system's key: every request fails with 401 until a new key is issued (rotate)."""
    at = _now(now)
    with transaction.atomic():
        system = _system_for_update(client_id)
        if system.is_revoked:
            raise _rule(
                "client_id",
                "この基幹システムの署名鍵はすでに失効しています。",
                f"The credential of '{client_id}' is already revoked.",
                "already_revoked",
            )
        system.revoked_at = at
        system.updated_at = at
        system.save()
        _audit(system, "revoke", actor, {"revoked_at": at.isoformat()})
    return system


def set_procedures(
    *,
    client_id: str,
    procedures: list[str],
    actor: StaffUser | Actor | None = None,
    now: dt.datetime | None = None,
) -> CoreSystem:
    """Replace the procedures a system may pull."""
    at = _now(now)
    codes = _clean_procedures(procedures)
    with transaction.atomic():
        system = _system_for_update(client_id)
        before = list(system.procedures)
        system.procedures = codes
        system.updated_at = at
        system.save()
        record_audit(
            actor=actor,
            municipality=system.municipality_id,
            action="casework.core_system_procedures",
            target_type="core_system",
            target_id=system.client_id,
            before={"procedures": before},
            after={"procedures": codes},
        )
    return system


# ---------------------------------------------------------------------------------------------------------------
# Signed requests


class CoreSystemAuthError(signed_requests.SignedRequestError):
    """The request does not carry a valid, fresh, unused signature of a registered, unrevoked system."""


canonical_query = signed_requests.canonical_query


def string_to_sign(
    *, method: str, path: str, query_string: str, timestamp: str, nonce: str, client_id: str
) -> bytes:
    """What a request's signature covers, one item a line (core.signed_requests, no body line)."""
    return signed_requests.string_to_sign(
        scheme=SCHEME,
        method=method,
        path=path,
        query_string=query_string,
        timestamp=timestamp,
        nonce=nonce,
        client_id=client_id,
    )


def sign_request(
    *, secret: str, method: str, path: str, query_string: str, timestamp: str, nonce: str, client_id: str
) -> str:
    """The hex HMAC-SHA-256 a core system sends in X-Madoguchi-Signature (used by clients and tests)."""
    return signed_requests.sign(
        scheme=SCHEME,
        secret=secret,
        method=method,
        path=path,
        query_string=query_string,
        timestamp=timestamp,
        nonce=nonce,
        client_id=client_id,
    )


def verify_signed_request(
    *,
    client_id: str,
    timestamp: str,
    nonce: str,
    signature: str,
    method: str,
    path: str,
    query_string: str,
    now: dt.datetime | None = None,
) -> CoreSystem:
    """The registered system that signed this request, or CoreSystemAuthError. Records the nonce (one use)."""
    at = _now(now)
    found: dict[str, CoreSystem] = {}

    def key_for(cid: str) -> str | None:
        system = CoreSystem.objects.select_related("service_account").filter(client_id=cid).first()
        if system is None:
            return None
        found["system"] = system
        return _decrypt(system.secret_encrypted)

    def remember_nonce(value: str) -> bool:
        system = found["system"]
        if system.is_revoked:
            raise CoreSystemAuthError("The credential of this core system has been revoked.")
        try:
            with transaction.atomic():
                CoreSystemNonce.objects.create(system=system, nonce=value, seen_at=at)
        except IntegrityError:
            return False
        return True

    try:
        signed_requests.verify(
            scheme=SCHEME,
            client_id=client_id,
            timestamp=timestamp,
            nonce=nonce,
            signature=signature,
            method=method,
            path=path,
            query_string=query_string,
            at=at,
            key_for=key_for,
            remember_nonce=remember_nonce,
        )
    except CoreSystemAuthError:
        raise
    except signed_requests.SignedRequestError as exc:
        raise CoreSystemAuthError(exc.detail, missing=exc.missing) from None
    system = found["system"]
    CoreSystemNonce.objects.filter(system=system, seen_at__lt=signed_requests.nonce_horizon(at)).delete()
    return system


# ---------------------------------------------------------------------------------------------------------------
# The decided-case feed (written in the decision's transaction)


def publish_decided_case(case: Case, *, at: dt.datetime) -> DecidedCaseFeedEntry:
    """Append a decided case to its municipality's feed (idempotent: a case is in the feed once).

    Must run inside the decision's transaction: the head row stays locked until it commits, so the numbers of
    concurrent decisions become visible in the order they were given.
    """
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        raise RuntimeError("publish_decided_case must run inside the decision's transaction")
    existing = DecidedCaseFeedEntry.objects.filter(case=case).first()
    if existing is not None:
        return existing
    DecidedCaseFeedHead.objects.get_or_create(municipality_id=case.municipality_id)
    head = DecidedCaseFeedHead.objects.select_for_update().get(municipality_id=case.municipality_id)
    head.last_sequence += 1
    head.save(update_fields=["last_sequence"])
    return DecidedCaseFeedEntry.objects.create(
        municipality_id=case.municipality_id,
        sequence=head.last_sequence,
        case=case,
        procedure_code=case.procedure_code,
        receipt_number=case.receipt_number,
        published_at=at,
    )


# ---------------------------------------------------------------------------------------------------------------
# Reading the feed


class FeedQueryError(ValueError):
    """A bad query parameter (400), naming it."""

    def __init__(self, parameter: str, detail: str) -> None:
        self.parameter = parameter
        self.detail = detail
        super().__init__(f"{parameter}: {detail}")


class ProcedureNotAllowed(Exception):
    """The system may not pull this procedure (403)."""

    def __init__(self, procedure_code: str) -> None:
        self.procedure_code = procedure_code
        super().__init__(f"This core system is not allowed to pull procedure '{procedure_code}'.")


_CURSOR_PREFIX = "dc1"


def encode_cursor(procedure_code: str, sequence: int) -> str:
    """An opaque cursor: the feed position, bound to the procedure it was issued for."""
    raw = f"{_CURSOR_PREFIX}|{procedure_code}|{sequence}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str, procedure_code: str) -> int:
    """The position a cursor stands for; FeedQueryError('cursor', …) when it is malformed or for another
    procedure."""
    if not token:
        return 0
    if len(token) > 200 or not re.fullmatch(r"[A-Za-z0-9_-]+", token):
        raise FeedQueryError("cursor", "Malformed cursor; use a next_cursor value as returned.")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise FeedQueryError("cursor", "Malformed cursor; use a next_cursor value as returned.") from None
    parts = raw.split("|")
    if len(parts) != 3 or parts[0] != _CURSOR_PREFIX or not parts[2].isdigit():
        raise FeedQueryError("cursor", "Malformed cursor; use a next_cursor value as returned.")
    if parts[1] != procedure_code:
        raise FeedQueryError(
            "cursor", f"The cursor was issued for procedure '{parts[1]}', not '{procedure_code}'."
        )
    return int(parts[2])


def parse_limit(value: str | None) -> int:
    if value is None or value == "":
        return DEFAULT_LIMIT
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= MAX_LIMIT:
        raise FeedQueryError("limit", f"Must be a whole number from 1 to {MAX_LIMIT}.")
    return int(value)


@dataclass(frozen=True)
class DecidedCasesPage:
    items: list[dict[str, Any]]
    next_cursor: str
    has_more: bool


def _residents_of(cases: list[Case]) -> dict[int, tuple[int | None, str]]:
    """case pk → (resident pk, how found): by the signing certificate serial (with succession links), or, for a
    counter application, the resident the clerk picked from the registry."""
    from madoguchi.identity.selectors import resolve_resident_by_serial

    found: dict[int, tuple[int | None, str]] = {}
    assisted = {c.receipt_number: c for c in cases if c.is_assisted and not c.applicant_sign_serial}
    if assisted:
        sessions = CounterSession.objects.filter(
            municipality_id=cases[0].municipality_id, receipt_number__in=list(assisted)
        ).values_list("receipt_number", "resident_id")
        for receipt_number, resident_id in sessions:
            found[assisted[receipt_number].pk] = (resident_id, "counter")
    for case in cases:
        if case.pk in found or not case.applicant_sign_serial:
            continue
        resident = resolve_resident_by_serial(
            case.applicant_sign_serial, "sign", municipality=case.municipality_id
        )
        found[case.pk] = (resident.pk, "sign_certificate_serial") if resident is not None else (None, "")
    return found


def _decision_reasons(cases: list[Case]) -> dict[int, str]:
    """The reason of the proposal that was approved (the last proposal of each case)."""
    from .models import ApprovalStep

    reasons: dict[int, tuple[int, str]] = {}
    steps = ApprovalStep.objects.filter(
        case__in=cases, step_index=0, kind=ApprovalStepKind.PROPOSED
    ).values_list("case_id", "proposal_number", "reason")
    for case_id, number, reason in steps:
        if case_id not in reasons or number > reasons[case_id][0]:
            reasons[case_id] = (number, reason)
    return {case_id: reason for case_id, (_, reason) in reasons.items()}


def _item(
    entry: DecidedCaseFeedEntry,
    case: Case,
    resident: tuple[int | None, str],
    record_codes: dict[int, str],
    reason: str,
) -> dict[str, Any]:
    notice = getattr(case, "notice", None)
    resident_id, identified_by = resident
    decided_at = timezone.localtime(case.decided_at) if case.decided_at else None
    return {
        "cursor": encode_cursor(entry.procedure_code, entry.sequence),
        "receipt_number": case.receipt_number,
        "procedure_code": case.procedure_code,
        "form_version": case.form_version,
        "procedure_name": case.procedure_name,
        "status": case.status,
        "received_at": timezone.localtime(case.received_at).isoformat(),
        "accepted_on": case.accepted_on.isoformat() if case.accepted_on else None,
        "is_assisted": case.is_assisted,
        "applicant": {
            "name": case.applicant_name,
            "resident_id": resident_id,
            "resident_record_code": record_codes.get(resident_id) if resident_id else None,
            "sign_certificate_serial": case.applicant_sign_serial or None,
            "identified_by": identified_by or None,
        },
        "decision": {
            "outcome": case.decision_outcome,
            "decided_at": decided_at.isoformat() if decided_at else None,
            "decided_on": decided_at.date().isoformat() if decided_at else None,
            "reason": reason,
        },
        "notice": (
            {
                "document_id": notice.document.public_id,
                "outcome": notice.outcome,
                "issued_at": timezone.localtime(notice.issued_at).isoformat(),
            }
            if notice is not None
            else None
        ),
        "answers": case.answers,
        "attachments": [
            {
                "code": a.get("code", ""),
                "filename": a.get("filename", ""),
                "mime_type": a.get("mime_type", ""),
                "size_bytes": a.get("size_bytes", 0),
                "sha256": a.get("sha256", ""),
            }
            for a in case.attachments
        ],
    }


def decided_cases_since(
    *, system: CoreSystem, procedure_code: str, cursor: str = "", limit: int = DEFAULT_LIMIT
) -> DecidedCasesPage:
    """The next decided cases of one procedure after `cursor`, for a core system allowed that procedure.

    Only the system's own municipality. Every case returned (and the resident it names) is written to the access
    log with the purpose 基幹システム連携, the system's account as the reader.
    """
    if not procedure_code:
        raise FeedQueryError("procedure", "Required: the procedure code to pull.")
    if procedure_code not in system.procedures:
        raise ProcedureNotAllowed(procedure_code)
    after = decode_cursor(cursor, procedure_code)
    if not 1 <= limit <= MAX_LIMIT:
        raise FeedQueryError("limit", f"Must be a whole number from 1 to {MAX_LIMIT}.")
    rows = list(
        DecidedCaseFeedEntry.objects.filter(
            municipality_id=system.municipality_id,
            procedure_code=procedure_code,
            sequence__gt=after,
            case__isnull=False,
        )
        .select_related("case", "case__notice", "case__notice__document")
        .order_by("sequence")[: limit + 1]
    )
    has_more = len(rows) > limit
    rows = rows[:limit]
    cases = [row.case for row in rows if row.case is not None]
    residents = _residents_of(cases) if cases else {}
    resident_ids = {pk for pk, _ in residents.values() if pk is not None}
    record_codes: dict[int, str] = {}
    if resident_ids:
        from madoguchi.registry.models import Resident

        record_codes = dict(
            Resident.objects.filter(municipality_id=system.municipality_id, pk__in=resident_ids).values_list(
                "pk", "resident_record_code"
            )
        )
    reasons = _decision_reasons(cases) if cases else {}
    items = [
        _item(
            row, row.case, residents.get(row.case.pk, (None, "")), record_codes, reasons.get(row.case.pk, "")
        )
        for row in rows
        if row.case is not None
    ]
    _log_reads(system, cases, residents, record_codes)
    next_cursor = items[-1]["cursor"] if items else encode_cursor(procedure_code, after)
    return DecidedCasesPage(items=items, next_cursor=next_cursor, has_more=has_more)


def _log_reads(
    system: CoreSystem,
    cases: list[Case],
    residents: dict[int, tuple[int | None, str]],
    record_codes: dict[int, str],
) -> None:
    request_id = current_request_id()
    entries = [
        AccessLogEntry(
            municipality_id=system.municipality_id,
            actor=system.service_account,
            subject_type="case",
            subject_id=case.receipt_number,
            action="core_system_pull",
            purpose=PURPOSE,
            request_id=request_id,
        )
        for case in cases
    ]
    seen: set[int] = set()
    for case in cases:
        resident_id = residents.get(case.pk, (None, ""))[0]
        if resident_id is None or resident_id not in record_codes or resident_id in seen:
            continue
        seen.add(resident_id)
        entries.append(
            AccessLogEntry(
                municipality_id=system.municipality_id,
                actor=system.service_account,
                subject_type="resident",
                subject_id=str(resident_id),
                action="core_system_pull",
                purpose=PURPOSE,
                request_id=request_id,
            )
        )
    if entries:
        AccessLogEntry.objects.bulk_create(entries)
