"""児童扶養手当 rules (benefits.md §2), table-driven."""

from __future__ import annotations

import datetime as dt

import pytest

from madoguchi.benefits.rules import child_rearing_allowance as cra
from madoguchi.benefits.rules.child_rearing_allowance import PaymentKind

D = dt.date


@pytest.mark.parametrize(
    ("children", "income", "dependents", "kind", "base", "addition", "monthly"),
    [
        # Worked example: 所得額 1,500,000, 扶養1人 → 本体 35,650, 第2子加算 9,320.
        (1, 1_500_000, 1, PaymentKind.PARTIAL, 35_650, 9_320, 35_650),
        (2, 1_500_000, 1, PaymentKind.PARTIAL, 35_650, 9_320, 44_970),
        (3, 1_500_000, 1, PaymentKind.PARTIAL, 35_650, 9_320, 54_290),
        # Full: below the 全部支給 limit.
        (1, 1_069_999, 1, PaymentKind.FULL, 46_690, 11_030, 46_690),
        (3, 0, 1, PaymentKind.FULL, 46_690, 11_030, 68_750),
        # At the full limit itself (「以上」): partial at the top of the range.
        (2, 1_070_000, 1, PaymentKind.PARTIAL, 46_680, 11_020, 57_700),
        # Just below the partial limit: bottom of the range (11,010 / 5,520).
        (2, 2_459_999, 1, PaymentKind.PARTIAL, 11_010, 5_520, 16_530),
        (2, 2_460_000, 1, PaymentKind.NONE, 0, 0, 0),
        (1, 689_999, 0, PaymentKind.FULL, 46_690, 11_030, 46_690),
        (1, 690_000, 0, PaymentKind.PARTIAL, 46_680, 11_020, 46_680),
        (1, 2_080_000, 0, PaymentKind.NONE, 0, 0, 0),
        (1, 2_209_999, 4, PaymentKind.FULL, 46_690, 11_030, 46_690),
        # Beyond the table: +380,000 per further dependant (6 → 2,970,000 full limit).
        (1, 2_969_999, 6, PaymentKind.FULL, 46_690, 11_030, 46_690),
        (1, 2_970_000, 6, PaymentKind.PARTIAL, 46_680, 11_020, 46_680),
    ],
)
def test_quote_fy2025(children, income, dependents, kind, base, addition, monthly):
    q = cra.quote(2025, children, income, dependents)
    assert (q.kind, q.base_yen, q.addition_yen_each, q.monthly_yen) == (kind, base, addition, monthly)


def test_limits_reported():
    q = cra.quote(2025, 1, 0, 2)
    assert (q.full_limit_yen, q.partial_limit_yen) == (1_450_000, 2_840_000)


def test_elderly_and_specific_dependants_raise_own_limits():
    q = cra.quote(2025, 1, 1_100_000, 1, elderly_dependents=1)
    assert q.full_limit_yen == 1_170_000
    assert q.kind is PaymentKind.FULL
    assert cra.quote(2025, 1, 1_200_000, 1, specific_dependents=1).full_limit_yen == 1_220_000


@pytest.mark.parametrize(
    ("obligor_income", "obligor_dependents", "kind"),
    [
        (None, 0, PaymentKind.FULL),
        (2_359_999, 0, PaymentKind.FULL),
        (2_360_000, 0, PaymentKind.NONE),
        (2_739_999, 1, PaymentKind.FULL),
        (2_740_000, 1, PaymentKind.NONE),
    ],
)
def test_obligor_income_stops_allowance(obligor_income, obligor_dependents, kind):
    q = cra.quote(
        2025, 1, 500_000, 1, obligor_income_yen=obligor_income, obligor_dependents=obligor_dependents
    )
    assert q.kind is kind


@pytest.mark.parametrize("fiscal_year", [2023, 2024, 2026])
def test_unknown_fiscal_year(fiscal_year):
    with pytest.raises(ValueError, match=r"FY2025"):
        cra.quote(fiscal_year, 1, 0, 0)


def test_invalid_inputs():
    with pytest.raises(ValueError):
        cra.quote(2025, 0, 0, 0)
    with pytest.raises(ValueError):
        cra.quote(2025, 1, 0, -1)


@pytest.mark.parametrize(
    ("income", "support", "deductions", "expected"),
    [
        (2_000_000, 0, 0, 1_920_000),
        (2_000_000, 100_000, 0, 2_000_000),  # 養育費 × 0.8 counts
        (1_000_000, 12_345, 50_000, 879_876),
        (50_000, 0, 0, 0),
    ],
)
def test_assessed_income(income, support, deductions, expected):
    assert cra.assessed_income_yen(income, support, deductions) == expected


@pytest.mark.parametrize(
    ("claim_on", "income_year"),
    [
        (D(2025, 1, 5), 2023),
        (D(2025, 9, 30), 2023),
        (D(2025, 10, 1), 2024),
        (D(2025, 12, 31), 2024),
    ],
)
def test_income_year_for_claim(claim_on, income_year):
    assert cra.income_year_for_claim(claim_on) == income_year


@pytest.mark.parametrize(
    ("month", "paid_in"),
    [
        (D(2025, 11, 1), D(2026, 1, 1)),
        (D(2025, 12, 1), D(2026, 1, 1)),
        (D(2026, 1, 1), D(2026, 3, 1)),
        (D(2026, 2, 1), D(2026, 3, 1)),
    ],
)
def test_payment_month_for_odd_months(month, paid_in):
    assert cra.payment_month_for(month) == paid_in
    assert paid_in in cra.payment_months(paid_in.year)


def test_start_month():
    assert cra.start_month(D(2025, 6, 30)) == D(2025, 7, 1)
