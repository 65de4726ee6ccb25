"""保育 reads for the office: certifications and placement applications (scoped; one application is access-logged)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from madoguchi.benefits.childcare_services import TRANSITIONS
from madoguchi.benefits.models_childcare import (
    ChildcareCertification,
    ChildcareFacility,
    PlacementApplication,
    PlacementPreference,
    PlacementStatus,
)
from madoguchi.core.access import log_access, require, scoped
from madoguchi.core.errors import NotFoundInMunicipality
from madoguchi.core.models import StaffUser
from madoguchi.core.roles import Action


def list_childcare_certifications(*, actor: StaffUser) -> QuerySet[ChildcareCertification]:
    """The municipality's 支給認定, newest number first (list only: no single record is opened)."""
    require(actor, Action.SEARCH_RESIDENTS)
    return scoped(ChildcareCertification.objects.select_related("applicant"), actor).order_by(
        "-certificate_number"
    )


def list_facilities(*, actor: StaffUser) -> QuerySet[ChildcareFacility]:
    require(actor, Action.VIEW_MUNICIPALITY)
    return scoped(ChildcareFacility.objects.all(), actor).order_by("code")


def list_placement_applications(
    *, actor: StaffUser, status: str | None = None
) -> QuerySet[PlacementApplication]:
    """The municipality's 利用申込 (optionally one status), newest first."""
    require(actor, Action.SEARCH_RESIDENTS)
    queryset = scoped(PlacementApplication.objects.select_related("applicant", "assigned_facility"), actor)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-received_on", "-id")


@dataclass(frozen=True)
class PlacementView:
    application: PlacementApplication
    preferences: tuple[PlacementPreference, ...]
    next_statuses: frozenset[str]

    @property
    def can_record_outcome(self) -> bool:
        return PlacementStatus.OFFERED in self.next_statuses or PlacementStatus.WAITING in self.next_statuses


def access_placement_application(*, actor: StaffUser, application_id: int, purpose: str) -> PlacementView:
    """One 利用申込 with its ranked preferences and the statuses it may move to; the read is logged."""
    require(actor, Action.VIEW_RESIDENT)
    application = (
        scoped(PlacementApplication.objects.select_related("applicant", "assigned_facility"), actor)
        .filter(pk=application_id)
        .first()
    )
    if application is None:
        raise NotFoundInMunicipality("placement application")
    log_access(actor=actor, subject_type="resident", subject_id=application.applicant_id, purpose=purpose)
    preferences = tuple(application.preferences.select_related("facility").order_by("rank"))
    return PlacementView(application, preferences, TRANSITIONS[application.status])
