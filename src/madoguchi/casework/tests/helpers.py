"""Test helpers: real signed applications made through the intake app's services (simulated cards)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from madoguchi.casework.channel import Batch, SubmissionItem
from madoguchi.casework.intake_adapter import IntakeSubmissionSource
from madoguchi.core.models import Municipality
from madoguchi.identity.portal_session import PortalIdentity
from madoguchi.intake import services as intake
from madoguchi.intake.models import Application, Draft
from madoguchi.intake.tests.helpers import (
    SIGN_PIN,
    World,
    card_identity,
    certificate_pem,
    child_allowance_answers,
    make_world,
)
from madoguchi.procedures.engine import canonical_json, clean_answers, get_catalogue

CHILD = "child_allowance_certification"

__all__ = [
    "CHILD",
    "ListSource",
    "Submitted",
    "World",
    "make_world",
    "pull_all",
    "resubmit",
    "submit_child_allowance",
]


@dataclasses.dataclass
class Submitted:
    application: Application
    identity: PortalIdentity


def submit_child_allowance(
    municipality: Municipality, world: World, *, now: dt.datetime | None = None, **overrides: Any
) -> Submitted:
    """The Yamada head's signed 児童手当 認定請求, submitted through intake (status received)."""
    identity, card = card_identity(world.head)
    answers = child_allowance_answers(world, **overrides)
    form = get_catalogue().procedures[CHILD].form
    content = canonical_json(clean_answers(form, answers), {}, form=form)
    result = intake.submit_application(
        identity=identity,
        municipality_code=municipality.code,
        procedure_code=CHILD,
        form_version=1,
        answers=answers,
        signature=card.sign(content, SIGN_PIN),
        signing_certificate_pem=certificate_pem(card),
        now=now,
    )
    assert result.created, result
    return Submitted(result.application, identity)


def resubmit(submitted: Submitted, *, phone: str = "09055556666") -> Application:
    """The resident answers a correction request: a changed answer, signed again, into the same application."""
    submitted.application.refresh_from_db()
    draft = intake.start_correction(identity=submitted.identity, application=submitted.application)
    answers = dict(draft.answers)
    answers["applicant"] = {**answers["applicant"], "phone": phone}
    Draft.objects.filter(pk=draft.pk).update(answers=answers)
    draft.refresh_from_db()
    result = intake.submit_draft_with_card(identity=submitted.identity, draft=draft, pin=SIGN_PIN)
    return result.application


def pull_all() -> Any:
    """Pull everything the intake timeline holds (no settle delay in tests)."""
    from madoguchi.casework.services import pull_submissions

    return pull_submissions(source=IntakeSubmissionSource(settle_seconds=0))


class ListSource:
    """A SubmissionSource over a fixed list of items (cursor = position), for channel tests."""

    name = "test-list"

    def __init__(self, items: list[SubmissionItem]) -> None:
        self.items = [dataclasses.replace(item, cursor=str(i + 1)) for i, item in enumerate(items)]
        self.fetches = 0

    def fetch(self, after_cursor: str, limit: int) -> Batch:
        self.fetches += 1
        start = int(after_cursor or 0)
        chunk = self.items[start : start + limit]
        return Batch(items=tuple(chunk), next_cursor=chunk[-1].cursor if chunk else after_cursor)


@dataclasses.dataclass
class CounterDemo:
    open_id: str  # a counter application ready to confirm (identity recorded, sheet made)
    open_first_page: str
    done_id: str  # a filed one (receipt number issued, case created)
    done_receipt_number: str


def make_counter_sessions(municipality: Municipality, world: World) -> CounterDemo:
    """Two counter applications (書かない窓口) taken by a synthetic clerk: one ready to confirm, one filed."""
    from madoguchi.casework import counter
    from madoguchi.core.models import StaffUser
    from madoguchi.intake.tests.helpers import pregnancy_answers, today

    clerk = StaffUser.objects.create(
        username=f"counter-demo-{municipality.code}", municipality=municipality, role="counter_clerk"
    )
    loss = counter.start_counter_application(
        actor=clerk, resident_id=world.head.pk, procedure_code="child_allowance_eligibility_loss"
    )
    counter.save_counter_answers(
        actor=clerk,
        public_id=loss.public_id,
        values={
            "applicant.phone": "0312345678",
            "loss": {"reason": "stopped_caring", "event_on": today().isoformat()},
            "declaration": {"truthful": True},
        },
    )
    sections = [{"title": "申請内容", "rows": []}]
    counter.confirm_identity(actor=clerk, public_id=loss.public_id, method="my_number_card")
    counter.issue_confirmation_sheet(actor=clerk, public_id=loss.public_id, sections=sections)
    filed = counter.start_counter_application(
        actor=clerk, resident_id=world.wife.pk, procedure_code="pregnancy_notification"
    )
    counter.save_counter_answers(actor=clerk, public_id=filed.public_id, values=dict(pregnancy_answers()))
    counter.confirm_identity(actor=clerk, public_id=filed.public_id, method="my_number_card")
    counter.issue_confirmation_sheet(actor=clerk, public_id=filed.public_id, sections=sections)
    result = counter.submit_counter_application(actor=clerk, public_id=filed.public_id)
    return CounterDemo(
        loss.public_id, counter.form_of(loss).pages[0].key, filed.public_id, result.receipt_number
    )


def make_disposal_proposal(municipality: Municipality, receipt_number: str) -> int:
    """Decide the case (reviewer proposes, approver approves: archived), then propose its disposal as if its
    retention period had passed; returns the proposal's id."""
    from django.utils import timezone

    from madoguchi.casework import retention, services
    from madoguchi.casework.models import Case
    from madoguchi.core.models import StaffUser

    reviewer = StaffUser.objects.create(
        username=f"retention-reviewer-{municipality.code}", municipality=municipality, role="reviewer"
    )
    approver = StaffUser.objects.create(
        username=f"retention-approver-{municipality.code}", municipality=municipality, role="approver"
    )
    case = Case.objects.get(municipality=municipality, receipt_number=receipt_number)
    services.accept_case(actor=reviewer, case_id=case.pk)
    services.claim_case(actor=reviewer, case_id=case.pk)
    services.start_review(actor=reviewer, case_id=case.pk)
    services.propose_decision(actor=reviewer, case_id=case.pk, outcome="grant", reason="届出を受理する。")
    services.approve_step(actor=approver, case_id=case.pk)
    later = timezone.now() + dt.timedelta(days=365 * 8)
    request = retention.propose_disposal(
        actor=reviewer, receipt_numbers=[receipt_number], reason="保存期間満了", now=later
    )
    return request.pk
