"""Counter mode (書かない窓口): prefill from the registry, identity check, confirmation sheet, and the same intake
pipeline as online — checks, duplicates, receipt numbering, case creation — marked assisted."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from django.utils import timezone

from madoguchi.benefits.models import ChildAllowanceRecipient
from madoguchi.casework import counter, services
from madoguchi.casework.intake_adapter import IntakeSubmissionSource
from madoguchi.casework.models import Case, CaseEvent, CounterSession, SignatureEvidence
from madoguchi.core.errors import ActionNotPermitted, BusinessRuleViolation
from madoguchi.core.models import AccessLogEntry, AuditEntry
from madoguchi.documents.models import IssuedDocument
from madoguchi.intake import services as intake
from madoguchi.intake.models import Application
from madoguchi.intake.tests.helpers import child_allowance_answers, pregnancy_answers
from madoguchi.procedures.engine import get_catalogue

from .helpers import CHILD, make_world, pull_all, submit_child_allowance

pytestmark = pytest.mark.django_db
PREGNANCY = "pregnancy_notification"
SECTIONS: list[dict[str, Any]] = [{"title": "申請内容", "rows": [{"label": "氏名", "value": "山田　太郎"}]}]


@pytest.fixture
def world(chiyoda):
    return make_world(chiyoda)


@pytest.fixture
def clerk(chiyoda, make_staff):
    return make_staff(chiyoda, "counter_clerk")


def _flat(answers: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Top-level sections as path → value, the way the page forms hand them to the service."""
    return {f"{prefix}{key}": value for key, value in answers.items()}


def _ready(clerk, resident, procedure: str, answers: dict[str, Any]) -> CounterSession:
    session = counter.start_counter_application(
        actor=clerk, resident_id=resident.pk, procedure_code=procedure
    )
    counter.save_counter_answers(actor=clerk, public_id=session.public_id, values=_flat(answers))
    counter.confirm_identity(actor=clerk, public_id=session.public_id, method="my_number_card")
    counter.issue_confirmation_sheet(actor=clerk, public_id=session.public_id, sections=SECTIONS)
    return CounterSession.objects.get(pk=session.pk)


def test_start_prefills_from_the_registry_and_logs_the_read(clerk, world) -> None:
    session = counter.start_counter_application(actor=clerk, resident_id=world.head.pk, procedure_code=CHILD)
    assert session.answers["applicant"]["name"] == "山田　太郎"
    assert session.answers["applicant"]["birth_date"] == "1985-05-10"
    # The household's children come from the registry, as the online form's prefill does it.
    assert [c["name"] for c in session.answers["children"]] == ["山田　一郎", "山田　桜子"]
    assert set(session.prefilled.values()) == {"office"}
    entry = AccessLogEntry.objects.get(subject_type="resident", subject_id=str(world.head.pk))
    assert entry.purpose == "counter_service"
    assert AuditEntry.objects.filter(action="casework.counter_start").count() == 1


def test_happy_path_creates_an_assisted_application_and_case(clerk, world) -> None:
    session = _ready(clerk, world.head, CHILD, child_allowance_answers(world))
    result = counter.submit_counter_application(actor=clerk, public_id=session.public_id)

    assert not result.duplicate
    application = Application.objects.get(receipt_number=result.receipt_number)
    assert application.is_assisted
    assert application.signature == b"" and application.verification_reason == "assisted"
    assert application.assistance["identity_method"] == "my_number_card"
    assert application.assistance["clerk_id"] == f"staff:{clerk.pk}"
    assert application.assistance["confirmation_sheet"] == session.sheet_document_id
    # Same receipt numbering as online (year-serial).
    assert result.receipt_number.split("-")[1].isdigit()

    case = result.case
    assert case is not None and case.is_assisted
    assert case.receipt_number == result.receipt_number
    assert case.assistance["identity_method"] == "my_number_card"
    assert not SignatureEvidence.objects.filter(case=case).exists()
    pulled = CaseEvent.objects.get(case=case, kind="pulled")
    assert "電子署名はありません" in pulled.reason
    session.refresh_from_db()
    assert session.status == "submitted" and session.receipt_number == result.receipt_number

    # The pull meets the same submission later and skips it: one case, never two.
    outcome = pull_all()
    assert outcome.created == 0
    assert Case.objects.filter(receipt_number=result.receipt_number).count() == 1
    assert AuditEntry.objects.filter(action="intake.submit_assisted_application").count() == 1
    assert AuditEntry.objects.filter(action="casework.counter_submit").count() == 1


def test_an_assisted_submission_is_picked_up_by_the_pull_when_not_ingested_at_once(clerk, world) -> None:
    """If the case could not be created at the counter, the pull creates it (nothing is lost)."""
    from madoguchi.casework.intake_adapter import IntakeAssistedIntake

    session = _ready(clerk, world.head, CHILD, child_allowance_answers(world))

    class NoItem(IntakeAssistedIntake):
        def submit(self, **kwargs: Any) -> Any:
            return dataclasses.replace(super().submit(**kwargs), item=None, duplicate=False)

    counter.submit_counter_application(actor=clerk, public_id=session.public_id, intake=NoItem())
    assert not Case.objects.exists()
    services.pull_submissions(source=IntakeSubmissionSource(settle_seconds=0))
    case = Case.objects.get()
    assert case.is_assisted and case.assistance["channel"] == "counter"


def test_duplicate_shows_the_existing_receipt(clerk, world) -> None:
    online = submit_child_allowance(world.head.municipality, world)  # the head applied online with the card
    session = _ready(clerk, world.head, CHILD, child_allowance_answers(world))
    result = counter.submit_counter_application(actor=clerk, public_id=session.public_id)
    assert result.duplicate
    assert result.receipt_number == online.application.receipt_number
    assert Application.objects.count() == 1
    session.refresh_from_db()
    assert session.status == "open"


def test_two_counter_applications_for_the_same_subject_are_one(clerk, world) -> None:
    first = _ready(clerk, world.wife, PREGNANCY, pregnancy_answers())
    done = counter.submit_counter_application(actor=clerk, public_id=first.public_id)
    second = _ready(clerk, world.wife, PREGNANCY, pregnancy_answers())
    again = counter.submit_counter_application(actor=clerk, public_id=second.public_id)
    assert again.duplicate and again.receipt_number == done.receipt_number
    assert again.case is not None and again.case.pk == done.case.pk  # type: ignore[union-attr]


def test_non_head_is_refused_for_a_head_only_procedure(clerk, world, monkeypatch) -> None:
    # No catalogue procedure is 世帯主-only today; the 2020 給付金 was. Mark one as such for this check.
    procedure = get_catalogue().procedures[PREGNANCY]
    head_only = dataclasses.replace(procedure, household_head_only=True)
    monkeypatch.setattr(intake, "get_procedure", lambda municipality_code, code, **kw: head_only)
    session = _ready(clerk, world.wife, PREGNANCY, pregnancy_answers())
    with pytest.raises(counter.CounterRejected) as caught:
        counter.submit_counter_application(actor=clerk, public_id=session.public_id)
    assert [p.code for p in caught.value.problems] == ["not_head_of_household"]
    assert not Application.objects.exists() and not Case.objects.exists()


def test_identity_confirmation_is_required(clerk, world) -> None:
    session = counter.start_counter_application(
        actor=clerk, resident_id=world.wife.pk, procedure_code=PREGNANCY
    )
    counter.save_counter_answers(actor=clerk, public_id=session.public_id, values=_flat(pregnancy_answers()))
    counter.issue_confirmation_sheet(actor=clerk, public_id=session.public_id, sections=SECTIONS)
    with pytest.raises(BusinessRuleViolation) as caught:
        counter.submit_counter_application(actor=clerk, public_id=session.public_id)
    assert caught.value.field == "identity"
    assert not Application.objects.exists()


def test_intake_refuses_an_assisted_submission_without_identity_evidence(world) -> None:
    from madoguchi.core.audit import Actor

    with pytest.raises(intake.IntakeRejected) as caught:
        intake.submit_assisted_application(
            actor=Actor(id="staff:1", display="窓口"),
            applicant=counter.applicant_identity(world.wife, timezone.now()),
            municipality_code=world.wife.municipality_id,
            procedure_code=PREGNANCY,
            form_version=get_catalogue().procedures[PREGNANCY].form.version,
            answers=pregnancy_answers(),
            assistance={"clerk_id": "staff:1"},
        )
    assert "identity_not_confirmed" in caught.value.codes


@pytest.mark.parametrize(
    ("method", "documents", "ok"),
    [
        ("my_number_card", [], True),
        ("other_documents", ["drivers_license"], True),
        ("other_documents", ["health_insurance", "pension_book"], True),
        ("other_documents", ["health_insurance"], False),  # no photo: two are needed
        ("other_documents", [], False),
        ("other_documents", ["library_card"], False),
        ("", [], False),
    ],
)
def test_identity_documents_rules(clerk, world, method, documents, ok) -> None:
    session = counter.start_counter_application(
        actor=clerk, resident_id=world.wife.pk, procedure_code=PREGNANCY
    )
    if ok:
        done = counter.confirm_identity(
            actor=clerk, public_id=session.public_id, method=method, documents=documents
        )
        assert done.identity_confirmed and done.identity_confirmed_by == clerk
    else:
        with pytest.raises(BusinessRuleViolation):
            counter.confirm_identity(
                actor=clerk, public_id=session.public_id, method=method, documents=documents
            )


def test_changed_answers_need_a_new_sheet(clerk, world) -> None:
    session = _ready(clerk, world.wife, PREGNANCY, pregnancy_answers())
    counter.save_counter_answers(
        actor=clerk, public_id=session.public_id, values={"applicant.phone": "0399998888"}
    )
    with pytest.raises(BusinessRuleViolation) as caught:
        counter.submit_counter_application(actor=clerk, public_id=session.public_id)
    assert caught.value.field == "confirmation_sheet"
    document = counter.issue_confirmation_sheet(actor=clerk, public_id=session.public_id, sections=SECTIONS)
    assert bytes(document.pdf).startswith(b"%PDF")
    assert IssuedDocument.objects.filter(subject_type="counter_session").count() == 2
    assert counter.submit_counter_application(actor=clerk, public_id=session.public_id).case is not None


def test_roles_without_the_counter_permission_cannot_start(chiyoda, make_staff, world) -> None:
    for role in ("auditor", "administrator"):
        with pytest.raises(ActionNotPermitted):
            counter.start_counter_application(
                actor=make_staff(chiyoda, role), resident_id=world.head.pk, procedure_code=CHILD
            )


def test_procedures_that_always_need_a_file_are_not_offered(clerk) -> None:
    codes = {p.code for p in counter.counter_procedures(actor=clerk)}
    assert CHILD in codes and PREGNANCY in codes
    assert "disaster_damage_certificate" not in codes  # photos of the damage are always required


def test_a_granted_counter_child_allowance_claim_certifies_the_resident(
    clerk, world, make_staff, chiyoda
) -> None:
    """A counter application has no card signature: the recipient is the resident the clerk chose and identified."""
    session = _ready(clerk, world.head, CHILD, child_allowance_answers(world))
    case = counter.submit_counter_application(actor=clerk, public_id=session.public_id).case
    assert case is not None and not case.applicant_sign_serial
    reviewer, approver = make_staff(chiyoda, "reviewer"), make_staff(chiyoda, "approver")
    services.accept_case(actor=reviewer, case_id=case.pk)
    services.claim_case(actor=reviewer, case_id=case.pk)
    services.start_review(actor=reviewer, case_id=case.pk)
    services.propose_decision(actor=reviewer, case_id=case.pk, outcome="grant", reason="要件を満たす。")
    services.approve_step(actor=approver, case_id=case.pk)
    recipient = ChildAllowanceRecipient.objects.get()
    assert recipient.resident_id == world.head.pk
    assert recipient.case_reference == case.receipt_number
