"""Calendar-month helpers (months are represented by the date of their first day)."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator


def first_of_month(day: dt.date) -> dt.date:
    """The first day of the month containing `day`."""
    return day.replace(day=1)


def add_months(month: dt.date, count: int) -> dt.date:
    """The first day of the month `count` months after (or before) the month containing `month`."""
    index = month.year * 12 + (month.month - 1) + count
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(day: dt.date) -> dt.date:
    """The last day of the month containing `day`."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def require_first_of_month(month: dt.date, name: str = "month") -> None:
    """Raise ValueError unless `month` is the first day of a month."""
    if month.day != 1:
        raise ValueError(f"{name} must be the first day of a month, got {month.isoformat()}")


def iter_months(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    """Months from `first` to `last` inclusive (both normalized to the first of their month)."""
    month, stop = first_of_month(first), first_of_month(last)
    while month <= stop:
        yield month
        month = add_months(month, 1)
