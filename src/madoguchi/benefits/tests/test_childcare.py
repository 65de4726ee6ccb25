"""保育 支給認定 categories (benefits.md §3), table-driven."""

from __future__ import annotations

import datetime as dt

import pytest

from madoguchi.benefits.rules import childcare as cc
from madoguchi.benefits.rules.childcare import CareHours, CertificationCategory

D = dt.date
T1, T2, T3 = CertificationCategory.TYPE_1, CertificationCategory.TYPE_2, CertificationCategory.TYPE_3


@pytest.mark.parametrize(
    ("birth_date", "on", "need", "expected"),
    [
        # Born 2022-06-15: reaches 3 on 2025-06-14 (registry.md §9), so 3号 ends on 2025-06-13.
        (D(2022, 6, 15), D(2025, 6, 13), True, T3),
        (D(2022, 6, 15), D(2025, 6, 14), True, T2),
        (D(2022, 6, 15), D(2025, 6, 14), False, T1),
        (D(2022, 6, 15), D(2025, 6, 13), False, None),  # under 3 without need: no certification
        (D(2025, 1, 1), D(2025, 1, 1), True, T3),
        # 4/1 birth reaches 6 on 3/31 → school from that April.
        (D(2019, 4, 1), D(2025, 3, 31), True, T2),
        (D(2019, 4, 1), D(2025, 4, 1), True, None),
        (D(2019, 4, 2), D(2025, 4, 1), False, T1),
        (D(2019, 4, 2), D(2026, 3, 31), True, T2),
        (D(2019, 4, 2), D(2026, 4, 1), True, None),
    ],
)
def test_certification_category(birth_date, on, need, expected):
    assert cc.certification_category(birth_date, on, need) == expected


def test_certification_before_birth_rejected():
    with pytest.raises(ValueError):
        cc.certification_category(D(2025, 6, 1), D(2025, 5, 31), True)


def test_certify_validity():
    assert cc.certify(D(2022, 6, 15), D(2024, 4, 1), True) == cc.Certification(T3, D(2025, 6, 13))
    assert cc.certify(D(2022, 6, 15), D(2025, 7, 1), True) == cc.Certification(T2, D(2029, 3, 31))
    assert cc.certify(D(2024, 6, 15), D(2025, 7, 1), False) is None


@pytest.mark.parametrize(
    ("hours", "minimum", "expected"),
    [
        (120, 64, CareHours.STANDARD),
        (119.5, 64, CareHours.SHORT),
        (64, 64, CareHours.SHORT),
        (63.9, 64, None),
        (48, 48, CareHours.SHORT),
        (47, 48, None),
    ],
)
def test_care_hours(hours, minimum, expected):
    assert cc.care_hours(hours, short_time_min_hours=minimum) == expected


@pytest.mark.parametrize("minimum", [47, 65])
def test_care_hours_municipal_bound_range(minimum):
    with pytest.raises(ValueError):
        cc.care_hours(100, short_time_min_hours=minimum)


def test_labels_cover_all_members():
    assert set(cc.CATEGORY_LABELS) == set(CertificationCategory)
    assert set(cc.REASON_LABELS) == set(cc.CareNeedReason)
