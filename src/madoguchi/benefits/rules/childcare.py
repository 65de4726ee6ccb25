"""保育 — 教育・保育給付認定 (子ども・子育て支援法 §19) categories and 保育必要量 (benefits.md §3).

Ages follow registry.md §9: a child is 満3歳 from the day before the 3rd birthday.
「小学校就学前子ども」 ends on the first 31 March on/after reaching 6 (the school cohort runs 4/2–4/1).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from madoguchi.common.ages import fiscal_year_end_on_or_after, reach_date


class CertificationCategory(StrEnum):
    TYPE_1 = "1"  # 1号 教育標準時間認定: 満3歳以上, no 保育の必要性
    TYPE_2 = "2"  # 2号 満3歳以上 保育認定
    TYPE_3 = "3"  # 3号 満3歳未満 保育認定


CATEGORY_LABELS: dict[CertificationCategory, str] = {
    CertificationCategory.TYPE_1: "1号認定（教育標準時間認定）",
    CertificationCategory.TYPE_2: "2号認定（満3歳以上・保育認定）",
    CertificationCategory.TYPE_3: "3号認定（満3歳未満・保育認定）",
}


class CareNeedReason(StrEnum):
    """保育を必要とする事由 (子ども・子育て支援法施行規則 §1の5)."""

    WORK = "work"
    PREGNANCY_CHILDBIRTH = "pregnancy_childbirth"
    ILLNESS_DISABILITY = "illness_disability"
    NURSING_CARE = "nursing_care"
    DISASTER_RECOVERY = "disaster_recovery"
    JOB_SEEKING = "job_seeking"
    STUDY_TRAINING = "study_training"
    ABUSE_DV = "abuse_dv"
    CHILDCARE_LEAVE_CONTINUATION = "childcare_leave_continuation"
    OTHER = "other"


REASON_LABELS: dict[CareNeedReason, str] = {
    CareNeedReason.WORK: "就労",
    CareNeedReason.PREGNANCY_CHILDBIRTH: "妊娠・出産",
    CareNeedReason.ILLNESS_DISABILITY: "疾病・障害",
    CareNeedReason.NURSING_CARE: "介護・看護",
    CareNeedReason.DISASTER_RECOVERY: "災害復旧",
    CareNeedReason.JOB_SEEKING: "求職活動",
    CareNeedReason.STUDY_TRAINING: "就学・職業訓練",
    CareNeedReason.ABUSE_DV: "虐待・DV",
    CareNeedReason.CHILDCARE_LEAVE_CONTINUATION: "育児休業中の継続利用",
    CareNeedReason.OTHER: "その他",
}


class CareHours(StrEnum):
    STANDARD = "standard"  # 保育標準時間 (up to 11 h/day)
    SHORT = "short"  # 保育短時間 (up to 8 h/day)


def type_3_ends_on(birth_date: dt.date) -> dt.date:
    """Last day of 満3歳未満 (3号): the day before reaching 3, i.e. two days before the 3rd birthday."""
    return reach_date(birth_date, 3) - dt.timedelta(days=1)


def preschool_ends_on(birth_date: dt.date) -> dt.date:
    """Last day as a 小学校就学前子ども: the first 31 March on/after reaching 6."""
    return fiscal_year_end_on_or_after(reach_date(birth_date, 6))


def certification_category(
    birth_date: dt.date, on: dt.date, has_care_need: bool
) -> CertificationCategory | None:
    """1号/2号/3号 from the age on `on` and whether a 保育を必要とする事由 exists (None if none applies)."""
    if on < birth_date:
        raise ValueError("on must not be before the birth date")
    if on > preschool_ends_on(birth_date):
        return None  # school age: outside 支援法 §19
    if on <= type_3_ends_on(birth_date):
        # 3号 needs a 保育の必要性; an under-3 child without one has no 教育・保育給付認定.
        return CertificationCategory.TYPE_3 if has_care_need else None
    return CertificationCategory.TYPE_2 if has_care_need else CertificationCategory.TYPE_1


def care_hours(
    monthly_work_hours: float, *, short_time_min_hours: int, standard_min_hours: int = 120
) -> CareHours | None:
    """保育必要量 for work: 標準時間 at ≥ `standard_min_hours`, 短時間 at ≥ the municipal bound, else None."""
    # benefits.md §3: the short-time lower bound is set by the municipality within 48–64 hours a month.
    if not 48 <= short_time_min_hours <= 64:
        raise ValueError("short_time_min_hours must be between 48 and 64")
    if monthly_work_hours >= standard_min_hours:
        return CareHours.STANDARD
    if monthly_work_hours >= short_time_min_hours:
        return CareHours.SHORT
    return None


@dataclass(frozen=True)
class Certification:
    category: CertificationCategory
    valid_until_on: dt.date  # age limit of the category; the reason may end it earlier (municipal rules)


def certify(birth_date: dt.date, on: dt.date, has_care_need: bool) -> Certification | None:
    """The category on `on` with the last day the child's age allows it (None if none applies)."""
    category = certification_category(birth_date, on, has_care_need)
    if category is None:
        return None
    if category is CertificationCategory.TYPE_3:
        return Certification(category, type_3_ends_on(birth_date))
    return Certification(category, preschool_ends_on(birth_date))
