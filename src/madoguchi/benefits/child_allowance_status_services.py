"""児童手当 現況届: record the status report of a recipient from its decided `child_allowance_status_report` case.

Casework calls `benefits.decisions.apply_decision` inside the decision's transaction; the handler here finds the
recipient by the resident casework identified, refuses the decision (BusinessRuleViolation: nothing is recorded, the
approver sees the reason) when there is no recipient or the recipient already has a report for that 現況届 year
(June to May, by the filing date), and records the report with its audit row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction

from madoguchi.benefits import decisions
from madoguchi.benefits.models import ChildAllowanceRecipient
from madoguchi.benefits.models_child_allowance_status import (
    ChildAllowanceStatusReport,
    StatusReportOutcome,
    StatusReportReason,
    status_report_year,
)
from madoguchi.core.access import require
from madoguchi.core.audit import record_audit
from madoguchi.core.errors import BusinessRuleViolation, NotFoundInMunicipality
from madoguchi.core.models import StaffUser
from madoguchi.core.roles import Action
from madoguchi.procedures.conditions import get_path

PROCEDURE_CODE = "child_allowance_status_report"
OUTCOMES = {decisions.GRANT: StatusReportOutcome.CONFIRMED, decisions.DENY: StatusReportOutcome.NOT_CONFIRMED}


def _violation(field_name: str, ja: str, en: str, code: str) -> BusinessRuleViolation:
    return BusinessRuleViolation(field_name, ja, en, code)


def _yes_no(answers: Mapping[str, Any], path: str) -> bool:
    value = get_path(answers, path)
    if not isinstance(value, bool):
        raise _violation(
            path, "現況届の回答（はい・いいえ）が読み取れません。", f"{path} is not yes/no.", "invalid"
        )
    return value


def record_status_report(
    *,
    actor: StaffUser,
    municipality_code: str,
    case_reference: str,
    answers: Mapping[str, Any],
    filed_on: dt.date,
    resident_id: int | None,
    outcome: str,
    now: dt.datetime,
) -> ChildAllowanceStatusReport:
    """Record one 現況届 for the recipient who is the identified resident (one per 現況届 year)."""
    require(actor, Action.DECIDE_CASE)
    if actor.municipality_id != municipality_code:
        raise NotFoundInMunicipality("municipality")
    reason = str(get_path(answers, "status.reason") or "")
    if reason not in StatusReportReason.values:
        raise _violation(
            "status.reason",
            "現況届の提出理由が読み取れません。",
            "The filing reason is not known.",
            "invalid",
        )
    still_caring = _yes_no(answers, "status.still_caring")
    lives_with_children = _yes_no(answers, "status.lives_with_children")
    changes = str(get_path(answers, "status.changes") or "")[:500]
    year = status_report_year(filed_on)
    with transaction.atomic():
        recipient = (
            ChildAllowanceRecipient.objects.select_for_update()
            .filter(municipality_id=municipality_code, resident_id=resident_id)
            .order_by("-certified_at")
            .first()
            if resident_id is not None
            else None
        )
        if recipient is None:
            raise _violation(
                "recipient",
                "届出人は児童手当の受給者として記録されていません。住民の特定と受給者の記録を確認してから決裁してください。",
                "The applicant is not a child allowance recipient.",
                "recipient_not_found",
            )
        if ChildAllowanceStatusReport.objects.filter(recipient=recipient, fiscal_year=year).exists():
            raise _violation(
                "case",
                f"この受給者の{year}年度（{year}年6月〜{year + 1}年5月）の現況届はすでに記録されています。",
                f"A status report for {year} is already recorded for this recipient.",
                "already_reported",
            )
        report = ChildAllowanceStatusReport.objects.create(
            municipality_id=municipality_code,
            recipient=recipient,
            fiscal_year=year,
            filed_on=filed_on,
            case_reference=case_reference,
            reason=reason,
            still_caring=still_caring,
            lives_with_children=lives_with_children,
            changes=changes,
            outcome=OUTCOMES[outcome],
            decided_at=now,
            decided_by=actor,
        )
        record_audit(
            actor=actor,
            municipality=municipality_code,
            action="benefits.child_allowance_status_report",
            target_type="resident",
            target_id=recipient.resident_id,
            after={
                "recipient": recipient.pk,
                "report": report.pk,
                "case": case_reference,
                "fiscal_year": year,
                "reason": reason,
                "outcome": report.outcome,
            },
        )
    return report


@decisions.handles(PROCEDURE_CODE, outcomes=(decisions.GRANT, decisions.DENY))
def _on_status_report_decided(*, actor: StaffUser, case: decisions.DecidedCase) -> None:
    # A 現況届 is recorded whichever way it is decided; a refusal here refuses the decision. A denied filing from
    # someone who is not a recipient leaves nothing to record.
    if case.outcome == decisions.DENY and (
        case.resident_id is None
        or not ChildAllowanceRecipient.objects.filter(
            municipality_id=case.municipality_code, resident_id=case.resident_id
        ).exists()
    ):
        return
    record_status_report(
        actor=actor,
        municipality_code=case.municipality_code,
        case_reference=case.receipt_number,
        answers=case.answers,
        filed_on=case.received_on,
        resident_id=case.resident_id,
        outcome=case.outcome,
        now=case.decided_at,
    )
