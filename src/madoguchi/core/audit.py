"""The audit log: append (inside the caller's transaction) and verify the per-municipality hash chain."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .context import current_request_id
from .models import AuditChainHead, AuditEntry, Municipality, StaffUser

GENESIS_HASH = "0" * 64


def _canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(
        payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
    ).encode()


def _chain_key() -> bytes:
    key = getattr(settings, "MADOGUCHI_AUDIT_KEY", "") or settings.SECRET_KEY
    return hashlib.sha256(b"madoguchi-audit-chain:" + key.encode()).digest()


def compute_hash(payload: dict[str, Any]) -> str:
    """HMAC-SHA-256 over the canonical JSON of an entry's chained fields.

    Keyed, so that someone with write access to the database but not to the application's key cannot rewrite a
    row and recompute the rest of the chain.
    """
    return hmac.new(_chain_key(), _canonical(payload), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Actor:
    """Who did something: a staff member, a resident (portal) or the system (a command or job)."""

    id: str
    display: str

    @classmethod
    def of(cls, actor: StaffUser | Actor | None) -> Actor:
        if actor is None:
            return SYSTEM
        if isinstance(actor, Actor):
            return actor
        return cls(id=f"staff:{actor.pk}", display=actor.display_name)


SYSTEM = Actor(id="system", display="システム")


def record_audit(
    *,
    actor: StaffUser | Actor | None,
    municipality: Municipality | str,
    action: str,
    target_type: str,
    target_id: str | int,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one audit row to the municipality's chain. Must run inside the service's transaction."""
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        raise RuntimeError(
            "record_audit must be called inside transaction.atomic() with the change it records"
        )
    who = Actor.of(actor)
    code = municipality if isinstance(municipality, str) else municipality.code
    head = AuditChainHead.objects.select_for_update().filter(municipality_id=code).first()
    if head is None:  # the municipality's first audited change: start its chain
        AuditChainHead.objects.get_or_create(municipality_id=code)
        head = AuditChainHead.objects.select_for_update().get(municipality_id=code)
    entry = AuditEntry(
        municipality_id=code,
        sequence=head.last_sequence + 1,
        at=timezone.now(),
        actor_id=who.id,
        actor_display=who.display,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        before=json.loads(_canonical(before)) if before is not None else None,
        after=json.loads(_canonical(after)) if after is not None else None,
        request_id=current_request_id(),
        previous_hash=head.last_hash,
    )
    entry.entry_hash = compute_hash(entry.chain_payload())
    entry.save(force_insert=True)
    head.last_sequence = entry.sequence
    head.last_hash = entry.entry_hash
    head.save(update_fields=["last_sequence", "last_hash"])
    return entry


@dataclass(frozen=True)
class ChainBreak:
    """One place where a municipality's audit chain does not verify."""

    municipality: str
    sequence: int
    kind: str  # modified | deleted | reordered | truncated
    detail: str


def verify_chain(municipality_code: str) -> tuple[int, list[ChainBreak]]:
    """Walk one municipality's chain in sequence order; return the rows checked and every break found.

    The hash covers a row's content and the previous row's hash, not its sequence number, so the kind of break can
    be told apart: a row whose content no longer matches its hash was *modified*; a gap in the sequence, or a link
    to a hash no row has, means rows were *deleted*; a link to another existing row means rows were *reordered*.
    """
    breaks: list[ChainBreak] = []
    expected_previous = GENESIS_HASH
    expected_sequence = 1
    checked = 0
    entries = AuditEntry.objects.filter(municipality_id=municipality_code)
    for row in entries.order_by("sequence").iterator(2000):
        checked += 1
        if row.sequence != expected_sequence:
            last_missing = row.sequence - 1
            span = (
                str(expected_sequence)
                if last_missing == expected_sequence
                else f"{expected_sequence}–{last_missing}"
            )
            breaks.append(
                ChainBreak(municipality_code, expected_sequence, "deleted", f"row(s) {span} missing")
            )
        elif compute_hash(row.chain_payload()) != row.entry_hash:
            breaks.append(
                ChainBreak(municipality_code, row.sequence, "modified", "content does not match its hash")
            )
        elif row.previous_hash != expected_previous:
            moved = entries.filter(entry_hash=row.previous_hash).exclude(pk=row.pk).values("sequence").first()
            if moved is not None or row.previous_hash == GENESIS_HASH:
                after = "the start of the chain" if moved is None else f"row {moved['sequence']}"
                breaks.append(
                    ChainBreak(
                        municipality_code,
                        row.sequence,
                        "reordered",
                        f"row is out of order (it belongs after {after})",
                    )
                )
            else:
                breaks.append(
                    ChainBreak(
                        municipality_code,
                        row.sequence,
                        "deleted",
                        "the row it links to is gone (deleted and renumbered)",
                    )
                )
        expected_previous = row.entry_hash
        expected_sequence = row.sequence + 1
    head = AuditChainHead.objects.filter(municipality_id=municipality_code).first()
    if head is not None and head.last_sequence >= expected_sequence:
        breaks.append(
            ChainBreak(
                municipality_code,
                expected_sequence,
                "deleted",
                f"row(s) {expected_sequence}–{head.last_sequence} missing at the end of the chain",
            )
        )
    elif head is not None and checked and head.last_hash != expected_previous:
        breaks.append(
            ChainBreak(
                municipality_code, head.last_sequence, "modified", "last row does not match the chain head"
            )
        )
    return checked, breaks
