"""Reads of core data: municipalities (public reference data) and the audit/access logs (auditors only)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from .access import require, scoped
from .models import AccessLogEntry, AuditEntry, Municipality, StaffUser
from .roles import Action


def get_municipality(code: str) -> Municipality | None:
    """A municipality by its 6-digit code, or None. Public reference data: anyone may call."""
    return Municipality.objects.filter(code=code).first()


def list_audit_entries(
    *,
    actor: StaffUser,
    text: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[AuditEntry]:
    """Search the actor's municipality's audit log (auditors only)."""
    require(actor, Action.VIEW_AUDIT_LOG)
    qs = scoped(AuditEntry.objects.all(), actor).order_by("-sequence")
    if text:
        qs = qs.filter(
            Q(action__icontains=text)
            | Q(actor_display__icontains=text)
            | Q(target_type__icontains=text)
            | Q(target_id=text)
            | Q(request_id=text)
        )
    if since:
        qs = qs.filter(at__date__gte=since)
    if until:
        qs = qs.filter(at__date__lte=until)
    return qs


def list_access_entries(
    *,
    actor: StaffUser,
    text: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[AccessLogEntry]:
    """Search the actor's municipality's access log (auditors only)."""
    require(actor, Action.VIEW_ACCESS_LOG)
    qs = scoped(AccessLogEntry.objects.select_related("actor"), actor)
    if text:
        qs = qs.filter(
            Q(actor__username__icontains=text)
            | Q(actor__last_name__icontains=text)
            | Q(subject_type__icontains=text)
            | Q(subject_id=text)
            | Q(purpose=text)
        )
    if since:
        qs = qs.filter(at__date__gte=since)
    if until:
        qs = qs.filter(at__date__lte=until)
    return qs
