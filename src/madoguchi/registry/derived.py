"""Registers derived from the resident registry: 選挙人名簿 candidates and 学齢簿 cohorts (registry.md §15, §16).

Both are answered from the current resident records with one query each; the date rules are pure
functions (tested at every boundary) that turn the legal conditions into birth-date and record-start cut-offs.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from typing import IO

from django.db.models import Exists, OuterRef, QuerySet

from madoguchi.common.ages import reach_date, school_entry_year
from madoguchi.core.access import log_access, require, scoped
from madoguchi.core.models import StaffUser
from madoguchi.core.roles import Action

from .models import EventKind, RegistryEvent, Resident, ResidentKind, ResidentStatus

VOTING_AGE = 18  # 公職選挙法 §9① (平成27年改正, 2016-06-19 施行)
RESIDENCE_MONTHS = 3  # 公職選挙法 §21①: 引き続き三箇月以上 住民基本台帳に記録されている者
ELEMENTARY = "elementary"
JUNIOR_HIGH = "junior_high"
SCHOOL_LEVELS = {ELEMENTARY: "小学校", JUNIOR_HIGH: "中学校"}
ONE_DAY = dt.timedelta(days=1)


# --- date rules (pure) -----------------------------------------------------------------------------------------
def add_months(day: dt.date, months: int) -> dt.date:
    """The day `months` months after `day`, or the last day of that month when it has no such day.

    This is where a period of months counted from an event on `day` is completed (民法 §140: the first day is not
    counted; §143②: the period ends the day before the day corresponding to the start, or at the end of the final
    month when it has no corresponding day) — e.g. filed 8/31 → 3 months completed on 11/30.
    """
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def latest_birth_date_reaching(age: int, on: dt.date) -> dt.date:
    """The latest birth date of someone who has reached `age` on `on` (reach date = birthday − 1, ages.reach_date)."""
    try:
        candidate = on.replace(year=on.year - age)
    except ValueError:  # 29 February
        candidate = dt.date(on.year - age, 2, 28)
    candidate += ONE_DAY
    while reach_date(candidate + ONE_DAY, age) <= on:
        candidate += ONE_DAY
    while reach_date(candidate, age) > on:
        candidate -= ONE_DAY
    return candidate


def latest_record_start(on: dt.date, months: int = RESIDENCE_MONTHS) -> dt.date:
    """The latest day a record may have started and still have lasted `months` months by `on` (add_months ≤ on)."""
    candidate = add_months(on, -months)
    while add_months(candidate + ONE_DAY, months) <= on:
        candidate += ONE_DAY
    while add_months(candidate, months) > on:
        candidate -= ONE_DAY
    return candidate


def is_electoral_candidate(
    *, birth_date: dt.date | None, record_start: dt.date, japanese: bool, on: dt.date
) -> bool:
    """公職選挙法 §9, §21: Japanese, 18 reached on `on`, recorded here continuously for 3 months by `on`."""
    return (
        japanese
        and birth_date is not None
        and reach_date(birth_date, VOTING_AGE) <= on
        and add_months(record_start, RESIDENCE_MONTHS) <= on
    )


def school_birth_range(entry_year: int, level: str) -> tuple[dt.date, dt.date]:
    """Birth dates (inclusive) of the children who enter `level` on 1 April of `entry_year` (4/2–4/1 cohort).

    小学校: dob ∈ [(Y−7)-04-02, (Y−6)-04-01] (学校教育法 §17①); 中学校: the cohort that entered 小学校 six years earlier
    (学校教育法 §17②: from the school year after finishing 小学校).
    """
    if level not in SCHOOL_LEVELS:
        raise ValueError(f"level must be one of {', '.join(SCHOOL_LEVELS)}")
    elementary_year = entry_year if level == ELEMENTARY else entry_year - 6
    first, last = dt.date(elementary_year - 7, 4, 2), dt.date(elementary_year - 6, 4, 1)
    # The cut-offs must agree with the age rule used everywhere else.
    assert school_entry_year(first) == school_entry_year(last) == elementary_year
    return first, last


def next_school_year(today: dt.date) -> int:
    """The year of the next 1 April after `today` (the cohort a 新入学 学齢簿 is prepared for)."""
    return today.year + 1 if (today.month, today.day) >= (4, 1) else today.year


# --- selectors ---------------------------------------------------------------------------------------------------
def _moved_in_filed_after(cutoff: dt.date) -> Exists:
    """A 転入 of the resident whose 転入届 was filed after `cutoff`.

    公職選挙法 §21① counts the three months from the day the 住民票 was created; for a mover that is the day the
    転入届 was filed (registry.md §15), which may be later than the 異動日 (`became_resident_on`) when the notice
    came late. Such a resident is not yet a candidate even though `became_resident_on` is before the cut-off.
    """
    return Exists(
        RegistryEvent.objects.filter(
            resident=OuterRef("pk"), kind=EventKind.MOVE_IN, filed_on__gt=cutoff
        ).only("id")
    )


def electoral_roll_candidates(*, actor: StaffUser, base_on: dt.date) -> QuerySet[Resident]:
    """Residents who qualify for the 選挙人名簿 on `base_on` (Japanese, 18, 3 months recorded, current).

    The three months run from `became_resident_on`, or for a mover from the filing of the 転入届 when that was later.
    """
    require(actor, Action.SEARCH_RESIDENTS)
    cutoff = latest_record_start(base_on)
    return (
        scoped(Resident.objects.all(), actor)
        .filter(
            kind=ResidentKind.JAPANESE,
            status=ResidentStatus.CURRENT,
            birth_date__lte=latest_birth_date_reaching(VOTING_AGE, base_on),
            became_resident_on__lte=cutoff,
        )
        .exclude(_moved_in_filed_after(cutoff))
        .select_related("household")
        # Address order (投票区 are drawn by address); with status constant this walks resident_address_idx in order.
        .order_by("machiaza", "block_number", "status", "kana_search_key", "birth_date", "id")
    )


def electoral_roll_needing_review(*, actor: StaffUser, base_on: dt.date) -> int:
    """Current Japanese residents recorded 3 months whose birth date is 不詳: a person decides (registry.md §5)."""
    require(actor, Action.SEARCH_RESIDENTS)
    cutoff = latest_record_start(base_on)
    return (
        scoped(Resident.objects.all(), actor)
        .filter(
            kind=ResidentKind.JAPANESE,
            status=ResidentStatus.CURRENT,
            birth_date__isnull=True,
            became_resident_on__lte=cutoff,
        )
        .exclude(_moved_in_filed_after(cutoff))
        .count()
    )


def school_cohort(
    *, actor: StaffUser, entry_year: int, level: str, include_foreign: bool = False
) -> QuerySet[Resident]:
    """Current residents entering `level` on 1 April `entry_year`; foreign children only on request (参考名簿)."""
    require(actor, Action.SEARCH_RESIDENTS)
    first, last = school_birth_range(entry_year, level)
    qs = scoped(Resident.objects.all(), actor).filter(
        status=ResidentStatus.CURRENT, birth_date__gte=first, birth_date__lte=last
    )
    if not include_foreign:
        # 学齢簿 is for children of Japanese nationality (学校教育法 §17); others are kept on a parallel list.
        qs = qs.filter(kind=ResidentKind.JAPANESE)
    return qs.select_related("household").order_by("kana_search_key", "birth_date", "id")


def access_electoral_roll(
    *, actor: StaffUser, base_on: dt.date, purpose: str, action: str = "view"
) -> QuerySet[Resident]:
    """electoral_roll_candidates for a stated purpose; one access-log entry per list shown or exported."""
    rows = electoral_roll_candidates(actor=actor, base_on=base_on)
    log_access(
        actor=actor,
        subject_type="electoral_roll_candidates",
        subject_id=base_on.isoformat(),
        purpose=purpose,
        action=action,
    )
    return rows


def access_school_cohort(
    *,
    actor: StaffUser,
    entry_year: int,
    level: str,
    purpose: str,
    include_foreign: bool = False,
    action: str = "view",
) -> QuerySet[Resident]:
    """school_cohort for a stated purpose; one access-log entry per list shown or exported."""
    rows = school_cohort(actor=actor, entry_year=entry_year, level=level, include_foreign=include_foreign)
    log_access(
        actor=actor,
        subject_type="school_age_register",
        subject_id=f"{entry_year}:{level}{':with_foreign' if include_foreign else ''}",
        purpose=purpose,
        action=action,
    )
    return rows


# --- CSV ---------------------------------------------------------------------------------------------------------
ELECTORAL_HEADERS = [
    "氏名",
    "氏名（フリガナ）",
    "生年月日",
    "性別",
    "住所",
    "住民となった年月日",
    "18歳に達する日",
]
SCHOOL_HEADERS = [
    "氏名",
    "氏名（フリガナ）",
    "生年月日",
    "性別",
    "住所",
    "住民種別",
    "世帯主（保護者の候補）",
    "世帯主との続柄",
    "入学年度",
    "学校",
]


def _rows_to_csv(headers: list[str], rows: Iterable[list[str]]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    # UTF-8 with BOM so that spreadsheet software on Windows opens the Japanese text correctly.
    writer.writerow(headers)
    yield "\ufeff".encode() + buffer.getvalue().encode()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(row)
        yield buffer.getvalue().encode()


def electoral_roll_csv(residents: QuerySet[Resident]) -> Iterator[bytes]:
    """The candidates as CSV chunks (streamed; UTF-8 with BOM)."""
    return _rows_to_csv(
        ELECTORAL_HEADERS,
        (
            [
                r.full_name,
                r.full_name_kana,
                r.birth_date.isoformat() if r.birth_date else "",
                r.get_sex_display(),
                r.address,
                r.became_resident_on.isoformat(),
                reach_date(r.birth_date, VOTING_AGE).isoformat() if r.birth_date else "",
            ]
            for r in residents.iterator(chunk_size=2000)
        ),
    )


def school_cohort_csv(residents: QuerySet[Resident], *, entry_year: int, level: str) -> Iterator[bytes]:
    """The cohort as CSV chunks (streamed; UTF-8 with BOM), with the household head as the guardian candidate."""
    heads = household_heads(residents)
    return _rows_to_csv(
        SCHOOL_HEADERS,
        (
            [
                r.full_name,
                r.full_name_kana,
                r.birth_date.isoformat() if r.birth_date else "",
                r.get_sex_display(),
                r.address,
                r.get_kind_display(),
                heads.get(r.household_id or 0, ""),
                r.relationship,
                str(entry_year),
                SCHOOL_LEVELS[level],
            ]
            for r in residents
        ),
    )


def household_heads(residents: Iterable[Resident]) -> dict[int, str]:
    """Full names of the current heads of the residents' households (one query)."""
    ids = {r.household_id for r in residents if r.household_id}
    heads = Resident.objects.filter(household_id__in=ids, is_head=True, status=ResidentStatus.CURRENT)
    return {h.household_id: h.full_name for h in heads if h.household_id}


def write_csv(chunks: Iterable[bytes], stream: IO[bytes]) -> None:
    """Write CSV chunks to a binary stream (for commands and tests)."""
    for chunk in chunks:
        stream.write(chunk)
