"""The packaged catalogue: every definition loads, counts match procedures.md §1, data is complete."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from madoguchi.procedures.engine import (
    CatalogueError,
    get_catalogue,
    load_catalogue,
    parse_procedure,
    validate_definition,
)
from madoguchi.procedures.schema import CATALOGUE_DIR, MIME_TYPES

PROCEDURE_FILES = sorted(
    p for p in CATALOGUE_DIR.glob("*.json") if p.name not in ("index.json", "referrals.json")
)


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", PROCEDURE_FILES, ids=lambda p: p.stem)
def test_every_definition_passes_the_validator(path: Path) -> None:
    data = _read(path)
    assert validate_definition(data, path.name) == []
    assert data["code"] == path.stem


def test_catalogue_counts_match_the_priority_list() -> None:
    catalogue = load_catalogue()
    assert len(catalogue) == 27
    assert len(catalogue.by_category("child_rearing")) == 15
    assert len(catalogue.by_category("long_term_care")) == 11
    assert len(catalogue.by_category("disaster")) == 1
    assert len(catalogue.referrals) == 4
    assert [p.number for p in catalogue] == list(range(1, 28))
    assert [r.number for r in catalogue.referrals] == [28, 29, 30, 31]
    assert catalogue.version == _read(CATALOGUE_DIR / "index.json")["catalogue_version"]
    assert len(PROCEDURE_FILES) == 27


def test_get_catalogue_is_cached() -> None:
    assert get_catalogue() is get_catalogue()


def test_confirmed_signature_requirements_follow_the_reference() -> None:
    catalogue = load_catalogue()
    confirmed = {p.number for p in catalogue if p.signature_source == "confirmed"}
    # procedures.md §1: "Yes" for #1 (児童手当 認定請求), #18 (区分変更) and #23 (負担限度額).
    assert confirmed == {1, 18, 23}
    assert all(p.signature_required for p in catalogue if p.signature_source == "confirmed")


def test_processing_days_are_flagged_when_assumed() -> None:
    catalogue = load_catalogue()
    from_reference = {p.code for p in catalogue if p.processing_days_source == "reference"}
    # Only the 介護認定 30-day standard (介護保険法 §27⑪) comes from the reference.
    assert from_reference == {"care_needs_certification", "care_needs_renewal", "care_needs_level_change"}
    assert all(p.processing_days == 30 for p in catalogue if p.code in from_reference)


def test_child_rearing_procedures_have_easy_japanese_summaries() -> None:
    for p in load_catalogue().by_category("child_rearing"):
        assert p.summary_ja_easy, p.code
        # やさしい日本語: short sentences.
        sentences = [s for s in p.summary_ja_easy.split("。") if s]
        assert all(len(s) <= 60 for s in sentences), p.code


def test_key_procedures_carry_their_reference_facts() -> None:
    catalogue = load_catalogue()
    child = catalogue.get("child_allowance_certification")
    assert child.name_ja == "児童手当等の受給資格及び児童手当の額についての認定請求"
    assert child.business == "child_allowance"
    assert child.legal_basis[0].statute_ja == "児童手当法"
    assert child.deadline is not None and child.deadline.days == 15
    assert child.deadline.event_field == "claim.event_on"
    moved = catalogue.get("care_needs_after_move")
    assert moved.deadline is not None and (moved.deadline.days, moved.deadline.strict) == (14, True)
    assert moved.attachments[0].code == "eligibility_certificate"
    disaster = catalogue.get("disaster_damage_certificate")
    assert disaster.legal_basis[0].article_ja == "第90条の2第1項"
    assert {w.role for w in disaster.who_may_apply} == {"head_of_household", "household_member", "proxy"}
    assert catalogue.get("pregnancy_notification").legal_basis[0].statute_ja == "母子保健法"
    assert [p.code for p in catalogue.by_life_situation("disaster")] == ["disaster_damage_certificate"]
    assert len(catalogue.by_business("care_insurance")) == 11


def test_referrals_point_to_the_mlit_one_stop_service() -> None:
    for r in load_catalogue().referrals:
        assert r.url == "https://www.oss.mlit.go.jp/"
        assert r.link_text_ja and r.link_text_en and r.explanation_ja and r.explanation_en


def test_personal_data_fields_have_autocomplete() -> None:
    expected = {
        "applicant.name": "name",
        "applicant.birth_date": "bday",
        "applicant.postal_code": "postal-code",
        "applicant.address": "street-address",
        "applicant.phone": "tel",
        "applicant.email": "email",
    }
    for p in load_catalogue():
        for path, token in expected.items():
            assert p.form.field(path).autocomplete == token, (p.code, path)


def test_attachments_use_allowed_mime_types_and_sizes() -> None:
    for p in load_catalogue():
        for a in p.attachments:
            assert set(a.mime_types) <= set(MIME_TYPES)
            assert 0 < a.max_size_bytes <= 50 * 1024 * 1024


def test_forms_are_multi_page_with_question_titles() -> None:
    for p in load_catalogue():
        assert p.form.identity == (p.code, 1)
        assert len(p.form.pages) >= 4, p.code
        for page in p.form.pages:
            assert 1 <= len(page.fields) <= 8, (p.code, page.key)
            assert page.title_ja.endswith(("ください", "か", "ますか", "について")), (p.code, page.title_ja)


# --------------------------------------------------------------------------------------------------------------
# The definition validator rejects malformed definitions with a clear message.


def _child_allowance() -> dict[str, Any]:
    return copy.deepcopy(_read(CATALOGUE_DIR / "child_allowance_certification.json"))


def _page(data: dict[str, Any], key: str) -> dict[str, Any]:
    return next(p for p in data["form"]["pages"] if p["key"] == key)


def _problems(data: dict[str, Any]) -> str:
    return "\n".join(validate_definition(data, "test.json"))


def test_validator_rejects_unknown_field_in_condition() -> None:
    data = _child_allowance()
    _page(data, "spouse_details")["when"] = {"field": "spouse.exist", "equals": True}
    assert "condition refers to unknown field 'spouse.exist'" in _problems(data)


def test_validator_rejects_duplicate_field_keys() -> None:
    data = _child_allowance()
    _page(data, "applicant_contact")["fields"].append(
        copy.deepcopy(_page(data, "applicant_name")["fields"][0])
    )
    assert "duplicate field key 'applicant.name'" in _problems(data)


def test_validator_rejects_forward_references() -> None:
    data = _child_allowance()
    _page(data, "claim_reason")["when"] = {"field": "payment.method", "equals": "bank_account"}
    assert "condition refers to 'payment.method', which comes later in the form" in _problems(data)


def test_validator_rejects_values_that_are_not_options() -> None:
    data = _child_allowance()
    _page(data, "bank_account")["when"] = {"field": "payment.method", "equals": "cash"}
    assert "'cash' is not an option of 'payment.method'" in _problems(data)


def test_validator_rejects_string_comparison_on_yes_no() -> None:
    data = _child_allowance()
    _page(data, "spouse_details")["when"] = {"field": "spouse.exists", "equals": "yes"}
    assert "'spouse.exists' is yes/no: compare with true/false" in _problems(data)


def test_validator_rejects_sibling_outside_a_group() -> None:
    data = _child_allowance()
    data["attachments"][1]["required_when"] = {"sibling": "lives_together", "equals": False}
    assert "'sibling' 'lives_together' used outside a repeating group" in _problems(data)


def test_validator_rejects_eval_like_conditions() -> None:
    data = _child_allowance()
    _page(data, "spouse_details")["when"] = {"python": "__import__('os')"}
    assert "a condition needs exactly one of" in _problems(data)


def test_validator_rejects_unknown_types_patterns_and_autocomplete() -> None:
    data = _child_allowance()
    fields = _page(data, "applicant_name")["fields"]
    fields[0]["type"] = "rich_text"
    fields[1]["pattern"] = "^[ァ-ヶ]+$"
    _page(data, "applicant_contact")["fields"][0]["autocomplete"] = "telephone"
    problems = _problems(data)
    assert "unknown field type 'rich_text'" in problems
    assert "unknown named pattern '^[ァ-ヶ]+$'" in problems
    assert "unknown autocomplete token 'telephone'" in problems


def test_validator_rejects_bad_prefill_and_attachments() -> None:
    data = _child_allowance()
    data["form"]["prefill"]["applicant.phone"] = "card.phone"
    data["form"]["prefill"]["applicant.nickname"] = "office.nickname"
    data["attachments"][0]["mime_types"] = ["application/x-msdownload"]
    data["attachments"].append(copy.deepcopy(data["attachments"][1]))
    problems = _problems(data)
    assert "the card only carries name, address, birth_date, sex, not 'phone'" in problems
    assert "prefill(applicant.nickname): prefill target is not a field of the form" in problems
    assert "unknown MIME type 'application/x-msdownload'" in problems
    assert "duplicate attachment code 'separate_residence_statement'" in problems


def test_validator_rejects_bad_repeat_and_deadline() -> None:
    data = _child_allowance()
    _page(data, "children")["fields"][0]["repeat"] = {"min": 3, "max": 2}
    data["deadline"]["rule"]["event_field"] = "claim.reason"
    problems = _problems(data)
    assert "repeat min is greater than max" in problems
    assert "event_field 'claim.reason' must name a (non-repeating) date field" in problems


def test_parse_procedure_raises_with_every_problem() -> None:
    data = _child_allowance()
    data["category"] = "tax"
    data["form"]["pages"][0]["fields"][0]["max_length"] = None
    with pytest.raises(CatalogueError) as excinfo:
        parse_procedure(data, "broken.json")
    assert len(excinfo.value.problems) == 2
    assert "broken.json: procedure: unknown category 'tax'" in str(excinfo.value)
    assert "text fields need 'max_length'" in str(excinfo.value)


def test_load_catalogue_reports_unlisted_and_mismatched_files(tmp_path: Path) -> None:
    shutil.copytree(CATALOGUE_DIR, tmp_path / "cat")
    directory = tmp_path / "cat"
    (directory / "stray.json").write_text("{}", encoding="utf-8")
    data = _read(directory / "pregnancy_notification.json")
    data["code"] = "pregnancy_report"
    (directory / "pregnancy_notification.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CatalogueError) as excinfo:
        load_catalogue(directory)
    message = str(excinfo.value)
    assert "stray.json: not listed in index.json" in message
    assert "code 'pregnancy_report' does not match the file name" in message


def test_load_catalogue_reports_invalid_json(tmp_path: Path) -> None:
    shutil.copytree(CATALOGUE_DIR, tmp_path / "cat")
    (tmp_path / "cat" / "home_modification.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"home_modification\.json: not valid UTF-8 JSON"):
        load_catalogue(tmp_path / "cat")
