"""The case state machine end to end: pull → accept → claim → review → correction → resubmission → proposal →
approval chain → notice, with the portal timeline, the audit rows and the rules that stop each wrong move."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from madoguchi.casework import selectors, services
from madoguchi.casework.models import (
    ApprovalStep,
    Case,
    CaseEvent,
    CaseNote,
    Notice,
    SignatureEvidence,
)
from madoguchi.core.errors import ActionNotPermitted, BusinessRuleViolation, NotFoundInMunicipality
from madoguchi.core.models import AuditEntry
from madoguchi.documents.models import IssuedDocument
from madoguchi.intake import services as intake
from madoguchi.intake.models import Application

from .helpers import make_world, pull_all, resubmit, submit_child_allowance

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(chiyoda):
    return make_world(chiyoda)


@pytest.fixture
def staff(chiyoda, make_staff):
    return {
        "reviewer": make_staff(chiyoda, "reviewer"),
        "reviewer2": make_staff(chiyoda, "reviewer"),
        "approver": make_staff(chiyoda, "approver"),
        "approver2": make_staff(chiyoda, "approver"),
        "clerk": make_staff(chiyoda, "counter_clerk"),
        "auditor": make_staff(chiyoda, "auditor"),
        "admin": make_staff(chiyoda, "administrator"),
    }


def violation(call) -> BusinessRuleViolation:
    with pytest.raises(BusinessRuleViolation) as info:
        call()
    return info.value


def reviewing(chiyoda, world, staff) -> tuple[Case, object]:
    """A pulled case, accepted, claimed and under review by `reviewer`."""
    submitted = submit_child_allowance(chiyoda, world)
    pull_all()
    case = Case.objects.get()
    reviewer = staff["reviewer"]
    services.accept_case(actor=reviewer, case_id=case.pk)
    services.claim_case(actor=reviewer, case_id=case.pk)
    services.start_review(actor=reviewer, case_id=case.pk)
    case.refresh_from_db()
    return case, submitted


def test_pull_creates_one_case_with_evidence_event_and_audit(chiyoda, world) -> None:
    submitted = submit_child_allowance(chiyoda, world)
    result = pull_all()
    assert (result.created, result.skipped) == (1, 0)
    case = Case.objects.get()
    app = submitted.application
    assert case.receipt_number == app.receipt_number and case.municipality_id == "131016"
    assert case.status == "received" and case.queue == "child_allowance" and case.processing_days == 30
    assert case.applicant_name == app.applicant_name and case.answers == app.answers
    assert case.source_id == f"intake:131016:{app.receipt_number}" and case.signature_valid
    evidence = SignatureEvidence.objects.get(case=case)
    assert evidence.verdict_reason == "ok" and evidence.verdict_valid
    assert evidence.revocation_status == "good" and evidence.serial == app.applicant_sign_serial
    assert evidence.portal_reason == "ok" and "BEGIN CERTIFICATE" in evidence.certificate_pem
    assert [e.kind for e in case.events.all()] == ["pulled"]
    assert (
        AuditEntry.objects.filter(action="casework.pull_submission", target_id=case.receipt_number).count()
        == 1
    )
    # Pulling again changes nothing.
    again = pull_all()
    assert again.created == 0 and Case.objects.count() == 1 and CaseEvent.objects.count() == 1


def test_accept_sets_the_business_day_deadline_and_tells_the_resident(chiyoda, world, staff) -> None:
    submitted = submit_child_allowance(chiyoda, world)
    pull_all()
    case = Case.objects.get()
    # Friday 2026-12-25 (JST): 30 business days skip weekends, 12/29–1/3 and 成人の日 (2027-01-11).
    accepted_at = dt.datetime(2026, 12, 25, 10, 0, tzinfo=dt.UTC)
    services.accept_case(actor=staff["reviewer"], case_id=case.pk, now=accepted_at)
    case.refresh_from_db()
    assert case.status == "accepted" and case.accepted_on == dt.date(2026, 12, 25)
    assert case.due_on == dt.date(2027, 2, 15)  # 成人の日 1/11 and 建国記念の日 2/11 skipped too
    app = Application.objects.get(pk=submitted.application.pk)
    assert app.status == "accepted"
    last = app.events.order_by("-id").first()
    assert "令和9年2月15日" in last.message_ja and last.actor_id == "office:casework"
    entry = AuditEntry.objects.get(action="casework.accepted")
    assert entry.before == {"status": "received"} and entry.after["due_on"] == "2027-02-15"
    again = violation(lambda: services.accept_case(actor=staff["reviewer"], case_id=case.pk))
    assert again.code == "invalid_transition" and "受付" in again.message_ja


def test_full_journey_correction_resubmission_two_step_approval_and_notice(chiyoda, world, staff) -> None:
    case, submitted = reviewing(chiyoda, world, staff)
    reviewer, approver, approver2 = staff["reviewer"], staff["approver"], staff["approver2"]
    due_before = case.due_on

    missing = violation(lambda: services.request_correction(actor=reviewer, case_id=case.pk, message_ja="  "))
    assert missing.field == "message_ja"
    services.request_correction(
        actor=reviewer, case_id=case.pk, message_ja="電話番号がつながりません。連絡先を確認してください。"
    )
    case.refresh_from_db()
    assert case.status == "returned_for_correction" and case.paused_on == timezone.localdate()
    app = Application.objects.get(pk=submitted.application.pk)
    assert app.status == "returned_for_correction"
    assert app.events.order_by("-id").first().message_ja.startswith("電話番号がつながりません")

    resubmit(submitted)
    result = pull_all()
    assert result.resubmitted == 1
    case.refresh_from_db()
    assert case.status == "in_review" and case.source_revision == 1 and case.paused_on is None
    assert case.answers["applicant"]["phone"] == "09055556666"
    assert case.due_on >= due_before  # the clock stood still while the resident corrected
    assert SignatureEvidence.objects.filter(case=case).count() == 2

    services.add_note(actor=reviewer, case_id=case.pk, text="電話で本人確認済み。")
    services.set_approval_rule(
        actor=staff["admin"], procedure_code=case.procedure_code, steps=["reviewer", "approver", "approver"]
    )
    services.propose_decision(actor=reviewer, case_id=case.pk, outcome="grant", reason="要件をすべて満たす。")
    services.approve_step(actor=approver, case_id=case.pk, reason="確認しました。")
    case.refresh_from_db()
    assert case.status == "in_review"  # one more approval to go
    twice = violation(lambda: services.approve_step(actor=approver, case_id=case.pk))
    assert twice.code == "own_proposal"
    services.approve_step(actor=approver2, case_id=case.pk)

    case.refresh_from_db()
    assert case.status == "notice_issued" and case.decision_outcome == "grant" and case.decided_at
    notice = Notice.objects.get(case=case)
    document = IssuedDocument.objects.get(pk=notice.document_id)
    assert document.kind == "notice" and document.subject_id == case.receipt_number
    assert bytes(document.pdf).startswith(b"%PDF")
    app.refresh_from_db()
    assert app.status == "notice_issued"
    assert [e.to_status for e in app.events.order_by("at", "id")][-3:] == [
        "in_review",
        "decided",
        "notice_issued",
    ]
    assert document.public_id in app.events.order_by("-id").first().message_ja
    kinds = [e.kind for e in case.events.order_by("at", "id")]
    assert kinds == [
        "pulled",
        "accepted",
        "claimed",
        "review_started",
        "correction_requested",
        "resubmitted",
        "proposed",
        "approved",
        "approved",
        "decided",
        "notice_issued",
    ]
    assert [(s.step_index, s.kind) for s in ApprovalStep.objects.filter(case=case)] == [
        (0, "proposed"),
        (1, "approved"),
        (2, "approved"),
    ]
    actions = set(
        AuditEntry.objects.filter(target_type="case", target_id=case.receipt_number).values_list(
            "action", flat=True
        )
    )
    assert {
        "casework.pull_submission",
        "casework.accepted",
        "casework.claim",
        "casework.review_started",
        "casework.correction_requested",
        "casework.pull_resubmission",
        "casework.add_note",
        "casework.propose",
        "casework.approval_approved",
        "casework.decided",
        "casework.notice_issued",
    } <= actions
    assert CaseNote.objects.get(case=case).text == "電話で本人確認済み。"


def test_nobody_approves_their_own_proposal(chiyoda, world, staff) -> None:
    submit_child_allowance(chiyoda, world)
    pull_all()
    case = Case.objects.get()
    approver = staff["approver"]
    services.accept_case(actor=approver, case_id=case.pk)
    services.claim_case(actor=approver, case_id=case.pk)
    services.start_review(actor=approver, case_id=case.pk)
    services.propose_decision(actor=approver, case_id=case.pk, outcome="grant", reason="要件を満たす。")
    own = violation(lambda: services.approve_step(actor=approver, case_id=case.pk))
    assert own.code == "own_proposal" and "自分が起案" in own.message_ja
    with pytest.raises(ActionNotPermitted):  # a reviewer holds no 決裁 right at all
        services.approve_step(actor=staff["reviewer"], case_id=case.pk)
    assert ApprovalStep.objects.filter(case=case).count() == 1
    today = timezone.localdate()
    assert selectors.my_work(actor=approver, today=today).awaiting_my_approval == 0
    assert selectors.my_work(actor=staff["approver2"], today=today).awaiting_my_approval == 1
    # More cases awaiting approval cost no more queries (the steps of every candidate are read at once).
    with CaptureQueriesContext(connection) as one:
        selectors.my_work(actor=staff["approver2"], today=today)
    steps = list(ApprovalStep.objects.filter(case=case))
    for n in range(4):
        twin = Case.objects.get(pk=case.pk)
        twin.pk, twin.receipt_number, twin.source_id = None, f"2026-9{n:05d}", f"twin-{n}"
        twin.save()
        for step in steps:
            step.pk, step.case = None, twin
        ApprovalStep.objects.bulk_create(steps)
    with CaptureQueriesContext(connection) as five:
        assert selectors.my_work(actor=staff["approver2"], today=today).awaiting_my_approval == 5
    assert len(five.captured_queries) == len(one.captured_queries)
    services.approve_step(actor=staff["approver2"], case_id=case.pk)
    case.refresh_from_db()
    assert case.status == "notice_issued"


def test_send_back_and_reject_end_the_proposal_with_a_reason(chiyoda, world, staff) -> None:
    case, _ = reviewing(chiyoda, world, staff)
    reviewer, approver = staff["reviewer"], staff["approver"]
    services.propose_decision(actor=reviewer, case_id=case.pk, outcome="grant", reason="要件を満たす。")
    blocked = violation(
        lambda: services.request_correction(
            actor=reviewer, case_id=case.pk, message_ja="添付をお願いします。"
        )
    )
    assert blocked.code == "proposal_open"
    no_reason = violation(lambda: services.send_back(actor=approver, case_id=case.pk, reason=""))
    assert no_reason.field == "reason"
    services.send_back(actor=approver, case_id=case.pk, reason="所得の確認が不足しています。")
    assert services.open_proposal(Case.objects.get(pk=case.pk)) is None
    services.propose_decision(
        actor=reviewer, case_id=case.pk, outcome="deny", reason="所得制限を超えている。"
    )
    services.reject_proposal(actor=approver, case_id=case.pk, reason="所得制限は廃止されています。")
    steps = list(
        ApprovalStep.objects.filter(case=case).values_list("proposal_number", "step_index", "kind", "outcome")
    )
    assert steps == [
        (1, 0, "proposed", "grant"),
        (1, 1, "sent_back", "grant"),
        (2, 0, "proposed", "deny"),
        (2, 1, "rejected", "deny"),
    ]
    case.refresh_from_db()
    assert case.status == "in_review"
    nothing = violation(lambda: services.approve_step(actor=approver, case_id=case.pk))
    assert nothing.code == "no_proposal"


def test_final_approval_of_a_denial_rejects_and_issues_the_notice(chiyoda, world, staff) -> None:
    case, submitted = reviewing(chiyoda, world, staff)
    services.propose_decision(
        actor=staff["reviewer"], case_id=case.pk, outcome="deny", reason="支給要件を満たしていません。"
    )
    services.approve_step(actor=staff["approver"], case_id=case.pk)
    case.refresh_from_db()
    assert case.status == "notice_issued" and case.decision_outcome == "deny"
    app = Application.objects.get(pk=submitted.application.pk)
    assert [e.to_status for e in app.events.order_by("at", "id")][-2:] == ["rejected", "notice_issued"]
    assert Notice.objects.get(case=case).outcome == "deny"


def test_only_the_assignee_works_the_case_and_claims_do_not_steal(chiyoda, world, staff) -> None:
    submit_child_allowance(chiyoda, world)
    pull_all()
    case = Case.objects.get()
    services.accept_case(actor=staff["reviewer"], case_id=case.pk)
    not_mine = violation(lambda: services.start_review(actor=staff["reviewer"], case_id=case.pk))
    assert not_mine.code == "not_assignee"
    services.claim_case(actor=staff["reviewer"], case_id=case.pk)
    taken = violation(lambda: services.claim_case(actor=staff["reviewer2"], case_id=case.pk))
    assert taken.code == "already_assigned"
    with pytest.raises(ActionNotPermitted):
        services.assign_case(actor=staff["reviewer"], case_id=case.pk, assignee_id=staff["reviewer2"].pk)
    bad = violation(
        lambda: services.assign_case(actor=staff["approver"], case_id=case.pk, assignee_id=staff["clerk"].pk)
    )
    assert bad.field == "assignee_id"
    services.assign_case(
        actor=staff["approver"], case_id=case.pk, assignee_id=staff["reviewer2"].pk, reason="休暇"
    )
    services.start_review(actor=staff["reviewer2"], case_id=case.pk)
    assert Case.objects.get().status == "in_review"


def test_withdrawal_at_the_portal_reaches_the_case_and_blocks_office_pushes(chiyoda, world, staff) -> None:
    case, submitted = reviewing(chiyoda, world, staff)
    intake.withdraw_application(identity=submitted.identity, application=submitted.application)
    # Not pulled yet: the portal refuses the office's change, and nothing is recorded in the office either.
    refused = violation(
        lambda: services.request_correction(
            actor=staff["reviewer"], case_id=case.pk, message_ja="添付がありません。"
        )
    )
    assert refused.code == "portal_refused" and "取り下げ" in refused.message_ja
    assert Case.objects.get().status == "in_review" and not CaseEvent.objects.filter(
        kind="correction_requested"
    )
    result = pull_all()
    assert result.withdrawn == 1
    assert Case.objects.get().status == "withdrawn"
    assert pull_all().withdrawn == 0


def test_other_municipalities_cannot_touch_the_case(chiyoda, sapporo, world, make_staff) -> None:
    submit_child_allowance(chiyoda, world)
    pull_all()
    case = Case.objects.get()
    outsider = make_staff(sapporo, "approver")
    with pytest.raises(NotFoundInMunicipality):
        services.accept_case(actor=outsider, case_id=case.pk)
    with pytest.raises(NotFoundInMunicipality):
        services.add_note(actor=outsider, case_id=case.pk, text="x")


def test_history_rows_are_append_only(chiyoda, world) -> None:
    submit_child_allowance(chiyoda, world)
    pull_all()
    event = CaseEvent.objects.get()
    event.reason = "changed"
    with pytest.raises(ValueError):
        event.save()


def test_approval_rule_must_name_a_drafter_and_deciding_roles(chiyoda, staff) -> None:
    for steps in (["reviewer"], ["clerk", "approver"], ["reviewer", "reviewer"], ["reviewer", "auditor"]):
        assert (
            violation(
                lambda steps=steps: services.set_approval_rule(
                    actor=staff["admin"], procedure_code="", steps=steps
                )
            ).field
            == "steps"
        )
    with pytest.raises(ActionNotPermitted):
        services.set_approval_rule(actor=staff["approver"], procedure_code="", steps=["reviewer", "approver"])
    rule = services.set_approval_rule(actor=staff["admin"], procedure_code="", steps=["reviewer", "approver"])
    assert rule.steps == ["reviewer", "approver"]
    assert AuditEntry.objects.filter(action="casework.set_approval_rule").count() == 1


def test_notice_pdf_says_what_was_decided_and_why(chiyoda, world, staff) -> None:
    import io

    from pypdf import PdfReader

    case, _ = reviewing(chiyoda, world, staff)
    services.propose_decision(
        actor=staff["reviewer"], case_id=case.pk, outcome="deny", reason="児童を監護していないため。"
    )
    services.approve_step(actor=staff["approver"], case_id=case.pk)
    pdf = bytes(Notice.objects.get(case=case).document.pdf)
    text = (
        "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace(" ", "").replace("\n", "")
    )
    assert "却下通知書" in text and "児童を監護していないため" in text and case.receipt_number in text
    assert "審査請求" in text and "千代田区長" in text
