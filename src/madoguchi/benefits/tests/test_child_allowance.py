"""児童手当 rules (benefits.md §1, §1.1), table-driven."""

from __future__ import annotations

import datetime as dt

import pytest

from madoguchi.benefits.rules import child_allowance as ca
from madoguchi.benefits.rules.child_allowance import ChangeReason, ChildInput

D = dt.date
JUNE_2025 = D(2025, 6, 1)
# Birth dates giving these legal ages in June 2025.
AGE_23 = D(2002, 1, 20)
AGE_20 = D(2005, 3, 10)
AGE_17 = D(2008, 1, 20)
AGE_15 = D(2010, 1, 20)
AGE_10 = D(2015, 1, 20)
AGE_2 = D(2023, 1, 20)
AGE_1 = D(2024, 1, 20)


@pytest.mark.parametrize(
    ("children", "orders", "amounts", "total"),
    [
        # benefits.md §1.1 examples
        (
            [ChildInput(AGE_20, True), ChildInput(AGE_15), ChildInput(AGE_10)],
            [1, 2, 3],
            [0, 10_000, 30_000],
            40_000,
        ),
        (
            [ChildInput(AGE_20, True), ChildInput(AGE_15), ChildInput(AGE_10), ChildInput(AGE_2)],
            [1, 2, 3, 4],
            [0, 10_000, 30_000, 30_000],
            70_000,
        ),
        (
            [ChildInput(AGE_23, True), ChildInput(AGE_15), ChildInput(AGE_10)],
            [None, 1, 2],
            [0, 10_000, 10_000],
            20_000,
        ),
        ([ChildInput(AGE_17), ChildInput(AGE_1)], [1, 2], [10_000, 15_000], 25_000),
        # A 20-year-old the recipient does not support (no 確認書) does not count.
        (
            [ChildInput(AGE_20, False), ChildInput(AGE_15), ChildInput(AGE_10)],
            [None, 1, 2],
            [0, 10_000, 10_000],
            20_000,
        ),
        # Output follows input order; ranking is by birth date.
        (
            [ChildInput(AGE_10), ChildInput(AGE_20, True), ChildInput(AGE_15)],
            [3, 1, 2],
            [30_000, 0, 10_000],
            40_000,
        ),
        # Twins: same birth date, stable order → 第2子 and 第3子.
        (
            [ChildInput(AGE_15), ChildInput(AGE_2), ChildInput(AGE_2)],
            [1, 2, 3],
            [10_000, 15_000, 30_000],
            55_000,
        ),
        ([], [], [], 0),
    ],
)
def test_quote_examples(children, orders, amounts, total):
    q = ca.quote(JUNE_2025, children)
    assert [c.birth_order for c in q.children] == orders
    assert [c.monthly_yen for c in q.children] == amounts
    assert [c.birth_date for c in q.children] == [c.birth_date for c in children]
    assert q.total_monthly_yen == total


def test_university_age_child_counts_but_is_not_eligible():
    q = ca.quote(JUNE_2025, [ChildInput(AGE_20, True), ChildInput(AGE_15), ChildInput(AGE_10)])
    assert [c.eligible for c in q.children] == [False, True, True]


@pytest.mark.parametrize(
    ("birth_date", "month", "eligible"),
    [
        # 4/1 birth reaches 18 on 3/31 — the first 3/31 on/after is that same day (registry.md §9).
        (D(2007, 4, 1), D(2025, 3, 1), True),
        (D(2007, 4, 1), D(2025, 4, 1), False),
        # 4/2 birth reaches 18 on 4/1 → paid for another school year.
        (D(2007, 4, 2), D(2025, 4, 1), True),
        (D(2007, 4, 2), D(2026, 3, 1), True),
        (D(2007, 4, 2), D(2026, 4, 1), False),
        (D(2008, 3, 31), D(2026, 3, 1), True),
        (D(2008, 3, 31), D(2026, 4, 1), False),
    ],
)
def test_paid_until_first_31_march_on_or_after_reaching_18(birth_date, month, eligible):
    q = ca.quote(month, [ChildInput(birth_date)])
    assert q.children[0].eligible is eligible
    assert q.total_monthly_yen == (10_000 if eligible else 0)


@pytest.mark.parametrize(
    ("birth_date", "month", "counted"),
    [
        (D(2003, 4, 1), D(2025, 3, 1), True),  # reaches 22 on 2025-03-31
        (D(2003, 4, 1), D(2025, 4, 1), False),
        (D(2003, 4, 2), D(2025, 4, 1), True),  # reaches 22 on 2025-04-01 → counts to 2026-03
        (D(2003, 4, 2), D(2026, 3, 1), True),
        (D(2003, 4, 2), D(2026, 4, 1), False),
    ],
)
def test_counted_until_first_31_march_on_or_after_reaching_22(birth_date, month, counted):
    younger = [ChildInput(D(2012, 5, 5)), ChildInput(D(2015, 5, 5))]
    q = ca.quote(month, [ChildInput(birth_date, True), *younger])
    assert (q.children[0].birth_order is not None) is counted
    assert q.total_monthly_yen == (40_000 if counted else 20_000)


@pytest.mark.parametrize(
    ("birth_date", "month", "amount"),
    [
        (D(2022, 6, 15), D(2025, 6, 1), 15_000),  # month containing the 3rd birthday
        (D(2022, 6, 15), D(2025, 7, 1), 10_000),
        # Born on the 1st: reaches 3 on 31 May but keeps 15,000 through June (「3年を経過しない」).
        (D(2022, 6, 1), D(2025, 6, 1), 15_000),
        (D(2022, 6, 1), D(2025, 7, 1), 10_000),
        (D(2022, 5, 31), D(2025, 5, 1), 15_000),
        (D(2022, 5, 31), D(2025, 6, 1), 10_000),
        (D(2024, 2, 29), D(2027, 2, 1), 15_000),
        (D(2024, 2, 29), D(2027, 3, 1), 10_000),
    ],
)
def test_three_year_boundary(birth_date, month, amount):
    assert ca.quote(month, [ChildInput(birth_date)]).total_monthly_yen == amount


@pytest.mark.parametrize(
    ("birth_date", "month", "counted"),
    [
        (D(2025, 6, 1), D(2025, 6, 1), False),  # born in the month: not before the month after
        (D(2025, 6, 30), D(2025, 6, 1), False),
        (D(2025, 5, 31), D(2025, 6, 1), True),
        (D(2025, 6, 1), D(2025, 7, 1), True),
    ],
)
def test_child_counts_from_month_after_birth(birth_date, month, counted):
    q = ca.quote(month, [ChildInput(birth_date)])
    assert (q.children[0].birth_order is not None) is counted
    assert q.children[0].eligible is counted


def test_quote_rejects_unsupported_months():
    with pytest.raises(ValueError, match="2024-10"):
        ca.quote(D(2024, 9, 1), [ChildInput(AGE_10)])
    with pytest.raises(ValueError, match="first day"):
        ca.quote(D(2025, 6, 2), [ChildInput(AGE_10)])


@pytest.mark.parametrize(
    ("claim_on", "event_on", "expected"),
    [
        (D(2025, 5, 20), None, D(2025, 6, 1)),
        (D(2025, 5, 31), None, D(2025, 6, 1)),
        (D(2025, 6, 9), D(2025, 5, 25), D(2025, 6, 1)),  # claim on day 15 after the birth
        (D(2025, 6, 10), D(2025, 5, 25), D(2025, 7, 1)),  # day 16: too late for the 特例
        (D(2025, 6, 15), D(2025, 5, 31), D(2025, 6, 1)),
        (D(2025, 6, 10), D(2025, 6, 3), D(2025, 7, 1)),  # same month: no difference
        (D(2026, 1, 14), D(2025, 12, 30), D(2026, 1, 1)),  # across the year end
    ],
)
def test_start_month(claim_on, event_on, expected):
    assert ca.start_month(claim_on, event_on) == expected


def test_start_month_rejects_event_after_claim():
    with pytest.raises(ValueError):
        ca.start_month(D(2025, 6, 1), D(2025, 6, 2))


def test_end_and_last_paid_month():
    assert ca.end_month(D(2025, 8, 20)) == D(2025, 8, 1)
    assert ca.last_paid_month(D(2007, 4, 1)) == D(2025, 3, 1)
    assert ca.last_paid_month(D(2007, 4, 2)) == D(2026, 3, 1)


def test_payment_months_are_even_months_of_the_fiscal_year():
    assert ca.payment_months(2025) == [
        D(2025, 4, 1),
        D(2025, 6, 1),
        D(2025, 8, 1),
        D(2025, 10, 1),
        D(2025, 12, 1),
        D(2026, 2, 1),
    ]


@pytest.mark.parametrize(
    ("month", "paid_in"),
    [
        (D(2024, 10, 1), D(2024, 12, 1)),  # first months of the reform, first paid 2024-12
        (D(2024, 11, 1), D(2024, 12, 1)),
        (D(2025, 2, 1), D(2025, 4, 1)),  # April pays February + March
        (D(2025, 3, 1), D(2025, 4, 1)),
        (D(2025, 12, 1), D(2026, 2, 1)),
        (D(2026, 1, 1), D(2026, 2, 1)),
    ],
)
def test_payment_month_for(month, paid_in):
    assert ca.payment_month_for(month) == paid_in
    assert month in ca.covered_months(paid_in)


def test_covered_months_rejects_odd_month():
    assert ca.covered_months(D(2025, 4, 1)) == (D(2025, 2, 1), D(2025, 3, 1))
    with pytest.raises(ValueError):
        ca.covered_months(D(2025, 5, 1))


def test_payment_schedule_bimonthly():
    children = [ChildInput(AGE_20, True), ChildInput(AGE_15), ChildInput(AGE_10), ChildInput(AGE_2)]
    schedule = ca.payment_schedule(children, D(2025, 5, 1), D(2025, 8, 1))
    assert [(p.payment_month, [m.month for m in p.months], p.total_yen) for p in schedule] == [
        (D(2025, 6, 1), [D(2025, 5, 1)], 70_000),
        (D(2025, 8, 1), [D(2025, 6, 1), D(2025, 7, 1)], 140_000),  # 140,000 per bimonthly payment
        (D(2025, 10, 1), [D(2025, 8, 1)], 70_000),
    ]


def test_payment_schedule_default_end_is_last_eligible_march():
    schedule = ca.payment_schedule([ChildInput(D(2007, 4, 2))], D(2025, 12, 1))
    assert [p.payment_month for p in schedule] == [D(2026, 2, 1), D(2026, 4, 1)]
    assert schedule[-1].total_yen == 20_000  # February + March 2026


@pytest.mark.parametrize(
    ("day", "holidays", "expected"),
    [
        (10, (), D(2025, 6, 10)),
        (15, (), D(2025, 6, 13)),  # Sunday → Friday
        (15, (D(2025, 6, 13),), D(2025, 6, 12)),
        (31, (), D(2025, 6, 30)),
    ],
)
def test_payment_date_moves_back_to_business_day(day, holidays, expected):
    assert ca.payment_date(D(2025, 6, 1), day, holidays) == expected


def test_amount_changes_birth_and_22_fy_end():
    children = [
        ChildInput(AGE_20, True),
        ChildInput(AGE_10),
        ChildInput(D(2022, 6, 15)),
        ChildInput(D(2025, 8, 20)),
    ]
    changes = ca.amount_changes(children, D(2025, 4, 1), D(2027, 6, 1))
    assert [(c.month, c.previous_total_yen, c.total_yen, c.reasons) for c in changes] == [
        (D(2025, 9, 1), 40_000, 70_000, (ChangeReason.BIRTH,)),
        # AGE_20 reaches 22 on 2027-03-09 → past the 22歳年度末 from April 2027: the others move up one rank.
        (D(2027, 4, 1), 70_000, 50_000, (ChangeReason.PASSED_22_FY_END,)),
    ]


@pytest.mark.parametrize(("supported", "april_total"), [(True, 40_000), (False, 20_000)])
def test_amount_changes_18_fy_end(supported, april_total):
    children = [ChildInput(D(2007, 5, 1), supported), ChildInput(D(2012, 1, 1)), ChildInput(D(2016, 1, 1))]
    changes = ca.amount_changes(children, D(2026, 1, 1), D(2026, 6, 1))
    assert [(c.month, c.previous_total_yen, c.total_yen, c.reasons) for c in changes] == [
        (D(2026, 4, 1), 50_000, april_total, (ChangeReason.PASSED_18_FY_END,)),
    ]


def test_amount_changes_turning_3():
    changes = ca.amount_changes([ChildInput(D(2022, 6, 15))], D(2025, 1, 1), D(2025, 12, 1))
    assert [(c.month, c.total_yen, c.reasons) for c in changes] == [
        (D(2025, 7, 1), 10_000, (ChangeReason.TURNED_3,))
    ]
