"""Retention and disposal (保存・廃棄): the retention period per procedure, the fiscal-year start, the immutable
archive with its content hash, `retention_run`, and disposal as a two-person approval that leaves a tombstone."""

from __future__ import annotations

import datetime as dt
import io
import types
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from madoguchi.casework import counter, retention, services
from madoguchi.casework.models import (
    Case,
    CaseArchive,
    CaseArchivedError,
    CaseEvent,
    CaseTombstone,
    CounterSession,
    DisposalRequest,
)
from madoguchi.core.errors import ActionNotPermitted, BusinessRuleViolation
from madoguchi.core.models import AuditEntry
from madoguchi.documents.models import IssuedDocument
from madoguchi.intake import services as intake
from madoguchi.intake.tests.helpers import pregnancy_answers

from .helpers import make_world, pull_all, submit_child_allowance

pytestmark = pytest.mark.django_db
LATER = dt.timedelta(days=365 * 8)  # past a 5-year period counted from the next 1 April


@pytest.fixture
def world(chiyoda):
    return make_world(chiyoda)


@pytest.fixture
def staff(chiyoda, make_staff) -> dict[str, Any]:
    return {
        "clerk": make_staff(chiyoda, "counter_clerk"),
        "reviewer": make_staff(chiyoda, "reviewer"),
        "approver": make_staff(chiyoda, "approver"),
        "approver2": make_staff(chiyoda, "approver"),
        "auditor": make_staff(chiyoda, "auditor"),
    }


def decided_case(world, staff) -> Case:
    """A counter 妊娠の届出 taken, examined, proposed and approved: notice issued (closed)."""
    clerk, reviewer, approver = staff["clerk"], staff["reviewer"], staff["approver"]
    session = counter.start_counter_application(
        actor=clerk, resident_id=world.wife.pk, procedure_code="pregnancy_notification"
    )
    counter.save_counter_answers(actor=clerk, public_id=session.public_id, values=dict(pregnancy_answers()))
    counter.confirm_identity(actor=clerk, public_id=session.public_id, method="my_number_card")
    counter.issue_confirmation_sheet(actor=clerk, public_id=session.public_id, sections=[])
    case = counter.submit_counter_application(actor=clerk, public_id=session.public_id).case
    assert case is not None
    services.accept_case(actor=reviewer, case_id=case.pk)
    services.claim_case(actor=reviewer, case_id=case.pk)
    services.start_review(actor=reviewer, case_id=case.pk)
    services.add_note(actor=reviewer, case_id=case.pk, text="母子健康手帳を窓口で交付予定。")
    services.propose_decision(actor=reviewer, case_id=case.pk, outcome="grant", reason="届出を受理する。")
    services.approve_step(actor=approver, case_id=case.pk)
    case.refresh_from_db()
    assert case.status == "notice_issued"
    return case


# ---------------------------------------------------------------------------------------------------------------
# Rules


@pytest.mark.parametrize(
    ("procedure", "years", "source"),
    [
        ("child_allowance_certification", 5, "business:child_allowance"),
        ("childcare_placement_application", 5, "business:childcare"),
        ("pregnancy_notification", 5, "business:pregnancy"),
        ("care_needs_certification", 5, "business:care_insurance"),
        ("disaster_damage_certificate", 10, "business:disaster"),
        ("no_such_procedure", 5, "default"),
    ],
)
def test_retention_period_per_procedure(procedure, years, source) -> None:
    assert retention.retention_for(procedure) == (years, source)


def test_catalogue_retention_wins_over_the_business_default(monkeypatch) -> None:
    procedure = types.SimpleNamespace(business="disaster", retention_years=30)
    catalogue = types.SimpleNamespace(procedures={"x": procedure})
    monkeypatch.setattr(retention, "get_catalogue", lambda: catalogue)
    assert retention.retention_for("x") == (30, "catalogue")


@pytest.mark.parametrize(
    ("closed", "years", "starts", "disposable"),
    [
        (dt.date(2026, 11, 26), 5, dt.date(2027, 4, 1), dt.date(2032, 4, 1)),
        (dt.date(2027, 3, 31), 5, dt.date(2027, 4, 1), dt.date(2032, 4, 1)),  # still fiscal 2026
        (dt.date(2027, 4, 1), 5, dt.date(2028, 4, 1), dt.date(2033, 4, 1)),
        (dt.date(2026, 1, 10), 10, dt.date(2026, 4, 1), dt.date(2036, 4, 1)),
    ],
)
def test_period_counts_from_the_next_fiscal_year(closed, years, starts, disposable) -> None:
    assert retention.retention_starts_on(closed) == starts
    assert retention.dispose_after(closed, years) == disposable


# ---------------------------------------------------------------------------------------------------------------
# Archive


def test_a_decided_case_is_archived_with_its_evidence_and_frozen(world, staff) -> None:
    case = decided_case(world, staff)
    archive = CaseArchive.objects.get(case=case)
    assert case.is_archived
    assert archive.content_sha256 == retention.content_hash(archive.snapshot)
    assert retention.verify_archive(case) == []
    snapshot = archive.snapshot
    assert snapshot["case"]["assistance"]["identity_method"] == "my_number_card"
    assert snapshot["notice"]["document"] == case.notice.document.public_id
    assert [s["kind"] for s in snapshot["approval_steps"]] == ["proposed", "approved"]
    assert snapshot["notes"][0]["text"] == "母子健康手帳を窓口で交付予定。"
    assert archive.retention_years == 5 and archive.retention_source == "business:pregnancy"
    assert archive.dispose_after == retention.dispose_after(timezone.localdate(), 5)
    assert AuditEntry.objects.filter(action="casework.archive_case", target_id=case.receipt_number).exists()

    # Every further write is refused with a clear error.
    with pytest.raises(BusinessRuleViolation) as caught:
        services.add_note(actor=staff["reviewer"], case_id=case.pk, text="追記")
    assert caught.value.code == "archived" and "保存" in caught.value.message_ja
    case.applicant_name = "別人"
    with pytest.raises(CaseArchivedError):
        case.save()
    # A write that bypasses the model is detected by the archive hash.
    Case.objects.filter(pk=case.pk).update(applicant_name="別人")
    assert retention.verify_archive(case) == ["case"]


def test_a_withdrawn_case_is_archived_when_pulled(chiyoda, world) -> None:
    submitted = submit_child_allowance(chiyoda, world)
    pull_all()
    intake.withdraw_application(identity=submitted.identity, application=submitted.application)
    pull_all()
    case = Case.objects.get()
    assert case.status == "withdrawn" and case.is_archived
    assert CaseArchive.objects.get(case=case).snapshot["case"]["status"] == "withdrawn"


def test_retention_run_dry_run_writes_nothing_and_the_real_run_archives(world, staff) -> None:
    case = decided_case(world, staff)
    # A case closed before archiving existed: no archive yet.
    CaseArchive.objects.filter(case=case).delete()
    Case.objects.filter(pk=case.pk).update(is_archived=False)
    audit_rows = AuditEntry.objects.count()

    out = io.StringIO()
    call_command("retention_run", "--dry-run", stdout=out)
    assert f"archive {case.municipality_id} {case.receipt_number}" in out.getvalue()
    assert "would archive 1 closed case(s)" in out.getvalue()
    assert not CaseArchive.objects.exists() and AuditEntry.objects.count() == audit_rows

    call_command("retention_run", stdout=io.StringIO())
    assert CaseArchive.objects.filter(case=case).exists()
    later = retention.run_retention(dry_run=True, now=timezone.now() + LATER)
    assert [a.case.receipt_number for a in later.due] == [case.receipt_number]
    assert retention.run_retention(dry_run=True).due == []  # not yet past retention today


# ---------------------------------------------------------------------------------------------------------------
# Disposal


def test_disposal_is_a_two_person_approval_that_leaves_a_tombstone(world, staff) -> None:
    case = decided_case(world, staff)
    archive = CaseArchive.objects.get(case=case)
    notice_document = case.notice.document.public_id
    later = timezone.now() + LATER
    reviewer, approver, approver2 = staff["reviewer"], staff["approver"], staff["approver2"]

    with pytest.raises(ActionNotPermitted):
        retention.propose_disposal(
            actor=staff["auditor"], receipt_numbers=[case.receipt_number], reason="x", now=later
        )
    with pytest.raises(BusinessRuleViolation) as no_reason:
        retention.propose_disposal(
            actor=reviewer, receipt_numbers=[case.receipt_number], reason="", now=later
        )
    assert no_reason.value.field == "reason"
    request = retention.propose_disposal(
        actor=reviewer, receipt_numbers=[case.receipt_number], reason="保存期間満了", now=later
    )
    # The same case cannot be in two open proposals.
    with pytest.raises(BusinessRuleViolation):
        retention.propose_disposal(
            actor=approver, receipt_numbers=[case.receipt_number], reason="保存期間満了", now=later
        )
    with pytest.raises(ActionNotPermitted):  # a reviewer does not approve (決裁)
        retention.approve_disposal(actor=staff["reviewer"], request_id=request.pk, now=later)
    assert Case.objects.filter(pk=case.pk).exists()

    tombstones = retention.approve_disposal(
        actor=approver, request_id=request.pk, reason="確認しました。", now=later
    )
    assert [t.receipt_number for t in tombstones] == [case.receipt_number]
    tombstone = CaseTombstone.objects.get(receipt_number=case.receipt_number)
    assert tombstone.archive_sha256 == archive.content_sha256
    assert tombstone.disposal.decided_by == approver and tombstone.disposal.proposed_by == reviewer
    assert tombstone.procedure_code == "pregnancy_notification" and tombstone.was_assisted
    # The personal payload is gone: the case, its history, evidence, notice PDF, the counter session and sheet.
    assert not Case.objects.filter(pk=case.pk).exists()
    assert not CaseEvent.objects.exists() and not CaseArchive.objects.exists()
    assert not IssuedDocument.objects.filter(public_id=notice_document).exists()
    assert not IssuedDocument.objects.filter(subject_type="counter_session").exists()
    assert not CounterSession.objects.exists()
    for action in ("casework.propose_disposal", "casework.approve_disposal", "casework.dispose_case"):
        assert AuditEntry.objects.filter(action=action).count() == 1, action
    with pytest.raises(BusinessRuleViolation):  # decided once
        retention.approve_disposal(actor=approver2, request_id=request.pk, now=later)


def test_the_proposer_cannot_approve_and_a_rejection_keeps_the_case(world, staff) -> None:
    case = decided_case(world, staff)
    later = timezone.now() + LATER
    approver = staff["approver"]
    request = retention.propose_disposal(
        actor=approver, receipt_numbers=[case.receipt_number], reason="保存期間満了", now=later
    )
    with pytest.raises(BusinessRuleViolation) as own:
        retention.approve_disposal(actor=approver, request_id=request.pk, now=later)
    assert own.value.code == "own_proposal"
    with pytest.raises(BusinessRuleViolation):
        retention.reject_disposal(actor=staff["approver2"], request_id=request.pk, reason="", now=later)
    retention.reject_disposal(
        actor=staff["approver2"], request_id=request.pk, reason="監査のため延長", now=later
    )
    assert DisposalRequest.objects.get(pk=request.pk).status == "rejected"
    assert Case.objects.filter(pk=case.pk).exists() and not CaseTombstone.objects.exists()
    assert AuditEntry.objects.filter(action="casework.reject_disposal").count() == 1


def test_cases_within_retention_cannot_be_proposed(world, staff) -> None:
    case = decided_case(world, staff)
    with pytest.raises(BusinessRuleViolation) as caught:
        retention.propose_disposal(
            actor=staff["reviewer"], receipt_numbers=[case.receipt_number], reason="早すぎる"
        )
    assert caught.value.code == "not_due"
    assert not DisposalRequest.objects.exists()
