"""The 介護保険 被保険者番号 through the office answers channel: answered only when asked, audited, prefilled into
the long-term-care forms for the person the form is about, empty (never an error) for someone not insured."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from madoguchi.benefits.models import CareInsuranceQualification
from madoguchi.benefits.services import enroll_category_1_residents
from madoguchi.core.models import AuditEntry
from madoguchi.intake import services
from madoguchi.office.answers import RegistryOfficeAnswers

from .helpers import card_identity, login_resident, make_resident, make_world, today

CARE = "care_needs_certification"


@pytest.fixture
def world(chiyoda):
    """The Yamada household with the head's mother (75, 第1号被保険者) and a neighbour aged 70 in another household."""
    world = make_world(chiyoda)
    world.mother = make_resident(  # type: ignore[attr-defined]
        chiyoda,
        world.head.household,
        family="山田",
        given="トメ",
        family_kana="ヤマダ",
        given_kana="トメ",
        birth=today().replace(year=today().year - 75, day=1),
        sex="female",
        relationship="母",
        code="10000000006",
    )
    world.neighbour = make_resident(  # type: ignore[attr-defined]
        chiyoda,
        world.other.household,
        family="髙橋",
        given="清",
        family_kana="タカハシ",
        given_kana="キヨシ",
        birth=today().replace(year=today().year - 70, day=1),
        sex="male",
        relationship="父",
        code="10000000007",
        block="2-3",
    )
    assert enroll_category_1_residents(actor=None, municipality_code="131016", on=today()) == 2
    return world


def number_of(resident) -> str:
    return CareInsuranceQualification.objects.get(resident=resident).insured_number


def test_channel_answers_the_number_only_when_asked_and_audits_it(world) -> None:
    identity, _card = card_identity(world.mother)
    office = RegistryOfficeAnswers()
    plain = office.household_facts(municipality_code="131016", applicant=identity, purpose="x")
    assert plain.registry_match and plain.care_insured_number == ""
    assert "care_insured_number" not in plain.prefill_source()
    facts = office.household_facts(
        municipality_code="131016", applicant=identity, purpose=CARE, asks=("care_insured_number",)
    )
    assert facts.care_insured_number == number_of(world.mother)
    assert facts.prefill_source()["care_insured_number"] == number_of(world.mother)
    entry = AuditEntry.objects.filter(action="office_answer_household_facts").order_by("-sequence").first()
    assert entry is not None and entry.after["care_insured_number_answered"] is True
    assert number_of(world.mother) not in str(entry.after)  # whether it was answered, not the number
    with pytest.raises(ValueError):
        office.household_facts(municipality_code="131016", applicant=identity, purpose=CARE, asks=("income",))


def test_a_resident_without_a_qualification_gets_an_empty_answer(world) -> None:
    identity, _card = card_identity(world.head)  # 41: not insured here
    facts = RegistryOfficeAnswers().household_facts(
        municipality_code="131016", applicant=identity, purpose=CARE, asks=("care_insured_number",)
    )
    assert facts.registry_match and facts.care_insured_number == ""
    assert "care_insured_number" not in facts.prefill_source()


def test_channel_answers_for_a_member_of_the_applicants_household_only(world) -> None:
    identity, _card = card_identity(world.head)
    office = RegistryOfficeAnswers()
    mother = office.care_insured_number(
        municipality_code="131016",
        applicant=identity,
        purpose=CARE,
        insured_name="山田 トメ",  # spacing differs from the registry
        insured_birth_date=world.mother.birth_date.isoformat(),
    )
    assert mother == number_of(world.mother)
    neighbour = office.care_insured_number(
        municipality_code="131016",
        applicant=identity,
        purpose=CARE,
        insured_name=world.neighbour.full_name,
        insured_birth_date=world.neighbour.birth_date.isoformat(),
    )
    assert neighbour == ""  # insured, but not in the applicant's household: not disclosed
    assert office.care_insured_number(municipality_code="131016", applicant=identity, purpose=CARE) == ""
    entries = list(AuditEntry.objects.filter(action="office_answer_care_insured_number").order_by("sequence"))
    assert [(e.after["about"], e.after["answered"]) for e in entries] == [
        ("household_member", True),
        ("household_member", False),
        ("applicant", False),
    ]
    assert entries[0].target_id == str(world.mother.pk)


def test_care_form_is_prefilled_with_the_applicants_number(world) -> None:
    identity, _card = card_identity(world.mother)
    draft = services.start_draft(identity=identity, municipality_code="131016", procedure_code=CARE)
    assert draft.answers["insured"]["insured_number"] == number_of(world.mother)
    assert draft.prefilled["insured.insured_number"] == "office"
    client = login_resident(Client(), identity)
    page = client.get(f"/apply/drafts/{draft.public_id}/pages/insured_number/").content.decode()
    assert f'value="{number_of(world.mother)}"' in page
    assert "市区町村の記録から入力済み" in page


def test_care_form_without_a_qualification_starts_with_an_empty_number(world) -> None:
    identity, _card = card_identity(world.head)
    draft = services.start_draft(identity=identity, municipality_code="131016", procedure_code=CARE)
    assert "insured_number" not in draft.answers.get("insured", {})
    assert "insured.insured_number" not in draft.prefilled
    client = login_resident(Client(), identity)
    response = client.get(f"/apply/drafts/{draft.public_id}/pages/insured_number/")
    assert response.status_code == 200
    assert 'name="insured.insured_number"' in response.content.decode()


def test_applying_for_a_family_member_prefills_their_number(world) -> None:
    identity, _card = card_identity(world.head)
    draft = services.start_draft(identity=identity, municipality_code="131016", procedure_code=CARE)
    draft = services.save_draft_answers(identity=identity, draft=draft, values={"applicant.role": "family"})
    assert "insured.insured_number" not in draft.prefilled
    draft = services.save_draft_answers(
        identity=identity,
        draft=draft,
        values={
            "insured.name": "山田　トメ",
            "insured.name_kana": "ヤマダ　トメ",
            "insured.birth_date": world.mother.birth_date.isoformat(),
            "insured.sex": "female",
        },
    )
    assert draft.answers["insured"]["insured_number"] == number_of(world.mother)
    assert draft.prefilled["insured.insured_number"] == "office"
    # Saving the page unchanged keeps the badge; typing another number makes it the resident's own.
    draft = services.save_draft_answers(
        identity=identity, draft=draft, values={"insured.insured_number": number_of(world.mother)}
    )
    assert draft.prefilled["insured.insured_number"] == "office"
    draft = services.save_draft_answers(
        identity=identity, draft=draft, values={"insured.insured_number": "0000000116"}
    )
    assert "insured.insured_number" not in draft.prefilled
    draft = services.save_draft_answers(
        identity=identity, draft=draft, values={"insured.birth_date": "1950-01-01"}
    )
    assert draft.answers["insured"]["insured_number"] == "0000000116"  # typed: never overwritten


def test_switching_to_someone_else_removes_the_applicants_own_number(world) -> None:
    identity, _card = card_identity(world.mother)
    draft = services.start_draft(identity=identity, municipality_code="131016", procedure_code=CARE)
    draft = services.save_draft_answers(identity=identity, draft=draft, values={"applicant.role": "family"})
    assert "insured_number" not in draft.answers.get("insured", {})
    draft = services.save_draft_answers(
        identity=identity,
        draft=draft,
        values={"insured.name": "山田　一郎", "insured.birth_date": dt.date(2020, 6, 1).isoformat()},
    )
    assert "insured_number" not in draft.answers.get("insured", {})  # a child: not insured, left empty
    draft = services.save_draft_answers(identity=identity, draft=draft, values={"applicant.role": "self"})
    assert draft.answers["insured"]["insured_number"] == number_of(world.mother)
