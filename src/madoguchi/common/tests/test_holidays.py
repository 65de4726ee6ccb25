import datetime as dt

import pytest

from madoguchi.common.holidays import (
    add_business_days,
    autumnal_equinox_day,
    business_days_between,
    holiday_name,
    holidays_in,
    is_business_day,
    is_holiday,
    is_year_end_closure,
    vernal_equinox_day,
)

D = dt.date

# Published holiday lists (内閣府 「国民の祝日について」) for 2024–2026.
KNOWN: dict[int, dict[dt.date, str]] = {
    2024: {
        D(2024, 1, 1): "元日",
        D(2024, 1, 8): "成人の日",
        D(2024, 2, 11): "建国記念の日",
        D(2024, 2, 12): "振替休日",
        D(2024, 2, 23): "天皇誕生日",
        D(2024, 3, 20): "春分の日",
        D(2024, 4, 29): "昭和の日",
        D(2024, 5, 3): "憲法記念日",
        D(2024, 5, 4): "みどりの日",
        D(2024, 5, 5): "こどもの日",
        D(2024, 5, 6): "振替休日",
        D(2024, 7, 15): "海の日",
        D(2024, 8, 11): "山の日",
        D(2024, 8, 12): "振替休日",
        D(2024, 9, 16): "敬老の日",
        D(2024, 9, 22): "秋分の日",
        D(2024, 9, 23): "振替休日",
        D(2024, 10, 14): "スポーツの日",
        D(2024, 11, 3): "文化の日",
        D(2024, 11, 4): "振替休日",
        D(2024, 11, 23): "勤労感謝の日",
    },
    2025: {
        D(2025, 1, 1): "元日",
        D(2025, 1, 13): "成人の日",
        D(2025, 2, 11): "建国記念の日",
        D(2025, 2, 23): "天皇誕生日",
        D(2025, 2, 24): "振替休日",
        D(2025, 3, 20): "春分の日",
        D(2025, 4, 29): "昭和の日",
        D(2025, 5, 3): "憲法記念日",
        D(2025, 5, 4): "みどりの日",
        D(2025, 5, 5): "こどもの日",
        D(2025, 5, 6): "振替休日",
        D(2025, 7, 21): "海の日",
        D(2025, 8, 11): "山の日",
        D(2025, 9, 15): "敬老の日",
        D(2025, 9, 23): "秋分の日",
        D(2025, 10, 13): "スポーツの日",
        D(2025, 11, 3): "文化の日",
        D(2025, 11, 23): "勤労感謝の日",
        D(2025, 11, 24): "振替休日",
    },
    2026: {
        D(2026, 1, 1): "元日",
        D(2026, 1, 12): "成人の日",
        D(2026, 2, 11): "建国記念の日",
        D(2026, 2, 23): "天皇誕生日",
        D(2026, 3, 20): "春分の日",
        D(2026, 4, 29): "昭和の日",
        D(2026, 5, 3): "憲法記念日",
        D(2026, 5, 4): "みどりの日",
        D(2026, 5, 5): "こどもの日",
        D(2026, 5, 6): "振替休日",
        D(2026, 7, 20): "海の日",
        D(2026, 8, 11): "山の日",
        D(2026, 9, 21): "敬老の日",
        D(2026, 9, 22): "国民の休日",
        D(2026, 9, 23): "秋分の日",
        D(2026, 10, 12): "スポーツの日",
        D(2026, 11, 3): "文化の日",
        D(2026, 11, 23): "勤労感謝の日",
    },
}


@pytest.mark.parametrize("year", sorted(KNOWN))
def test_full_year_lists(year: int) -> None:
    assert holidays_in(year) == KNOWN[year]
    assert list(holidays_in(year)) == sorted(KNOWN[year])


def test_2019_enthronement_year() -> None:
    h = holidays_in(2019)
    assert h[D(2019, 4, 30)] == "国民の休日"
    assert h[D(2019, 5, 1)] == "天皇の即位の日"
    assert h[D(2019, 5, 2)] == "国民の休日"
    assert h[D(2019, 5, 6)] == "振替休日"
    assert h[D(2019, 10, 22)] == "即位礼正殿の儀"
    assert D(2019, 12, 23) not in h
    assert "天皇誕生日" not in h.values()
    assert len(h) == 22


def test_olympic_years() -> None:
    h2020 = holidays_in(2020)
    assert h2020[D(2020, 7, 23)] == "海の日"
    assert h2020[D(2020, 7, 24)] == "スポーツの日"
    assert h2020[D(2020, 8, 10)] == "山の日"
    assert h2020[D(2020, 2, 24)] == "振替休日"
    assert D(2020, 10, 12) not in h2020
    assert D(2020, 8, 11) not in h2020
    h2021 = holidays_in(2021)
    assert h2021[D(2021, 7, 22)] == "海の日"
    assert h2021[D(2021, 7, 23)] == "スポーツの日"
    assert h2021[D(2021, 8, 8)] == "山の日"
    assert h2021[D(2021, 8, 9)] == "振替休日"
    assert D(2021, 10, 11) not in h2021
    assert len(h2021) == 17


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (D(1980, 1, 15), "成人の日"),
        (D(1985, 4, 29), "天皇誕生日"),
        (D(1987, 5, 4), "振替休日"),  # 5/3 Sunday
        (D(1988, 5, 4), "国民の休日"),  # first 国民の休日
        (D(1988, 3, 21), "振替休日"),
        (D(1989, 1, 2), "振替休日"),
        (D(1989, 2, 24), "昭和天皇の大喪の礼"),
        (D(1989, 4, 29), "みどりの日"),
        (D(1989, 12, 23), "天皇誕生日"),
        (D(1990, 11, 12), "即位礼正殿の儀"),
        (D(1993, 6, 9), "皇太子徳仁親王の結婚の儀"),
        (D(1996, 7, 20), "海の日"),
        (D(1999, 10, 10), "体育の日"),
        (D(2000, 1, 10), "成人の日"),
        (D(2000, 10, 9), "体育の日"),
        (D(2002, 9, 15), "敬老の日"),
        (D(2003, 7, 21), "海の日"),
        (D(2007, 4, 29), "昭和の日"),
        (D(2008, 5, 6), "振替休日"),  # 5/4 Sunday → first non-holiday after it
        (D(2009, 5, 6), "振替休日"),  # 5/3 Sunday
        (D(2009, 9, 22), "国民の休日"),
        (D(2015, 9, 22), "国民の休日"),
        (D(2016, 8, 11), "山の日"),
        (D(2018, 12, 24), "振替休日"),
        (D(2032, 9, 21), "国民の休日"),
        (D(2099, 11, 23), "勤労感謝の日"),
    ],
)
def test_historical_and_future_days(day: dt.date, name: str) -> None:
    assert holiday_name(day) == name
    assert is_holiday(day)


@pytest.mark.parametrize(
    "day",
    [
        D(1985, 5, 4),  # before 国民の休日 existed
        D(1986, 5, 4),  # Sunday: excluded under the pre-2007 wording
        D(1995, 7, 20),  # before 海の日
        D(2015, 8, 11),  # before 山の日
        D(2019, 12, 23),
        D(2020, 10, 12),
        D(2026, 12, 23),
        D(2026, 5, 7),
    ],
)
def test_not_holidays(day: dt.date) -> None:
    assert holiday_name(day) is None
    assert not is_holiday(day)


@pytest.mark.parametrize(
    ("year", "spring", "autumn"),
    [
        (2000, 20, 23),
        (2002, 21, 23),
        (2012, 20, 22),
        (2016, 20, 22),
        (2019, 21, 23),
        (2020, 20, 22),
        (2022, 21, 23),
        (2023, 21, 23),
        (2024, 20, 22),
        (2025, 20, 23),
        (2026, 20, 23),
    ],
)
def test_equinoxes(year: int, spring: int, autumn: int) -> None:
    assert vernal_equinox_day(year) == D(year, 3, spring)
    assert autumnal_equinox_day(year) == D(year, 9, autumn)


@pytest.mark.parametrize("year", [1979, 2100])
def test_out_of_range(year: int) -> None:
    with pytest.raises(ValueError, match="1980"):
        holidays_in(year)


def test_every_year_in_range_is_computable() -> None:
    for year in range(1980, 2100):
        h = holidays_in(year)
        assert all(day.year == year for day in h)
        assert 12 <= len(h) <= 24


@pytest.mark.parametrize(
    ("day", "closed_year_end", "expected"),
    [
        (D(2026, 11, 26), True, True),  # Thursday
        (D(2026, 11, 28), True, False),  # Saturday
        (D(2026, 11, 29), True, False),  # Sunday
        (D(2026, 11, 23), True, False),  # 勤労感謝の日
        (D(2026, 9, 22), True, False),  # 国民の休日
        (D(2025, 12, 29), True, False),  # Monday, 年末閉庁
        (D(2025, 12, 29), False, True),
        (D(2026, 1, 2), True, False),
        (D(2026, 1, 2), False, True),
        (D(2026, 1, 5), True, True),
        (D(2026, 1, 1), False, False),  # 元日 is a holiday anyway
    ],
)
def test_is_business_day(day: dt.date, closed_year_end: bool, expected: bool) -> None:
    assert is_business_day(day, closed_year_end=closed_year_end) is expected


def test_year_end_closure() -> None:
    assert is_year_end_closure(D(2026, 12, 29))
    assert is_year_end_closure(D(2027, 1, 3))
    assert not is_year_end_closure(D(2026, 12, 28))
    assert not is_year_end_closure(D(2027, 1, 4))


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (D(2026, 11, 26), 1, D(2026, 11, 27)),  # Thu → Fri
        (D(2026, 11, 26), 2, D(2026, 11, 30)),  # over the weekend
        (D(2026, 11, 20), 1, D(2026, 11, 24)),  # Fri → Tue (Mon 11/23 holiday)
        (D(2026, 4, 30), 1, D(2026, 5, 1)),
        (D(2026, 4, 30), 2, D(2026, 5, 7)),  # Golden Week 5/2–5/6
        (D(2026, 9, 18), 1, D(2026, 9, 24)),  # Silver Week 9/19–9/23
        (D(2026, 12, 25), 1, D(2026, 12, 28)),
        (D(2026, 12, 25), 2, D(2027, 1, 4)),  # 年末年始 12/29–1/3
        (D(2026, 11, 26), 10, D(2026, 12, 10)),
        (D(2026, 11, 28), 0, D(2026, 11, 30)),  # 0 rolls a closed day forward
        (D(2026, 11, 26), 0, D(2026, 11, 26)),
        (D(2026, 11, 30), -1, D(2026, 11, 27)),
        (D(2027, 1, 4), -1, D(2026, 12, 28)),
        (D(2026, 9, 24), -1, D(2026, 9, 18)),
    ],
)
def test_add_business_days(start: dt.date, days: int, expected: dt.date) -> None:
    assert add_business_days(start, days) == expected
    if days != 0:
        assert business_days_between(start, expected) == days


def test_add_business_days_without_year_end_closure() -> None:
    assert add_business_days(D(2026, 12, 25), 2, closed_year_end=False) == D(2026, 12, 29)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (D(2026, 11, 26), D(2026, 11, 26), 0),
        (D(2026, 11, 26), D(2026, 11, 27), 1),
        (D(2026, 11, 27), D(2026, 11, 29), 0),  # weekend only
        (D(2026, 11, 1), D(2026, 11, 30), 19),  # November 2026: 21 weekdays − 11/3, 11/23
        (D(2026, 11, 27), D(2026, 11, 26), -1),
        (D(2026, 12, 28), D(2027, 1, 4), 1),
    ],
)
def test_business_days_between(a: dt.date, b: dt.date, expected: int) -> None:
    assert business_days_between(a, b) == expected
