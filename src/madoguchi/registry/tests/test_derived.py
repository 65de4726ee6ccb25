"""Derived registers: the date rules at every boundary (table-driven) and the selectors on real rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.utils import timezone

from madoguchi.common.ages import reach_date, school_entry_year
from madoguchi.core.models import AccessLogEntry, Municipality, StaffUser
from madoguchi.registry.derived import (
    access_electoral_roll,
    access_school_cohort,
    add_months,
    electoral_roll_candidates,
    electoral_roll_csv,
    electoral_roll_needing_review,
    is_electoral_candidate,
    latest_birth_date_reaching,
    latest_record_start,
    next_school_year,
    school_birth_range,
    school_cohort,
    school_cohort_csv,
)
from madoguchi.registry.models import EventKind, RegistryEvent
from madoguchi.registry.tests.test_search import make_resident

D = dt.date

ADD_MONTHS = [
    (D(2024, 1, 15), 3, D(2024, 4, 15)),
    (D(2024, 1, 31), 1, D(2024, 2, 29)),  # no 2/31: end of the month (民法 §143② ただし書)
    (D(2023, 1, 31), 1, D(2023, 2, 28)),
    (D(2024, 8, 31), 3, D(2024, 11, 30)),
    (D(2024, 11, 30), 3, D(2025, 2, 28)),
    (D(2023, 11, 29), 3, D(2024, 2, 29)),
    (D(2024, 12, 15), 1, D(2025, 1, 15)),
    (D(2024, 5, 31), -3, D(2024, 2, 29)),
    (D(2025, 3, 31), -1, D(2025, 2, 28)),
]


@pytest.mark.parametrize(("day", "months", "expected"), ADD_MONTHS)
def test_add_months(day: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(day, months) == expected


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def test_latest_record_start_is_the_exact_cut_off() -> None:
    for day in _days(D(2023, 1, 1), D(2025, 12, 31)):
        start = latest_record_start(day)
        assert add_months(start, 3) <= day < add_months(start + dt.timedelta(days=1), 3), day


def test_latest_birth_date_is_the_exact_cut_off() -> None:
    for day in _days(D(2023, 1, 1), D(2025, 12, 31)):
        birth = latest_birth_date_reaching(18, day)
        assert reach_date(birth, 18) <= day < reach_date(birth + dt.timedelta(days=1), 18), day


BASE = D(2026, 12, 1)  # 定時登録
# (case, birth date, record start, Japanese, base date, eligible)
ELECTORAL = [
    ("18th birthday the day after the base date", D(2008, 12, 2), D(2000, 1, 1), True, BASE, True),
    ("18th birthday two days after", D(2008, 12, 3), D(2000, 1, 1), True, BASE, False),
    ("18th birthday on the base date", D(2008, 12, 1), D(2000, 1, 1), True, BASE, True),
    ("29 Feb birth, base 28 Feb", D(2008, 2, 29), D(2000, 1, 1), True, D(2026, 2, 28), True),
    ("29 Feb birth, base 27 Feb", D(2008, 2, 29), D(2000, 1, 1), True, D(2026, 2, 27), False),
    ("recorded exactly 3 months", D(1990, 1, 1), D(2026, 9, 1), True, BASE, True),
    ("3 months less a day", D(1990, 1, 1), D(2026, 9, 2), True, BASE, False),
    ("moved in 31 Aug (no 31 Nov)", D(1990, 1, 1), D(2026, 8, 31), True, BASE, True),
    ("31 Aug start, base 29 Nov", D(1990, 1, 1), D(2026, 8, 31), True, D(2026, 11, 29), False),
    ("30 Nov start, base 28 Feb", D(1990, 1, 1), D(2025, 11, 30), True, D(2026, 2, 28), True),
    ("foreign resident", D(1990, 1, 1), D(2000, 1, 1), False, BASE, False),
    ("birth date unknown", None, D(2000, 1, 1), True, BASE, False),
]


@pytest.mark.parametrize(
    ("case", "birth", "start", "japanese", "base", "eligible"), ELECTORAL, ids=[c[0] for c in ELECTORAL]
)
def test_electoral_eligibility(
    case: str, birth: dt.date | None, start: dt.date, japanese: bool, base: dt.date, eligible: bool
) -> None:
    assert (
        is_electoral_candidate(birth_date=birth, record_start=start, japanese=japanese, on=base) is eligible
    )


# (entry year, level, first birth date, last birth date)
SCHOOL = [
    (2027, "elementary", D(2020, 4, 2), D(2021, 4, 1)),
    (2025, "elementary", D(2018, 4, 2), D(2019, 4, 1)),
    (2027, "junior_high", D(2014, 4, 2), D(2015, 4, 1)),
]


@pytest.mark.parametrize(("year", "level", "first", "last"), SCHOOL)
def test_school_birth_range(year: int, level: str, first: dt.date, last: dt.date) -> None:
    assert school_birth_range(year, level) == (first, last)
    offset = 0 if level == "elementary" else 6
    assert school_entry_year(first) + offset == year == school_entry_year(last) + offset
    assert school_entry_year(first - dt.timedelta(days=1)) + offset == year - 1  # 4/1 of the year before
    assert school_entry_year(last + dt.timedelta(days=1)) + offset == year + 1  # 4/2 joins the next cohort


@pytest.mark.parametrize(
    ("today", "year"),
    [(D(2026, 11, 1), 2027), (D(2027, 3, 31), 2027), (D(2027, 4, 1), 2028), (D(2027, 1, 5), 2027)],
)
def test_next_school_year(today: dt.date, year: int) -> None:
    assert next_school_year(today) == year


def test_unknown_level_is_refused() -> None:
    with pytest.raises(ValueError, match="level"):
        school_birth_range(2027, "high")


@pytest.mark.django_db
def test_selectors_on_rows(
    chiyoda: Municipality, sapporo: Municipality, make_staff: Callable[..., StaffUser]
) -> None:
    def person(
        given: str, birth: dt.date | None, start: dt.date, moved_in_filed: dt.date | None = None, **kw: object
    ) -> None:
        r = make_resident(chiyoda, "試験", given, "シケン", "タロウ", birth=birth or D(2000, 1, 1), **kw)  # type: ignore[arg-type]
        r.became_resident_on = start
        if moved_in_filed is not None:  # a 転入 whose 転入届 was filed on that day
            RegistryEvent.objects.create(
                municipality=chiyoda,
                resident=r,
                kind=EventKind.MOVE_IN,
                effective_on=start,
                filed_on=moved_in_filed,
                recorded_at=timezone.now(),
                household=r.household,
                state_after={},
                actor_id="test",
                actor_display="test",
            )
        if birth is None:
            r.birth_date = None
            r.birth_date_unknown_text = "昭和年月日不詳"
        if kw.get("status") is None and given.startswith("外国"):
            r.kind = "foreign"
        r.save()

    person("十八", D(2008, 12, 2), D(2008, 12, 2))
    person("十七", D(2008, 12, 3), D(2008, 12, 3))
    person("転入直後", D(1990, 1, 1), D(2026, 9, 2))
    person("三か月", D(1990, 1, 1), D(2026, 9, 1))
    # 異動日 8/25, but the 転入届 came on 9/2: the three months run from the filing (公職選挙法 §21①) → not yet.
    person("届出遅れ", D(1990, 1, 1), D(2026, 8, 25), moved_in_filed=D(2026, 9, 2))
    # Filed on 9/1 exactly: three months by 12/1 → a candidate.
    person("届出当日", D(1990, 1, 1), D(2026, 8, 25), moved_in_filed=D(2026, 9, 1))
    person("外国籍", D(1990, 1, 1), D(2000, 1, 1))
    person("転出済", D(1990, 1, 1), D(2000, 1, 1), status="moved_out")
    person("不詳", None, D(2000, 1, 1))
    person("新一年", D(2021, 4, 1), D(2021, 4, 1))
    person("翌年度", D(2021, 4, 2), D(2021, 4, 2))
    person("外国籍児", D(2020, 4, 2), D(2020, 4, 2))
    make_resident(sapporo, "札幌", "十八", "サッポロ", "ジュウハチ", birth=D(1990, 1, 1))
    clerk = make_staff(chiyoda)

    roll = electoral_roll_candidates(actor=clerk, base_on=BASE)
    assert {r.given_name for r in roll} == {"十八", "三か月", "届出当日"}
    assert electoral_roll_needing_review(actor=clerk, base_on=BASE) == 1
    csv_text = b"".join(electoral_roll_csv(roll)).decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("氏名,氏名（フリガナ）,生年月日")
    assert "2026-12-01" in csv_text  # 十八's reach date = the base date

    cohort = school_cohort(actor=clerk, entry_year=2027, level="elementary")
    assert {r.given_name for r in cohort} == {"新一年"}
    with_foreign = school_cohort(actor=clerk, entry_year=2027, level="elementary", include_foreign=True)
    assert {r.given_name for r in with_foreign} == {"新一年", "外国籍児"}
    rows = b"".join(school_cohort_csv(with_foreign, entry_year=2027, level="elementary")).decode("utf-8-sig")
    assert "小学校" in rows and "外国人住民" in rows and "試験　新一年" in rows

    assert AccessLogEntry.objects.count() == 0  # plain selectors do not log; access_* do, once per list
    access_electoral_roll(actor=clerk, base_on=BASE, purpose="registry_maintenance", action="export")
    access_school_cohort(actor=clerk, entry_year=2027, level="elementary", purpose="registry_maintenance")
    entries = list(
        AccessLogEntry.objects.order_by("id").values_list("subject_type", "subject_id", "action", "purpose")
    )
    assert entries == [
        ("electoral_roll_candidates", "2026-12-01", "export", "registry_maintenance"),
        ("school_age_register", "2027:elementary", "view", "registry_maintenance"),
    ]
    with pytest.raises(ValueError):
        access_electoral_roll(actor=clerk, base_on=BASE, purpose="curiosity")
