"""児童手当 現況届 reads for the office (scoped to the actor's municipality)."""

from __future__ import annotations

from madoguchi.benefits.models import ChildAllowanceRecipient
from madoguchi.benefits.models_child_allowance_status import ChildAllowanceStatusReport
from madoguchi.core.access import require, scoped
from madoguchi.core.models import StaffUser
from madoguchi.core.roles import Action


def list_status_reports(
    *, actor: StaffUser, recipient: ChildAllowanceRecipient
) -> list[ChildAllowanceStatusReport]:
    """The recipient's 現況届, newest year first (shown with the recipient, whose opening is access-logged)."""
    require(actor, Action.VIEW_RESIDENT)
    return list(
        scoped(ChildAllowanceStatusReport.objects.select_related("decided_by"), actor).filter(
            recipient=recipient
        )
    )
