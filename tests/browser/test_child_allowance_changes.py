"""児童手当 change proposals in a real browser: the recipient's 転出 is in the registry → the clerk runs the review
from the proposal list → opens the proposal → a reject without a reason is refused with the field named → approves
→ the recipient's end month is set (axe-core WCAG 2.2 A/AA on every page visited)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from playwright.sync_api import Page, expect

from madoguchi.benefits import child_allowance_services as services
from madoguchi.benefits.models import ChildAllowanceRecipient
from madoguchi.benefits.models_child_allowance_changes import ChildAllowanceChangeProposal, ProposalStatus
from madoguchi.intake.tests.helpers import child_allowance_answers, make_world
from madoguchi.office.tests import child_allowance_helpers as helpers
from madoguchi.registry.models import EventKind, RegistryEvent

from .conftest import assert_accessible, office_login


def test_review_and_approve_a_stop(page: Page, live_server: Any, chiyoda: Any, make_staff: Any) -> None:
    world = make_world(chiyoda)
    approver = make_staff(chiyoda, "approver")
    # Moved in 2026-10-15, claimed 2026-10-20: paid from 2026-11.
    recipient = services.certify_child_allowance(
        actor=approver,
        municipality_code=chiyoda.code,
        case_reference="BROWSER-1",
        answers=child_allowance_answers(
            world, **{"payment": helpers.bank("ヤマダ　タロウ"), "claim.event_on": "2026-10-15"}
        ),
        claimed_on=dt.date(2026, 10, 20),
    )
    # The page reviews as of today: a 転出 in or after the first month paid and not in the future.
    moved_on = max(dt.date(2026, 11, 2), timezone.localdate())
    RegistryEvent.objects.create(
        municipality=chiyoda,
        resident=world.head,
        kind=EventKind.MOVE_OUT,
        effective_on=moved_on,
        filed_on=moved_on,
        recorded_at=timezone.now(),
        household=world.head.household,
        state_after={},
        actor_id="test",
        actor_display="test",
    )
    office_login(page, approver)
    page.goto("/office/benefits/child-allowance/changes/")
    assert_accessible(page)
    page.get_by_role("button", name="受給者を点検する").click()
    expect(page.get_by_role("status")).to_contain_text("新しい提案: 1 件")
    assert_accessible(page)
    page.get_by_role("link", name=f"{recipient.certification_number} 山田　太郎").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("受給者の転出（支給の消滅）")
    assert_accessible(page)
    page.get_by_role("button", name="却下する").click()
    expect(page.locator("#id_reason-error")).to_have_text("却下の理由を入力してください。")
    assert_accessible(page)
    page.get_by_role("button", name="承認して受給者の記録を改定する").click()
    expect(page.get_by_role("table", name="改定の記録")).to_contain_text("支給の終了（消滅）")
    assert_accessible(page)
    proposal = ChildAllowanceChangeProposal.objects.get()
    assert proposal.status == ProposalStatus.APPROVED
    recipient = ChildAllowanceRecipient.objects.get(pk=recipient.pk)
    assert recipient.end_month == moved_on.replace(day=1)
