"""児童扶養手当: the recipient register, the 現況届 grant handler, and the income result (revisions)."""

from __future__ import annotations

import datetime as dt

import pytest

from madoguchi.benefits import child_rearing_selectors as selectors
from madoguchi.benefits import child_rearing_services as services
from madoguchi.benefits import decisions
from madoguchi.benefits.models_child_rearing import ChildRearingAssessment, ChildRearingReview
from madoguchi.benefits.rules import child_rearing_allowance as rules
from madoguchi.core.errors import ActionNotPermitted, BusinessRuleViolation, NotFoundInMunicipality
from madoguchi.core.models import AccessLogEntry, AuditEntry

from .child_rearing_helpers import granted_report, make_parent, register, report_answers

pytestmark = pytest.mark.django_db

P2025 = rules.parameters_for(2025)
FLAT = P2025.flat_deduction_yen


@pytest.fixture
def approver(chiyoda, make_staff):
    return make_staff(chiyoda, "approver")


@pytest.fixture
def parent(chiyoda):
    return make_parent(chiyoda)


@pytest.fixture
def recipient(approver, parent):
    return register(approver, parent)


def _review(chiyoda, approver, recipient, children: int = 2, **kw) -> ChildRearingReview:
    decisions.apply_decision(
        actor=approver,
        case=granted_report(chiyoda, recipient.resident_id, answers=report_answers(children, **kw)),
    )
    return ChildRearingReview.objects.get(recipient=recipient)


def _confirm(actor, review, income_yen: int, dependents: int = 1, **kw) -> ChildRearingAssessment:
    return services.confirm_income(
        actor=actor,
        review_id=review.pk,
        income_yen=income_yen,
        child_support_yen=kw.pop("child_support_yen", 0),
        deductions_yen=kw.pop("deductions_yen", 0),
        dependents=dependents,
        source="tax_ledger",
        source_note="令和7年度 住民税課税台帳",
        **kw,
    )


# --- register ---------------------------------------------------------------------------------------------------


def test_register_recipient_is_audited_and_unique(chiyoda, approver, parent, make_staff) -> None:
    recipient = register(approver, parent)
    entry = AuditEntry.objects.filter(action="benefits.register_child_rearing_recipient").get()
    assert entry.target_id == str(recipient.pk)
    with pytest.raises(BusinessRuleViolation) as again:
        register(approver, parent, "JF-0002")
    assert again.value.field == "resident_id"
    other = make_parent(chiyoda, "27100000009", "花")
    with pytest.raises(BusinessRuleViolation) as dup:
        register(approver, other, "JF-0001")
    assert dup.value.field == "certificate_number"
    with pytest.raises(ActionNotPermitted):
        register(make_staff(chiyoda, "counter_clerk"), other, "JF-0003")


def test_register_rejects_bad_input_naming_the_field(approver, parent) -> None:
    for kwargs, field in (
        ({"certificate_number": "  "}, "certificate_number"),
        ({"children_count": 0}, "children_count"),
        ({"certified_from": dt.date.today() + dt.timedelta(days=2)}, "certified_from"),
    ):
        args = {
            "certificate_number": "JF-9",
            "children_count": 1,
            "certified_from": dt.date(2020, 1, 1),
            **kwargs,
        }
        with pytest.raises(BusinessRuleViolation) as exc:
            services.register_recipient(actor=approver, resident_id=parent.pk, **args)
        assert exc.value.field == field
    assert not AuditEntry.objects.filter(action="benefits.register_child_rearing_recipient").exists()


# --- the 現況届 decision handler -----------------------------------------------------------------------------------


def test_granted_status_report_opens_the_review_awaiting_income(chiyoda, approver, recipient) -> None:
    review = _review(chiyoda, approver, recipient, children=3, child_support_yen=120_000)
    assert review.state == "awaiting_income"
    assert (review.fiscal_year, review.income_year) == (2025, 2024)
    assert review.case_reference == "GENKYO-1" and review.children_count == 3
    assert review.child_support_received and review.child_support_yen == 120_000
    assert not review.de_facto_marriage and not review.exemption_applies
    assert AuditEntry.objects.filter(
        action="benefits.open_child_rearing_review", target_id=str(review.pk)
    ).exists()


@pytest.mark.parametrize("resident", ["none", "not_a_recipient"])
def test_granted_report_without_recipient_is_refused(chiyoda, approver, parent, resident) -> None:
    resident_id = None if resident == "none" else parent.pk
    with pytest.raises(BusinessRuleViolation) as exc:
        decisions.apply_decision(actor=approver, case=granted_report(chiyoda, resident_id))
    assert exc.value.code == "recipient_not_found"
    assert "受給者として登録されていません" in exc.value.message_ja
    assert not ChildRearingReview.objects.exists()


def test_second_report_for_the_same_year_is_refused(chiyoda, approver, recipient) -> None:
    _review(chiyoda, approver, recipient)
    with pytest.raises(BusinessRuleViolation) as exc:
        decisions.apply_decision(
            actor=approver, case=granted_report(chiyoda, recipient.resident_id, receipt="GENKYO-2")
        )
    assert exc.value.code == "already_recorded"
    assert ChildRearingReview.objects.count() == 1


def test_report_without_children_is_refused(chiyoda, approver, recipient) -> None:
    answers = report_answers()
    answers["children"] = []
    with pytest.raises(BusinessRuleViolation) as exc:
        decisions.apply_decision(
            actor=approver, case=granted_report(chiyoda, recipient.resident_id, answers=answers)
        )
    assert exc.value.field == "children"


def test_review_years() -> None:
    assert services.review_years(dt.date(2025, 8, 1)) == (2025, 2024)
    assert services.review_years(dt.date(2026, 2, 1)) == (2025, 2024)


# --- the income result at the full/partial/none boundaries --------------------------------------------------------


def _boundaries():
    rows = []
    for dependents in (0, 1, 2, 5):
        full = P2025.limits.full_limit_yen(dependents)
        partial = P2025.limits.partial_limit_yen(dependents)
        rows += [
            (dependents, full - 1, "full"),
            (dependents, full, "partial"),
            (dependents, partial - 1, "partial"),
            (dependents, partial, "none"),
        ]
    return rows


@pytest.mark.parametrize(("dependents", "assessed", "kind"), _boundaries())
@pytest.mark.parametrize("children", [1, 3])
def test_result_at_the_income_limits(
    chiyoda, approver, recipient, dependents, assessed, kind, children
) -> None:
    review = _review(chiyoda, approver, recipient, children=children)
    # The clerk enters the 所得 before the 一律控除; the rule compares 所得額 = 所得 − 80,000 with the limits.
    result = _confirm(approver, review, assessed + FLAT, dependents)
    expected = rules.quote(2025, children, assessed, dependents)
    assert result.assessed_income_yen == assessed
    assert (result.kind, result.monthly_yen) == (kind, expected.monthly_yen)
    if kind == "full":
        assert result.monthly_yen == P2025.full_base_yen + (children - 1) * P2025.full_addition_yen
    elif kind == "none":
        assert result.monthly_yen == 0
    elif assessed == P2025.limits.full_limit_yen(dependents):
        assert (
            result.monthly_yen == P2025.partial_base_max_yen + (children - 1) * P2025.partial_addition_max_yen
        )
    else:
        assert P2025.partial_base_min_yen <= result.base_yen < P2025.partial_base_max_yen
    review.refresh_from_db()
    assert review.state == "confirmed"


def test_worked_example_with_child_support(chiyoda, approver, recipient) -> None:
    review = _review(chiyoda, approver, recipient, children=2)
    # benefits.md §2 worked example (所得額 1,500,000, 扶養1人), reached with 養育費 100,000 counted at 80%.
    result = _confirm(approver, review, 1_500_000, 1, child_support_yen=100_000)
    assert result.assessed_income_yen == 1_500_000  # 1,500,000 + 80,000 − 80,000
    assert (result.kind, result.base_yen, result.addition_yen_each) == ("partial", 35_650, 9_320)
    assert result.monthly_yen == 44_970


def test_result_is_immutable_and_corrections_are_revisions(chiyoda, approver, recipient) -> None:
    review = _review(chiyoda, approver, recipient, children=1)
    first = _confirm(approver, review, 500_000, 0)
    assert (first.revision, first.kind) == (1, "full")
    with pytest.raises(BusinessRuleViolation) as exc:
        _confirm(approver, review, 900_000, 0)
    assert exc.value.field == "correction_reason"
    second = _confirm(approver, review, 900_000, 0, correction_reason="課税台帳の更正を反映")
    assert (second.revision, second.kind) == (2, "partial")
    first.refresh_from_db()
    assert (first.income_yen, first.kind) == (500_000, "full")
    first.monthly_yen = 1
    with pytest.raises(ValueError):
        first.save()
    with pytest.raises(ValueError):
        first.delete()
    audit = AuditEntry.objects.filter(action="benefits.confirm_child_rearing_income").order_by("pk")
    assert [a.after["revision"] for a in audit] == [1, 2]
    assert audit.last().before == {"state": "confirmed", "revision": 1, "monthly_yen": P2025.full_base_yen}


def test_confirm_rejects_bad_input(chiyoda, approver, recipient, make_staff) -> None:
    review = _review(chiyoda, approver, recipient)
    with pytest.raises(BusinessRuleViolation) as exc:
        _confirm(approver, review, -1)
    assert exc.value.field == "income_yen"
    with pytest.raises(BusinessRuleViolation) as exc:
        services.confirm_income(
            actor=approver,
            review_id=review.pk,
            income_yen=1,
            child_support_yen=0,
            deductions_yen=0,
            dependents=0,
            source="tax_ledger",
            source_note=" ",
        )
    assert exc.value.field == "source_note"
    with pytest.raises(ActionNotPermitted):
        _confirm(make_staff(chiyoda, "counter_clerk"), review, 1)
    assert not ChildRearingAssessment.objects.exists()


def test_unknown_fiscal_year_is_refused(chiyoda, approver, recipient) -> None:
    decisions.apply_decision(
        actor=approver, case=granted_report(chiyoda, recipient.resident_id, received_on=dt.date(2030, 8, 3))
    )
    review = ChildRearingReview.objects.get()
    with pytest.raises(BusinessRuleViolation) as exc:
        _confirm(approver, review, 1_000_000)
    assert exc.value.field == "fiscal_year"


def test_selectors_log_access_and_are_scoped(chiyoda, sapporo, approver, recipient, make_staff) -> None:
    review = _review(chiyoda, approver, recipient)
    before = AccessLogEntry.objects.count()
    view = selectors.access_recipient(
        actor=approver, recipient_id=recipient.pk, purpose="benefit_administration"
    )
    assert [r.pk for r in view.reviews] == [review.pk]
    selectors.access_review(actor=approver, review_id=review.pk, purpose="benefit_administration")
    assert AccessLogEntry.objects.count() == before + 2
    other = make_staff(sapporo, "approver")
    with pytest.raises(NotFoundInMunicipality):
        selectors.access_review(actor=other, review_id=review.pk, purpose="benefit_administration")
    assert list(selectors.list_recipients(actor=other)) == []
