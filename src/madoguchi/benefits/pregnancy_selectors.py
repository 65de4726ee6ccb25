"""妊娠の届出 reads for the office: the list (scoped) and one record with handbooks and requests (access-logged)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from madoguchi.benefits.models_pregnancy import MaternalHandbook, PregnancyRecord, PregnancySupportRequest
from madoguchi.core.access import log_access, require, scoped
from madoguchi.core.errors import NotFoundInMunicipality
from madoguchi.core.models import StaffUser
from madoguchi.core.roles import Action


def list_pregnancies(*, actor: StaffUser) -> QuerySet[PregnancyRecord]:
    """The municipality's pregnancy records, newest first (list only: no single record is opened)."""
    require(actor, Action.SEARCH_RESIDENTS)
    return scoped(PregnancyRecord.objects.select_related("resident"), actor).order_by("-notified_on", "-id")


@dataclass(frozen=True)
class PregnancyView:
    record: PregnancyRecord
    handbooks: tuple[MaternalHandbook, ...]
    requests: tuple[PregnancySupportRequest, ...]


def access_pregnancy(*, actor: StaffUser, pregnancy_id: int, purpose: str) -> PregnancyView:
    """One pregnancy record with its handbooks and 支援給付 requests; the read is logged with its purpose."""
    require(actor, Action.VIEW_RESIDENT)
    record = scoped(PregnancyRecord.objects.select_related("resident"), actor).filter(pk=pregnancy_id).first()
    if record is None:
        raise NotFoundInMunicipality("pregnancy record")
    log_access(actor=actor, subject_type="resident", subject_id=record.resident_id, purpose=purpose)
    return PregnancyView(
        record,
        tuple(record.handbooks.select_related("issued_by").order_by("handbook_number")),
        tuple(record.support_requests.select_related("approved_by").order_by("payment")),
    )
