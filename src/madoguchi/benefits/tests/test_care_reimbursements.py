"""特定福祉用具購入費 (annual limit per fiscal year) and 住宅改修費 (per-person limit, 転居・3段階 resets)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from madoguchi.benefits import decisions
from madoguchi.benefits.care_services import open_certification, record_copay_share
from madoguchi.benefits.models import CareNeedsCertification, CareReimbursement
from madoguchi.core.errors import BusinessRuleViolation
from madoguchi.core.models import AuditEntry

from .care_helpers import DEMO_NUMBER, make_insured

pytestmark = pytest.mark.django_db


@pytest.fixture
def approver(chiyoda, make_staff):
    return make_staff(chiyoda, "approver")


@pytest.fixture
def insured(chiyoda, approver):
    person = make_insured(chiyoda)
    record_copay_share(actor=approver, resident_id=person.pk, tenths=1, valid_from=dt.date(2025, 8, 1))
    record_copay_share(actor=approver, resident_id=person.pk, tenths=2, valid_from=dt.date(2026, 8, 1))
    certify(chiyoda, approver, "care_1", "C-1", dt.date(2025, 4, 1), dt.date(2028, 3, 31))
    return person


def certify(
    chiyoda, approver, level: str, ref: str, since: dt.date, until: dt.date
) -> CareNeedsCertification:
    # A carried-over (転入) certification is decided at once: the simplest way to have a level in force.
    return open_certification(
        actor=approver,
        municipality_code=chiyoda.code,
        procedure_code="care_needs_after_move",
        case_reference=ref,
        answers={
            "applicant": {"role": "family"},
            "insured": {"insured_number": DEMO_NUMBER},
            "previous": {"level": level, "valid_until": until.isoformat()},
            "move": {"moved_in_on": since.isoformat()},
        },
        applied_on=since,
        resident_id=None,
    )


def grant(chiyoda, approver, code: str, ref: str, answers: dict[str, Any]) -> None:
    decisions.apply_decision(
        actor=approver,
        case=decisions.DecidedCase(
            municipality_code=chiyoda.code,
            receipt_number=ref,
            procedure_code=code,
            form_version=1,
            outcome=decisions.GRANT,
            answers={"applicant": {"role": "family"}, "insured": {"insured_number": DEMO_NUMBER}, **answers},
            received_on=dt.date(2026, 11, 20),
            decided_at=timezone.now(),
            resident_id=None,
        ),
    )


def equipment(*items: tuple[str, int]) -> dict[str, Any]:
    return {
        "items": [{"category": "commode", "purchased_on": day, "price_yen": price} for day, price in items]
    }


def renovation(completed_on: str, cost: int, address: str | None = None) -> dict[str, Any]:
    house: dict[str, Any] = {"same_as_insured": address is None}
    if address is not None:
        house["address"] = address
    return {
        "application": {"phase": "completion"},
        "house": house,
        "works": {"completed_on": completed_on, "cost_yen": cost},
    }


def test_equipment_within_and_up_to_the_annual_limit(chiyoda, approver, insured) -> None:
    grant(chiyoda, approver, "welfare_equipment_purchase", "E-1", equipment(("2026-05-10", 60_000)))
    first = CareReimbursement.objects.get(case_reference="E-1")
    # 1割 until 2026-07-31: 90 % of 60,000.
    assert (first.fiscal_year, first.copay_tenths, first.reimbursable_yen) == (2026, 1, 54_000)
    assert (first.remaining_limit_yen, first.excluded_cost_yen) == (40_000, 0)
    # Exactly the rest of the limit (boundary): fully counted, 2割 from August.
    grant(chiyoda, approver, "welfare_equipment_purchase", "E-2", equipment(("2026-09-01", 40_000)))
    second = CareReimbursement.objects.get(case_reference="E-2")
    assert (second.prior_counted_cost_yen, second.counted_cost_yen, second.reimbursable_yen) == (
        60_000,
        40_000,
        32_000,
    )
    assert (second.remaining_limit_yen, second.excluded_cost_yen) == (0, 0)


def test_equipment_over_the_limit_pays_the_remainder_with_a_note(chiyoda, approver, insured) -> None:
    grant(chiyoda, approver, "welfare_equipment_purchase", "E-1", equipment(("2026-09-01", 70_000)))
    grant(chiyoda, approver, "welfare_equipment_purchase", "E-2", equipment(("2026-10-01", 50_000)))
    row = CareReimbursement.objects.get(case_reference="E-2")
    assert (row.counted_cost_yen, row.reimbursable_yen, row.resident_pays_yen) == (30_000, 24_000, 26_000)
    assert row.excluded_cost_yen == 20_000
    # A new fiscal year (April) starts a fresh limit; one case with purchases in two years makes two rows.
    grant(
        chiyoda,
        approver,
        "welfare_equipment_purchase",
        "E-3",
        equipment(("2027-03-31", 10_000), ("2027-04-01", 100_001)),
    )
    march, april = CareReimbursement.objects.filter(case_reference="E-3").order_by("fiscal_year")
    assert (march.fiscal_year, march.counted_cost_yen, march.reimbursable_yen) == (2026, 0, 0)
    assert (april.fiscal_year, april.counted_cost_yen, april.remaining_limit_yen) == (2027, 100_000, 0)
    assert AuditEntry.objects.filter(action="benefits.record_care_reimbursement").count() == 4


def test_equipment_needs_a_certification_and_a_copay_share(chiyoda, approver, insured) -> None:
    with pytest.raises(BusinessRuleViolation) as uncertified:
        grant(chiyoda, approver, "welfare_equipment_purchase", "E-1", equipment(("2025-03-31", 1_000)))
    assert uncertified.value.code == "not_certified"
    with pytest.raises(BusinessRuleViolation) as no_share:
        grant(chiyoda, approver, "welfare_equipment_purchase", "E-1", equipment(("2025-07-31", 1_000)))
    assert no_share.value.code == "no_copay_share"
    assert not CareReimbursement.objects.exists()


def test_renovation_lifetime_limit_and_move_reset(chiyoda, approver, insured) -> None:
    grant(chiyoda, approver, "home_modification", "H-1", renovation("2026-05-01", 150_000))
    grant(chiyoda, approver, "home_modification", "H-2", renovation("2027-05-01", 80_000))
    second = CareReimbursement.objects.get(case_reference="H-2")
    assert (second.prior_counted_cost_yen, second.counted_cost_yen, second.reimbursable_yen) == (
        150_000,
        50_000,
        40_000,
    )
    assert (second.limit_reset, second.excluded_cost_yen) == ("", 30_000)
    # A year later still nothing is left (the limit is not per year).
    grant(chiyoda, approver, "home_modification", "H-3", renovation("2027-06-01", 10_000))
    assert CareReimbursement.objects.get(case_reference="H-3").reimbursable_yen == 0
    # Works in another dwelling: a fresh 200,000.
    grant(
        chiyoda,
        approver,
        "home_modification",
        "H-4",
        renovation("2027-07-01", 200_000, "東京都千代田区神田1-1"),
    )
    moved = CareReimbursement.objects.get(case_reference="H-4")
    assert (moved.limit_reset, moved.prior_counted_cost_yen, moved.reimbursable_yen) == ("moved", 0, 160_000)


def test_renovation_care_level_reset_once(chiyoda, approver, insured) -> None:
    grant(chiyoda, approver, "home_modification", "H-1", renovation("2026-05-01", 200_000))
    # 要介護1 (step 2) → 要介護3 (step 4): two steps, no reset.
    certify(chiyoda, approver, "care_3", "C-2", dt.date(2026, 12, 1), dt.date(2027, 11, 30))
    grant(chiyoda, approver, "home_modification", "H-2", renovation("2026-12-10", 10_000))
    assert CareReimbursement.objects.get(case_reference="H-2").counted_cost_yen == 0
    # → 要介護4 (step 5): three steps up from the first works, a fresh limit once.
    certify(chiyoda, approver, "care_4", "C-3", dt.date(2027, 1, 1), dt.date(2027, 12, 31))
    grant(chiyoda, approver, "home_modification", "H-3", renovation("2027-01-10", 100_000))
    reset = CareReimbursement.objects.get(case_reference="H-3")
    assert (reset.limit_reset, reset.prior_counted_cost_yen, reset.reimbursable_yen) == (
        "care_level_up",
        0,
        80_000,
    )
    # → 要介護5: the level reset was used; the new window (from H-3) has 100,000 left.
    certify(chiyoda, approver, "care_5", "C-4", dt.date(2027, 2, 1), dt.date(2028, 1, 31))
    grant(chiyoda, approver, "home_modification", "H-4", renovation("2027-02-10", 150_000))
    last = CareReimbursement.objects.get(case_reference="H-4")
    assert (last.limit_reset, last.prior_counted_cost_yen, last.counted_cost_yen) == ("", 100_000, 100_000)


def test_prior_phase_records_nothing(chiyoda, approver, insured) -> None:
    grant(chiyoda, approver, "home_modification", "H-0", {"application": {"phase": "prior"}})
    assert not CareReimbursement.objects.exists()


def test_copay_share_periods_must_not_overlap(chiyoda, approver, insured) -> None:
    with pytest.raises(BusinessRuleViolation) as err:
        record_copay_share(actor=approver, resident_id=insured.pk, tenths=3, valid_from=dt.date(2027, 7, 31))
    assert err.value.code == "overlap"


def test_insured_page_shows_limits_used_and_records_the_copay_share(
    client, chiyoda, approver, insured
) -> None:
    from django.urls import reverse

    from madoguchi.benefits.models import CareCopayShare
    from madoguchi.core.models import AccessLogEntry
    from madoguchi.testing import login_verified

    grant(chiyoda, approver, "home_modification", "H-1", renovation("2026-05-01", 150_000))
    grant(chiyoda, approver, "home_modification", "H-2", renovation("2027-05-01", 80_000))
    login_verified(client, approver)
    url = reverse("office:benefits:care_insured_person", args=[insured.pk])
    body = client.get(url).content.decode()
    assert "200000円 使用済み／200000円" in body  # the renovation limit is used up
    assert "30000円は対象外" in body
    assert AccessLogEntry.objects.filter(
        action="view_care_insured_person", subject_id=str(insured.pk)
    ).exists()
    post = reverse("office:benefits:care_copay_share", args=[insured.pk])
    overlap = client.post(post, {"tenths": "3", "valid_from": "2026-08-01"})
    assert overlap.status_code == 400 and "すでに記録されています" in overlap.content.decode()
    missing = client.post(post, {"tenths": "", "valid_from": "2027-08-01"})
    assert missing.status_code == 400 and "負担割合を選んでください" in missing.content.decode()
    assert client.post(post, {"tenths": "3", "valid_from": "2027-08-01"}).status_code == 302
    assert CareCopayShare.objects.filter(
        resident=insured, tenths=3, valid_until=dt.date(2028, 7, 31)
    ).exists()


def test_counter_clerk_may_not_record_a_copay_share(client, chiyoda, approver, insured, make_staff) -> None:
    from django.urls import reverse

    from madoguchi.benefits.models import CareCopayShare
    from madoguchi.testing import login_verified

    login_verified(client, make_staff(chiyoda, "counter_clerk"))
    post = reverse("office:benefits:care_copay_share", args=[insured.pk])
    assert client.post(post, {"tenths": "3", "valid_from": "2027-08-01"}).status_code == 403
    assert CareCopayShare.objects.filter(resident=insured).count() == 2
