"""児童扶養手当 (child-rearing allowance for single-parent households) — benefits.md §2.

Amounts are revised every April by 物価スライド, so parameters are keyed by fiscal year (April–March). Only
FY2025 is fully given by the reference (amounts, partial range, coefficients, and the income limits in force
from 2024-11); other years raise ValueError until their figures are added to `PARAMETERS`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from enum import StrEnum

from madoguchi.benefits.rules._months import add_months, first_of_month


@dataclass(frozen=True)
class IncomeLimits:
    """所得制限限度額 by 扶養親族等の数 (0..n) with a per-dependant step beyond the table."""

    full_yen: tuple[int, ...]  # 本人 全部支給
    partial_yen: tuple[int, ...]  # 本人 一部支給
    obligor_yen: tuple[int, ...]  # 扶養義務者・配偶者・孤児等養育者
    per_further_dependant_yen: int
    # 本人 only (unconfirmed detail in the reference): extra per 老人扶養親族 / 特定扶養親族.
    elderly_dependant_extra_yen: int
    specific_dependant_extra_yen: int

    @staticmethod
    def _lookup(table: tuple[int, ...], dependents: int, step: int) -> int:
        if dependents < 0:
            raise ValueError("dependents must not be negative")
        if dependents < len(table):
            return table[dependents]
        return table[-1] + (dependents - len(table) + 1) * step

    def full_limit_yen(self, dependents: int, elderly: int = 0, specific: int = 0) -> int:
        """本人 全部支給 limit for the number of dependants (plus the 老人/特定 extras)."""
        base = self._lookup(self.full_yen, dependents, self.per_further_dependant_yen)
        return (
            base + elderly * self.elderly_dependant_extra_yen + specific * self.specific_dependant_extra_yen
        )

    def partial_limit_yen(self, dependents: int, elderly: int = 0, specific: int = 0) -> int:
        """本人 一部支給 limit for the number of dependants (plus the 老人/特定 extras)."""
        base = self._lookup(self.partial_yen, dependents, self.per_further_dependant_yen)
        return (
            base + elderly * self.elderly_dependant_extra_yen + specific * self.specific_dependant_extra_yen
        )

    def obligor_limit_yen(self, dependents: int) -> int:
        """扶養義務者等 limit for the number of their dependants."""
        return self._lookup(self.obligor_yen, dependents, self.per_further_dependant_yen)


# From 2024-11 (benefits.md §2 所得制限限度額 table).
LIMITS_FROM_2024_11 = IncomeLimits(
    full_yen=(690_000, 1_070_000, 1_450_000, 1_830_000, 2_210_000),
    partial_yen=(2_080_000, 2_460_000, 2_840_000, 3_220_000, 3_600_000),
    obligor_yen=(2_360_000, 2_740_000, 3_120_000, 3_500_000, 3_880_000),
    per_further_dependant_yen=380_000,
    elderly_dependant_extra_yen=100_000,
    specific_dependant_extra_yen=150_000,
)


@dataclass(frozen=True)
class ChildRearingAllowanceParameters:
    fiscal_year: int
    full_base_yen: int  # 本体 全部支給
    partial_base_max_yen: int
    partial_base_min_yen: int
    base_coefficient: Decimal
    full_addition_yen: int  # 第2子以降加算 (each; 3rd+ = 2nd since 2024-11)
    partial_addition_max_yen: int
    partial_addition_min_yen: int
    addition_coefficient: Decimal
    limits: IncomeLimits
    flat_deduction_yen: int  # 一律控除
    child_support_inclusion: Decimal  # 養育費 × 0.8 counts as income


PARAMETERS: Mapping[int, ChildRearingAllowanceParameters] = {
    2025: ChildRearingAllowanceParameters(
        fiscal_year=2025,
        full_base_yen=46_690,
        partial_base_max_yen=46_680,
        partial_base_min_yen=11_010,
        base_coefficient=Decimal("0.0256619"),
        full_addition_yen=11_030,
        partial_addition_max_yen=11_020,
        partial_addition_min_yen=5_520,
        # Reference: derived so the formula reaches 5,520 at the partial ceiling (unconfirmed).
        addition_coefficient=Decimal("0.0039568"),
        limits=LIMITS_FROM_2024_11,
        flat_deduction_yen=80_000,
        child_support_inclusion=Decimal("0.8"),
    ),
}


def parameters_for(fiscal_year: int) -> ChildRearingAllowanceParameters:
    """Parameters for `fiscal_year`; ValueError naming the supported years if unknown."""
    try:
        return PARAMETERS[fiscal_year]
    except KeyError:
        supported = ", ".join(f"FY{year}" for year in sorted(PARAMETERS))
        raise ValueError(
            f"child-rearing allowance amounts for FY{fiscal_year} are not known; supported: {supported}"
        ) from None


class PaymentKind(StrEnum):
    FULL = "full"  # 全部支給
    PARTIAL = "partial"  # 一部支給
    NONE = "none"  # 全部停止


@dataclass(frozen=True)
class Quote:
    monthly_yen: int
    kind: PaymentKind
    base_yen: int  # 本体 (1st child)
    addition_yen_each: int  # per 2nd-and-later child
    full_limit_yen: int
    partial_limit_yen: int


def _round10(value: Decimal) -> int:
    # benefits.md §2: 10円未満四捨五入.
    return int((value / 10).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * 10


def assessed_income_yen(
    income_yen: int,
    child_support_yen: int = 0,
    deductions_yen: int = 0,
    params: ChildRearingAllowanceParameters | None = None,
) -> int:
    """所得額 for the limit test: income + 養育費 × 0.8 − 80,000 (一律控除) − 諸控除, not below 0."""
    p = params or parameters_for(max(PARAMETERS))
    support = int((Decimal(child_support_yen) * p.child_support_inclusion).quantize(Decimal(1), ROUND_FLOOR))
    return max(0, income_yen + support - p.flat_deduction_yen - deductions_yen)


def quote(
    fiscal_year: int,
    children: int,
    income_yen: int,
    dependents: int,
    *,
    elderly_dependents: int = 0,
    specific_dependents: int = 0,
    obligor_income_yen: int | None = None,
    obligor_dependents: int = 0,
    params: ChildRearingAllowanceParameters | None = None,
) -> Quote:
    """Monthly amount and kind (full/partial/none) for `children` eligible children and 所得額 `income_yen`.

    `income_yen` is the 所得額 after deductions (see `assessed_income_yen`). A co-resident 扶養義務者
    whose income is at or above their limit stops the whole allowance.
    """
    if children < 1:
        raise ValueError("children must be at least 1")
    p = params or parameters_for(fiscal_year)
    full_limit = p.limits.full_limit_yen(dependents, elderly_dependents, specific_dependents)
    partial_limit = p.limits.partial_limit_yen(dependents, elderly_dependents, specific_dependents)
    additional = children - 1

    def none() -> Quote:
        return Quote(0, PaymentKind.NONE, 0, 0, full_limit, partial_limit)

    # 児童扶養手当法 §9/§10: 「政令で定める額以上であるとき」 → a limit itself falls in the next bracket.
    if obligor_income_yen is not None and obligor_income_yen >= p.limits.obligor_limit_yen(
        obligor_dependents
    ):
        return none()
    if income_yen < full_limit:
        base, addition, kind = p.full_base_yen, p.full_addition_yen, PaymentKind.FULL
    elif income_yen < partial_limit:
        over = Decimal(income_yen - full_limit)
        base = max(p.partial_base_min_yen, p.partial_base_max_yen - _round10(over * p.base_coefficient))
        addition = max(
            p.partial_addition_min_yen, p.partial_addition_max_yen - _round10(over * p.addition_coefficient)
        )
        kind = PaymentKind.PARTIAL
    else:
        return none()
    return Quote(base + additional * addition, kind, base, addition, full_limit, partial_limit)


def income_year_for_month(month: dt.date) -> int:
    """The calendar year whose income decides allowance `month` (支給年度 November → October)."""
    # Nov–Dec use the previous year's income, Jan–Oct the year before that (claims Jan–Sep: 前々年).
    return month.year - 1 if month.month >= 11 else month.year - 2


def income_year_for_claim(claim_on: dt.date) -> int:
    """Income year examined for a claim: 前々年 for claims in January–September, 前年 for Oct–Dec."""
    return income_year_for_month(start_month(claim_on))


def start_month(claim_on: dt.date) -> dt.date:
    """First allowance month: the month after the 認定請求."""
    return add_months(first_of_month(claim_on), 1)


def payment_month_for(month: dt.date) -> dt.date:
    """The payment month that pays allowance `month`: the first odd month strictly after it."""
    return add_months(first_of_month(month), 2 if month.month % 2 == 1 else 1)


def payment_months(year: int) -> list[dt.date]:
    """The six payment months of calendar `year` (January, March, May, July, September, November)."""
    return [dt.date(year, m, 1) for m in (1, 3, 5, 7, 9, 11)]
