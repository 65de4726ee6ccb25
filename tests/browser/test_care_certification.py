"""要介護認定 in a real browser: an accepted application is advanced step by step (認定調査 → 主治医意見書 →
介護認定審査会), the result is recorded, and the insured person's page shows it (axe-core on every page)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from playwright.sync_api import Page, expect

from madoguchi.benefits import care_services
from madoguchi.benefits.models import CareNeedsCertification
from madoguchi.benefits.tests.care_helpers import DEMO_NUMBER, make_insured

from .conftest import assert_accessible, office_login


def test_certification_steps_and_result(page: Page, live_server: Any, chiyoda: Any, make_staff: Any) -> None:
    approver = make_staff(chiyoda, "approver")
    person = make_insured(chiyoda)
    today = dt.date.today()
    cert = care_services.open_certification(
        actor=approver,
        municipality_code=chiyoda.code,
        procedure_code="care_needs_certification",
        case_reference="CARE-B-1",
        answers={"applicant": {"role": "family"}, "insured": {"insured_number": DEMO_NUMBER}},
        applied_on=today - dt.timedelta(days=10),
        resident_id=None,
    )
    office_login(page, approver)
    page.goto("/office/benefits/care/certifications/")
    assert_accessible(page)
    page.get_by_role("link", name="CARE-B-1").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("CARE-B-1")
    assert_accessible(page)
    # A date before the application is refused with a message on the field.
    page.get_by_label("実施日").fill((today - dt.timedelta(days=11)).isoformat())
    page.get_by_role("button", name="「認定調査」を記録する").click()
    expect(page.locator(".field-error")).to_contain_text("以降にしてください")
    assert_accessible(page)
    for days, step in ((8, "認定調査"), (6, "主治医意見書"), (4, "介護認定審査会")):
        page.get_by_label("実施日").fill((today - dt.timedelta(days=days)).isoformat())
        page.get_by_role("button", name=f"「{step}」を記録する").click()
        assert_accessible(page)
    page.get_by_label("認定結果", exact=True).select_option("care_2")
    page.get_by_label("認定日", exact=True).fill(today.isoformat())
    page.get_by_role("button", name="認定結果を記録する").click()
    expect(page.locator("dl.facts").last).to_contain_text("要介護2")
    assert_accessible(page)
    cert.refresh_from_db()
    assert cert.state == "decided" and cert.valid_until is not None
    page.get_by_role("link", name=person.full_name).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(person.full_name)
    expect(page.locator("main")).to_contain_text(f"{cert.valid_until:%Y-%m-%d}")
    assert_accessible(page)
    assert CareNeedsCertification.objects.get(pk=cert.pk).result == "care_2"
