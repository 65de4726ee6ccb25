"""介護保険 rules (benefits.md §5), table-driven."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from madoguchi.benefits.rules import care_insurance as ci
from madoguchi.benefits.rules.care_insurance import (
    ApplicationKind,
    CareLevel,
    CostCeilingStage,
    FacilityType,
    HighCostBracket,
    InsuredCategory,
    MemberCopay,
    RenovationReset,
    RoomType,
)

D = dt.date
MAN = 10_000


@pytest.mark.parametrize(
    ("birth_date", "on", "insured", "expected"),
    [
        # Born 1960-04-01: reaches 65 on 2025-03-31 (the day before the birthday).
        (D(1960, 4, 1), D(2025, 3, 30), True, InsuredCategory.CATEGORY_2),
        (D(1960, 4, 1), D(2025, 3, 31), True, InsuredCategory.CATEGORY_1),
        (D(1960, 4, 1), D(2025, 3, 31), False, InsuredCategory.CATEGORY_1),
        (D(1960, 4, 1), D(2025, 3, 30), False, None),  # 40–64 outside medical insurance
        # Reaching 40: born 1985-06-15 reaches 40 on 2025-06-14.
        (D(1985, 6, 15), D(2025, 6, 13), True, None),
        (D(1985, 6, 15), D(2025, 6, 14), True, InsuredCategory.CATEGORY_2),
    ],
)
def test_insured_category(birth_date, on, insured, expected):
    assert ci.insured_category(birth_date, on, has_medical_insurance=insured) == expected


@pytest.mark.parametrize(
    ("birth_date", "first_month"),
    [
        (D(1960, 4, 1), D(2025, 3, 1)),  # 1st-of-month birth: a month earlier
        (D(1960, 4, 2), D(2025, 4, 1)),
        (D(1960, 2, 29), D(2025, 2, 1)),
    ],
)
def test_category_1_first_month(birth_date, first_month):
    assert ci.category_1_first_month(birth_date) == first_month


@pytest.mark.parametrize(
    ("kind", "kwargs", "starts_on", "ends_on"),
    [
        # 新規 mid-month: rest of May + 6 months → 2025-11-30.
        (ApplicationKind.NEW, {"applied_on": D(2025, 5, 15)}, D(2025, 5, 15), D(2025, 11, 30)),
        (ApplicationKind.NEW, {"applied_on": D(2025, 5, 1)}, D(2025, 5, 1), D(2025, 10, 31)),
        (ApplicationKind.NEW, {"applied_on": D(2025, 5, 15), "months": 3}, D(2025, 5, 15), D(2025, 8, 31)),
        (
            ApplicationKind.CHANGE,
            {"applied_on": D(2025, 2, 10), "months": 12},
            D(2025, 2, 10),
            D(2026, 2, 28),
        ),
        (
            ApplicationKind.RENEWAL,
            {"applied_on": D(2025, 9, 1), "previous_ends_on": D(2025, 10, 31)},
            D(2025, 11, 1),
            D(2026, 10, 31),
        ),
        (
            ApplicationKind.RENEWAL,
            {"applied_on": D(2025, 10, 31), "previous_ends_on": D(2025, 10, 31), "months": 36},
            D(2025, 11, 1),
            D(2028, 10, 31),
        ),
        (
            ApplicationKind.RENEWAL,
            {
                "applied_on": D(2025, 10, 1),
                "previous_ends_on": D(2025, 10, 31),
                "months": 48,
                "level_unchanged": True,
            },
            D(2025, 11, 1),
            D(2029, 10, 31),
        ),
    ],
)
def test_certification_validity(kind, kwargs, starts_on, ends_on):
    period = ci.certification_validity(kind, **kwargs)
    assert (period.starts_on, period.ends_on) == (starts_on, ends_on)


@pytest.mark.parametrize(
    ("kind", "kwargs"),
    [
        (ApplicationKind.NEW, {"applied_on": D(2025, 5, 1), "months": 2}),
        (ApplicationKind.NEW, {"applied_on": D(2025, 5, 1), "months": 13}),
        (ApplicationKind.CHANGE, {"applied_on": D(2025, 5, 1), "months": 24}),
        (
            ApplicationKind.RENEWAL,
            {"applied_on": D(2025, 9, 1), "previous_ends_on": D(2025, 10, 31), "months": 37},
        ),
        (
            ApplicationKind.RENEWAL,
            {"applied_on": D(2025, 9, 1), "previous_ends_on": D(2025, 10, 31), "months": 48},
        ),
        (ApplicationKind.RENEWAL, {"applied_on": D(2025, 9, 1)}),  # no previous period
        # 60 days before 2025-10-31 is 2025-09-01; one day earlier is too early.
        (ApplicationKind.RENEWAL, {"applied_on": D(2025, 8, 31), "previous_ends_on": D(2025, 10, 31)}),
        (ApplicationKind.RENEWAL, {"applied_on": D(2025, 11, 1), "previous_ends_on": D(2025, 10, 31)}),
    ],
)
def test_certification_validity_rejected(kind, kwargs):
    with pytest.raises(ValueError):
        ci.certification_validity(kind, **kwargs)


def test_renewal_window_and_decision_due():
    assert ci.renewal_opens_on(D(2025, 10, 31)) == D(2025, 9, 1)
    assert ci.decision_due_on(D(2025, 5, 15)) == D(2025, 6, 14)


@pytest.mark.parametrize(
    ("on", "income", "savings", "spouse", "expected"),
    [
        (D(2025, 7, 31), 800_000, 650 * MAN, False, CostCeilingStage.STAGE_2),
        (D(2025, 7, 31), 800_001, 550 * MAN, False, CostCeilingStage.STAGE_3A),
        # From 2025-08 the 第2段階 boundary is 80.9万.
        (D(2025, 8, 1), 800_001, 650 * MAN, False, CostCeilingStage.STAGE_2),
        (D(2025, 8, 1), 809_000, 650 * MAN, False, CostCeilingStage.STAGE_2),
        (D(2025, 8, 1), 809_001, 550 * MAN, False, CostCeilingStage.STAGE_3A),
        (D(2025, 8, 1), 1_200_000, 550 * MAN, False, CostCeilingStage.STAGE_3A),
        (D(2025, 8, 1), 1_200_001, 500 * MAN, False, CostCeilingStage.STAGE_3B),
        # Savings over the stage's limit → no certification.
        (D(2025, 8, 1), 700_000, 650 * MAN + 1, False, None),
        (D(2025, 8, 1), 700_000, 1650 * MAN, True, CostCeilingStage.STAGE_2),
        (D(2025, 8, 1), 700_000, 1650 * MAN + 1, True, None),
        (D(2025, 8, 1), 1_000_000, 550 * MAN + 1, False, None),
        (D(2025, 8, 1), 1_300_000, 1500 * MAN, True, CostCeilingStage.STAGE_3B),
        (D(2025, 8, 1), 1_300_000, 500 * MAN + 1, False, None),
    ],
)
def test_cost_ceiling_stage(on, income, savings, spouse, expected):
    stage = ci.cost_ceiling_stage(
        on=on, household_tax_exempt=True, income_measure_yen=income, savings_yen=savings, has_spouse=spouse
    )
    assert stage == expected


def test_cost_ceiling_stage_special_cases():
    common: dict[str, Any] = {"on": D(2025, 8, 1), "income_measure_yen": 0, "has_spouse": False}
    assert ci.cost_ceiling_stage(household_tax_exempt=False, savings_yen=0, **common) is None
    assert (
        ci.cost_ceiling_stage(
            household_tax_exempt=True, savings_yen=5000 * MAN, on_public_assistance=True, **common
        )
        == CostCeilingStage.STAGE_1
    )
    assert (
        ci.cost_ceiling_stage(
            household_tax_exempt=True, savings_yen=1000 * MAN, old_age_welfare_pension=True, **common
        )
        == CostCeilingStage.STAGE_1
    )
    # 第2号: savings limit 1,000万 regardless of stage.
    stage = ci.cost_ceiling_stage(
        on=D(2025, 8, 1),
        household_tax_exempt=True,
        income_measure_yen=1_300_000,
        savings_yen=900 * MAN,
        has_spouse=False,
        category=InsuredCategory.CATEGORY_2,
    )
    assert stage == CostCeilingStage.STAGE_3B


def test_cost_ceiling_before_parameters():
    with pytest.raises(ValueError):
        ci.cost_ceiling_parameters_for(D(2024, 7, 31))


def test_income_measure():
    assert ci.income_measure_yen(600_000, 100_000, 50_000) == 750_000
    assert ci.income_measure_yen(600_000, 0, -20_000) == 600_000


@pytest.mark.parametrize(
    ("stage", "room", "facility", "short_stay", "ceiling", "benefit"),
    [
        (
            CostCeilingStage.STAGE_1,
            RoomType.MULTI_BED,
            FacilityType.NURSING_HOME,
            False,
            (300, 0),
            (1145, 915),
        ),
        (
            CostCeilingStage.STAGE_2,
            RoomType.CONVENTIONAL_PRIVATE,
            FacilityType.NURSING_HOME,
            False,
            (390, 480),
            (1055, 751),
        ),
        (
            CostCeilingStage.STAGE_2,
            RoomType.CONVENTIONAL_PRIVATE,
            FacilityType.OTHER,
            False,
            (390, 550),
            (1055, 1178),
        ),
        (CostCeilingStage.STAGE_2, RoomType.MULTI_BED, FacilityType.OTHER, True, (600, 430), (845, 7)),
        (
            CostCeilingStage.STAGE_3A,
            RoomType.UNIT_PRIVATE,
            FacilityType.NURSING_HOME,
            True,
            (1000, 1370),
            (445, 696),
        ),
        (
            CostCeilingStage.STAGE_3B,
            RoomType.UNIT_PRIVATE,
            FacilityType.OTHER,
            False,
            (1360, 1370),
            (85, 696),
        ),
        (
            CostCeilingStage.STAGE_3B,
            RoomType.CONVENTIONAL_PRIVATE,
            FacilityType.OTHER,
            True,
            (1300, 1370),
            (145, 358),
        ),
    ],
)
def test_daily_amounts(stage, room, facility, short_stay, ceiling, benefit):
    kwargs: dict[str, Any] = {
        "on": D(2025, 8, 1),
        "room": room,
        "facility": facility,
        "short_stay": short_stay,
    }
    got = ci.cost_ceiling_daily(stage, **kwargs)
    assert (got.food_yen, got.accommodation_yen) == ceiling
    got = ci.specified_admission_benefit_daily(stage, **kwargs)
    assert (got.food_yen, got.accommodation_yen) == benefit


@pytest.mark.parametrize(
    ("public_assistance", "exempt", "taxable", "expected"),
    [
        (False, False, 6_900_000, HighCostBracket.TAXABLE_690),
        (False, False, 6_899_999, HighCostBracket.TAXABLE_380),
        (False, False, 3_800_000, HighCostBracket.TAXABLE_380),
        (False, False, 3_799_999, HighCostBracket.TAXED),
        (False, True, 0, HighCostBracket.TAX_EXEMPT),
        (True, True, 0, HighCostBracket.PUBLIC_ASSISTANCE),
    ],
)
def test_high_cost_bracket(public_assistance, exempt, taxable, expected):
    got = ci.high_cost_bracket(
        month=D(2025, 8, 1),
        on_public_assistance=public_assistance,
        household_tax_exempt=exempt,
        highest_taxable_income_yen=taxable,
    )
    assert got == expected


@pytest.mark.parametrize(
    ("bracket", "members", "benefits"),
    [
        (HighCostBracket.TAXED, [MemberCopay(50_000)], (5_600,)),
        (HighCostBracket.TAXED, [MemberCopay(44_400)], (0,)),
        (HighCostBracket.TAXABLE_690, [MemberCopay(150_000)], (9_900,)),
        (HighCostBracket.TAXABLE_380, [MemberCopay(60_000), MemberCopay(40_000)], (4_200, 2_800)),
        # 非課税 household, one low-income member: household share first, then the 15,000 individual cap.
        (HighCostBracket.TAX_EXEMPT, [MemberCopay(30_000, True), MemberCopay(20_000)], (15_240, 10_160)),
        (HighCostBracket.TAX_EXEMPT, [MemberCopay(20_000, True), MemberCopay(10_000)], (5_000, 1_800)),
        (HighCostBracket.TAX_EXEMPT, [MemberCopay(20_000)], (0,)),
        (HighCostBracket.TAX_EXEMPT, [MemberCopay(20_000, True)], (5_000,)),
        (HighCostBracket.PUBLIC_ASSISTANCE, [MemberCopay(20_000), MemberCopay(10_000)], (5_000, 0)),
        # Pro-rata shares are rounded down to the yen.
        (HighCostBracket.TAXED, [MemberCopay(30_001), MemberCopay(30_000)], (7_800, 7_800)),
    ],
)
def test_high_cost_benefit(bracket, members, benefits):
    result = ci.high_cost_benefit(bracket, members, month=D(2025, 8, 1))
    assert result.member_benefits_yen == benefits
    assert result.total_yen == sum(benefits)


@pytest.mark.parametrize(
    ("month", "income", "expected"),
    [
        (D(2025, 7, 1), 800_000, True),
        (D(2025, 7, 1), 800_001, False),
        (D(2025, 8, 1), 809_000, True),
        (D(2025, 8, 1), 809_001, False),
    ],
)
def test_low_income_individual(month, income, expected):
    assert ci.is_low_income_individual(month=month, pension_and_other_income_yen=income) is expected


@pytest.mark.parametrize(
    ("cost", "tenths", "prior", "counted", "reimbursable", "pays", "remaining"),
    [
        (30_000, 1, 0, 30_000, 27_000, 3_000, 70_000),
        (50_000, 2, 80_000, 20_000, 16_000, 34_000, 0),
        (50_000, 3, 100_000, 0, 0, 50_000, 0),
        (100_000, 1, 0, 100_000, 90_000, 10_000, 0),
        (100_001, 1, 0, 100_000, 90_000, 10_001, 0),
        (12_345, 1, 0, 12_345, 11_110, 1_235, 87_655),  # fraction of a yen dropped
    ],
)
def test_equipment_purchase(cost, tenths, prior, counted, reimbursable, pays, remaining):
    got = ci.equipment_purchase_reimbursement(
        cost_yen=cost, copay_tenths=tenths, prior_counted_cost_yen=prior, purchased_on=D(2025, 6, 1)
    )
    assert (got.counted_cost_yen, got.reimbursable_yen, got.resident_pays_yen, got.remaining_limit_yen) == (
        counted,
        reimbursable,
        pays,
        remaining,
    )


def test_equipment_fiscal_year():
    assert ci.equipment_fiscal_year(D(2026, 3, 31)) == 2025
    assert ci.equipment_fiscal_year(D(2026, 4, 1)) == 2026


@pytest.mark.parametrize(
    ("cost", "tenths", "prior", "reimbursable", "remaining"),
    [
        (250_000, 1, 0, 180_000, 0),
        (80_000, 1, 150_000, 45_000, 0),
        (80_000, 3, 100_000, 56_000, 20_000),
        (10_000, 1, 200_000, 0, 0),
    ],
)
def test_home_renovation(cost, tenths, prior, reimbursable, remaining):
    got = ci.home_renovation_reimbursement(
        cost_yen=cost, copay_tenths=tenths, prior_counted_cost_yen=prior, completed_on=D(2025, 6, 1)
    )
    assert (got.reimbursable_yen, got.remaining_limit_yen) == (reimbursable, remaining)


@pytest.mark.parametrize("tenths", [0, 4])
def test_reimbursement_rejects_copay_rate(tenths):
    with pytest.raises(ValueError):
        ci.equipment_purchase_reimbursement(
            cost_yen=1, copay_tenths=tenths, prior_counted_cost_yen=0, purchased_on=D(2025, 6, 1)
        )


@pytest.mark.parametrize(
    ("first", "current", "moved", "used", "expected"),
    [
        (CareLevel.SUPPORT_1, CareLevel.CARE_2, False, False, None),
        (CareLevel.SUPPORT_1, CareLevel.CARE_3, False, False, RenovationReset.CARE_LEVEL_UP),
        # 要支援2 and 要介護1 are the same step: 要支援2 → 要介護3 is only 2 steps.
        (CareLevel.SUPPORT_2, CareLevel.CARE_3, False, False, None),
        (CareLevel.CARE_1, CareLevel.CARE_4, False, False, RenovationReset.CARE_LEVEL_UP),
        (CareLevel.CARE_1, CareLevel.CARE_4, False, True, None),  # the level reset is once only
        (CareLevel.CARE_2, CareLevel.CARE_2, True, True, RenovationReset.MOVED),
    ],
)
def test_renovation_limit_reset(first, current, moved, used, expected):
    got = ci.renovation_limit_reset(
        first_level=first, current_level=current, moved_since_first=moved, level_reset_used=used
    )
    assert got == expected
