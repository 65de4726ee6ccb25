"""Processing deadlines (標準処理期間) in municipal business days — pure functions, no Django.

Business days follow 地方自治法 §4の2 (no weekends, 祝日法 holidays or the 年末年始 closure 12/29–1/3), as
`madoguchi.common.holidays` computes them. The clock starts on the day of 受付 (not counted) and stops while the
resident corrects the application (行政手続法 §7: the time a correction takes is not the office's).
"""

from __future__ import annotations

import datetime as dt

from madoguchi.common.holidays import add_business_days, business_days_between, is_business_day

# "Due soon" on the my-work page: due within this many business days.
DUE_SOON_BUSINESS_DAYS = 3


def due_on(accepted_on: dt.date, processing_days: int) -> dt.date:
    """The deadline: the `processing_days`-th business day after 受付 (a non-business 受付 day rolls forward)."""
    if processing_days < 0:
        raise ValueError("processing_days must not be negative")
    return add_business_days(accepted_on, processing_days)


def extend_for_pause(due: dt.date, paused_on: dt.date, resumed_on: dt.date) -> dt.date:
    """The deadline moved out by the business days the case waited for the resident's correction."""
    if resumed_on < paused_on:
        raise ValueError("resumed_on is before paused_on")
    return add_business_days(due, business_days_between(paused_on, resumed_on))


def business_days_left(due: dt.date, today: dt.date) -> int:
    """Business days from `today` to the deadline (0 on the day; negative once overdue)."""
    return business_days_between(today, due)


def is_overdue(due: dt.date | None, today: dt.date) -> bool:
    """True once the deadline has passed (the deadline day itself is still in time)."""
    return due is not None and today > due


def is_due_soon(due: dt.date | None, today: dt.date) -> bool:
    """True when the deadline is today or within DUE_SOON_BUSINESS_DAYS business days."""
    return (
        due is not None
        and not is_overdue(due, today)
        and business_days_left(due, today) <= DUE_SOON_BUSINESS_DAYS
    )


def due_soon_until(today: dt.date) -> dt.date:
    """The last deadline that is still "due soon" seen from `today`: a deadline is due soon exactly when
    `today <= due <= due_soon_until(today)` (business days left never decrease as the deadline moves later), so a
    list can count due-soon cases with one date range instead of a date calculation per case."""
    last = today
    while business_days_left(last + dt.timedelta(days=1), today) <= DUE_SOON_BUSINESS_DAYS:
        last += dt.timedelta(days=1)
    return last


__all__ = [
    "DUE_SOON_BUSINESS_DAYS",
    "business_days_left",
    "due_on",
    "due_soon_until",
    "extend_for_pause",
    "is_business_day",
    "is_due_soon",
    "is_overdue",
]
