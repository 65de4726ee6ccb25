"""介護保険 qualification reads: staff reads are scoped and access-logged; the office answers read as a system."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from madoguchi.benefits.models import CareInsuranceQualification
from madoguchi.core.access import log_access, require, scoped
from madoguchi.core.errors import NotFoundInMunicipality
from madoguchi.core.models import StaffUser
from madoguchi.core.roles import Action
from madoguchi.registry.models import Resident


def access_care_qualifications(
    *, actor: StaffUser, resident_id: int, purpose: str
) -> list[CareInsuranceQualification]:
    """Every 介護保険 qualification period of one resident, newest first, for a stated purpose; logs the read."""
    require(actor, Action.VIEW_RESIDENT)
    if not scoped(Resident.objects.all(), actor).filter(pk=resident_id).exists():
        raise NotFoundInMunicipality("resident")
    rows = list(
        scoped(CareInsuranceQualification.objects.all(), actor)
        .filter(resident_id=resident_id)
        .order_by("-acquired_on", "-id")
    )
    log_access(
        actor=actor,
        subject_type="resident",
        subject_id=resident_id,
        purpose=purpose,
        action="view_care_qualification",
    )
    return rows


def get_active_care_qualification(
    *, municipality_code: str, resident_id: int, on: dt.date
) -> CareInsuranceQualification | None:
    """The resident's qualification in force on `on`, if any — for system readers that audit their own answer
    (the office answers channel writes an audit row per answer; there is no staff member to access-log)."""
    return (
        CareInsuranceQualification.objects.filter(
            municipality_id=municipality_code, resident_id=resident_id, acquired_on__lte=on
        )
        .filter(Q(lost_on__isnull=True) | Q(lost_on__gt=on))
        .order_by("-acquired_on", "-id")
        .first()
    )
