"""Age arithmetic under 年齢計算ニ関スル法律 and 民法 §143.

A person *reaches* age N on the day before the N-th anniversary of birth (民法 §143: a period counted in years
ends on the day before the corresponding day). For 29 February births the anniversary in a common year has no
corresponding day, so the period ends at the end of February (民法 §143② ただし書) and the reach date
is 28 February.
"""

from __future__ import annotations

import datetime as dt


def anniversary(birth_date: dt.date, years: int) -> dt.date:
    """The N-th anniversary of `birth_date`; 29 February falls back to 1 March's eve (28 February)."""
    year = birth_date.year + years
    try:
        return birth_date.replace(year=year)
    except ValueError:  # 29 February in a common year
        return dt.date(year, 3, 1)


def reach_date(birth_date: dt.date, years: int) -> dt.date:
    """The day a person born on `birth_date` reaches `years` of age (N歳に達する日): anniversary − 1 day."""
    return anniversary(birth_date, years) - dt.timedelta(days=1)


def age_on(birth_date: dt.date, on: dt.date) -> int:
    """Legal age on date `on` (the largest N whose reach date is on or before `on`); 0 before the first."""
    if on < birth_date:
        raise ValueError("date is before the birth date")
    # Start one above the calendar-year difference: someone born on 1 January reaches the new age on 31 December.
    years = on.year - birth_date.year + 1
    while years > 0 and reach_date(birth_date, years) > on:
        years -= 1
    return years


def fiscal_year_end_on_or_after(day: dt.date) -> dt.date:
    """The first 31 March on or after `day` (end of the Japanese fiscal/school year)."""
    return dt.date(day.year if day.month <= 3 else day.year + 1, 3, 31)


def fiscal_year_of(day: dt.date) -> int:
    """The fiscal year (年度, April–March) that contains `day`, named by the year it starts in."""
    return day.year if day.month >= 4 else day.year - 1


def school_entry_year(birth_date: dt.date) -> int:
    """Year Y whose 1 April the child enters 小学校: dob in [(Y−7)-04-02, (Y−6)-04-01] (学校教育法 §17)."""
    # The child must have reached 6 (birthday − 1 day) before the school year starts, so 4/1 births join the
    # earlier cohort (registry.md §16).
    if (birth_date.month, birth_date.day) <= (4, 1):
        return birth_date.year + 6
    return birth_date.year + 7
