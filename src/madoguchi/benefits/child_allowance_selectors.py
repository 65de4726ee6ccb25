"""児童手当 reads for the office: recipients (scoped; one recipient is access-logged with its purpose) and payment runs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from madoguchi.benefits.child_allowance_services import child_inputs
from madoguchi.benefits.models import ChildAllowanceRecipient, PaidMonth, PaymentItem, PaymentRun
from madoguchi.benefits.models_child_allowance_changes import ChildAllowanceRevision, children_in_force
from madoguchi.benefits.rules import child_allowance as rules
from madoguchi.benefits.rules._months import add_months, first_of_month, iter_months
from madoguchi.core.access import log_access, require, scoped
from madoguchi.core.errors import NotFoundInMunicipality
from madoguchi.core.models import StaffUser
from madoguchi.core.roles import Action


def list_child_allowance_recipients(*, actor: StaffUser) -> QuerySet[ChildAllowanceRecipient]:
    """The municipality's 児童手当 recipients, by certification number (list only: no single record is opened)."""
    require(actor, Action.SEARCH_RESIDENTS)
    return scoped(ChildAllowanceRecipient.objects.select_related("resident"), actor).order_by(
        "-certification_number"
    )


@dataclass(frozen=True)
class UpcomingPayment:
    payment_month: dt.date
    months: tuple[rules.MonthAmount, ...]
    total_yen: int
    paid: bool


@dataclass(frozen=True)
class RecipientView:
    recipient: ChildAllowanceRecipient
    current_month: dt.date
    current_quote: rules.Quote
    upcoming: tuple[UpcomingPayment, ...]


def access_child_allowance_recipient(
    *, actor: StaffUser, recipient_id: int, purpose: str, today: dt.date, payments_ahead: int = 6
) -> RecipientView:
    """One recipient with this month's per-child amounts and the next payments (per allowance month); logged."""
    require(actor, Action.VIEW_RESIDENT)
    recipient = (
        scoped(ChildAllowanceRecipient.objects.select_related("resident"), actor)
        .filter(pk=recipient_id)
        .first()
    )
    if recipient is None:
        raise NotFoundInMunicipality("child allowance recipient")
    log_access(
        actor=actor,
        subject_type="resident",
        subject_id=recipient.resident_id,
        purpose=purpose,
        action="view_child_allowance",
    )
    inputs = child_inputs(recipient)
    month = max(first_of_month(today), recipient.start_month)
    current = rules.quote(month, inputs)
    paid = set(PaidMonth.objects.filter(recipient=recipient).values_list("allowance_month", flat=True))
    # From the allowance months not yet paid onwards (the start month, or the first month of this payment period).
    first = max(recipient.start_month, add_months(rules.payment_month_for(first_of_month(today)), -2))
    last = recipient.end_month or add_months(first, 2 * payments_ahead)
    # Each month from the children in force then (approved revisions applied), as payment runs compute it.
    revisions = list(ChildAllowanceRevision.objects.filter(recipient=recipient))
    by_payment: dict[dt.date, list[rules.MonthAmount]] = {}
    for m in iter_months(first, min(last, add_months(first, 2 * payments_ahead))):
        in_force = [c for _n, c in children_in_force(recipient.children.all(), revisions, m)]
        amount = rules.MonthAmount(m, rules.quote(m, in_force).total_monthly_yen)
        by_payment.setdefault(rules.payment_month_for(m), []).append(amount)
    schedule = [
        rules.Payment(paid_in, tuple(ms), sum(x.total_monthly_yen for x in ms))
        for paid_in, ms in sorted(by_payment.items())
        if sum(x.total_monthly_yen for x in ms) > 0
    ]
    upcoming = tuple(
        UpcomingPayment(p.payment_month, p.months, p.total_yen, all(m.month in paid for m in p.months))
        for p in schedule[:payments_ahead]
    )
    return RecipientView(recipient, month, current, upcoming)


def list_payment_runs(*, actor: StaffUser) -> QuerySet[PaymentRun]:
    """Payment runs of the municipality, newest payment month first."""
    require(actor, Action.RUN_BENEFIT_PAYMENTS)
    return scoped(PaymentRun.objects.all(), actor).defer("transfer_file", "register_csv")


def get_payment_run(*, actor: StaffUser, run_id: int) -> tuple[PaymentRun, list[PaymentItem]]:
    """One run with its items (payees and blocked payees)."""
    require(actor, Action.RUN_BENEFIT_PAYMENTS)
    run = scoped(PaymentRun.objects.all(), actor).filter(pk=run_id).first()
    if run is None:
        raise NotFoundInMunicipality("payment run")
    items = list(
        run.items.select_related("recipient", "recipient__resident").order_by(
            "recipient__certification_number"
        )
    )
    return run, items
