"""和暦 (Japanese era) formatting and parsing, and the JPKI EYYYYMMDD birth-date form.

Era start dates are those of the 改元 (元号法 and the 政令 for each era): 大正 1912-07-30, 昭和 1926-12-25,
平成 1989-01-08, 令和 2019-05-01. 明治 officially began on 1868-10-23 (明治改元の詔, applied retroactively to
慶応4年1月1日); for simplicity every date from 1868-01-01 up to the start of 大正 is treated as 明治 (明治元年
runs from 1868-01-01). Dates are always Gregorian: before 明治6年 (1873) Japan used the lunisolar 旧暦,
so a Gregorian date in 1868–1872 is not the 旧暦 date written in documents of that time. Dates before
1868 have no era here.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import NamedTuple


class Era(NamedTuple):
    name: str  # 明治 …
    letter: str  # M T S H R (the usual one-letter abbreviation)
    jpki_digit: str  # JPKI 生年月日 era digit (jpki.md §3)
    start_on: dt.date


# Oldest first.
ERAS: tuple[Era, ...] = (
    Era("明治", "M", "1", dt.date(1868, 1, 1)),  # official 1868-10-23; see module docstring
    Era("大正", "T", "2", dt.date(1912, 7, 30)),
    Era("昭和", "S", "3", dt.date(1926, 12, 25)),
    Era("平成", "H", "4", dt.date(1989, 1, 8)),
    Era("令和", "R", "5", dt.date(2019, 5, 1)),
)
_ERA_BY_NAME = {era.name: era for era in ERAS}
_ERA_BY_ABBREVIATION = {era.letter: era for era in ERAS} | {era.name[0]: era for era in ERAS}
_ERA_BY_JPKI_DIGIT = {era.jpki_digit: era for era in ERAS}
JPKI_UNKNOWN_BIRTH_DATE = "000000000"

_ERA_TOKEN = "|".join(sorted(list(_ERA_BY_NAME) + list(_ERA_BY_ABBREVIATION), key=len, reverse=True))
_ERA_DATE = re.compile(
    rf"(?P<era>{_ERA_TOKEN})(?P<year>元|\d{{1,2}})"
    r"(?:年(?P<m1>\d{1,2})月(?P<d1>\d{1,2})日?|[-/.](?P<m2>\d{1,2})[-/.](?P<d2>\d{1,2}))",
    re.IGNORECASE,
)
_SEIREKI_DATE = re.compile(
    r"(?P<year>\d{4})(?:年(?P<m1>\d{1,2})月(?P<d1>\d{1,2})日?|(?P<sep>[-/.])(?P<m2>\d{1,2})(?P=sep)(?P<d2>\d{1,2}))"
)
_COMPACT_DATE = re.compile(r"(?P<year>\d{4})(?P<m1>\d{2})(?P<d1>\d{2})")


def _era_end_on(era: Era) -> dt.date | None:
    index = ERAS.index(era)
    if index + 1 < len(ERAS):
        return ERAS[index + 1].start_on - dt.timedelta(days=1)
    return None


def _era_for(d: dt.date) -> Era:
    for era in reversed(ERAS):
        if d >= era.start_on:
            return era
    raise ValueError(f"{d.year}年{d.month}月{d.day}日は明治より前のため和暦に変換できません")


def era_of(d: dt.date) -> tuple[str, int]:
    """The era name and era year of `d`, e.g. (令和, 8) for 2026-11-26; ValueError before 1868."""
    era = _era_for(d)
    return era.name, d.year - era.start_on.year + 1


def _jp_date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def to_wareki(d: dt.date, *, with_seireki: bool = False, first_year_gannen: bool = True) -> str:
    """Format `d` as 和暦, e.g. "令和8年11月26日" (元年 for year 1; optional "（2026年）" suffix)."""
    name, year = era_of(d)
    year_text = "元" if year == 1 and first_year_gannen else str(year)
    text = f"{name}{year_text}年{d.month}月{d.day}日"
    if with_seireki:
        text += f"（{d.year}年）"
    return text


def _make_date(year: int, month: int, day: int, shown: str) -> dt.date:
    if not 1 <= month <= 12:
        raise ValueError(f"「{shown}」の月は1から12の範囲で指定してください")
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"「{shown}」は存在しない日付です（{month}月{day}日）") from None


def parse_japanese_date(s: str) -> dt.date:
    """Parse 西暦 (2026-11-26, 2026/11/26, 20261126, 2026年11月26日) or 和暦 (令和8年11月26日, R8.11.26)."""
    text = "".join(ch for ch in unicodedata.normalize("NFKC", s) if not ch.isspace())
    if not text:
        raise ValueError("日付が入力されていません")

    match = _COMPACT_DATE.fullmatch(text) or _SEIREKI_DATE.fullmatch(text)
    if match:
        month = int(match["m1"] or match["m2"])
        day = int(match["d1"] or match["d2"])
        return _make_date(int(match["year"]), month, day, s.strip())

    match = _ERA_DATE.fullmatch(text)
    if not match:
        raise ValueError(
            f"「{s.strip()}」は日付として読み取れません（例: 2026-11-26、令和8年11月26日、R8.11.26）"
        )
    token = match["era"]
    era = _ERA_BY_NAME.get(token) or _ERA_BY_ABBREVIATION[token.upper()]
    era_year = 1 if match["year"] == "元" else int(match["year"])
    if era_year == 0:
        raise ValueError(f"{era.name}の年は1から始まります（1年は「元年」とも書きます）")
    month = int(match["m1"] or match["m2"])
    day = int(match["d1"] or match["d2"])
    result = _make_date(era.start_on.year + era_year - 1, month, day, s.strip())
    if result < era.start_on:
        raise ValueError(f"「{s.strip()}」は{era.name}の始まり（{_jp_date(era.start_on)}）より前の日付です")
    end_on = _era_end_on(era)
    if end_on is not None and result > end_on:
        raise ValueError(
            f"「{s.strip()}」は{era.name}の終わり（{_jp_date(end_on)}）より後の日付です"
            f"（{to_wareki(result)}のことではありませんか）"
        )
    return result


def jpki_birth_date(d: dt.date | None) -> str:
    """JPKI 生年月日 form EYYYYMMDD (era digit + Gregorian date); "000000000" when unknown."""
    if d is None:
        # jpki.md §3: era digit 0 = 不明. The digits that follow an unknown date are not documented
        # (unconfirmed); zeros are used here and parse_jpki_birth_date reads them back as unknown.
        return JPKI_UNKNOWN_BIRTH_DATE
    return f"{_era_for(d).jpki_digit}{d:%Y%m%d}"


def parse_jpki_birth_date(s: str) -> dt.date | None:
    """Parse a JPKI EYYYYMMDD birth date; None when unknown or partial (route to manual check)."""
    if len(s) != 9 or not s.isascii() or not s.isdigit():
        raise ValueError(f"JPKI birth date must be 9 ASCII digits (EYYYYMMDD), got {s!r}")
    digit, year, month, day = s[0], int(s[1:5]), int(s[5:7]), int(s[7:9])
    if digit != "0" and digit not in _ERA_BY_JPKI_DIGIT:
        raise ValueError(f"unknown JPKI era digit {digit!r} in {s!r}")
    try:
        result = dt.date(year, month, day)
    except ValueError:
        return None  # partial/unknown date such as 00 month or day (不詳): never guess
    if digit == "0":
        return None  # era 不明: the date cannot be trusted without a manual check
    era = _ERA_BY_JPKI_DIGIT[digit]
    if result < ERAS[0].start_on or _era_for(result) != era:
        raise ValueError(f"JPKI era digit {digit} does not match the date {result.isoformat()}")
    return result
