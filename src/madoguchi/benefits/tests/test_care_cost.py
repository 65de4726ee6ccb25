"""負担限度額認定 and 高額介護（予防）サービス費: facts entered by staff, decision handlers at the boundaries, pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from madoguchi.benefits import decisions
from madoguchi.benefits.care_cost_services import cost_ceiling_validity, record_cost_facts
from madoguchi.benefits.models import CareCostCeilingCertification, CareCostFacts, HighCostCareBenefit
from madoguchi.benefits.rules.care_insurance import (
    CostCeilingStage,
    cost_ceiling_parameters_for,
    high_cost_parameters_for,
)
from madoguchi.core.errors import BusinessRuleViolation
from madoguchi.core.models import AccessLogEntry, AuditEntry
from madoguchi.testing import login_verified

from .care_helpers import DEMO_NUMBER, make_insured

pytestmark = pytest.mark.django_db

CEILING = "cost_ceiling_certification"
HIGH = "high_cost_care_benefit"
APPLIED_2025 = dt.date(2025, 9, 10)  # 80.9万 boundary in force
P25 = cost_ceiling_parameters_for(APPLIED_2025)
H25 = high_cost_parameters_for(dt.date(2025, 9, 1))


@pytest.fixture
def approver(chiyoda, make_staff):
    return make_staff(chiyoda, "approver")


@pytest.fixture
def insured(chiyoda):
    return make_insured(chiyoda)


def grant(chiyoda, approver, code: str, ref: str, received_on: dt.date = APPLIED_2025) -> None:
    decisions.apply_decision(
        actor=approver,
        case=decisions.DecidedCase(
            municipality_code=chiyoda.code,
            receipt_number=ref,
            procedure_code=code,
            form_version=1,
            outcome=decisions.GRANT,
            answers={"applicant": {"role": "family"}, "insured": {"insured_number": DEMO_NUMBER}},
            received_on=received_on,
            decided_at=timezone.now(),
            resident_id=None,
        ),
    )


def ceiling_facts(**overrides: Any) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "household_tax_exempt": True,
        "on_public_assistance": False,
        "old_age_welfare_pension": False,
        "has_spouse": False,
        "pension_income_yen": 0,
        "non_taxable_pension_yen": 0,
        "other_income_yen": 0,
        "savings_yen": 0,
        "room_type": "multi_bed",
        "facility_type": "nursing_home",
        "short_stay": False,
    }
    return {**facts, **overrides}


def high_facts(**overrides: Any) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "household_tax_exempt": False,
        "on_public_assistance": False,
        "old_age_welfare_pension": False,
        "service_month": dt.date(2025, 9, 1),
        "highest_taxable_income_yen": 0,
        "pension_and_other_income_yen": 2_000_000,
        "copay_yen": 0,
        "household_others_copay_yen": 0,
    }
    return {**facts, **overrides}


def enter(approver, insured, procedure: str, ref: str, facts: dict[str, Any], source: str = "tax_ledger"):
    return record_cost_facts(
        actor=approver,
        resident_id=insured.pk,
        procedure=procedure,
        case_reference=ref,
        source=source,
        facts=facts,
    )


def test_cost_ceiling_validity_runs_august_to_july() -> None:
    assert cost_ceiling_validity(dt.date(2025, 9, 10)) == (dt.date(2025, 9, 1), dt.date(2026, 7, 31))
    assert cost_ceiling_validity(dt.date(2025, 8, 1)) == (dt.date(2025, 8, 1), dt.date(2026, 7, 31))
    assert cost_ceiling_validity(dt.date(2026, 7, 31)) == (dt.date(2026, 7, 1), dt.date(2026, 7, 31))


S1 = P25.stages[CostCeilingStage.STAGE_1]
S2 = P25.stages[CostCeilingStage.STAGE_2]
S3A = P25.stages[CostCeilingStage.STAGE_3A]
S3B = P25.stages[CostCeilingStage.STAGE_3B]


@pytest.mark.parametrize(
    ("facts", "stage", "food", "room"),
    [
        # 第2段階 up to the income boundary (80.9万 from 2025-08), 第3段階① just above it.
        (ceiling_facts(pension_income_yen=P25.stage_2_income_max_yen), "2", 390, 430),
        (ceiling_facts(pension_income_yen=P25.stage_2_income_max_yen + 1), "3a", 650, 430),
        # 第3段階① up to 120万 (income measure = 課税年金 + 非課税年金 + その他), 第3段階② above.
        (ceiling_facts(pension_income_yen=1_000_000, non_taxable_pension_yen=200_000), "3a", 650, 430),
        (ceiling_facts(pension_income_yen=1_000_000, other_income_yen=200_001), "3b", 1360, 430),
        # Negative other income counts as 0.
        (
            ceiling_facts(pension_income_yen=P25.stage_2_income_max_yen, other_income_yen=-50_000),
            "2",
            390,
            430,
        ),
        # 生活保護 / 老齢福祉年金: 第1段階 (生活保護 without the tax or savings test).
        (
            ceiling_facts(on_public_assistance=True, household_tax_exempt=False, savings_yen=10**9),
            "1",
            300,
            0,
        ),
        (ceiling_facts(old_age_welfare_pension=True, savings_yen=S1.savings_single_yen), "1", 300, 0),
        # Savings exactly at the stage's limit (single / couple).
        (ceiling_facts(savings_yen=S2.savings_single_yen), "2", 390, 430),
        (
            ceiling_facts(pension_income_yen=1_300_000, has_spouse=True, savings_yen=S3B.savings_couple_yen),
            "3b",
            1360,
            430,
        ),
        # Room, facility and short stay pick the daily ceiling.
        (ceiling_facts(room_type="conventional_private", facility_type="other"), "2", 390, 550),
        (ceiling_facts(room_type="unit_private", short_stay=True), "2", 600, 880),
    ],
)
def test_cost_ceiling_stage_and_daily_amounts(chiyoda, approver, insured, facts, stage, food, room) -> None:
    enter(approver, insured, CEILING, "R-1", facts)
    grant(chiyoda, approver, CEILING, "R-1")
    cert = CareCostCeilingCertification.objects.get(case_reference="R-1")
    assert (cert.stage, cert.food_daily_yen, cert.accommodation_daily_yen) == (stage, food, room)
    assert (cert.valid_from, cert.valid_until) == (dt.date(2025, 9, 1), dt.date(2026, 7, 31))
    assert AuditEntry.objects.filter(action="benefits.certify_care_cost_ceiling").count() == 1


def test_the_2024_boundary_is_80_man(chiyoda, approver, insured) -> None:
    old = cost_ceiling_parameters_for(dt.date(2025, 3, 1)).stage_2_income_max_yen
    assert old == 800_000
    enter(approver, insured, CEILING, "R-1", ceiling_facts(pension_income_yen=old + 1))
    grant(chiyoda, approver, CEILING, "R-1", received_on=dt.date(2025, 3, 1))
    cert = CareCostCeilingCertification.objects.get()
    assert cert.stage == "3a" and cert.valid_until == dt.date(2025, 7, 31)


@pytest.mark.parametrize(
    "facts",
    [
        ceiling_facts(household_tax_exempt=False),  # someone in the household pays 住民税
        ceiling_facts(savings_yen=S2.savings_single_yen + 1),  # over the 第2段階 single limit
        ceiling_facts(pension_income_yen=900_000, savings_yen=S3A.savings_single_yen + 1),
        ceiling_facts(has_spouse=True, savings_yen=S2.savings_couple_yen + 1),
        ceiling_facts(old_age_welfare_pension=True, savings_yen=S1.savings_single_yen + 1),
    ],
)
def test_ineligible_facts_refuse_the_grant(chiyoda, approver, insured, facts) -> None:
    enter(approver, insured, CEILING, "R-1", facts)
    with pytest.raises(BusinessRuleViolation) as err:
        grant(chiyoda, approver, CEILING, "R-1")
    assert err.value.code == "not_eligible" and "却下" in err.value.message_ja
    assert not CareCostCeilingCertification.objects.exists()


@pytest.mark.parametrize("code", [CEILING, HIGH])
def test_grant_without_facts_is_refused_naming_what_to_enter(chiyoda, approver, insured, code) -> None:
    with pytest.raises(BusinessRuleViolation) as err:
        grant(chiyoda, approver, code, "R-9")
    assert err.value.code == "facts_missing"
    assert "審査に必要な情報" in err.value.message_ja and "R-9" in err.value.message_ja
    assert not CareCostCeilingCertification.objects.exists() and not HighCostCareBenefit.objects.exists()


def test_facts_of_the_other_procedure_or_person_do_not_count(chiyoda, approver, insured) -> None:
    enter(approver, insured, HIGH, "R-1", high_facts())
    with pytest.raises(BusinessRuleViolation) as err:
        grant(chiyoda, approver, CEILING, "R-1")
    assert err.value.code == "facts_missing"
    from madoguchi.registry.models import Resident

    other = Resident.objects.get(pk=insured.pk)
    other.pk = None
    other.resident_record_code = "29000000002"
    other.given_name = "次郎"
    other.save()
    enter(approver, other, CEILING, "R-2", ceiling_facts())
    with pytest.raises(BusinessRuleViolation) as err:
        grant(chiyoda, approver, CEILING, "R-2")  # the application names DEMO_NUMBER, not `other`
    assert err.value.code == "facts_other_person"


@pytest.mark.parametrize(
    ("facts", "bracket", "benefit"),
    [
        # Household caps at their boundaries (one member): at the cap nothing, one yen over → 1 yen.
        (high_facts(copay_yen=44_400), "taxed", 0),
        (high_facts(copay_yen=44_401), "taxed", 1),
        (
            high_facts(highest_taxable_income_yen=H25.taxable_380_min_yen - 1, copay_yen=93_000),
            "taxed",
            48_600,
        ),
        (high_facts(highest_taxable_income_yen=H25.taxable_380_min_yen, copay_yen=93_000), "taxable_380", 0),
        (
            high_facts(highest_taxable_income_yen=H25.taxable_690_min_yen - 1, copay_yen=150_000),
            "taxable_380",
            57_000,
        ),
        (
            high_facts(highest_taxable_income_yen=H25.taxable_690_min_yen, copay_yen=150_000),
            "taxable_690",
            9_900,
        ),
        # 非課税 household: 24,600; the individual 15,000 for ≤ 80.9万 (2025-08) or 老齢福祉年金.
        (high_facts(household_tax_exempt=True, copay_yen=30_000), "tax_exempt", 5_400),
        (
            high_facts(household_tax_exempt=True, copay_yen=30_000, pension_and_other_income_yen=809_000),
            "tax_exempt",
            15_000,
        ),
        (
            high_facts(household_tax_exempt=True, copay_yen=30_000, pension_and_other_income_yen=809_001),
            "tax_exempt",
            5_400,
        ),
        (
            high_facts(household_tax_exempt=True, copay_yen=30_000, old_age_welfare_pension=True),
            "tax_exempt",
            15_000,
        ),
        # 生活保護: individual 15,000.
        (high_facts(on_public_assistance=True, copay_yen=15_000), "public_assistance", 0),
        (high_facts(on_public_assistance=True, copay_yen=20_000), "public_assistance", 5_000),
        # Two members: the household excess is shared in proportion to the co-payments.
        (high_facts(copay_yen=30_000, household_others_copay_yen=30_000), "taxed", 7_800),
    ],
)
def test_high_cost_benefit_at_the_bracket_boundaries(
    chiyoda, approver, insured, facts, bracket, benefit
) -> None:
    enter(approver, insured, HIGH, "K-1", facts, source="kokuhoren")
    grant(chiyoda, approver, HIGH, "K-1")
    row = HighCostCareBenefit.objects.get(case_reference="K-1")
    assert (row.bracket, row.benefit_yen, row.service_month) == (bracket, benefit, dt.date(2025, 9, 1))
    assert AuditEntry.objects.filter(action="benefits.grant_high_cost_care_benefit").count() == 1


def test_high_cost_month_after_the_application_is_refused(chiyoda, approver, insured) -> None:
    enter(approver, insured, HIGH, "K-1", high_facts(service_month=dt.date(2025, 10, 1), copay_yen=50_000))
    with pytest.raises(BusinessRuleViolation) as err:
        grant(chiyoda, approver, HIGH, "K-1")
    assert err.value.code == "month_after_application"


def test_facts_are_audited_corrected_until_decided_then_frozen(chiyoda, approver, insured) -> None:
    enter(approver, insured, HIGH, "K-1", high_facts(copay_yen=40_000, service_month=dt.date(2025, 9, 17)))
    facts = enter(approver, insured, HIGH, "K-1", high_facts(copay_yen=50_000), source="kokuhoren")
    assert facts.service_month == dt.date(2025, 9, 1) and CareCostFacts.objects.count() == 1
    entries = AuditEntry.objects.filter(action="benefits.record_care_cost_facts").order_by("pk")
    assert entries.count() == 2 and entries.last().before["copay_yen"] == 40_000
    grant(chiyoda, approver, HIGH, "K-1")
    assert HighCostCareBenefit.objects.get().benefit_yen == 5_600
    with pytest.raises(BusinessRuleViolation) as err:
        enter(approver, insured, HIGH, "K-1", high_facts(copay_yen=60_000))
    assert err.value.code == "already_decided"
    with pytest.raises(BusinessRuleViolation) as err:
        enter(approver, insured, CEILING, "K-1", ceiling_facts())
    assert err.value.code == "already_decided"


def test_facts_need_the_procedure_specific_fields(approver, insured) -> None:
    with pytest.raises(BusinessRuleViolation) as err:
        enter(approver, insured, CEILING, "R-1", ceiling_facts(room_type=""))
    assert err.value.field == "room_type"
    with pytest.raises(BusinessRuleViolation) as err:
        enter(approver, insured, HIGH, "K-1", high_facts(service_month=dt.date(2021, 7, 1)))
    assert err.value.field == "service_month"
    with pytest.raises(BusinessRuleViolation) as err:
        enter(approver, insured, HIGH, "K-1", high_facts(), source="rumour")
    assert err.value.field == "source"
    assert not CareCostFacts.objects.exists()


def test_counter_clerk_may_not_enter_facts(client, chiyoda, insured, make_staff) -> None:
    login_verified(client, make_staff(chiyoda, "counter_clerk"))
    url = reverse("office:benefits:care_cost_ceiling_facts", args=[insured.pk])
    assert client.get(url).status_code == 403
    form = {
        "case_reference": "R-1",
        "source": "tax_ledger",
        "household_tax_exempt": "on",
        "pension_income_yen": "0",
        "non_taxable_pension_yen": "0",
        "other_income_yen": "0",
        "savings_yen": "0",
        "room_type": "multi_bed",
        "facility_type": "other",
    }
    assert client.post(url, form).status_code == 403
    assert not CareCostFacts.objects.exists()


def test_facts_pages_log_access_validate_and_feed_the_insured_page(
    client, chiyoda, approver, insured
) -> None:
    login_verified(client, approver)
    url = reverse("office:benefits:care_cost_ceiling_facts", args=[insured.pk])
    page = client.get(url + "?receipt=R-1")
    assert page.status_code == 200 and 'value="R-1"' in page.content.decode()
    assert AccessLogEntry.objects.filter(action="view_care_cost_facts", subject_id=str(insured.pk)).exists()
    missing = client.post(url, {"case_reference": "R-1", "source": "tax_ledger", "room_type": "multi_bed"})
    body = missing.content.decode()
    assert missing.status_code == 400 and "施設の種類を選んでください" in body
    assert "課税年金収入額（年額）を入力してください" in body
    form = {
        "case_reference": "R-1",
        "source": "declaration",
        "household_tax_exempt": "on",
        "pension_income_yen": "700000",
        "non_taxable_pension_yen": "0",
        "other_income_yen": "0",
        "savings_yen": "3000000",
        "room_type": "unit_private",
        "facility_type": "nursing_home",
    }
    assert client.post(url, form).status_code == 302
    high = reverse("office:benefits:care_high_cost_facts", args=[insured.pk])
    bad_month = {
        "case_reference": "K-1",
        "source": "kokuhoren",
        "service_month": "2021-07-01",
        "highest_taxable_income_yen": "0",
        "pension_and_other_income_yen": "0",
        "copay_yen": "50000",
        "household_others_copay_yen": "0",
    }
    refused = client.post(high, bad_month)
    assert refused.status_code == 400 and "2021年8月以降" in refused.content.decode()
    assert client.post(high, {**bad_month, "service_month": "2025-09-01"}).status_code == 302
    grant(chiyoda, approver, CEILING, "R-1")
    grant(chiyoda, approver, HIGH, "K-1")
    insured_page = client.get(reverse("office:benefits:care_insured_person", args=[insured.pk]))
    text = insured_page.content.decode()
    assert "第2段階" in text and "2026-07-31" in text and "880 円" in text
    assert "5600 円" in text and "申請者の申告" in text
    assert AccessLogEntry.objects.filter(action="view_care_cost_records", subject_id=str(insured.pk)).exists()
