"""Japanese national holidays (国民の祝日に関する法律, 祝日法) for 1980–2099, and municipal business days.

Computed by rule, not from a list:
- fixed-date holidays and ハッピーマンデー (第2/第3月曜日) holidays with the years each rule applied;
- 春分の日/秋分の日 by the standard approximation formula for 1980–2099. The official dates are fixed each
  February for the next year in the 官報 (国立天文台 暦要項); the formula reproduces the published past dates,
  and dates beyond the latest 暦要項 are predictions;
- 振替休日 (祝日法 §3②): until 2006 the Monday after a Sunday holiday; from 2007 the first following
  day that is not a 国民の祝日;
- 国民の休日 (祝日法 §3③, since 1985-12-27): a day between two 国民の祝日 that is not itself one
  (until 2006 Sundays and 振替休日 were excluded);
- one-off days set by special laws (1989 大喪の礼, 1990 即位礼正殿の儀, 1993 結婚の儀,
  2019 即位の日/即位礼正殿の儀) and the 2020/2021 Olympic moves of 海の日, スポーツの日 and 山の日.

Business days follow 地方自治法 §4の2: offices are closed on Saturdays, Sundays, 祝日法 holidays and the
年末年始 days set by 条例 (12/29–1/3 in practically every municipality).
"""

from __future__ import annotations

import datetime as dt
import functools

FIRST_YEAR = 1980
LAST_YEAR = 2099

_MONDAY = 0
_SUNDAY = 6

VERNAL_EQUINOX_DAY = "春分の日"
AUTUMNAL_EQUINOX_DAY = "秋分の日"
SUBSTITUTE_HOLIDAY = "振替休日"
CITIZENS_HOLIDAY = "国民の休日"

# Days declared holidays by special laws, treated as 国民の祝日 for 振替休日/国民の休日 purposes
# (as the 2019 law 天皇の即位の日及び即位礼正殿の儀の行われる日を休日とする法律 provides).
_SPECIAL_DAYS: dict[dt.date, str] = {
    dt.date(1989, 2, 24): "昭和天皇の大喪の礼",
    dt.date(1990, 11, 12): "即位礼正殿の儀",
    dt.date(1993, 6, 9): "皇太子徳仁親王の結婚の儀",
    dt.date(2019, 5, 1): "天皇の即位の日",
    dt.date(2019, 10, 22): "即位礼正殿の儀",
}


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"holidays are computed for {FIRST_YEAR}–{LAST_YEAR} only, got {year}")


def _nth_monday(year: int, month: int, n: int) -> dt.date:
    first = dt.date(year, month, 1)
    offset = (_MONDAY - first.weekday()) % 7
    return first + dt.timedelta(days=offset + 7 * (n - 1))


def vernal_equinox_day(year: int) -> dt.date:
    """春分の日 of `year` by the standard approximation formula (valid 1980–2099)."""
    _check_year(year)
    day = int(20.8431 + 0.242194 * (year - 1980) - (year - 1980) // 4)
    return dt.date(year, 3, day)


def autumnal_equinox_day(year: int) -> dt.date:
    """秋分の日 of `year` by the standard approximation formula (valid 1980–2099)."""
    _check_year(year)
    day = int(23.2488 + 0.242194 * (year - 1980) - (year - 1980) // 4)
    return dt.date(year, 9, day)


def _national_holidays(year: int) -> dict[dt.date, str]:
    """The 国民の祝日 of `year` (no 振替休日 / 国民の休日 yet)."""
    d = dt.date
    days: dict[dt.date, str] = {d(year, 1, 1): "元日"}

    days[d(year, 1, 15) if year <= 1999 else _nth_monday(year, 1, 2)] = "成人の日"
    days[d(year, 2, 11)] = "建国記念の日"
    if year >= 2020:
        days[d(year, 2, 23)] = "天皇誕生日"
    days[vernal_equinox_day(year)] = VERNAL_EQUINOX_DAY
    if year <= 1988:
        days[d(year, 4, 29)] = "天皇誕生日"
    elif year <= 2006:
        days[d(year, 4, 29)] = "みどりの日"
    else:
        days[d(year, 4, 29)] = "昭和の日"
    days[d(year, 5, 3)] = "憲法記念日"
    if year >= 2007:
        days[d(year, 5, 4)] = "みどりの日"
    days[d(year, 5, 5)] = "こどもの日"

    # 海の日: 7/20 from 1996, 3rd Monday of July from 2003; moved for the Tokyo Olympics in 2020/2021.
    if year == 2020:
        days[d(2020, 7, 23)] = "海の日"
    elif year == 2021:
        days[d(2021, 7, 22)] = "海の日"
    elif year >= 2003:
        days[_nth_monday(year, 7, 3)] = "海の日"
    elif year >= 1996:
        days[d(year, 7, 20)] = "海の日"

    # 山の日: 8/11 from 2016; moved in 2020/2021.
    if year == 2020:
        days[d(2020, 8, 10)] = "山の日"
    elif year == 2021:
        days[d(2021, 8, 8)] = "山の日"
    elif year >= 2016:
        days[d(year, 8, 11)] = "山の日"

    days[d(year, 9, 15) if year <= 2002 else _nth_monday(year, 9, 3)] = "敬老の日"
    days[autumnal_equinox_day(year)] = AUTUMNAL_EQUINOX_DAY

    # 体育の日 (10/10, 2nd Monday of October from 2000) renamed スポーツの日 in 2020; moved in 2020/2021.
    if year == 2020:
        days[d(2020, 7, 24)] = "スポーツの日"
    elif year == 2021:
        days[d(2021, 7, 23)] = "スポーツの日"
    elif year >= 2020:
        days[_nth_monday(year, 10, 2)] = "スポーツの日"
    elif year >= 2000:
        days[_nth_monday(year, 10, 2)] = "体育の日"
    else:
        days[d(year, 10, 10)] = "体育の日"

    days[d(year, 11, 3)] = "文化の日"
    days[d(year, 11, 23)] = "勤労感謝の日"
    if 1989 <= year <= 2018:
        days[d(year, 12, 23)] = "天皇誕生日"

    days.update({day: name for day, name in _SPECIAL_DAYS.items() if day.year == year})
    return days


@functools.cache
def _holidays(year: int) -> tuple[tuple[dt.date, str], ...]:
    _check_year(year)
    one_day = dt.timedelta(days=1)
    # Neighbouring years could matter for 振替休日/国民の休日 only at the year boundary, and 12/31 is never
    # a 祝日, so each year can be computed on its own.
    national = _national_holidays(year)
    result = dict(national)

    for day in sorted(national):
        if day.weekday() != _SUNDAY:
            continue
        substitute = day + one_day
        if year >= 2007:
            while substitute in national:
                substitute += one_day
        if substitute not in result:
            result[substitute] = SUBSTITUTE_HOLIDAY

    # 国民の休日 exists since the 1985 amendment (昭和60年法律第103号, in force 1985-12-27).
    for day in sorted(national) if year >= 1986 else ():
        candidate = day + 2 * one_day
        middle = day + one_day
        if candidate in national and middle not in national and middle.year == year:
            if year <= 2006 and (middle.weekday() == _SUNDAY or middle in result):
                continue
            result.setdefault(middle, CITIZENS_HOLIDAY)

    return tuple(sorted(result.items()))


def holidays_in(year: int) -> dict[dt.date, str]:
    """All holidays of `year` (国民の祝日, 振替休日, 国民の休日) as {date: name}, in date order."""
    return dict(_holidays(year))


def holiday_name(d: dt.date) -> str | None:
    """The holiday name of `d`, or None if it is not a holiday."""
    return dict(_holidays(d.year)).get(d)


def is_holiday(d: dt.date) -> bool:
    """True if `d` is a 祝日法 holiday (国民の祝日, 振替休日 or 国民の休日)."""
    return holiday_name(d) is not None


def is_year_end_closure(d: dt.date) -> bool:
    """True for the 年末年始 closure days 12/29–1/3 (地方自治法 §4の2①三, set by 条例)."""
    return (d.month == 12 and d.day >= 29) or (d.month == 1 and d.day <= 3)


def is_business_day(d: dt.date, *, closed_year_end: bool = True) -> bool:
    """True if municipal offices are open on `d`: not a weekend, holiday or (optionally) 12/29–1/3."""
    if d.weekday() >= 5:
        return False
    if closed_year_end and is_year_end_closure(d):
        return False
    return not is_holiday(d)


def add_business_days(start: dt.date, days: int, *, closed_year_end: bool = True) -> dt.date:
    """The `days`-th business day after `start` (start not counted); 0 rolls forward to a business day.

    Negative `days` counts backwards (the |days|-th business day before `start`).
    """
    one_day = dt.timedelta(days=1)
    current = start
    if days == 0:
        while not is_business_day(current, closed_year_end=closed_year_end):
            current += one_day
        return current
    step = one_day if days > 0 else -one_day
    remaining = abs(days)
    while remaining:
        current += step
        if is_business_day(current, closed_year_end=closed_year_end):
            remaining -= 1
    return current


def business_days_between(a: dt.date, b: dt.date, *, closed_year_end: bool = True) -> int:
    """Business days in (a, b] — so add_business_days(a, n) == b for a business day b; negative if b < a."""
    if b < a:
        return -business_days_between(b, a, closed_year_end=closed_year_end)
    count = 0
    current = a + dt.timedelta(days=1)
    while current <= b:
        if is_business_day(current, closed_year_end=closed_year_end):
            count += 1
        current += dt.timedelta(days=1)
    return count
