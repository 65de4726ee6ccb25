"""Test helpers: a 児童手当 change proposal raised by the review scan (for the page scans and browser tests)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from madoguchi.benefits.child_allowance_review import run_child_allowance_review
from madoguchi.benefits.models import ChildAllowanceRecipient
from madoguchi.benefits.models_child_allowance_changes import ChildAllowanceChangeProposal
from madoguchi.registry.models import EventKind, RegistryEvent

MOVED_OUT_ON = dt.date(2027, 2, 10)


def make_change_proposal(recipient_id: int) -> ChildAllowanceChangeProposal:
    """The recipient's 転出 (2027-02-10) recorded in the registry and the review scan run: one pending proposal."""
    recipient = ChildAllowanceRecipient.objects.select_related("resident").get(pk=recipient_id)
    RegistryEvent.objects.create(
        municipality_id=recipient.municipality_id,
        resident=recipient.resident,
        kind=EventKind.MOVE_OUT,
        effective_on=MOVED_OUT_ON,
        filed_on=MOVED_OUT_ON,
        recorded_at=timezone.now(),
        household_id=recipient.resident.household_id,
        state_after={},
        actor_id="test",
        actor_display="test",
    )
    run_child_allowance_review(municipality_code=recipient.municipality_id, on=dt.date(2027, 2, 28))
    return ChildAllowanceChangeProposal.objects.get(
        recipient=recipient, source_event__effective_on=MOVED_OUT_ON
    )
