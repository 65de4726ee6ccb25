"""児童手当 (child allowance) — rules from the 2024-10 reform (令和6年10月分から; benefits.md §1, §1.1).

Month semantics used throughout: an allowance *month* is the date of its first day. A child is
considered for a month only if born before that month starts: 児童手当 is paid from the month after the
claim (or, with the 15日特例, after the birth), so a child born during month M can change the amount
from M+1 at the earliest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum

from madoguchi.benefits.parameters import in_force
from madoguchi.benefits.rules._months import (
    add_months,
    first_of_month,
    iter_months,
    month_end,
    require_first_of_month,
)
from madoguchi.common.ages import fiscal_year_end_on_or_after, reach_date


@dataclass(frozen=True)
class ChildAllowanceParameters:
    """Monthly amounts and age limits in force from `effective_from`."""

    effective_from: dt.date
    under_3_first_second_yen: int
    from_3_first_second_yen: int
    third_or_later_yen: int
    # 支給対象: until the first 31 March on/after reaching this age (高校生年代).
    paid_until_age: int
    # 多子加算 counting window: until the first 31 March on/after reaching this age (大学生年代).
    counted_until_age: int
    # 月額 15,000 while 「3歳に満たない」 (through the month containing the 3rd birthday).
    younger_rate_until_age: int
    # 15日特例 (児童手当法 §8③): claim within this many days after the birth / move-in.
    claim_grace_days: int


PARAMETERS: tuple[ChildAllowanceParameters, ...] = (
    ChildAllowanceParameters(
        effective_from=dt.date(2024, 10, 1),
        under_3_first_second_yen=15_000,
        from_3_first_second_yen=10_000,
        third_or_later_yen=30_000,
        paid_until_age=18,
        counted_until_age=22,
        younger_rate_until_age=3,
        claim_grace_days=15,
    ),
)


def parameters_for(month: dt.date) -> ChildAllowanceParameters:
    """The parameter set in force for `month` (ValueError before the 2024-10 reform)."""
    return in_force(PARAMETERS, month, what="child allowance (2024-10 reform; earlier rules not supported)")


@dataclass(frozen=True)
class ChildInput:
    """A child the recipient cares for (監護) or supports.

    `supported` matters only for 大学生年代 children (after the 18歳年度末, up to the 22歳年度末): they
    count for birth order only when the recipient bears their living costs and has filed the 確認書.
    """

    birth_date: dt.date
    supported: bool = False


@dataclass(frozen=True)
class ChildQuote:
    birth_date: dt.date
    birth_order: int | None  # 第n子 for the 多子 count; None when the child does not count
    eligible: bool  # 支給対象 this month
    monthly_yen: int


@dataclass(frozen=True)
class Quote:
    month: dt.date
    children: tuple[ChildQuote, ...]  # same order as the input
    total_monthly_yen: int


def paid_until_on(birth_date: dt.date, params: ChildAllowanceParameters | None = None) -> dt.date:
    """The last day a child is 支給対象: the first 31 March on/after reaching 18."""
    p = params or PARAMETERS[-1]
    return fiscal_year_end_on_or_after(reach_date(birth_date, p.paid_until_age))


def counted_until_on(birth_date: dt.date, params: ChildAllowanceParameters | None = None) -> dt.date:
    """The last day a child counts for birth order: the first 31 March on/after reaching 22."""
    p = params or PARAMETERS[-1]
    return fiscal_year_end_on_or_after(reach_date(birth_date, p.counted_until_age))


def last_paid_month(birth_date: dt.date, params: ChildAllowanceParameters | None = None) -> dt.date:
    """The last allowance month for a child (the March of the 18歳年度末)."""
    return first_of_month(paid_until_on(birth_date, params))


def _younger_rate_applies(birth_date: dt.date, month: dt.date, years: int) -> bool:
    # benefits.md §1: 15,000 through the month containing the 3rd birthday. 児童手当法 §6
    # 「3歳に満たない児童（月の初日に生まれた児童については、出生の日から3年を経過しない児童）」:
    # the 1st-of-month clause keeps children born on the 1st (who reach 3 on the last day of the previous
    # month) on the higher rate through their birthday month too, so the cut-off is the birthday month
    # for everyone (29 February births: February).
    return (month.year, month.month) <= (birth_date.year + years, birth_date.month)


def quote(
    month: dt.date, children: Sequence[ChildInput], params: ChildAllowanceParameters | None = None
) -> Quote:
    """Per-child and total monthly amounts for `month` (first of month), ranked by the 22-year rule."""
    require_first_of_month(month)
    p = params or parameters_for(month)
    counted: list[int] = []
    for index, child in enumerate(children):
        if child.birth_date >= month:
            continue  # not yet born before this month: cannot count before the month after the birth
        paid = month <= paid_until_on(child.birth_date, p)
        # 大学生年代 children count only when supported (確認書 filed), never past the 22歳年度末.
        university_age_counted = child.supported and month <= counted_until_on(child.birth_date, p)
        if paid or university_age_counted:
            counted.append(index)
    # §1.1: oldest = 第1子. sorted() is stable, so same-day births (twins) keep the input order.
    ranked = sorted(counted, key=lambda i: children[i].birth_date)
    order = {index: rank for rank, index in enumerate(ranked, start=1)}

    quotes: list[ChildQuote] = []
    for index, child in enumerate(children):
        birth_order = order.get(index)
        eligible = birth_order is not None and month <= paid_until_on(child.birth_date, p)
        amount = 0
        if eligible and birth_order is not None:
            if birth_order >= 3:
                amount = p.third_or_later_yen
            elif _younger_rate_applies(child.birth_date, month, p.younger_rate_until_age):
                amount = p.under_3_first_second_yen
            else:
                amount = p.from_3_first_second_yen
        quotes.append(ChildQuote(child.birth_date, birth_order, eligible, amount))
    return Quote(month, tuple(quotes), sum(q.monthly_yen for q in quotes))


def start_month(
    claim_on: dt.date, event_on: dt.date | None = None, params: ChildAllowanceParameters | None = None
) -> dt.date:
    """First allowance month: the month after the claim, or after the birth/move-in if claimed within 15 days.

    Pass `event_on` only for a birth (出生) or move-in (転入/転入予定) — the events the 15日特例 covers.
    """
    if event_on is not None and event_on > claim_on:
        raise ValueError("event_on must not be after claim_on")
    p = params or parameters_for(first_of_month(claim_on))
    # 児童手当法 §8③: 「その事由が生じた日の翌日から起算して15日以内」 → claim_on − event_on ≤ 15 days.
    if event_on is not None and (claim_on - event_on).days <= p.claim_grace_days:
        return add_months(first_of_month(event_on), 1)
    return add_months(first_of_month(claim_on), 1)


def end_month(ended_on: dt.date) -> dt.date:
    """Last allowance month when the 支給事由 ends on `ended_on` (e.g. 転出): the month containing it."""
    # 児童手当法 §8②: paid through the month in which the 支給事由 is extinguished.
    return first_of_month(ended_on)


def payment_month_for(month: dt.date) -> dt.date:
    """The payment month that pays allowance month `month`: the first even month strictly after it."""
    return add_months(first_of_month(month), 2 if month.month % 2 == 0 else 1)


def covered_months(payment_month: dt.date) -> tuple[dt.date, dt.date]:
    """The two allowance months paid in an even `payment_month` (e.g. April pays February and March)."""
    require_first_of_month(payment_month, "payment_month")
    if payment_month.month % 2:
        raise ValueError("child allowance is paid in even months only")
    return add_months(payment_month, -2), add_months(payment_month, -1)


def payment_months(fiscal_year: int) -> list[dt.date]:
    """The six payment months falling in `fiscal_year` (April, June, August, October, December, February)."""
    return [add_months(dt.date(fiscal_year, 4, 1), 2 * k) for k in range(6)]


def payment_date(payment_month: dt.date, day: int, holidays: Collection[dt.date] = ()) -> dt.date:
    """The payment date in `payment_month` on the municipality's `day`, moved back over weekends/holidays."""
    if not 1 <= day <= 31:
        raise ValueError("day must be between 1 and 31")
    paid_on = payment_month.replace(day=min(day, month_end(payment_month).day))
    # benefits.md §1: a holiday moves the payment to the previous business day.
    while paid_on.weekday() >= 5 or paid_on in holidays:
        paid_on -= dt.timedelta(days=1)
    return paid_on


@dataclass(frozen=True)
class MonthAmount:
    month: dt.date
    total_monthly_yen: int


@dataclass(frozen=True)
class Payment:
    payment_month: dt.date
    months: tuple[MonthAmount, ...]
    total_yen: int


def payment_schedule(
    children: Sequence[ChildInput],
    first_month: dt.date,
    last_month: dt.date | None = None,
    params: ChildAllowanceParameters | None = None,
) -> list[Payment]:
    """Bimonthly payments for months `first_month`..`last_month` (default: the last paid child's March).

    Payments whose total is 0 are left out.
    """
    require_first_of_month(first_month, "first_month")
    if last_month is None:
        if not children:
            raise ValueError("last_month is required when there are no children")
        last_month = max(last_paid_month(c.birth_date, params) for c in children)
    require_first_of_month(last_month, "last_month")
    by_payment: dict[dt.date, list[MonthAmount]] = {}
    for month in iter_months(first_month, last_month):
        total = quote(month, children, params).total_monthly_yen
        by_payment.setdefault(payment_month_for(month), []).append(MonthAmount(month, total))
    payments = [
        Payment(paid_in, tuple(months), sum(m.total_monthly_yen for m in months))
        for paid_in, months in sorted(by_payment.items())
    ]
    return [payment for payment in payments if payment.total_yen > 0]


class ChangeReason(StrEnum):
    BIRTH = "birth"  # 出生: counted from the month after the birth (at the earliest)
    TURNED_3 = "turned_3"  # 3歳到達: 15,000 → 10,000 from the month after the 3rd birthday month
    PASSED_18_FY_END = "passed_18_fy_end"  # 18歳年度末 passed: no longer paid; counts only if supported
    PASSED_22_FY_END = "passed_22_fy_end"  # 22歳年度末 passed: no longer counted for birth order


@dataclass(frozen=True)
class AmountChange:
    month: dt.date  # the first month at the new total
    previous_total_yen: int
    total_yen: int
    reasons: tuple[ChangeReason, ...]


def amount_changes(
    children: Sequence[ChildInput],
    first_month: dt.date,
    last_month: dt.date,
    params: ChildAllowanceParameters | None = None,
) -> list[AmountChange]:
    """Months in (`first_month`, `last_month`] where the household total differs from the month before.

    Used to propose 額改定: a birth needs the recipient's 額改定請求 (the 15日特例 applies to it as to
    the first claim), while decreases are made ex officio. TURNED_3 is automatic and needs no 額改定.
    """
    require_first_of_month(first_month, "first_month")
    require_first_of_month(last_month, "last_month")
    changes: list[AmountChange] = []
    previous = quote(first_month, children, params).total_monthly_yen
    for month in iter_months(add_months(first_month, 1), last_month):
        p = params or parameters_for(month)
        total = quote(month, children, p).total_monthly_yen
        if total != previous:
            reasons: list[ChangeReason] = []
            for child in children:
                dob = child.birth_date
                if add_months(first_of_month(dob), 1) == month:
                    reasons.append(ChangeReason.BIRTH)
                younger_end = dt.date(dob.year + p.younger_rate_until_age, dob.month, 1)
                if add_months(younger_end, 1) == month:
                    reasons.append(ChangeReason.TURNED_3)
                if add_months(first_of_month(paid_until_on(dob, p)), 1) == month:
                    reasons.append(ChangeReason.PASSED_18_FY_END)
                if child.supported and add_months(first_of_month(counted_until_on(dob, p)), 1) == month:
                    reasons.append(ChangeReason.PASSED_22_FY_END)
            changes.append(AmountChange(month, previous, total, tuple(dict.fromkeys(reasons))))
        previous = total
    return changes
