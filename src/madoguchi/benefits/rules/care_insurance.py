"""介護保険 (long-term care insurance) rules — benefits.md §5.

Insured categories (§5.1), 要介護認定 validity (§5.3), 負担限度額 (§5.4), 高額介護サービス費 (§5.5) and the
特定福祉用具購入 / 住宅改修 reimbursements (§5.2). All yen amounts live in effective-dated parameter sets.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from madoguchi.benefits.parameters import in_force
from madoguchi.benefits.rules._months import add_months, first_of_month, month_end
from madoguchi.common.ages import fiscal_year_of, reach_date

# ---------------------------------------------------------------------------------------------------------
# 5.1 Insured persons


class InsuredCategory(StrEnum):
    CATEGORY_1 = "1"  # 第1号被保険者: 65+
    CATEGORY_2 = "2"  # 第2号被保険者: 40–64 in public medical insurance


def category_1_starts_on(birth_date: dt.date) -> dt.date:
    """The day 第1号 status starts: reaching 65 (the day before the 65th birthday)."""
    return reach_date(birth_date, 65)


def category_2_starts_on(birth_date: dt.date) -> dt.date:
    """The day 第2号 status can start: reaching 40 (the day before the 40th birthday)."""
    return reach_date(birth_date, 40)


def category_1_first_month(birth_date: dt.date) -> dt.date:
    """First 第1号 premium month: the month containing the 65 reach date (a month early for 1st births)."""
    return first_of_month(category_1_starts_on(birth_date))


def insured_category(
    birth_date: dt.date, on: dt.date, *, has_medical_insurance: bool
) -> InsuredCategory | None:
    """第1号 / 第2号 / None for a resident born on `birth_date`, on `on`."""
    if on < birth_date:
        raise ValueError("on must not be before the birth date")
    if on >= category_1_starts_on(birth_date):
        return InsuredCategory.CATEGORY_1
    if on >= category_2_starts_on(birth_date) and has_medical_insurance:
        return InsuredCategory.CATEGORY_2
    return None


# ---------------------------------------------------------------------------------------------------------
# 5.3 要介護認定 validity (applications from 2021-04)


class ApplicationKind(StrEnum):
    NEW = "new"  # 新規
    RENEWAL = "renewal"  # 更新
    CHANGE = "change"  # 区分変更


@dataclass(frozen=True)
class ValidityRule:
    default_months: int
    min_months: int
    max_months: int
    max_months_if_unchanged: int  # 更新 with the same level may go further


VALIDITY_RULES: Mapping[ApplicationKind, ValidityRule] = {
    ApplicationKind.NEW: ValidityRule(6, 3, 12, 12),
    ApplicationKind.CHANGE: ValidityRule(6, 3, 12, 12),
    ApplicationKind.RENEWAL: ValidityRule(12, 3, 36, 48),
}
RENEWAL_WINDOW_DAYS = 60  # 更新申請 accepted from 60 days before expiry
DECISION_DAYS = 30  # decision within 30 days of the application


@dataclass(frozen=True)
class ValidityPeriod:
    starts_on: dt.date
    ends_on: dt.date
    months: int


def renewal_opens_on(ends_on: dt.date) -> dt.date:
    """First day a renewal may be applied for: 60 days before the current period's last day."""
    return ends_on - dt.timedelta(days=RENEWAL_WINDOW_DAYS)


def decision_due_on(applied_on: dt.date) -> dt.date:
    """Day by which the certification decision is due (30 days after the application)."""
    return applied_on + dt.timedelta(days=DECISION_DAYS)


def certification_validity(
    kind: ApplicationKind,
    *,
    applied_on: dt.date,
    previous_ends_on: dt.date | None = None,
    months: int | None = None,
    level_unchanged: bool = False,
) -> ValidityPeriod:
    """Validity period of a 要介護認定 for a 新規 / 更新 / 区分変更 application (months default per kind)."""
    rule = VALIDITY_RULES[kind]
    months = rule.default_months if months is None else months
    upper = rule.max_months_if_unchanged if level_unchanged else rule.max_months
    if not rule.min_months <= months <= upper:
        raise ValueError(f"{kind.value} validity must be {rule.min_months}–{upper} months, got {months}")
    if kind is ApplicationKind.RENEWAL:
        if previous_ends_on is None:
            raise ValueError("a renewal needs previous_ends_on")
        if applied_on < renewal_opens_on(previous_ends_on):
            raise ValueError("renewal applications are accepted from 60 days before expiry")
        if applied_on > previous_ends_on:
            raise ValueError("the previous certification has expired: apply as new")
        starts_on = previous_ends_on + dt.timedelta(days=1)
    else:
        # 新規/区分変更 take effect on the application date.
        starts_on = applied_on
    # 介護保険法施行規則 §38: the period runs to a month-end; when it starts mid-month the rest of that
    # month is added on top of the N months (a start on the 1st counts its own month as the first).
    first_full_month = first_of_month(starts_on) if starts_on.day == 1 else add_months(starts_on, 1)
    ends_on = month_end(add_months(first_full_month, months - 1))
    return ValidityPeriod(starts_on, ends_on, months)


# ---------------------------------------------------------------------------------------------------------
# 5.4 負担限度額 (特定入所者介護サービス費)


class CostCeilingStage(StrEnum):
    STAGE_1 = "1"
    STAGE_2 = "2"
    STAGE_3A = "3a"  # 第3段階①
    STAGE_3B = "3b"  # 第3段階②


class RoomType(StrEnum):
    MULTI_BED = "multi_bed"  # 多床室
    CONVENTIONAL_PRIVATE = "conventional_private"  # 従来型個室
    UNIT_PRIVATE = "unit_private"  # ユニット型個室


class FacilityType(StrEnum):
    NURSING_HOME = "nursing_home"  # 介護老人福祉施設 (特養) and its short stay
    OTHER = "other"  # 老健・介護医療院 等


@dataclass(frozen=True)
class StageCeiling:
    food_facility_yen: int
    food_short_stay_yen: int
    multi_bed_yen: int
    conventional_nursing_home_yen: int
    conventional_other_yen: int
    unit_private_yen: int
    savings_single_yen: int
    savings_couple_yen: int


@dataclass(frozen=True)
class CostCeilingParameters:
    effective_from: dt.date
    stage_2_income_max_yen: int  # ≤ → 第2段階
    stage_3a_income_max_yen: int  # ≤ → 第3段階①, above → ②
    stages: Mapping[CostCeilingStage, StageCeiling]
    category_2_savings_single_yen: int  # 第2号: one savings limit regardless of stage
    category_2_savings_couple_yen: int
    # 基準費用額 (per day)
    base_food_yen: int
    base_multi_bed_nursing_home_yen: int
    base_multi_bed_other_yen: int
    base_conventional_nursing_home_yen: int
    base_conventional_other_yen: int
    base_unit_private_yen: int


_MAN = 10_000
_STAGES_2024_08: Mapping[CostCeilingStage, StageCeiling] = {
    CostCeilingStage.STAGE_1: StageCeiling(300, 300, 0, 380, 550, 880, 1000 * _MAN, 2000 * _MAN),
    CostCeilingStage.STAGE_2: StageCeiling(390, 600, 430, 480, 550, 880, 650 * _MAN, 1650 * _MAN),
    CostCeilingStage.STAGE_3A: StageCeiling(650, 1000, 430, 880, 1370, 1370, 550 * _MAN, 1550 * _MAN),
    CostCeilingStage.STAGE_3B: StageCeiling(1360, 1300, 430, 880, 1370, 1370, 500 * _MAN, 1500 * _MAN),
}
_COST_CEILING_2024_08 = CostCeilingParameters(
    effective_from=dt.date(2024, 8, 1),
    stage_2_income_max_yen=800_000,
    stage_3a_income_max_yen=1_200_000,
    stages=_STAGES_2024_08,
    category_2_savings_single_yen=1000 * _MAN,
    category_2_savings_couple_yen=2000 * _MAN,
    base_food_yen=1445,
    base_multi_bed_nursing_home_yen=915,
    base_multi_bed_other_yen=437,
    base_conventional_nursing_home_yen=1231,
    base_conventional_other_yen=1728,
    base_unit_private_yen=2066,
)
COST_CEILING_PARAMETERS: tuple[CostCeilingParameters, ...] = (
    _COST_CEILING_2024_08,
    # 2025-08: the 第2段階 boundary moves to 80.9万 (food amounts after 2025-08 unconfirmed: carried over).
    replace(_COST_CEILING_2024_08, effective_from=dt.date(2025, 8, 1), stage_2_income_max_yen=809_000),
)


def cost_ceiling_parameters_for(on: dt.date) -> CostCeilingParameters:
    """負担限度額 parameters in force on `on` (from 2024-08)."""
    return in_force(COST_CEILING_PARAMETERS, on, what="cost-ceiling (負担限度額)")


def income_measure_yen(pension_income_yen: int, non_taxable_pension_yen: int, other_income_yen: int) -> int:
    """Income measure: 課税年金収入 + 非課税年金収入 + その他の合計所得金額 (pension part excluded)."""
    return pension_income_yen + non_taxable_pension_yen + max(0, other_income_yen)


def cost_ceiling_stage(
    *,
    on: dt.date,
    household_tax_exempt: bool,
    income_measure_yen: int,
    savings_yen: int,
    has_spouse: bool,
    on_public_assistance: bool = False,
    old_age_welfare_pension: bool = False,
    category: InsuredCategory = InsuredCategory.CATEGORY_1,
    params: CostCeilingParameters | None = None,
) -> CostCeilingStage | None:
    """負担限度額 段階 from household tax status, income measure and savings; None if not eligible."""
    p = params or cost_ceiling_parameters_for(on)
    if on_public_assistance:
        return CostCeilingStage.STAGE_1  # 生活保護: no savings test
    # Requirement: the whole household (and a spouse in another household) is 住民税非課税.
    if not household_tax_exempt:
        return None
    if old_age_welfare_pension:
        stage = CostCeilingStage.STAGE_1
    elif income_measure_yen <= p.stage_2_income_max_yen:
        stage = CostCeilingStage.STAGE_2
    elif income_measure_yen <= p.stage_3a_income_max_yen:
        stage = CostCeilingStage.STAGE_3A
    else:
        stage = CostCeilingStage.STAGE_3B
    if category is InsuredCategory.CATEGORY_2:
        limit = p.category_2_savings_couple_yen if has_spouse else p.category_2_savings_single_yen
    else:
        ceiling = p.stages[stage]
        limit = ceiling.savings_couple_yen if has_spouse else ceiling.savings_single_yen
    # Savings over the stage's limit: no 負担限度額認定 at all (not a fall-back to another stage).
    return stage if savings_yen <= limit else None


@dataclass(frozen=True)
class DailyAmounts:
    food_yen: int
    accommodation_yen: int


def _accommodation(
    stage: StageCeiling | CostCeilingParameters, room: RoomType, facility: FacilityType
) -> int:
    # A CostCeilingParameters gives the 基準費用額, a StageCeiling the 負担限度額.
    if isinstance(stage, CostCeilingParameters):
        table = {
            RoomType.MULTI_BED: (stage.base_multi_bed_nursing_home_yen, stage.base_multi_bed_other_yen),
            RoomType.CONVENTIONAL_PRIVATE: (
                stage.base_conventional_nursing_home_yen,
                stage.base_conventional_other_yen,
            ),
            RoomType.UNIT_PRIVATE: (stage.base_unit_private_yen, stage.base_unit_private_yen),
        }
    else:
        table = {
            RoomType.MULTI_BED: (stage.multi_bed_yen, stage.multi_bed_yen),
            RoomType.CONVENTIONAL_PRIVATE: (
                stage.conventional_nursing_home_yen,
                stage.conventional_other_yen,
            ),
            RoomType.UNIT_PRIVATE: (stage.unit_private_yen, stage.unit_private_yen),
        }
    nursing_home, other = table[room]
    return nursing_home if facility is FacilityType.NURSING_HOME else other


def cost_ceiling_daily(
    stage: CostCeilingStage,
    *,
    on: dt.date,
    room: RoomType,
    facility: FacilityType,
    short_stay: bool = False,
    params: CostCeilingParameters | None = None,
) -> DailyAmounts:
    """Daily 負担限度額 (what the resident pays) for food and accommodation."""
    p = params or cost_ceiling_parameters_for(on)
    ceiling = p.stages[stage]
    food = ceiling.food_short_stay_yen if short_stay else ceiling.food_facility_yen
    return DailyAmounts(food, _accommodation(ceiling, room, facility))


def specified_admission_benefit_daily(
    stage: CostCeilingStage,
    *,
    on: dt.date,
    room: RoomType,
    facility: FacilityType,
    short_stay: bool = False,
    params: CostCeilingParameters | None = None,
) -> DailyAmounts:
    """Daily 特定入所者介護サービス費: 基準費用額 − 負担限度額 for food and accommodation."""
    p = params or cost_ceiling_parameters_for(on)
    ceiling = cost_ceiling_daily(stage, on=on, room=room, facility=facility, short_stay=short_stay, params=p)
    base_room = _accommodation(p, room, facility)
    return DailyAmounts(
        max(0, p.base_food_yen - ceiling.food_yen), max(0, base_room - ceiling.accommodation_yen)
    )


# ---------------------------------------------------------------------------------------------------------
# 5.5 高額介護（予防）サービス費


class HighCostBracket(StrEnum):
    TAXABLE_690 = "taxable_690"  # 課税所得 690万円以上
    TAXABLE_380 = "taxable_380"  # 課税所得 380万〜690万未満
    TAXED = "taxed"  # 住民税課税 〜 課税所得 380万未満
    TAX_EXEMPT = "tax_exempt"  # 世帯全員 住民税非課税
    PUBLIC_ASSISTANCE = "public_assistance"  # 生活保護等


@dataclass(frozen=True)
class HighCostCap:
    household_yen: int | None
    individual_yen: int | None  # for 生活保護, and low-income individuals in a 非課税 household


@dataclass(frozen=True)
class HighCostParameters:
    effective_from: dt.date
    caps: Mapping[HighCostBracket, HighCostCap]
    taxable_690_min_yen: int
    taxable_380_min_yen: int
    low_income_individual_max_yen: int  # 年金収入 + その他合計所得 ≤ this → 個人 15,000


_HIGH_COST_CAPS: Mapping[HighCostBracket, HighCostCap] = {
    HighCostBracket.TAXABLE_690: HighCostCap(140_100, None),
    HighCostBracket.TAXABLE_380: HighCostCap(93_000, None),
    HighCostBracket.TAXED: HighCostCap(44_400, None),
    HighCostBracket.TAX_EXEMPT: HighCostCap(24_600, 15_000),
    HighCostBracket.PUBLIC_ASSISTANCE: HighCostCap(None, 15_000),
}
HIGH_COST_PARAMETERS: tuple[HighCostParameters, ...] = (
    # The 690万/380万 brackets date from 2021-08.
    HighCostParameters(dt.date(2021, 8, 1), _HIGH_COST_CAPS, 6_900_000, 3_800_000, 800_000),
    # 80.9万 from 2025-08 (unconfirmed in the reference for this benefit; follows the 負担限度額 change).
    HighCostParameters(dt.date(2025, 8, 1), _HIGH_COST_CAPS, 6_900_000, 3_800_000, 809_000),
)


def high_cost_parameters_for(month: dt.date) -> HighCostParameters:
    """高額介護サービス費 parameters in force for `month` (from 2021-08)."""
    return in_force(HIGH_COST_PARAMETERS, month, what="high-cost care benefit")


def high_cost_bracket(
    *,
    month: dt.date,
    on_public_assistance: bool,
    household_tax_exempt: bool,
    highest_taxable_income_yen: int,
    params: HighCostParameters | None = None,
) -> HighCostBracket:
    """Income bracket from the household's tax status and the highest 課税所得 of its 第1号被保険者."""
    p = params or high_cost_parameters_for(month)
    if on_public_assistance:
        return HighCostBracket.PUBLIC_ASSISTANCE
    if household_tax_exempt:
        return HighCostBracket.TAX_EXEMPT
    if highest_taxable_income_yen >= p.taxable_690_min_yen:
        return HighCostBracket.TAXABLE_690
    if highest_taxable_income_yen >= p.taxable_380_min_yen:
        return HighCostBracket.TAXABLE_380
    return HighCostBracket.TAXED


def is_low_income_individual(
    *,
    month: dt.date,
    pension_and_other_income_yen: int,
    old_age_welfare_pension: bool = False,
    params: HighCostParameters | None = None,
) -> bool:
    """Whether a 非課税-household member gets the individual 15,000 cap (≤ 80万/80.9万, 老齢福祉年金)."""
    p = params or high_cost_parameters_for(month)
    return old_age_welfare_pension or pension_and_other_income_yen <= p.low_income_individual_max_yen


@dataclass(frozen=True)
class MemberCopay:
    copay_yen: int  # the member's 1–3割 利用者負担 for the month (food, accommodation etc. excluded)
    low_income_individual: bool = False


@dataclass(frozen=True)
class HighCostBenefit:
    member_benefits_yen: tuple[int, ...]  # same order as the members
    total_yen: int
    cap: HighCostCap


def high_cost_benefit(
    bracket: HighCostBracket,
    members: Sequence[MemberCopay],
    *,
    month: dt.date,
    params: HighCostParameters | None = None,
) -> HighCostBenefit:
    """Monthly 高額介護サービス費 per member: household excess shared pro rata, then individual caps."""
    p = params or high_cost_parameters_for(month)
    cap = p.caps[bracket]
    if any(m.copay_yen < 0 for m in members):
        raise ValueError("copay_yen must not be negative")
    total = sum(m.copay_yen for m in members)
    benefits = [0] * len(members)
    if cap.household_yen is not None and total > cap.household_yen:
        excess = total - cap.household_yen
        # The household excess is shared in proportion to each member's co-payment; shares are rounded down
        # to the yen (a few yen of rounding stay with the household).
        benefits = [excess * m.copay_yen // total for m in members]
    if cap.individual_yen is not None:
        for index, member in enumerate(members):
            # 生活保護: everyone; 非課税 household: only the low-income individuals. Their own burden may not
            # exceed the individual cap even after the household share.
            if bracket is HighCostBracket.PUBLIC_ASSISTANCE or member.low_income_individual:
                benefits[index] = max(benefits[index], member.copay_yen - cap.individual_yen)
    return HighCostBenefit(tuple(benefits), sum(benefits), cap)


# ---------------------------------------------------------------------------------------------------------
# 特定福祉用具購入費 / 住宅改修費


class CareLevel(StrEnum):
    SUPPORT_1 = "support_1"  # 要支援1
    SUPPORT_2 = "support_2"  # 要支援2
    CARE_1 = "care_1"  # 要介護1
    CARE_2 = "care_2"
    CARE_3 = "care_3"
    CARE_4 = "care_4"
    CARE_5 = "care_5"


# 「介護の必要の程度」 for the 住宅改修 3段階リセット (厚生労働省告示): 要支援2 and 要介護1 are the same step.
CARE_NEED_STEP: Mapping[CareLevel, int] = {
    CareLevel.SUPPORT_1: 1,
    CareLevel.SUPPORT_2: 2,
    CareLevel.CARE_1: 2,
    CareLevel.CARE_2: 3,
    CareLevel.CARE_3: 4,
    CareLevel.CARE_4: 5,
    CareLevel.CARE_5: 6,
}


@dataclass(frozen=True)
class ReimbursementParameters:
    effective_from: dt.date
    equipment_annual_limit_yen: int  # 特定福祉用具購入: per fiscal year (April–March), on the cost
    renovation_limit_yen: int  # 住宅改修: per person, on the cost, until a reset
    renovation_reset_steps: int


REIMBURSEMENT_PARAMETERS: tuple[ReimbursementParameters, ...] = (
    ReimbursementParameters(dt.date(2000, 4, 1), 100_000, 200_000, 3),
)


def reimbursement_parameters_for(on: dt.date) -> ReimbursementParameters:
    """Equipment / renovation limits in force on `on`."""
    return in_force(REIMBURSEMENT_PARAMETERS, on, what="equipment/renovation reimbursement")


@dataclass(frozen=True)
class Reimbursement:
    counted_cost_yen: int  # part of the cost within the remaining limit
    reimbursable_yen: int  # paid back: counted cost × (10 − co-pay) / 10
    resident_pays_yen: int  # cost − reimbursable
    remaining_limit_yen: int  # limit left after this purchase


def _reimburse(
    cost_yen: int, copay_tenths: int, prior_counted_cost_yen: int, limit_yen: int
) -> Reimbursement:
    if cost_yen < 0 or prior_counted_cost_yen < 0:
        raise ValueError("costs must not be negative")
    if copay_tenths not in (1, 2, 3):
        raise ValueError("copay_tenths must be 1, 2 or 3 (1割–3割)")
    remaining = max(0, limit_yen - prior_counted_cost_yen)
    counted = min(cost_yen, remaining)
    # The insurer pays 9/8/7割 of the counted cost; fractions of a yen are dropped (the resident pays them).
    reimbursable = counted * (10 - copay_tenths) // 10
    return Reimbursement(counted, reimbursable, cost_yen - reimbursable, remaining - counted)


def equipment_purchase_reimbursement(
    *,
    cost_yen: int,
    copay_tenths: int,
    prior_counted_cost_yen: int,
    purchased_on: dt.date,
    params: ReimbursementParameters | None = None,
) -> Reimbursement:
    """特定福祉用具購入費: reimbursable yen within the 100,000 annual cost limit (prior use: this FY's)."""
    p = params or reimbursement_parameters_for(purchased_on)
    return _reimburse(cost_yen, copay_tenths, prior_counted_cost_yen, p.equipment_annual_limit_yen)


def equipment_fiscal_year(purchased_on: dt.date) -> int:
    """The fiscal year (April–March) whose equipment limit a purchase on `purchased_on` uses."""
    return fiscal_year_of(purchased_on)


def home_renovation_reimbursement(
    *,
    cost_yen: int,
    copay_tenths: int,
    prior_counted_cost_yen: int,
    completed_on: dt.date,
    params: ReimbursementParameters | None = None,
) -> Reimbursement:
    """住宅改修費: reimbursable yen within the 200,000 per-person limit (prior use since the last reset)."""
    p = params or reimbursement_parameters_for(completed_on)
    return _reimburse(cost_yen, copay_tenths, prior_counted_cost_yen, p.renovation_limit_yen)


class RenovationReset(StrEnum):
    MOVED = "moved"  # 転居: a new dwelling gets a fresh limit
    CARE_LEVEL_UP = "care_level_up"  # 介護の必要の程度 up 3 steps from the first renovation (once only)


def renovation_limit_reset(
    *,
    first_level: CareLevel,
    current_level: CareLevel,
    moved_since_first: bool,
    level_reset_used: bool = False,
    params: ReimbursementParameters | None = None,
) -> RenovationReset | None:
    """Whether the 住宅改修 limit starts afresh, and why (None: prior use still counts)."""
    p = params or REIMBURSEMENT_PARAMETERS[-1]
    if moved_since_first:
        return RenovationReset.MOVED
    rise = CARE_NEED_STEP[current_level] - CARE_NEED_STEP[first_level]
    if rise >= p.renovation_reset_steps and not level_reset_used:
        return RenovationReset.CARE_LEVEL_UP
    return None
