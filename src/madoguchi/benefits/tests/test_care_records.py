"""被保険者証・負担割合証の再交付 and 居宅サービス計画作成依頼届出: records made by the decision handlers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from madoguchi.benefits import decisions
from madoguchi.benefits.models import CareCertificateReissue, CarePlanFiling
from madoguchi.core.errors import BusinessRuleViolation
from madoguchi.core.models import AuditEntry
from madoguchi.testing import login_verified

from .care_helpers import DEMO_NUMBER, make_insured

pytestmark = pytest.mark.django_db
DECIDED_AT = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def approver(chiyoda, make_staff):
    return make_staff(chiyoda, "approver")


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
            decided_at=DECIDED_AT,
            resident_id=None,
        ),
    )


PROVIDER = {
    "kind": "care_management",
    "name": "千代田ケアプランセンター",
    "number": "1310100001",
    "address": "東京都千代田区九段南1-2-1",
    "phone": "03-0000-0000",
}


def test_reissues_record_date_reason_and_delivery(chiyoda, approver) -> None:
    person = make_insured(chiyoda)
    grant(
        chiyoda,
        approver,
        "insurance_certificate_reissue",
        "S-1",
        {"reissue": {"reason": "lost", "delivery": "post"}},
    )
    grant(
        chiyoda,
        approver,
        "cost_share_certificate_reissue",
        "S-2",
        {"reissue": {"reason": "other", "other_reason": "水にぬれた", "delivery": "counter"}},
    )
    first, second = CareCertificateReissue.objects.order_by("pk")
    assert (first.resident_id, first.certificate, first.reason, first.delivery) == (
        person.pk,
        "insurance",
        "lost",
        "post",
    )
    assert first.reissued_on == timezone.localdate(DECIDED_AT)
    assert (second.certificate, second.other_reason) == ("cost_share", "水にぬれた")
    assert AuditEntry.objects.filter(action="benefits.record_care_reissue").count() == 2


def test_reissue_other_reason_is_required(chiyoda, approver) -> None:
    make_insured(chiyoda)
    with pytest.raises(BusinessRuleViolation) as err:
        grant(
            chiyoda,
            approver,
            "insurance_certificate_reissue",
            "S-1",
            {"reissue": {"reason": "other", "delivery": "post"}},
        )
    assert err.value.field == "reissue.other_reason"
    assert not CareCertificateReissue.objects.exists()


def test_care_plan_filing_records_the_provider(chiyoda, approver) -> None:
    make_insured(chiyoda)
    grant(
        chiyoda,
        approver,
        "care_plan_request_notification",
        "P-1",
        {"request": {"kind": "new", "start_on": "2026-12-01"}, "provider": PROVIDER},
    )
    row = CarePlanFiling.objects.get()
    assert (row.request_kind, row.starts_on, row.provider_number, row.filed_on) == (
        "new",
        dt.date(2026, 12, 1),
        "1310100001",
        dt.date(2026, 11, 20),
    )
    with pytest.raises(BusinessRuleViolation) as err:
        grant(
            chiyoda,
            approver,
            "care_plan_request_notification",
            "P-2",
            {"request": {"kind": "change", "start_on": "2027-01-01"}, "provider": PROVIDER},
        )
    assert err.value.field == "request.change_reason"
    assert CarePlanFiling.objects.count() == 1


def test_insured_page_shows_filings_and_reissues(client, chiyoda, approver) -> None:
    person = make_insured(chiyoda)
    grant(
        chiyoda,
        approver,
        "insurance_certificate_reissue",
        "S-1",
        {"reissue": {"reason": "soiled", "delivery": "post"}},
    )
    grant(
        chiyoda,
        approver,
        "care_plan_request_notification",
        "P-1",
        {"request": {"kind": "new", "start_on": "2026-12-01"}, "provider": PROVIDER},
    )
    login_verified(client, approver)
    body = client.get(reverse("office:benefits:care_insured_person", args=[person.pk])).content.decode()
    assert "千代田ケアプランセンター" in body and "汚損" in body and "介護保険被保険者証" in body
