"""保育 writes: 教育・保育給付認定 from a granted application, facilities, and 利用申込 with 利用調整 outcomes.

Casework calls the decision handlers at the bottom inside the decision's transaction (casework sits above benefits
in the layers). Categories and age limits come from `rules.childcare`; nothing here knows an age boundary.

The 利用申込 status is kept here (申請中 → 選考中 → 内定 / 保留（待機） → 入所決定 / 辞退) and shown on the office
pages; it is not pushed to the resident's status page (the casework case ends with its own notice when it is
granted; the 利用調整 outcome is a separate, later step that casework does not know about).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from madoguchi.benefits import decisions
from madoguchi.benefits.child_allowance_services import _date, _find_applicant, _violation
from madoguchi.benefits.models_childcare import (
    ChildcareCategory,
    ChildcareCertification,
    ChildcareFacility,
    ChildcareHours,
    PlacementApplication,
    PlacementPreference,
    PlacementStatus,
)
from madoguchi.benefits.numbering import next_yearly_number
from madoguchi.benefits.rules import childcare as rules
from madoguchi.core.access import require
from madoguchi.core.audit import Actor, record_audit
from madoguchi.core.errors import NotFoundInMunicipality
from madoguchi.core.models import StaffUser
from madoguchi.core.roles import Action
from madoguchi.procedures.conditions import get_path
from madoguchi.registry.models import Resident

CERTIFICATION_PROCEDURE = "childcare_eligibility_certification"
PLACEMENT_PROCEDURE = "childcare_placement_application"
# benefits.md §3: the municipality sets the 保育短時間 lower bound within 48–64 hours a month; this one uses 64.
SHORT_TIME_MIN_HOURS = 64
NO_NEED = "none"
# The form's 保育を必要とする事由 → rules.CareNeedReason.
NEED_REASONS: dict[str, rules.CareNeedReason] = {
    "work": rules.CareNeedReason.WORK,
    "pregnancy": rules.CareNeedReason.PREGNANCY_CHILDBIRTH,
    "illness": rules.CareNeedReason.ILLNESS_DISABILITY,
    "care": rules.CareNeedReason.NURSING_CARE,
    "disaster_recovery": rules.CareNeedReason.DISASTER_RECOVERY,
    "job_seeking": rules.CareNeedReason.JOB_SEEKING,
    "study": rules.CareNeedReason.STUDY_TRAINING,
    "abuse_dv": rules.CareNeedReason.ABUSE_DV,
    "parental_leave": rules.CareNeedReason.CHILDCARE_LEAVE_CONTINUATION,
}


# ---------------------------------------------------------------------------------------------------------------
# 支給認定


@dataclass(frozen=True)
class Guardian:
    field: str  # "applicant" | "spouse"
    reason: rules.CareNeedReason | None
    work_hours: float | None


@dataclass(frozen=True)
class ChildDecision:
    position: int
    name: str
    name_kana: str
    birth_date: dt.date
    category: rules.CertificationCategory
    hours: rules.CareHours | None
    valid_until: dt.date


def _guardians(answers: Mapping[str, Any]) -> list[Guardian]:
    out = []
    keys = ["applicant"] + (["spouse"] if get_path(answers, "spouse.exists") is True else [])
    for key in keys:
        raw = str(get_path(answers, f"{key}.need_reason") or "")
        if raw != NO_NEED and raw not in NEED_REASONS:
            raise _violation(
                f"{key}.need_reason",
                "保育を必要とする事由が読み取れません。",
                "Unknown reason for needing childcare.",
                "need_reason",
            )
        hours = get_path(answers, f"{key}.work_hours_per_month")
        try:
            work_hours = float(hours) if hours not in (None, "") else None
        except (TypeError, ValueError):
            work_hours = None
        out.append(Guardian(key, NEED_REASONS.get(raw), work_hours))
    return out


def care_need(answers: Mapping[str, Any]) -> tuple[bool, rules.CareHours | None, str]:
    """(保育の必要性, 保育必要量, 事由) from the household facts: every guardian needs a reason (支援法施行規則 §1の5).

    Hours: work gives 標準/短時間 by `rules.care_hours` from the guardian with the fewest hours (below the bound the
    household has no need); other reasons take the hours applied for; 短時間 applied for is never raised to 標準.
    """
    guardians = _guardians(answers)
    if any(g.reason is None for g in guardians):
        return False, None, ""
    requested = str(get_path(answers, "certification.hours") or "")
    hours = rules.CareHours.SHORT if requested == rules.CareHours.SHORT else rules.CareHours.STANDARD
    for guardian in guardians:
        if guardian.reason is not rules.CareNeedReason.WORK:
            continue
        if guardian.work_hours is None:
            raise _violation(
                f"{guardian.field}.work_hours_per_month",
                "就労時間（月）が読み取れません。",
                "Monthly working hours are missing.",
                "work_hours",
            )
        by_work = rules.care_hours(guardian.work_hours, short_time_min_hours=SHORT_TIME_MIN_HOURS)
        if by_work is None:
            raise _violation(
                f"{guardian.field}.work_hours_per_month",
                f"就労時間が月{SHORT_TIME_MIN_HOURS}時間に満たないため、就労を事由とする保育認定はできません。",
                f"Work of fewer than {SHORT_TIME_MIN_HOURS} hours a month is no reason for childcare.",
                "work_hours_below_minimum",
            )
        if by_work is rules.CareHours.SHORT:
            hours = rules.CareHours.SHORT
    reasons = ",".join(str(g.reason) for g in guardians)
    return True, hours, reasons


def decide_children(answers: Mapping[str, Any], on: dt.date) -> tuple[list[ChildDecision], str]:
    """Each child's category (1号/2号/3号), hours and age-limited validity on `on` (refused if none applies)."""
    wants_care = get_path(answers, "certification.type") == "childcare"
    has_need, hours, reasons = care_need(answers) if wants_care else (False, None, "")
    if wants_care and not has_need:
        raise _violation(
            "applicant.need_reason",
            "保育を必要とする事由がない保護者がいるため、保育認定（2号・3号）はできません。",
            "Every guardian needs a reason for childcare (types 2 and 3).",
            "no_care_need",
        )
    children = [c for c in (get_path(answers, "children") or []) if isinstance(c, Mapping)]
    if not children:
        raise _violation(
            "children", "認定を受ける子どもがいません。", "No child on the application.", "no_child"
        )
    out: list[ChildDecision] = []
    for position, child in enumerate(children, start=1):
        birth = _date(child.get("birth_date"))
        if birth is None or birth > on:
            raise _violation(
                f"children.{position}.birth_date",
                "子どもの生年月日が読み取れません。",
                "A child's date of birth cannot be read.",
                "child_birth_date",
            )
        certified = rules.certify(birth, on, has_need)
        if certified is None:
            raise _violation(
                f"children.{position}.birth_date",
                "この子どもは申請日に支給認定の対象となる年齢ではありません"
                "（満3歳未満の教育標準時間認定や小学校就学後は認定できません）。",
                "The child's age allows no certification on the application date.",
                "no_category",
            )
        out.append(
            ChildDecision(
                position=position,
                name=str(child.get("name") or ""),
                name_kana=str(child.get("name_kana") or ""),
                birth_date=birth,
                category=certified.category,
                hours=None if certified.category is rules.CertificationCategory.TYPE_1 else hours,
                valid_until=certified.valid_until_on,
            )
        )
    return out, reasons


def _next_certificate_number(municipality_code: str, year: int) -> str:
    return next_yearly_number(
        ChildcareCertification,
        "certificate_number",
        municipality_code=municipality_code,
        prefix=f"H{year:04d}",
    )


def _applicant(municipality_code: str, resident_id: int | None, answers: Mapping[str, Any]) -> Resident:
    residents = Resident.objects.filter(municipality_id=municipality_code)
    resident = (
        residents.filter(pk=resident_id).first()
        if resident_id is not None
        else _find_applicant(municipality_code, answers)
    )
    if resident is None:
        raise _violation(
            "applicant",
            "申請者を住民記録で特定できません。住民記録を確認してから決裁してください。",
            "The applicant cannot be identified in the resident registry.",
            "applicant_not_found",
        )
    return resident


def certify_childcare(
    *,
    actor: StaffUser,
    municipality_code: str,
    case_reference: str,
    answers: Mapping[str, Any],
    applied_on: dt.date,
    resident_id: int | None = None,
    now: dt.datetime | None = None,
) -> list[ChildcareCertification]:
    """支給認定: one certification per child of a granted application, valid from the application date."""
    require(actor, Action.DECIDE_CASE)
    if actor.municipality_id != municipality_code:
        raise NotFoundInMunicipality("municipality")
    at = now or timezone.now()
    decided, reasons = decide_children(answers, applied_on)
    with transaction.atomic():
        applicant = _applicant(municipality_code, resident_id, answers)
        if ChildcareCertification.objects.filter(
            municipality_id=municipality_code, case_reference=case_reference
        ).exists():
            raise _violation(
                "case",
                "この申請の支給認定はすでに記録されています。",
                "Already certified.",
                "already_certified",
            )
        rows = []
        for child in decided:
            number = _next_certificate_number(municipality_code, timezone.localdate(at).year)
            rows.append(
                ChildcareCertification.objects.create(
                    municipality_id=municipality_code,
                    applicant=applicant,
                    certificate_number=number,
                    case_reference=case_reference,
                    position=child.position,
                    child_name=child.name,
                    child_name_kana=child.name_kana,
                    child_birth_date=child.birth_date,
                    category=ChildcareCategory(str(child.category)),
                    hours=ChildcareHours(str(child.hours)) if child.hours else "",
                    need_reason=reasons if child.hours else "",
                    valid_from=applied_on,
                    valid_until=child.valid_until,
                    certified_at=at,
                    certified_by=actor,
                )
            )
        record_audit(
            actor=actor,
            municipality=municipality_code,
            action="benefits.certify_childcare",
            target_type="resident",
            target_id=applicant.pk,
            after={
                "case": case_reference,
                "certificates": [
                    {
                        "number": r.certificate_number,
                        "category": r.category,
                        "hours": r.hours,
                        "valid_until": r.valid_until.isoformat(),
                    }
                    for r in rows
                ],
            },
        )
    return rows


# ---------------------------------------------------------------------------------------------------------------
# 施設


@dataclass(frozen=True)
class FacilitySpec:
    code: str
    name: str
    kind: str
    capacity: int


def ensure_facilities(
    *, actor: StaffUser | Actor, municipality_code: str, facilities: Sequence[FacilitySpec]
) -> list[ChildcareFacility]:
    """Create the facilities whose codes the municipality does not have yet (existing ones are left as they are).

    Staff need the procedure-configuration permission in their own municipality; `seed_demo` calls it as a
    system actor.
    """
    if isinstance(actor, StaffUser):
        require(actor, Action.CONFIGURE_PROCEDURES)
        if actor.municipality_id != municipality_code:
            raise NotFoundInMunicipality("municipality")
    created: list[ChildcareFacility] = []
    with transaction.atomic():
        for spec in facilities:
            if not spec.code.strip() or not spec.name.strip():
                raise _violation(
                    "code", "施設コードと施設名を入力してください。", "Code and name are required."
                )
            if spec.capacity < 1:
                raise _violation("capacity", "定員は1以上にしてください。", "Capacity must be at least 1.")
            facility, is_new = ChildcareFacility.objects.get_or_create(
                municipality_id=municipality_code,
                code=spec.code,
                defaults={"name": spec.name, "kind": spec.kind, "capacity": spec.capacity},
            )
            if is_new:
                created.append(facility)
        if created:
            record_audit(
                actor=actor,
                municipality=municipality_code,
                action="benefits.add_childcare_facilities",
                target_type="municipality",
                target_id=municipality_code,
                after={"codes": [f.code for f in created]},
            )
    return created


# ---------------------------------------------------------------------------------------------------------------
# 利用申込 and 利用調整

# Which status may follow which (利用調整の流れ); 保留 can still become 内定 when a place frees up.
TRANSITIONS: dict[str, frozenset[str]] = {
    PlacementStatus.APPLIED: frozenset({PlacementStatus.SCREENING, PlacementStatus.DECLINED}),
    PlacementStatus.SCREENING: frozenset(
        {PlacementStatus.OFFERED, PlacementStatus.WAITING, PlacementStatus.DECLINED}
    ),
    PlacementStatus.WAITING: frozenset({PlacementStatus.OFFERED, PlacementStatus.DECLINED}),
    PlacementStatus.OFFERED: frozenset({PlacementStatus.PLACED, PlacementStatus.DECLINED}),
    PlacementStatus.PLACED: frozenset(),
    PlacementStatus.DECLINED: frozenset(),
}


def ranked_preferences(answers: Mapping[str, Any]) -> list[tuple[int, str, str]]:
    """(rank, facility name, facility code) in the order the applicant listed them (the form's 希望順)."""
    out = []
    for rank, item in enumerate(get_path(answers, "preferences") or [], start=1):
        if not isinstance(item, Mapping):
            continue
        name = str(item.get("facility_name") or "").strip()
        if not name:
            raise _violation(
                f"preferences.{rank}.facility_name",
                "希望施設の名称がありません。",
                "A preferred facility has no name.",
                "facility_name",
            )
        out.append((rank, name, str(item.get("facility_code") or "").strip()))
    if not out:
        raise _violation("preferences", "希望施設がありません。", "No preferred facility.", "no_preference")
    return out


def register_placement_application(
    *,
    actor: StaffUser,
    municipality_code: str,
    case_reference: str,
    answers: Mapping[str, Any],
    received_on: dt.date,
    resident_id: int | None = None,
    now: dt.datetime | None = None,
) -> PlacementApplication:
    """Record a granted 利用申込 (status 申請中) with its ranked preferences, matched to facilities by code or name."""
    require(actor, Action.DECIDE_CASE)
    if actor.municipality_id != municipality_code:
        raise NotFoundInMunicipality("municipality")
    at = now or timezone.now()
    preferences = ranked_preferences(answers)
    birth = _date(get_path(answers, "child.birth_date"))
    start_on = _date(get_path(answers, "placement.start_on"))
    if birth is None:
        raise _violation(
            "child.birth_date",
            "子どもの生年月日が読み取れません。",
            "Child's birth date missing.",
            "child_birth_date",
        )
    if start_on is None:
        raise _violation(
            "placement.start_on", "利用希望日が読み取れません。", "Start date missing.", "start_on"
        )
    circumstances = get_path(answers, "placement.circumstances") or []
    with transaction.atomic():
        applicant = _applicant(municipality_code, resident_id, answers)
        if PlacementApplication.objects.filter(
            municipality_id=municipality_code, case_reference=case_reference
        ).exists():
            raise _violation(
                "case", "この利用申込はすでに登録されています。", "Already registered.", "already_registered"
            )
        facilities = ChildcareFacility.objects.filter(municipality_id=municipality_code, active=True)
        by_code = {f.code: f for f in facilities}
        by_name = {f.name: f for f in facilities}
        application = PlacementApplication.objects.create(
            municipality_id=municipality_code,
            applicant=applicant,
            case_reference=case_reference,
            child_name=str(get_path(answers, "child.name") or ""),
            child_name_kana=str(get_path(answers, "child.name_kana") or ""),
            child_birth_date=birth,
            certificate_number=str(get_path(answers, "child.certificate_number") or "")[:20],
            start_on=start_on,
            accept_other_facility=get_path(answers, "placement.accept_other_facility") is True,
            circumstances=[str(c) for c in circumstances if isinstance(c, str)],
            received_on=received_on,
            created_at=at,
            updated_at=at,
            updated_by=actor,
        )
        PlacementPreference.objects.bulk_create(
            [
                PlacementPreference(
                    municipality_id=municipality_code,
                    application=application,
                    rank=rank,
                    facility=by_code.get(code) or by_name.get(name),
                    facility_name=name[:120],
                    facility_code=code[:20],
                )
                for rank, name, code in preferences
            ]
        )
        record_audit(
            actor=actor,
            municipality=municipality_code,
            action="benefits.register_placement_application",
            target_type="resident",
            target_id=applicant.pk,
            after={
                "application": application.pk,
                "case": case_reference,
                "preferences": [code or name for _, name, code in preferences],
            },
        )
    return application


def _locked_application(actor: StaffUser, application_id: int) -> PlacementApplication:
    application = (
        PlacementApplication.objects.select_for_update()
        .filter(municipality_id=actor.municipality_id, pk=application_id)
        .first()
    )
    if application is None:
        raise NotFoundInMunicipality("placement application")
    return application


def _move(
    *,
    actor: StaffUser,
    application_id: int,
    to: PlacementStatus,
    facility_id: int | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> PlacementApplication:
    require(actor, Action.REVIEW_CASE)
    at = now or timezone.now()
    with transaction.atomic():
        application = _locked_application(actor, application_id)
        before = {"status": application.status, "facility": application.assigned_facility_id}
        if to not in TRANSITIONS[application.status]:
            raise _violation(
                "status",
                f"「{PlacementStatus(application.status).label}」から「{to.label}」にはできません。",
                f"Cannot move a placement application from {application.status} to {to}.",
                "invalid_transition",
            )
        if to is PlacementStatus.OFFERED:
            facility = (
                application.preferences.filter(facility_id=facility_id, facility__isnull=False)
                .select_related("facility")
                .first()
                if facility_id is not None
                else None
            )
            if facility is None:
                raise _violation(
                    "facility",
                    "内定にする施設を希望施設から選んでください。",
                    "Choose one of the ranked facilities for the offer.",
                    "facility_not_ranked",
                )
            application.assigned_facility = facility.facility
        elif to is PlacementStatus.WAITING:
            application.assigned_facility = None
        application.status = to
        application.outcome_note = note[:500]
        application.updated_at = at
        application.updated_by = actor
        application.save()
        record_audit(
            actor=actor,
            municipality=application.municipality_id,
            action="benefits.placement_status",
            target_type="placement_application",
            target_id=application.pk,
            before=before,
            after={"status": application.status, "facility": application.assigned_facility_id, "note": note},
        )
    return application


def start_screening(
    *, actor: StaffUser, application_id: int, now: dt.datetime | None = None
) -> PlacementApplication:
    """申請中 → 選考中 (the application enters the 利用調整 round)."""
    return _move(actor=actor, application_id=application_id, to=PlacementStatus.SCREENING, now=now)


def record_outcome(
    *,
    actor: StaffUser,
    application_id: int,
    facility_id: int | None,
    note: str = "",
    now: dt.datetime | None = None,
) -> PlacementApplication:
    """利用調整の結果: 内定 at one of the ranked facilities (`facility_id`), or 保留（待機） when None."""
    to = PlacementStatus.OFFERED if facility_id is not None else PlacementStatus.WAITING
    return _move(
        actor=actor, application_id=application_id, to=to, facility_id=facility_id, note=note, now=now
    )


def confirm_placement(
    *, actor: StaffUser, application_id: int, now: dt.datetime | None = None
) -> PlacementApplication:
    """内定 → 入所決定."""
    return _move(actor=actor, application_id=application_id, to=PlacementStatus.PLACED, now=now)


def withdraw(
    *, actor: StaffUser, application_id: int, note: str = "", now: dt.datetime | None = None
) -> PlacementApplication:
    """辞退 (the family withdraws; from any status before 入所決定)."""
    return _move(actor=actor, application_id=application_id, to=PlacementStatus.DECLINED, note=note, now=now)


# ---------------------------------------------------------------------------------------------------------------
# Decision handlers


@decisions.handles(CERTIFICATION_PROCEDURE)
def _on_certification_granted(*, actor: StaffUser, case: decisions.DecidedCase) -> None:
    certify_childcare(
        actor=actor,
        municipality_code=case.municipality_code,
        case_reference=case.receipt_number,
        answers=case.answers,
        applied_on=case.received_on,
        resident_id=case.resident_id,
        now=case.decided_at,
    )


@decisions.handles(PLACEMENT_PROCEDURE)
def _on_placement_granted(*, actor: StaffUser, case: decisions.DecidedCase) -> None:
    register_placement_application(
        actor=actor,
        municipality_code=case.municipality_code,
        case_reference=case.receipt_number,
        answers=case.answers,
        received_on=case.received_on,
        resident_id=case.resident_id,
        now=case.decided_at,
    )
