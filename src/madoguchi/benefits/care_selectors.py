"""介護保険 reads for the office: the 要介護認定 in progress, one certification, and one insured person's care page.

Reads of one person's records go through `core.access` with a purpose and are access-logged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from madoguchi.benefits.models import CareInsuranceQualification
from madoguchi.benefits.models_care import (
    CareCertificateReissue,
    CareCopayShare,
    CareNeedsCertification,
    CarePlanFiling,
    CareReimbursement,
    CertificationState,
    ReimbursementKind,
)
from madoguchi.benefits.rules.care_insurance import equipment_fiscal_year, reimbursement_parameters_for
from madoguchi.core.access import log_access, require, scoped
from madoguchi.core.errors import NotFoundInMunicipality
from madoguchi.core.models import StaffUser
from madoguchi.core.roles import Action
from madoguchi.registry.models import Resident


def list_care_certifications(*, actor: StaffUser, open_only: bool = True) -> list[CareNeedsCertification]:
    """要介護認定 in progress (earliest due first), or all of them newest first; no single person is read."""
    require(actor, Action.REVIEW_CASE)
    rows = scoped(CareNeedsCertification.objects.select_related("resident"), actor)
    if open_only:
        return list(rows.exclude(state=CertificationState.DECIDED).order_by("decision_due_on", "pk"))
    return list(rows.order_by("-applied_on", "-pk"))


def access_care_certification(
    *, actor: StaffUser, certification_id: int, purpose: str
) -> CareNeedsCertification:
    """One certification with its insured person, for a stated purpose; logs the read."""
    require(actor, Action.REVIEW_CASE)
    cert = (
        scoped(CareNeedsCertification.objects.select_related("resident"), actor)
        .filter(pk=certification_id)
        .first()
    )
    if cert is None:
        raise NotFoundInMunicipality("care_certification")
    log_access(
        actor=actor,
        subject_type="resident",
        subject_id=cert.resident_id,
        purpose=purpose,
        action="view_care_certification",
    )
    return cert


@dataclass(frozen=True)
class InsuredPersonCare:
    resident: Resident
    qualifications: list[CareInsuranceQualification]
    certifications: list[CareNeedsCertification]
    current: CareNeedsCertification | None  # the latest decided certification
    copay_shares: list[CareCopayShare]
    reimbursements: list[CareReimbursement]
    fiscal_year: int  # the fiscal year of `today`
    equipment_used_yen: int  # 特定福祉用具購入: cost counted against this fiscal year's limit
    equipment_limit_yen: int
    renovation_used_yen: int  # 住宅改修: cost counted since the last reset
    renovation_limit_yen: int
    care_plan_filings: list[CarePlanFiling]  # newest start first: the first is the provider in charge
    reissues: list[CareCertificateReissue]


def access_insured_person_care(
    *, actor: StaffUser, resident_id: int, purpose: str, today: dt.date
) -> InsuredPersonCare:
    """One insured person's 介護保険 page: qualification periods and certifications; logs the read."""
    require(actor, Action.VIEW_RESIDENT)
    resident = scoped(Resident.objects.all(), actor).filter(pk=resident_id).first()
    if resident is None:
        raise NotFoundInMunicipality("resident")
    qualifications = list(
        scoped(CareInsuranceQualification.objects.all(), actor)
        .filter(resident_id=resident_id)
        .order_by("-acquired_on", "-pk")
    )
    certifications = list(
        scoped(CareNeedsCertification.objects.all(), actor)
        .filter(resident_id=resident_id)
        .order_by("-applied_on", "-pk")
    )
    decided = [c for c in certifications if c.state == CertificationState.DECIDED]
    current = max(decided, key=lambda c: (c.decided_on, c.pk)) if decided else None
    shares = list(
        scoped(CareCopayShare.objects.all(), actor).filter(resident_id=resident_id).order_by("-valid_from")
    )
    reimbursements = list(
        scoped(CareReimbursement.objects.all(), actor)
        .filter(resident_id=resident_id)
        .order_by("-event_on", "-pk")
    )
    year = equipment_fiscal_year(today)
    equipment_used = sum(
        r.counted_cost_yen
        for r in reimbursements
        if r.kind == ReimbursementKind.EQUIPMENT and r.fiscal_year == year
    )
    renovations = sorted(
        (r for r in reimbursements if r.kind == ReimbursementKind.RENOVATION),
        key=lambda r: (r.event_on, r.pk),
    )
    start = max((i for i, r in enumerate(renovations) if r.limit_reset), default=0)
    params = reimbursement_parameters_for(today)
    log_access(
        actor=actor,
        subject_type="resident",
        subject_id=resident_id,
        purpose=purpose,
        action="view_care_insured_person",
    )
    return InsuredPersonCare(
        resident,
        qualifications,
        certifications,
        current,
        shares,
        reimbursements,
        year,
        equipment_used,
        params.equipment_annual_limit_yen,
        sum(r.counted_cost_yen for r in renovations[start:]),
        params.renovation_limit_yen,
        list(
            scoped(CarePlanFiling.objects.all(), actor)
            .filter(resident_id=resident_id)
            .order_by("-starts_on", "-pk")
        ),
        list(
            scoped(CareCertificateReissue.objects.all(), actor)
            .filter(resident_id=resident_id)
            .order_by("-reissued_on", "-pk")
        ),
    )
