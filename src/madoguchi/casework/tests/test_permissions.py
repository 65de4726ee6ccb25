"""Permission matrix for case actions (role × action), and the auditor's read-only view."""

from __future__ import annotations

import pytest
from django.utils import timezone

from madoguchi.casework import selectors, services
from madoguchi.casework.models import Case
from madoguchi.core.errors import ActionNotPermitted, BusinessRuleViolation
from madoguchi.core.models import AccessLogEntry

from .helpers import make_world, pull_all, submit_child_allowance

pytestmark = pytest.mark.django_db

ROLES = ("counter_clerk", "reviewer", "approver", "administrator", "auditor")

# Who may do what. A permitted action may still fail on a rule (wrong status, not the assignee): only
# ActionNotPermitted counts as "denied" here.
MATRIX: dict[str, set[str]] = {
    "view": {"reviewer", "approver", "auditor"},
    "accept": {"reviewer", "approver"},
    "claim": {"reviewer", "approver"},
    "start_review": {"reviewer", "approver"},
    "request_correction": {"reviewer", "approver"},
    "note": {"reviewer", "approver"},
    "propose": {"reviewer", "approver"},
    "assign": {"approver"},
    "approve": {"approver"},
    "send_back": {"approver"},
    "reject": {"approver"},
    "set_approval_rule": {"administrator"},
}


def _call(action: str, actor, case: Case) -> None:
    calls = {
        "view": lambda: selectors.list_cases(actor=actor, today=timezone.localdate()),
        "accept": lambda: services.accept_case(actor=actor, case_id=case.pk),
        "claim": lambda: services.claim_case(actor=actor, case_id=case.pk),
        "start_review": lambda: services.start_review(actor=actor, case_id=case.pk),
        "request_correction": lambda: services.request_correction(
            actor=actor, case_id=case.pk, message_ja="x"
        ),
        "note": lambda: services.add_note(actor=actor, case_id=case.pk, text="メモ"),
        "propose": lambda: services.propose_decision(
            actor=actor, case_id=case.pk, outcome="grant", reason="x"
        ),
        "assign": lambda: services.assign_case(actor=actor, case_id=case.pk, assignee_id=0),
        "approve": lambda: services.approve_step(actor=actor, case_id=case.pk),
        "send_back": lambda: services.send_back(actor=actor, case_id=case.pk, reason="x"),
        "reject": lambda: services.reject_proposal(actor=actor, case_id=case.pk, reason="x"),
        "set_approval_rule": lambda: services.set_approval_rule(
            actor=actor, procedure_code="", steps=["reviewer", "approver"]
        ),
    }
    calls[action]()


@pytest.mark.parametrize("action", sorted(MATRIX))
def test_permission_matrix(action: str, chiyoda, make_staff) -> None:
    submit_child_allowance(chiyoda, make_world(chiyoda))
    pull_all()
    case = Case.objects.get()
    for role in ROLES:
        actor = make_staff(chiyoda, role)
        try:
            _call(action, actor, Case.objects.get(pk=case.pk))
        except ActionNotPermitted:
            allowed = False
        except BusinessRuleViolation:
            allowed = True
        else:
            allowed = True
        assert allowed is (role in MATRIX[action]), f"{role} / {action}"


def test_auditor_reads_with_the_audit_purpose_but_is_offered_nothing(chiyoda, make_staff) -> None:
    submit_child_allowance(chiyoda, make_world(chiyoda))
    pull_all()
    case = Case.objects.get()
    auditor = make_staff(chiyoda, "auditor")
    seen = selectors.access_case(actor=auditor, case_id=case.pk, purpose="audit")
    assert seen.pk == case.pk
    assert AccessLogEntry.objects.filter(actor=auditor, subject_type="case", purpose="audit").count() == 1
    assert selectors.available_actions(actor=auditor, case=case) == []
    comparison = selectors.registry_comparison(actor=auditor, case=case)
    assert comparison.resident is None and "権限" in comparison.message
    work = selectors.my_work(actor=auditor, today=timezone.localdate())
    assert work.unassigned == 1 and work.assigned == 0


def test_counter_clerk_cannot_open_cases(chiyoda, make_staff) -> None:
    clerk = make_staff(chiyoda, "counter_clerk")
    with pytest.raises(ActionNotPermitted):
        selectors.my_work(actor=clerk, today=timezone.localdate())
