"""Authorization and access logging shared by every app's selectors and services."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet

from .context import current_request_id
from .errors import ActionNotPermitted
from .models import AccessLogEntry, AccessPurpose, StaffUser

M = TypeVar("M", bound=Model)


def require(actor: StaffUser, action: str) -> None:
    """Raise ActionNotPermitted unless the actor's role allows `action` in their municipality."""
    if not actor.can(action):
        raise ActionNotPermitted(action)


def scoped(queryset: QuerySet[M], actor: StaffUser) -> QuerySet[M]:
    """Restrict a tenant-owned queryset to the actor's municipality (the first wall of tenant isolation)."""
    if actor.municipality_id is None:
        return queryset.none()
    return queryset.filter(municipality_id=actor.municipality_id)


def validate_purpose(purpose: str) -> str:
    """A read of personal data must state a known purpose (利用目的)."""
    if purpose not in AccessPurpose.values:
        raise ValueError(f"Unknown access purpose {purpose!r}")
    return purpose


def log_access(
    *, actor: StaffUser, subject_type: str, subject_id: str | int, purpose: str, action: str = "view"
) -> AccessLogEntry:
    """Record who read whose data, when and why. Called by `access_*` selectors only."""
    assert actor.municipality_id is not None
    return AccessLogEntry.objects.create(
        municipality_id=actor.municipality_id,
        actor=actor,
        subject_type=subject_type,
        subject_id=str(subject_id),
        action=action,
        purpose=validate_purpose(purpose),
        request_id=current_request_id(),
    )
