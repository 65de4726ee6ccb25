"""児童手当 review reads for the office: the proposals (scoped list) and one proposal with the recipient's history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from madoguchi.benefits.models import ChildAllowanceRecipient
from madoguchi.benefits.models_child_allowance_changes import (
    ChildAllowanceChangeProposal,
    ChildAllowanceRevision,
    ProposalStatus,
    children_in_force,
)
from madoguchi.benefits.rules import child_allowance as rules
from madoguchi.benefits.rules._months import first_of_month
from madoguchi.core.access import log_access, require, scoped
from madoguchi.core.errors import NotFoundInMunicipality
from madoguchi.core.models import StaffUser
from madoguchi.core.roles import Action


def list_proposals(*, actor: StaffUser, status: str = "") -> QuerySet[ChildAllowanceChangeProposal]:
    """The municipality's proposals (pending first, then newest); filtered by status when given."""
    require(actor, Action.REVIEW_CASE)
    proposals = scoped(
        ChildAllowanceChangeProposal.objects.select_related("recipient", "recipient__resident"), actor
    )
    if status in ProposalStatus.values:
        proposals = proposals.filter(status=status)
    return proposals.order_by("status", "effective_month", "id")


@dataclass(frozen=True)
class ProposalView:
    proposal: ChildAllowanceChangeProposal
    recipient: ChildAllowanceRecipient
    revisions: tuple[ChildAllowanceRevision, ...]
    children_now: tuple[tuple[str, rules.ChildQuote], ...]
    total_now_yen: int


def access_proposal(*, actor: StaffUser, proposal_id: int, purpose: str, today: dt.date) -> ProposalView:
    """One proposal with the recipient's children in force this month and the revisions so far; logged."""
    require(actor, Action.REVIEW_CASE)
    proposal = (
        scoped(ChildAllowanceChangeProposal.objects.select_related("recipient", "recipient__resident"), actor)
        .filter(pk=proposal_id)
        .first()
    )
    if proposal is None:
        raise NotFoundInMunicipality("child allowance change proposal")
    recipient = proposal.recipient
    log_access(
        actor=actor,
        subject_type="resident",
        subject_id=recipient.resident_id,
        purpose=purpose,
        action="view_child_allowance_change",
    )
    revisions = tuple(
        ChildAllowanceRevision.objects.filter(recipient=recipient).order_by("effective_month", "id")
    )
    month = max(first_of_month(today), recipient.start_month)
    named = children_in_force(list(recipient.children.all()), list(revisions), month)
    quote = rules.quote(month, [c for _n, c in named])
    children_now = tuple((n, q) for (n, _c), q in zip(named, quote.children, strict=True))
    return ProposalView(proposal, recipient, revisions, children_now, quote.total_monthly_yen)
