"""Processing deadlines in business days, worked by hand across weekends, holidays and the year-end closure."""

from __future__ import annotations

import datetime as dt

import pytest

from madoguchi.casework import deadlines

D = dt.date


@pytest.mark.parametrize(
    ("accepted_on", "days", "expected", "why"),
    [
        (D(2026, 11, 26), 1, D(2026, 11, 27), "Thursday → Friday"),
        (D(2026, 11, 27), 1, D(2026, 11, 30), "Friday → Monday over the weekend"),
        (D(2026, 11, 28), 1, D(2026, 11, 30), "accepted on a Saturday: the first business day after"),
        (D(2026, 12, 25), 3, D(2027, 1, 5), "12/28, then 12/29–1/3 closed, 1/4, 1/5"),
        (D(2026, 12, 28), 1, D(2027, 1, 4), "the last day before the closure → the first day after it"),
        (D(2026, 12, 30), 0, D(2027, 1, 4), "0 days on a closure day rolls forward"),
        (D(2026, 11, 26), 0, D(2026, 11, 26), "0 days on a business day is that day"),
        (D(2026, 4, 28), 5, D(2026, 5, 11), "Golden Week: 昭和の日, 5/3–5/5 and 振替休日 5/6"),
        (D(2026, 9, 18), 2, D(2026, 9, 25), "Silver Week: 敬老の日 9/21, 国民の休日 9/22, 秋分の日 9/23"),
        (D(2027, 1, 8), 1, D(2027, 1, 12), "成人の日 2027-01-11 (second Monday)"),
        (D(2026, 12, 25), 30, D(2027, 2, 15), "30 days: closure, 成人の日 and 建国記念の日 skipped"),
        (D(2026, 11, 20), 7, D(2026, 12, 2), "勤労感謝の日 2026-11-23 (Monday)"),
    ],
)
def test_due_on(accepted_on: dt.date, days: int, expected: dt.date, why: str) -> None:
    assert deadlines.due_on(accepted_on, days) == expected, why


@pytest.mark.parametrize(
    ("due", "paused_on", "resumed_on", "expected"),
    [
        # Paused Tue 12/1, resumed Tue 12/8: 5 business days (12/2, 3, 4, 7, 8) added to Thu 12/10.
        (D(2026, 12, 10), D(2026, 12, 1), D(2026, 12, 8), D(2026, 12, 17)),
        # Resumed the same day: nothing added.
        (D(2026, 12, 10), D(2026, 12, 1), D(2026, 12, 1), D(2026, 12, 10)),
        # Paused over the closure: only 12/28 and 1/4 count (2 days), due 12/25 → 12/28 (1) → 1/4 (2).
        (D(2026, 12, 25), D(2026, 12, 25), D(2027, 1, 4), D(2027, 1, 4)),
    ],
)
def test_extend_for_pause(due: dt.date, paused_on: dt.date, resumed_on: dt.date, expected: dt.date) -> None:
    assert deadlines.extend_for_pause(due, paused_on, resumed_on) == expected


@pytest.mark.parametrize(
    ("due", "today", "left", "overdue", "soon"),
    [
        (D(2026, 12, 2), D(2026, 11, 26), 4, False, False),  # 11/27, 11/30, 12/1, 12/2
        (D(2026, 12, 1), D(2026, 11, 26), 3, False, True),
        (D(2026, 11, 26), D(2026, 11, 26), 0, False, True),  # the deadline day is still in time
        (D(2026, 11, 25), D(2026, 11, 26), -1, True, False),
        (D(2027, 1, 4), D(2026, 12, 28), 1, False, True),  # over the closure it is one business day
    ],
)
def test_days_left_overdue_and_due_soon(due, today, left, overdue, soon) -> None:
    assert deadlines.business_days_left(due, today) == left
    assert deadlines.is_overdue(due, today) is overdue
    assert deadlines.is_due_soon(due, today) is soon


def test_invalid_inputs() -> None:
    assert deadlines.is_overdue(None, D(2026, 1, 1)) is False
    with pytest.raises(ValueError):
        deadlines.due_on(D(2026, 1, 5), -1)
    with pytest.raises(ValueError):
        deadlines.extend_for_pause(D(2026, 1, 5), D(2026, 1, 6), D(2026, 1, 5))


@pytest.mark.parametrize(
    "today",
    [
        dt.date(2026, 11, 26),  # Thursday
        dt.date(2026, 11, 20),  # Friday before 勤労感謝の日 (Mon 23 Nov)
        dt.date(2026, 12, 25),  # before the 年末年始 closure
        dt.date(2026, 12, 30),  # inside the closure
        dt.date(2027, 4, 28),  # before Golden Week
        dt.date(2027, 5, 1),  # a Saturday in Golden Week
    ],
)
def test_due_soon_until_is_the_range_is_due_soon_describes(today: dt.date) -> None:
    limit = deadlines.due_soon_until(today)
    for offset in range(-5, 40):
        due = today + dt.timedelta(days=offset)
        assert deadlines.is_due_soon(due, today) == (today <= due <= limit), (today, due, limit)
