"""Reads for 負担限度額認定 / 高額介護サービス費: the facts entered and the results, per insured person."""

from __future__ import annotations

from dataclasses import dataclass

from madoguchi.benefits.models_care_cost import (
    CareCostCeilingCertification,
    CareCostFacts,
    HighCostCareBenefit,
)
from madoguchi.core.access import log_access, require, scoped
from madoguchi.core.errors import NotFoundInMunicipality
from madoguchi.core.models import StaffUser
from madoguchi.core.roles import Action
from madoguchi.registry.models import Resident


@dataclass(frozen=True)
class CareCostRecords:
    resident: Resident
    facts: list[CareCostFacts]
    cost_ceilings: list[CareCostCeilingCertification]
    high_cost_benefits: list[HighCostCareBenefit]


def care_cost_records(*, actor: StaffUser, resident_id: int, purpose: str, action: str) -> CareCostRecords:
    """One insured person's entered facts, 負担限度額認定 and 高額介護サービス費; logs the read."""
    require(actor, Action.VIEW_RESIDENT)
    resident = scoped(Resident.objects.all(), actor).filter(pk=resident_id).first()
    if resident is None:
        raise NotFoundInMunicipality("resident")
    records = CareCostRecords(
        resident,
        list(
            scoped(CareCostFacts.objects.select_related("entered_by"), actor)
            .filter(resident_id=resident_id)
            .order_by("-entered_at", "-pk")
        ),
        list(
            scoped(CareCostCeilingCertification.objects.all(), actor)
            .filter(resident_id=resident_id)
            .order_by("-valid_from", "-pk")
        ),
        list(
            scoped(HighCostCareBenefit.objects.all(), actor)
            .filter(resident_id=resident_id)
            .order_by("-service_month", "-pk")
        ),
    )
    log_access(actor=actor, subject_type="resident", subject_id=resident_id, purpose=purpose, action=action)
    return records


def access_cost_facts(*, actor: StaffUser, resident_id: int, purpose: str) -> CareCostRecords:
    """The records behind the facts form: only for staff who review applications; logs the read."""
    require(actor, Action.REVIEW_CASE)
    return care_cost_records(
        actor=actor, resident_id=resident_id, purpose=purpose, action="view_care_cost_facts"
    )
