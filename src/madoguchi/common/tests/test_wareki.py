import datetime as dt

import pytest

from madoguchi.common.wareki import (
    era_of,
    jpki_birth_date,
    parse_japanese_date,
    parse_jpki_birth_date,
    to_wareki,
)

D = dt.date


@pytest.mark.parametrize(
    ("day", "era", "year"),
    [
        (D(2026, 11, 26), "令和", 8),
        (D(2019, 5, 1), "令和", 1),
        (D(2019, 4, 30), "平成", 31),
        (D(1989, 1, 8), "平成", 1),
        (D(1989, 1, 7), "昭和", 64),
        (D(1926, 12, 25), "昭和", 1),
        (D(1926, 12, 24), "大正", 15),
        (D(1912, 7, 30), "大正", 1),
        (D(1912, 7, 29), "明治", 45),
        (D(1868, 10, 23), "明治", 1),
        (D(1868, 1, 1), "明治", 1),  # before the official start: treated as 明治 (documented)
    ],
)
def test_era_of(day: dt.date, era: str, year: int) -> None:
    assert era_of(day) == (era, year)


def test_era_of_before_meiji() -> None:
    with pytest.raises(ValueError, match="明治より前"):
        era_of(D(1867, 12, 31))


@pytest.mark.parametrize(
    ("day", "kwargs", "expected"),
    [
        (D(2026, 11, 26), {}, "令和8年11月26日"),
        (D(2026, 11, 26), {"with_seireki": True}, "令和8年11月26日（2026年）"),
        (D(2019, 5, 1), {}, "令和元年5月1日"),
        (D(2019, 5, 1), {"first_year_gannen": False}, "令和1年5月1日"),
        (D(2019, 5, 1), {"with_seireki": True}, "令和元年5月1日（2019年）"),
        (D(2019, 4, 30), {}, "平成31年4月30日"),
        (D(1989, 1, 7), {}, "昭和64年1月7日"),
        (D(1989, 1, 8), {}, "平成元年1月8日"),
        (D(1912, 7, 30), {}, "大正元年7月30日"),
        (D(1900, 1, 1), {}, "明治33年1月1日"),
    ],
)
def test_to_wareki(day: dt.date, kwargs: dict[str, bool], expected: str) -> None:
    assert to_wareki(day, **kwargs) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-26", D(2026, 11, 26)),
        ("2026/11/26", D(2026, 11, 26)),
        ("2026.11.26", D(2026, 11, 26)),
        ("2026/1/5", D(2026, 1, 5)),
        ("20261126", D(2026, 11, 26)),
        ("2026年11月26日", D(2026, 11, 26)),
        ("令和8年11月26日", D(2026, 11, 26)),
        ("令和 8年 11月 26日", D(2026, 11, 26)),
        ("R8.11.26", D(2026, 11, 26)),
        ("R08.11.26", D(2026, 11, 26)),
        ("r8/11/26", D(2026, 11, 26)),
        ("R8-11-26", D(2026, 11, 26)),
        ("令8.11.26", D(2026, 11, 26)),
        ("令和元年5月1日", D(2019, 5, 1)),
        ("令和1年5月1日", D(2019, 5, 1)),
        ("平成31年4月30日", D(2019, 4, 30)),
        ("H31.4.30", D(2019, 4, 30)),
        ("昭和64年1月7日", D(1989, 1, 7)),
        ("S64.1.7", D(1989, 1, 7)),
        ("平成元年1月8日", D(1989, 1, 8)),
        ("大正元年7月30日", D(1912, 7, 30)),
        ("T15.12.24", D(1926, 12, 24)),
        ("明治45年7月29日", D(1912, 7, 29)),
        ("M33.1.1", D(1900, 1, 1)),
        ("２０２６－１１－２６", D(2026, 11, 26)),
        ("２０２６１１２６", D(2026, 11, 26)),
        ("令和８年１１月２６日", D(2026, 11, 26)),
        ("Ｒ８．１１．２６", D(2026, 11, 26)),
        ("㋿8年11月26日", D(2026, 11, 26)),  # era ligature, folded by NFKC
        ("㍻31年4月30日", D(2019, 4, 30)),
        (" 2026-11-26\n", D(2026, 11, 26)),
        ("令和8年2月29日".replace("8", "6"), D(2024, 2, 29)),
    ],
)
def test_parse_japanese_date(text: str, expected: dt.date) -> None:
    assert parse_japanese_date(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("令和0年5月1日", "令和の年は1から始まります"),
        ("R0.5.1", "令和の年は1から始まります"),
        ("2026年2月30日", "存在しない日付"),
        ("令和8年2月29日", "存在しない日付"),
        ("2026-04-31", "存在しない日付"),
        ("2026-13-01", "月は1から12"),
        ("R8.0.1", "月は1から12"),
        ("令和元年4月30日", "令和の始まり（2019年5月1日）より前"),
        ("平成元年1月7日", "平成の始まり（1989年1月8日）より前"),
        ("平成31年5月1日", "平成の終わり（2019年4月30日）より後"),
        ("昭和65年1月1日", "昭和の終わり"),
        ("", "入力されていません"),
        ("   ", "入力されていません"),
        ("2026-11/26", "日付として読み取れません"),
        ("26-11-26", "日付として読み取れません"),
        ("X8.11.26", "日付として読み取れません"),
        ("令和8年11月", "日付として読み取れません"),
        ("明日", "日付として読み取れません"),
    ],
)
def test_parse_japanese_date_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_japanese_date(text)


def test_round_trip_through_wareki() -> None:
    day = D(1868, 1, 1)
    while day < D(2031, 1, 1):
        assert parse_japanese_date(to_wareki(day)) == day
        assert parse_japanese_date(to_wareki(day, first_year_gannen=False)) == day
        day += dt.timedelta(days=97)
    for boundary in (D(1912, 7, 30), D(1926, 12, 25), D(1989, 1, 8), D(2019, 5, 1)):
        for day in (boundary - dt.timedelta(days=1), boundary):
            assert parse_japanese_date(to_wareki(day)) == day


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(1980, 2, 17), "319800217"),  # jpki.md §3 example
        (D(1989, 1, 7), "319890107"),
        (D(1989, 1, 8), "419890108"),
        (D(2019, 4, 30), "420190430"),
        (D(2019, 5, 1), "520190501"),
        (D(1926, 12, 24), "219261224"),
        (D(1912, 7, 29), "119120729"),
        (None, "000000000"),
    ],
)
def test_jpki_birth_date(day: dt.date | None, expected: str) -> None:
    assert jpki_birth_date(day) == expected
    assert parse_jpki_birth_date(expected) == day


@pytest.mark.parametrize("text", ["000000000", "019800217", "319800000", "319800200", "319800230"])
def test_parse_jpki_birth_date_unknown(text: str) -> None:
    assert parse_jpki_birth_date(text) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("31980021", "9 ASCII digits"),
        ("3198002171", "9 ASCII digits"),
        ("３19800217", "9 ASCII digits"),
        ("S19800217", "9 ASCII digits"),
        ("619800217", "era digit"),
        ("519800217", "does not match"),
        ("420190501", "does not match"),
        ("118000101", "does not match"),
    ],
)
def test_parse_jpki_birth_date_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_jpki_birth_date(text)
