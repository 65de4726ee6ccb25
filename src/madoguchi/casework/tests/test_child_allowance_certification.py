"""児童手当 受給者 certification: from a granted 認定請求 case (casework hook) and the service's own rules."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from madoguchi.benefits import child_allowance_selectors as selectors
from madoguchi.benefits import child_allowance_services as services
from madoguchi.benefits.models import ChildAllowanceRecipient
from madoguchi.benefits.rules import child_allowance as rules
from madoguchi.benefits.rules._months import add_months, first_of_month
from madoguchi.casework import services as casework
from madoguchi.casework.models import ApprovalStep, Case
from madoguchi.casework.tests.helpers import make_world, pull_all, submit_child_allowance
from madoguchi.core.errors import ActionNotPermitted, BusinessRuleViolation
from madoguchi.core.models import AccessLogEntry, AuditEntry
from madoguchi.intake.tests.helpers import child_allowance_answers, today

pytestmark = pytest.mark.django_db

BANK = {
    "method": "bank_account",
    "bank_account": {
        "bank_code": "0009",
        "branch_code": "123",
        "account_type": "ordinary",
        "account_number": "7654321",
        "holder_kana": "ヤマダ　タロウ",
    },
}


@pytest.fixture
def world(chiyoda):
    return make_world(chiyoda)


@pytest.fixture
def reviewer(chiyoda, make_staff):
    return make_staff(chiyoda, "reviewer")


@pytest.fixture
def approver(chiyoda, make_staff):
    return make_staff(chiyoda, "approver")


def _decide(chiyoda, world, reviewer, approver, outcome="grant", **overrides):
    submit_child_allowance(chiyoda, world, **overrides)
    pull_all()
    case = Case.objects.get()
    casework.accept_case(actor=reviewer, case_id=case.pk)
    casework.claim_case(actor=reviewer, case_id=case.pk)
    casework.start_review(actor=reviewer, case_id=case.pk)
    casework.propose_decision(actor=reviewer, case_id=case.pk, outcome=outcome, reason="要件を満たす。")
    return case


def test_granted_case_certifies_the_recipient(chiyoda, world, reviewer, approver) -> None:
    # The helper's application uses the 公金受取口座 (an account of its own needs a passbook copy attached).
    case = _decide(chiyoda, world, reviewer, approver)
    casework.approve_step(actor=approver, case_id=case.pk)
    case.refresh_from_db()
    assert case.status == "notice_issued"
    recipient = ChildAllowanceRecipient.objects.get()
    assert recipient.resident_id == world.head.pk
    assert recipient.case_reference == case.receipt_number
    assert recipient.certification_number == f"{dt.date.today().year}000001"
    # moving_in 3 days before the claim: the 15日特例 starts payment the month after the move-in.
    event_on = today() - dt.timedelta(days=3)
    assert recipient.event_on == event_on
    assert recipient.start_month == add_months(first_of_month(event_on), 1)
    children = list(recipient.children.order_by("position"))
    assert [c.birth_order for c in children] == [1, 2]
    expected = rules.quote(
        recipient.start_month, [rules.ChildInput(c.birth_date) for c in children]
    ).total_monthly_yen
    assert sum(c.monthly_yen for c in children) == expected > 0
    assert recipient.payment_method == "public_fund_account" and recipient.account_number == ""
    audit = AuditEntry.objects.get(action="benefits.certify_child_allowance")
    assert audit.after["certification_number"] == recipient.certification_number
    assert audit.after["case"] == case.receipt_number


def test_denied_case_certifies_nobody(chiyoda, world, reviewer, approver) -> None:
    case = _decide(chiyoda, world, reviewer, approver, outcome="deny")
    casework.approve_step(actor=approver, case_id=case.pk)
    assert not ChildAllowanceRecipient.objects.exists()


def test_grant_without_eligible_child_is_refused_and_nothing_is_recorded(
    chiyoda, world, reviewer, approver
) -> None:
    case = _decide(chiyoda, world, reviewer, approver)
    # (Intake checks the children against the registry, so the case's copy is aged instead: both are adults.)
    answers = dict(case.answers)
    answers["children"] = [{**c, "birth_date": "2000-06-01"} for c in answers["children"]]
    Case.objects.filter(pk=case.pk).update(answers=answers)
    steps = ApprovalStep.objects.count()
    with pytest.raises(BusinessRuleViolation) as info:
        casework.approve_step(actor=approver, case_id=case.pk)
    assert info.value.field == "children"
    case.refresh_from_db()
    assert case.status == "in_review"
    assert ApprovalStep.objects.count() == steps
    assert not ChildAllowanceRecipient.objects.exists()


def _answers(world, **overrides):
    return child_allowance_answers(world, **{"payment": copy.deepcopy(BANK), **overrides})


@pytest.mark.parametrize(
    ("reason", "event_on", "claimed_on", "start"),
    [
        # 15日特例: claimed within 15 days of the move-in → from the month after the move-in.
        ("moving_in", "2026-10-31", dt.date(2026, 11, 15), dt.date(2026, 11, 1)),
        # 16 days: the ordinary rule (the month after the claim).
        ("moving_in", "2026-10-31", dt.date(2026, 11, 16), dt.date(2026, 12, 1)),
        ("birth", "2026-10-20", dt.date(2026, 11, 4), dt.date(2026, 11, 1)),
        # Other reasons never get the 15日特例.
        ("started_caring", "2026-10-31", dt.date(2026, 11, 2), dt.date(2026, 12, 1)),
    ],
)
def test_start_month_from_the_claim(chiyoda, world, approver, reason, event_on, claimed_on, start) -> None:
    recipient = services.certify_child_allowance(
        actor=approver,
        municipality_code=chiyoda.code,
        case_reference="R-1",
        answers=_answers(world, **{"claim.reason": reason, "claim.event_on": event_on}),
        claimed_on=claimed_on,
    )
    assert recipient.start_month == start
    assert recipient.resident_id == world.head.pk  # found by name and date of birth
    assert (recipient.bank_code, recipient.branch_code, recipient.account_type, recipient.account_number) == (
        "0009",
        "123",
        "1",
        "7654321",
    )
    assert recipient.account_holder_kana == "ヤマダ　タロウ"


def test_third_child_counted_with_supported_university_age_child(chiyoda, world, approver) -> None:
    answers = _answers(
        world,
        older_children_exists=True,
        older_children=[
            {
                "name": "山田　長男",
                "name_kana": "ヤマダ　チョウナン",
                "birth_date": "2006-05-01",
                "relationship": "child",
                "lives_together": True,
            }
        ],
    )
    recipient = services.certify_child_allowance(
        actor=approver,
        municipality_code=chiyoda.code,
        case_reference="R-2",
        answers=answers,
        claimed_on=dt.date(2026, 11, 20),
    )
    children = list(recipient.children.order_by("position"))
    # 一郎 (2020) 第2子 10,000; 桜子 (2023) 第3子 30,000; the 20-year-old student 第1子, counted but not paid.
    assert [(c.birth_order, c.monthly_yen) for c in children] == [(2, 10_000), (3, 30_000), (1, 0)]
    assert children[2].is_university_age and children[2].supported


def test_unknown_applicant_is_refused(chiyoda, world, approver) -> None:
    answers = _answers(world, **{"applicant.name": "佐藤　一"})
    with pytest.raises(BusinessRuleViolation) as info:
        services.certify_child_allowance(
            actor=approver,
            municipality_code=chiyoda.code,
            case_reference="R-3",
            answers=answers,
            claimed_on=dt.date(2026, 11, 20),
        )
    assert info.value.code == "applicant_not_found"
    assert not ChildAllowanceRecipient.objects.exists()


def test_bad_account_names_the_field(chiyoda, world, approver) -> None:
    answers = _answers(world)
    answers["payment"]["bank_account"]["account_number"] = "12345"
    with pytest.raises(BusinessRuleViolation) as info:
        services.certify_child_allowance(
            actor=approver,
            municipality_code=chiyoda.code,
            case_reference="R-4",
            answers=answers,
            claimed_on=dt.date(2026, 11, 20),
        )
    assert info.value.field == "payment.bank_account.account_number"


def test_only_deciders_certify_and_numbers_are_consecutive(chiyoda, world, reviewer, approver) -> None:
    kwargs = {
        "municipality_code": chiyoda.code,
        "answers": _answers(world),
        "claimed_on": dt.date(2026, 11, 20),
    }
    with pytest.raises(ActionNotPermitted):
        services.certify_child_allowance(actor=reviewer, case_reference="R-5", **kwargs)
    first = services.certify_child_allowance(actor=approver, case_reference="R-5", **kwargs)
    second = services.certify_child_allowance(actor=approver, case_reference="R-6", **kwargs)
    assert int(second.certification_number) == int(first.certification_number) + 1
    with pytest.raises(BusinessRuleViolation):
        services.certify_child_allowance(actor=approver, case_reference="R-5", **kwargs)


def test_recipient_view_logs_access_and_shows_payments_ahead(chiyoda, world, approver) -> None:
    recipient = services.certify_child_allowance(
        actor=approver,
        municipality_code=chiyoda.code,
        case_reference="R-7",
        answers=_answers(world, **{"claim.event_on": "2026-11-17"}),
        claimed_on=dt.date(2026, 11, 20),
    )
    view = selectors.access_child_allowance_recipient(
        actor=approver,
        recipient_id=recipient.pk,
        purpose="benefit_administration",
        today=dt.date(2026, 11, 26),
    )
    assert view.current_month == dt.date(2026, 12, 1)
    assert view.current_quote.total_monthly_yen == 20_000
    first = view.upcoming[0]
    assert first.payment_month == dt.date(2027, 2, 1)
    assert [m.month for m in first.months] == [dt.date(2026, 12, 1), dt.date(2027, 1, 1)]
    assert first.total_yen == 40_000 and not first.paid
    assert AccessLogEntry.objects.filter(
        subject_id=str(world.head.pk), purpose="benefit_administration", action="view_child_allowance"
    ).exists()
