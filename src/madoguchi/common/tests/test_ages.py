import datetime as dt

import pytest

from madoguchi.common.ages import (
    age_on,
    anniversary,
    fiscal_year_end_on_or_after,
    fiscal_year_of,
    reach_date,
    school_entry_year,
)

D = dt.date


@pytest.mark.parametrize(
    ("birth", "years", "expected"),
    [
        (D(2000, 5, 10), 18, D(2018, 5, 10)),
        (D(2000, 2, 29), 1, D(2001, 3, 1)),  # no 2/29 in a common year
        (D(2000, 2, 29), 4, D(2004, 2, 29)),
        (D(2000, 2, 29), 0, D(2000, 2, 29)),
        (D(1999, 12, 31), 1, D(2000, 12, 31)),
    ],
)
def test_anniversary(birth: dt.date, years: int, expected: dt.date) -> None:
    assert anniversary(birth, years) == expected


@pytest.mark.parametrize(
    ("birth", "years", "expected"),
    [
        (D(2008, 11, 27), 18, D(2026, 11, 26)),  # 18th birthday the day after → reaches 18 the day before
        (D(2000, 2, 29), 18, D(2018, 2, 28)),  # Feb-29: reach date is Feb 28 in a common year
        (D(2000, 2, 29), 20, D(2020, 2, 28)),  # … and also in a leap year (anniversary 2/29 − 1 day)
        (D(2004, 2, 29), 1, D(2005, 2, 28)),
        (D(2000, 3, 1), 18, D(2018, 2, 28)),
        (D(1996, 3, 1), 24, D(2020, 2, 29)),
        (D(2008, 4, 1), 18, D(2026, 3, 31)),  # 4/1 birthday: reach date is 3/31 itself
        (D(2008, 1, 1), 18, D(2025, 12, 31)),  # crosses a year boundary
        (D(1961, 6, 1), 65, D(2026, 5, 31)),  # 介護 第1号: born on the 1st → eligible a month earlier
        (D(1986, 6, 2), 40, D(2026, 6, 1)),
    ],
)
def test_reach_date(birth: dt.date, years: int, expected: dt.date) -> None:
    assert reach_date(birth, years) == expected


@pytest.mark.parametrize(
    ("birth", "on", "expected"),
    [
        (D(2008, 11, 27), D(2026, 11, 26), 18),  # may vote: 18th birthday is the day after polling day
        (D(2008, 11, 28), D(2026, 11, 26), 17),
        (D(2008, 11, 27), D(2026, 11, 25), 17),
        (D(2000, 2, 29), D(2018, 2, 28), 18),
        (D(2000, 2, 29), D(2018, 2, 27), 17),
        (D(2000, 2, 29), D(2020, 2, 28), 20),
        (D(2000, 2, 29), D(2020, 2, 27), 19),
        (D(2026, 11, 26), D(2026, 11, 26), 0),
        (D(2025, 11, 27), D(2026, 11, 26), 1),
        (D(2025, 11, 28), D(2026, 11, 26), 0),
        (D(1961, 6, 1), D(2026, 5, 31), 65),
        (D(1961, 6, 1), D(2026, 5, 30), 64),
    ],
)
def test_age_on(birth: dt.date, on: dt.date, expected: int) -> None:
    assert age_on(birth, on) == expected


def test_age_on_before_birth() -> None:
    with pytest.raises(ValueError, match="before the birth date"):
        age_on(D(2026, 11, 26), D(2026, 11, 25))


@pytest.mark.parametrize(
    ("day", "fy_end", "fy"),
    [
        (D(2026, 3, 31), D(2026, 3, 31), 2025),
        (D(2026, 4, 1), D(2027, 3, 31), 2026),
        (D(2026, 1, 1), D(2026, 3, 31), 2025),
        (D(2026, 12, 31), D(2027, 3, 31), 2026),
    ],
)
def test_fiscal_year(day: dt.date, fy_end: dt.date, fy: int) -> None:
    assert fiscal_year_end_on_or_after(day) == fy_end
    assert fiscal_year_of(day) == fy


@pytest.mark.parametrize(
    ("birth", "expected"),
    [
        (D(2008, 4, 1), D(2026, 3, 31)),  # reaches 18 on 3/31 → that very 3/31
        (D(2008, 4, 2), D(2027, 3, 31)),
        (D(2008, 3, 31), D(2026, 3, 31)),
        (D(2008, 2, 29), D(2026, 3, 31)),
    ],
)
def test_first_march_31_after_reaching_18(birth: dt.date, expected: dt.date) -> None:
    # 児童手当: 「18歳に達する日以後の最初の3月31日」
    assert fiscal_year_end_on_or_after(reach_date(birth, 18)) == expected


@pytest.mark.parametrize(
    ("birth", "year"),
    [
        (D(2019, 4, 1), 2025),  # registry.md §16 check
        (D(2019, 4, 2), 2026),
        (D(2020, 4, 1), 2026),
        (D(2020, 2, 29), 2026),
        (D(2020, 1, 1), 2026),
        (D(2019, 12, 31), 2026),
        (D(2020, 4, 2), 2027),
    ],
)
def test_school_entry_year(birth: dt.date, year: int) -> None:
    assert school_entry_year(birth) == year


def test_school_entry_year_agrees_with_reach_date_rule() -> None:
    # Enter on the first 4/1 strictly after the day of reaching 6 (学校教育法 §17).
    day = D(2016, 1, 1)
    while day < D(2021, 1, 1):
        reach6 = reach_date(day, 6)
        entry = D(reach6.year if reach6 < D(reach6.year, 4, 1) else reach6.year + 1, 4, 1)
        assert school_entry_year(day) == entry.year, day
        lo, hi = D(entry.year - 7, 4, 2), D(entry.year - 6, 4, 1)
        assert lo <= day <= hi
        day += dt.timedelta(days=1)


def test_age_goes_up_on_new_years_eve_for_first_of_january_births() -> None:
    import datetime as dt

    from madoguchi.common.ages import age_on

    assert age_on(dt.date(2000, 1, 1), dt.date(2009, 12, 30)) == 9
    assert age_on(dt.date(2000, 1, 1), dt.date(2009, 12, 31)) == 10
