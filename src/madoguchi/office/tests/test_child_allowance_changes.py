"""児童手当 changes: the review scan (each proposal kind, idempotent), approve/reject with revisions, payment runs
honouring revisions and the end month, the decision handlers (額改定認定請求・受給事由消滅届), the command and pages."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from madoguchi.benefits import child_allowance_services as services
from madoguchi.benefits import decisions
from madoguchi.benefits.child_allowance_review import (
    approve_proposal,
    reject_proposal,
    run_child_allowance_review,
)
from madoguchi.benefits.models import ChildAllowanceRecipient
from madoguchi.benefits.models_child_allowance_changes import (
    ChildAllowanceChangeProposal,
    ChildAllowanceRevision,
    ProposalKind,
    ProposalStatus,
    RevisionAction,
)
from madoguchi.casework.tests.helpers import make_world
from madoguchi.core.errors import ActionNotPermitted, BusinessRuleViolation
from madoguchi.core.models import AccessLogEntry, AuditEntry
from madoguchi.intake.tests.helpers import make_resident
from madoguchi.registry.models import EventKind, RegistryEvent, Resident
from madoguchi.testing import login_verified

from . import child_allowance_helpers as helpers
from .child_allowance_helpers import APR, set_settings

pytestmark = pytest.mark.django_db

D = dt.date
JAN_5 = D(2027, 1, 5)
OLDER = {
    "name": "山田　次郎",
    "name_kana": "ヤマダ　ジロウ",
    "birth_date": "2008-06-01",
    "relationship": "child",
    "is_cared_for": True,
}


@pytest.fixture
def world(chiyoda):
    return make_world(chiyoda)


@pytest.fixture
def approver(chiyoda, make_staff):
    return make_staff(chiyoda, "approver")


@pytest.fixture
def reviewer(chiyoda, make_staff):
    return make_staff(chiyoda, "reviewer")


@pytest.fixture
def recipient(chiyoda, world, approver):
    set_settings(approver)
    # From 2026-12: 一郎 (2020-06-01) 10,000 + 桜子 (2023-09-20) 10,000 = 20,000.
    return helpers.certify(chiyoda, world, approver, "REV-1")


def event(resident: Resident, kind: str, on: dt.date, household_id: int | None = None) -> RegistryEvent:
    return RegistryEvent.objects.create(
        municipality_id=resident.municipality_id,
        resident=resident,
        kind=kind,
        effective_on=on,
        filed_on=on,
        recorded_at=timezone.now(),
        household_id=household_id if household_id is not None else resident.household_id,
        state_after={},
        actor_id="test",
        actor_display="test",
    )


def baby(chiyoda, world, born: dt.date = JAN_5) -> RegistryEvent:
    child = make_resident(
        chiyoda,
        world.head.household,
        family="山田",
        given="三郎",
        family_kana="ヤマダ",
        given_kana="サブロウ",
        birth=born,
        sex="male",
        relationship="子",
        code="10000000009",
    )
    return event(child, EventKind.BIRTH, born)


def april_amount(approver, recipient) -> int:
    plan = services.plan_payment(municipality_code=approver.municipality_id, payment_month=APR)
    return sum(p.amount_yen for p in plan.payments if p.recipient.pk == recipient.pk)


def only(kind: str) -> ChildAllowanceChangeProposal:
    (proposal,) = ChildAllowanceChangeProposal.objects.filter(kind=kind)
    return proposal


def test_birth_in_household_is_proposed_once_and_needs_the_claim(chiyoda, world, approver, recipient):
    source = baby(chiyoda, world)
    assert april_amount(approver, recipient) == 40_000  # before: 2 × 20,000
    result = run_child_allowance_review(municipality_code=chiyoda.code, on=D(2027, 1, 20))
    assert [p.kind for p in result.created] == [ProposalKind.BIRTH_IN_HOUSEHOLD]
    proposal = result.created[0]
    assert proposal.source_event == source
    assert proposal.effective_month == D(2027, 2, 1)
    assert (proposal.old_total_yen, proposal.new_total_yen) == (20_000, 50_000)  # 第3子 30,000
    assert proposal.needs_claim and proposal.status == ProposalStatus.PENDING
    # Re-running never duplicates the proposal.
    assert run_child_allowance_review(municipality_code=chiyoda.code, on=D(2027, 1, 25)).created == []
    assert ChildAllowanceChangeProposal.objects.count() == 1
    # Nothing changes before approval; approval needs the 額改定請求 date.
    assert april_amount(approver, recipient) == 40_000
    with pytest.raises(BusinessRuleViolation) as exc:
        approve_proposal(actor=approver, proposal_id=proposal.pk)
    assert exc.value.field == "claimed_on"
    approve_proposal(actor=approver, proposal_id=proposal.pk, claimed_on=D(2027, 1, 15))
    (revision,) = ChildAllowanceRevision.objects.all()
    assert revision.action == RevisionAction.ADD_CHILD
    assert revision.effective_month == D(2027, 2, 1)  # 15日特例: the month after the birth
    assert (revision.previous_total_yen, revision.total_yen) == (20_000, 50_000)
    # The April run pays February and March at the revised amount.
    assert april_amount(approver, recipient) == 100_000
    assert AuditEntry.objects.filter(action="benefits.revise_child_allowance").count() == 1
    assert AuditEntry.objects.filter(action="benefits.approve_child_allowance_change").count() == 1
    # The child now counts: a later scan proposes nothing new.
    assert run_child_allowance_review(municipality_code=chiyoda.code, on=D(2027, 2, 20)).created == []
    with pytest.raises(BusinessRuleViolation):
        approve_proposal(actor=approver, proposal_id=proposal.pk, claimed_on=D(2027, 1, 15))


def test_late_claim_for_a_birth_increases_from_the_month_after_the_claim(chiyoda, world, approver, recipient):
    baby(chiyoda, world)
    (proposal,) = run_child_allowance_review(municipality_code=chiyoda.code, on=D(2027, 2, 20)).created
    approve_proposal(actor=approver, proposal_id=proposal.pk, claimed_on=D(2027, 2, 10))
    assert ChildAllowanceRevision.objects.get().effective_month == D(2027, 3, 1)
    assert april_amount(approver, recipient) == 20_000 + 50_000


@pytest.mark.parametrize(
    ("kind", "proposal_kind"),
    [(EventKind.MOVE_OUT, ProposalKind.RECIPIENT_MOVED_OUT), (EventKind.DEATH, ProposalKind.RECIPIENT_DIED)],
)
def test_recipient_leaving_ends_the_allowance_in_the_month_of_the_event(
    chiyoda, world, approver, recipient, kind, proposal_kind
):
    event(world.head, kind, D(2027, 2, 10))
    (proposal,) = run_child_allowance_review(municipality_code=chiyoda.code, on=D(2027, 2, 28)).created
    assert proposal.kind == proposal_kind
    assert proposal.proposed_end_month == D(2027, 2, 1)
    assert (proposal.old_total_yen, proposal.new_total_yen) == (20_000, 0)
    approve_proposal(actor=approver, proposal_id=proposal.pk)
    recipient.refresh_from_db()
    assert recipient.end_month == D(2027, 2, 1)
    revision = ChildAllowanceRevision.objects.get()
    assert (revision.action, revision.end_month_before, revision.end_month_after) == (
        RevisionAction.END,
        None,
        D(2027, 2, 1),
    )
    assert april_amount(approver, recipient) == 20_000  # February only
    # Ended: nothing more is proposed for it.
    assert run_child_allowance_review(municipality_code=chiyoda.code, on=D(2027, 5, 1)).created == []


def test_child_moving_out_reduces_from_the_following_month(chiyoda, world, approver, recipient):
    event(world.child2, EventKind.MOVE_OUT, D(2027, 2, 10))
    (proposal,) = run_child_allowance_review(municipality_code=chiyoda.code, on=D(2027, 2, 20)).created
    assert proposal.kind == ProposalKind.CHILD_MOVED_OUT
    assert proposal.effective_month == D(2027, 3, 1)
    assert (proposal.old_total_yen, proposal.new_total_yen, proposal.proposed_end_month) == (
        20_000,
        10_000,
        None,
    )
    approve_proposal(actor=approver, proposal_id=proposal.pk)
    assert ChildAllowanceRevision.objects.get().action == RevisionAction.REMOVE_CHILD
    assert april_amount(approver, recipient) == 20_000 + 10_000


def test_last_child_moving_out_also_ends_the_allowance(chiyoda, world, approver):
    set_settings(approver)
    recipient = helpers.certify(chiyoda, world, approver, "REV-2", **{"children": [helpers_child_ichiro()]})
    event(world.child1, EventKind.MOVE_OUT, D(2027, 1, 10))
    (proposal,) = run_child_allowance_review(municipality_code=chiyoda.code, on=D(2027, 1, 31)).created
    assert (proposal.new_total_yen, proposal.proposed_end_month) == (0, D(2027, 1, 1))
    approve_proposal(actor=approver, proposal_id=proposal.pk)
    recipient.refresh_from_db()
    assert recipient.end_month == D(2027, 1, 1)
    assert [r.action for r in ChildAllowanceRevision.objects.order_by("id")] == [
        RevisionAction.REMOVE_CHILD,
        RevisionAction.END,
    ]


def helpers_child_ichiro() -> dict[str, object]:
    return {
        "name": "山田　一郎",
        "name_kana": "ヤマダ　イチロウ",
        "birth_date": "2020-06-01",
        "relationship": "child",
        "is_cared_for": True,
    }


def test_age_transition_after_the_18_fiscal_year_end(chiyoda, world, approver):
    set_settings(approver)
    children = [OLDER, helpers_child_ichiro()]
    recipient = helpers.certify(chiyoda, world, approver, "REV-3", **{"children": children})
    # Before: 次郎 10,000 + 一郎 10,000; from 2027-04 次郎 is past the 18歳年度末.
    assert run_child_allowance_review(municipality_code=chiyoda.code, on=D(2027, 2, 15)).created == []
    (proposal,) = run_child_allowance_review(municipality_code=chiyoda.code, on=D(2027, 3, 15)).created
    assert proposal.kind == ProposalKind.AGE_TRANSITION
    assert proposal.source_key == "age:2027-04:2008-06-01"
    assert (proposal.effective_month, proposal.old_total_yen, proposal.new_total_yen) == (
        D(2027, 4, 1),
        20_000,
        10_000,
    )
    assert run_child_allowance_review(municipality_code=chiyoda.code, on=D(2027, 3, 31)).created == []
    approve_proposal(actor=approver, proposal_id=proposal.pk)
    revision = ChildAllowanceRevision.objects.get()
    assert (revision.action, revision.effective_month) == (RevisionAction.REMOVE_CHILD, D(2027, 4, 1))
    assert recipient.pk == revision.recipient_id


def test_reject_needs_a_reason_and_keeps_the_recipient(chiyoda, world, approver, recipient):
    event(world.head, EventKind.MOVE_OUT, D(2027, 2, 10))
    (proposal,) = run_child_allowance_review(municipality_code=chiyoda.code, on=D(2027, 2, 28)).created
    with pytest.raises(BusinessRuleViolation) as exc:
        reject_proposal(actor=approver, proposal_id=proposal.pk, reason="  ")
    assert exc.value.field == "reason"
    reject_proposal(actor=approver, proposal_id=proposal.pk, reason="転出の届出が取り消されたため")
    proposal.refresh_from_db()
    recipient.refresh_from_db()
    assert proposal.status == ProposalStatus.REJECTED and recipient.end_month is None
    assert not ChildAllowanceRevision.objects.exists()
    assert run_child_allowance_review(municipality_code=chiyoda.code, on=D(2027, 3, 1)).created == []


def test_permissions(chiyoda, world, approver, reviewer, make_staff, recipient):
    event(world.head, EventKind.MOVE_OUT, D(2027, 2, 10))
    clerk = make_staff(chiyoda, "counter_clerk")
    with pytest.raises(ActionNotPermitted):
        run_child_allowance_review(actor=clerk)
    (proposal,) = run_child_allowance_review(actor=reviewer, on=D(2027, 2, 28)).created
    with pytest.raises(ActionNotPermitted):
        approve_proposal(actor=reviewer, proposal_id=proposal.pk)
    with pytest.raises(ActionNotPermitted):
        reject_proposal(actor=reviewer, proposal_id=proposal.pk, reason="x")


def test_other_municipality_sees_nothing(chiyoda, sapporo, world, approver, make_staff, recipient):
    event(world.head, EventKind.MOVE_OUT, D(2027, 2, 10))
    (proposal,) = run_child_allowance_review(municipality_code=chiyoda.code, on=D(2027, 2, 28)).created
    other = make_staff(sapporo, "approver")
    assert run_child_allowance_review(actor=other, on=D(2027, 2, 28)).recipients == 0
    with pytest.raises(Exception) as exc:
        approve_proposal(actor=other, proposal_id=proposal.pk)
    assert type(exc.value).__name__ == "NotFoundInMunicipality"


def _case(
    code: str, answers: dict[str, object], resident_id: int, received: dt.date
) -> decisions.DecidedCase:
    return decisions.DecidedCase(
        municipality_code="131016",
        receipt_number=f"R-{code[:6]}",
        procedure_code=code,
        form_version=1,
        outcome=decisions.GRANT,
        answers=answers,
        received_on=received,
        decided_at=timezone.now(),
        resident_id=resident_id,
    )


def test_granted_amount_revision_adds_the_child_and_closes_the_proposal(chiyoda, world, approver, recipient):
    baby(chiyoda, world)
    (proposal,) = run_child_allowance_review(municipality_code=chiyoda.code, on=D(2027, 1, 20)).created
    answers = {
        "revision": {"kind": "increase", "reason": "birth", "event_on": "2027-01-05"},
        "added_children": [
            {"name": "山田　三郎", "name_kana": "ヤマダ　サブロウ", "birth_date": "2027-01-05"}
        ],
    }
    decisions.apply_decision(
        actor=approver,
        case=_case("child_allowance_amount_revision", answers, world.head.pk, D(2027, 1, 12)),
    )
    revision = ChildAllowanceRevision.objects.get()
    assert (revision.action, revision.effective_month, revision.case_reference) == (
        RevisionAction.ADD_CHILD,
        D(2027, 2, 1),
        "R-child_",
    )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.APPROVED
    assert april_amount(approver, recipient) == 100_000
    assert run_child_allowance_review(municipality_code=chiyoda.code, on=D(2027, 2, 20)).created == []


def test_granted_amount_revision_decrease_and_unknown_recipient(chiyoda, world, approver, recipient):
    answers = {
        "revision": {"kind": "decrease", "reason": "stopped_caring", "event_on": "2027-02-03"},
        "removed_children": [{"name": "山田　桜子", "birth_date": "2023-09-20"}],
    }
    with pytest.raises(BusinessRuleViolation) as exc:
        decisions.apply_decision(
            actor=approver,
            case=_case("child_allowance_amount_revision", answers, world.other.pk, D(2027, 2, 5)),
        )
    assert exc.value.code == "recipient_not_found"
    decisions.apply_decision(
        actor=approver, case=_case("child_allowance_amount_revision", answers, world.head.pk, D(2027, 2, 5))
    )
    assert april_amount(approver, recipient) == 20_000 + 10_000


def test_granted_eligibility_loss_ends_the_allowance(chiyoda, world, approver, recipient):
    event(world.head, EventKind.MOVE_OUT, D(2027, 2, 10))
    (proposal,) = run_child_allowance_review(municipality_code=chiyoda.code, on=D(2027, 2, 28)).created
    answers = {"loss": {"reason": "moving_out", "event_on": "2027-02-10"}}
    decisions.apply_decision(
        actor=approver, case=_case("child_allowance_eligibility_loss", answers, world.head.pk, D(2027, 2, 12))
    )
    recipient.refresh_from_db()
    assert recipient.end_month == D(2027, 2, 1)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.APPROVED
    # A second loss for the same recipient is refused (already ended).
    with pytest.raises(BusinessRuleViolation):
        decisions.apply_decision(
            actor=approver,
            case=_case("child_allowance_eligibility_loss", answers, world.head.pk, D(2027, 2, 12)),
        )


def test_exported_paid_months_use_the_revised_amounts(chiyoda, world, approver, recipient):
    event(world.child2, EventKind.MOVE_OUT, D(2027, 2, 10))
    (proposal,) = run_child_allowance_review(municipality_code=chiyoda.code, on=D(2027, 2, 20)).created
    approve_proposal(actor=approver, proposal_id=proposal.pk)
    run = services.create_payment_run(actor=approver, payment_month=APR)
    services.export_payment_run(actor=approver, run_id=run.pk, confirm_blocked=True)
    from madoguchi.benefits.models import PaidMonth

    amounts = dict(PaidMonth.objects.filter(recipient=recipient).values_list("allowance_month", "amount_yen"))
    assert amounts == {D(2027, 2, 1): 20_000, D(2027, 3, 1): 10_000}


def test_command(chiyoda, world, approver, recipient):
    event(world.head, EventKind.DEATH, D(2027, 2, 10))
    out = io.StringIO()
    call_command("child_allowance_review", "--municipality", chiyoda.code, "--on", "2027-02-28", stdout=out)
    assert "1 new proposal(s)" in out.getvalue() and "recipient_died" in out.getvalue()
    out = io.StringIO()
    call_command("child_allowance_review", "--on", "2027-02-28", stdout=out)
    assert "0 new proposal(s)" in out.getvalue()
    with pytest.raises(CommandError, match="--on"):
        call_command("child_allowance_review", "--on", "28/02/2027")
    with pytest.raises(CommandError, match="--municipality"):
        call_command("child_allowance_review", "--municipality", "999999")


def test_pages(client, chiyoda, world, approver, make_staff, recipient):
    # The page scans as of today: a birth after the claim (2026-11-20) and not in the future.
    baby(chiyoda, world, D(2026, 11, 21))
    clerk = make_staff(chiyoda, "counter_clerk")
    login_verified(client, clerk)
    assert client.get("/office/benefits/child-allowance/changes/").status_code == 403
    client.logout()
    login_verified(client, approver)
    listing = client.get("/office/benefits/child-allowance/changes/")
    assert listing.status_code == 200 and "受給者を点検する" in listing.content.decode()
    scanned = client.post("/office/benefits/child-allowance/changes/review/")
    assert scanned.status_code == 302 and "created=1" in scanned["Location"]
    proposal = ChildAllowanceChangeProposal.objects.get()
    assert "山田" in client.get(scanned["Location"]).content.decode()
    before = AccessLogEntry.objects.count()
    page = client.get(f"/office/benefits/child-allowance/changes/{proposal.pk}/")
    assert page.status_code == 200
    assert "額改定認定請求" in page.content.decode()
    entry = AccessLogEntry.objects.order_by("-id").first()
    assert AccessLogEntry.objects.count() == before + 1
    assert entry.subject_id == str(recipient.resident_id) and entry.purpose == "benefit_administration"
    missing = client.post(f"/office/benefits/child-allowance/changes/{proposal.pk}/approve/", {})
    assert missing.status_code == 400 and "請求日" in missing.content.decode()
    empty = client.post(f"/office/benefits/child-allowance/changes/{proposal.pk}/reject/", {"reason": ""})
    assert empty.status_code == 400 and "却下の理由を入力してください" in empty.content.decode()
    done = client.post(
        f"/office/benefits/child-allowance/changes/{proposal.pk}/approve/", {"claimed_on": "2026-11-25"}
    )
    assert done.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.APPROVED
    again = client.post(f"/office/benefits/child-allowance/changes/{proposal.pk}/reject/", {"reason": "x"})
    assert again.status_code == 409
    assert ChildAllowanceRecipient.objects.get().pk == recipient.pk


def test_stop_before_the_first_month_is_refused_with_the_reason(chiyoda, world, approver, recipient):
    # Paid from 2026-12; a 転出 in 2026-11 leaves no month to pay: approving cannot set an end month.
    event(world.head, EventKind.MOVE_OUT, D(2026, 11, 25))
    (proposal,) = run_child_allowance_review(municipality_code=chiyoda.code, on=D(2026, 11, 30)).created
    with pytest.raises(BusinessRuleViolation) as exc:
        approve_proposal(actor=approver, proposal_id=proposal.pk)
    assert exc.value.code == "end_before_start"
    proposal.refresh_from_db()
    recipient.refresh_from_db()
    assert proposal.status == ProposalStatus.PENDING and recipient.end_month is None
    assert not ChildAllowanceRevision.objects.exists()


def test_recipient_page_shows_the_revised_payments(client, chiyoda, world, approver, recipient):
    from madoguchi.benefits.child_allowance_selectors import access_child_allowance_recipient

    event(world.child2, EventKind.MOVE_OUT, D(2027, 2, 10))
    (proposal,) = run_child_allowance_review(municipality_code=chiyoda.code, on=D(2027, 2, 20)).created
    approve_proposal(actor=approver, proposal_id=proposal.pk)
    view = access_child_allowance_recipient(
        actor=approver, recipient_id=recipient.pk, purpose="benefit_administration", today=D(2027, 2, 20)
    )
    april = next(p for p in view.upcoming if p.payment_month == APR)
    assert [m.total_monthly_yen for m in april.months] == [20_000, 10_000]
