"""Form engine: visibility, repeating groups, validators and their messages, cleaning, attachments, prefill,
canonical JSON. A small synthetic form exercises every field type; the real catalogue forms the journeys."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import unicodedata
from typing import Any

import pytest

from madoguchi.procedures.engine import (
    CatalogueError,
    FormDefinition,
    Procedure,
    apply_prefill,
    canonical_json,
    check_upload,
    clean_answers,
    deadline_on,
    errors_by_page,
    filing_window,
    load_catalogue,
    parse_procedure,
    prefilled_paths,
    required_attachments,
    validate_all,
    validate_page,
    visible_pages,
)

TODAY = dt.date(2025, 6, 1)


def f(key: str, ftype: str, ja: str, **kw: Any) -> dict[str, Any]:
    d: dict[str, Any] = {
        "key": key,
        "type": ftype,
        "label_ja": ja,
        "label_en": kw.pop("en", key),
        "required": True,
    }
    if ftype in ("text", "kana", "textarea"):
        d["max_length"] = 20
    d.update(kw)
    return d


def opts(*values: str) -> list[dict[str, str]]:
    return [{"value": v, "label_ja": v.upper(), "label_en": v.upper()} for v in values]


DEFINITION: dict[str, Any] = {
    "code": "test_procedure",
    "number": 99,
    "name_ja": "テスト手続",
    "name_en": "Test procedure",
    "category": "child_rearing",
    "business": "child_allowance",
    "life_situations": ["birth"],
    "legal_basis": [
        {"statute_ja": "テスト法", "statute_en": "Test Act", "article_ja": "第1条", "article_en": "Art. 1"}
    ],
    "who_may_apply": [{"role": "self"}],
    "household_head_only": False,
    "deadline": {
        "text_ja": "出来事の翌日から15日以内",
        "text_en": "Within 15 days",
        "rule": {"kind": "days_after_event", "event_field": "event_on", "days": 15},
    },
    "signature_required": True,
    "signature_source": "assumed",
    "processing_days": 10,
    "processing_days_source": "assumed",
    "summary_ja": "テスト",
    "summary_en": "Test",
    "summary_ja_easy": "てすと です。",
    "attachments": [
        {
            "code": "photos",
            "name_ja": "写真",
            "name_en": "Photos",
            "mime_types": ["image/jpeg"],
            "max_size_bytes": 1048576,
        },
        {
            "code": "account_proof",
            "name_ja": "通帳の写し",
            "name_en": "Passbook copy",
            "mime_types": ["application/pdf", "image/png"],
            "max_size_bytes": 2097152,
            "required_when": {"field": "kind", "equals": "b"},
        },
        {
            "code": "apart_statement",
            "name_ja": "別居監護申立書",
            "name_en": "Statement",
            "mime_types": ["application/pdf"],
            "max_size_bytes": 1048576,
            "required_when": {"some": "children", "where": {"sibling": "lives_together", "equals": False}},
        },
        {
            "code": "extra",
            "name_ja": "その他",
            "name_en": "Other",
            "mime_types": ["application/pdf"],
            "max_size_bytes": 1048576,
            "optional": True,
        },
    ],
    "form": {
        "version": 2,
        "prefill": {
            "applicant.name": "card.name",
            "applicant.birth_date": "card.birth_date",
            "applicant.sex": {"source": "card.sex", "map": {"1": "male", "2": "female"}},
            "applicant.is_head": "office.is_head_of_household",
            "children": {
                "source": "office.household_children",
                "item": {"name": "name", "birth_date": "birth_date"},
            },
        },
        "rules": [
            {
                "code": "no_child_living_together",
                "field": "children",
                "require": {"some": "children", "where": {"sibling": "lives_together", "equals": True}},
                "message_ja": "同居している児童を1人以上入力してください",
                "message_en": "Add at least one child living with you",
            }
        ],
        "pages": [
            {
                "key": "person",
                "title_ja": "あなたについて教えてください",
                "title_en": "About you",
                "fields": [
                    f("applicant.name", "text", "氏名", en="Full name", max_length=10, autocomplete="name"),
                    f("applicant.name_kana", "kana", "フリガナ", en="Kana"),
                    f(
                        "applicant.birth_date",
                        "date",
                        "生年月日",
                        en="Date of birth",
                        date={"not_future": True},
                    ),
                    f("applicant.sex", "radio", "性別", options=opts("male", "female"), required=False),
                    f("applicant.is_head", "yes_no", "世帯主ですか", required=False),
                    f("applicant.postal_code", "postal_code", "郵便番号", en="Postal code"),
                    f("applicant.phone", "phone", "電話番号", en="Phone"),
                    f(
                        "applicant.email",
                        "email",
                        "メールアドレス",
                        en="Email",
                        required=False,
                        max_length=254,
                    ),
                ],
            },
            {
                "key": "numbers",
                "title_ja": "数を入力してください",
                "title_en": "Numbers",
                "fields": [
                    f("count", "number", "人数", en="Count", min=1, max=5),
                    f("amount_yen", "yen", "金額", en="Amount", max=100000),
                    f(
                        "insured_number",
                        "text",
                        "被保険者番号",
                        en="Insured number",
                        pattern="insured_number",
                    ),
                ],
            },
            {
                "key": "spouse_exists",
                "title_ja": "配偶者はいますか",
                "title_en": "Spouse?",
                "fields": [
                    f("spouse.exists", "yes_no", "配偶者の有無", en="Spouse"),
                ],
            },
            {
                "key": "spouse",
                "title_ja": "配偶者について教えてください",
                "title_en": "Spouse",
                "when": {"field": "spouse.exists", "equals": True},
                "fields": [
                    f("spouse.name", "text", "配偶者の氏名", en="Spouse's name"),
                    f(
                        "spouse.pension",
                        "radio",
                        "配偶者の年金",
                        options=opts("employees", "national"),
                        when={"field": "spouse.name", "filled": True},
                    ),
                ],
            },
            {
                "key": "children",
                "title_ja": "児童を入力してください",
                "title_en": "Children",
                "fields": [
                    {
                        **f("children", "group", "児童", en="Child"),
                        "required": False,
                        "repeat": {"min": 1, "max": 2},
                        "item_counter_ja": "人目",
                        "fields": [
                            f("name", "text", "氏名", en="Full name"),
                            f(
                                "birth_date",
                                "date",
                                "生年月日",
                                en="Date of birth",
                                date={"not_future": True},
                            ),
                            f("lives_together", "yes_no", "同居", en="Lives together"),
                            f(
                                "address",
                                "text",
                                "住所",
                                en="Address",
                                when={"sibling": "lives_together", "equals": False},
                            ),
                        ],
                    },
                ],
            },
            {
                "key": "dates",
                "title_ja": "日付を入力してください",
                "title_en": "Dates",
                "fields": [
                    f("event_on", "date", "出来事の日", en="Event date", date={"max_days_ago": 14}),
                    f(
                        "start_on",
                        "date",
                        "開始日",
                        en="Start date",
                        date={"not_past": True, "max_days_ahead": 60},
                    ),
                    f("end_on", "date", "終了日", en="End date", date={"not_before": "start_on"}),
                ],
            },
            {
                "key": "choices",
                "title_ja": "選んでください",
                "title_en": "Choices",
                "fields": [
                    f("kind", "radio", "種類", en="Kind", options=opts("a", "b")),
                    f("items", "checkboxes", "項目", en="Items", options=opts("x", "y", "z")),
                    f("color", "select", "色", en="Colour", options=opts("red", "blue"), required=False),
                ],
            },
            {
                "key": "account",
                "title_ja": "口座を入力してください",
                "title_en": "Account",
                "fields": [
                    f("bank", "bank_account", "振込先口座", en="Bank account"),
                ],
            },
            {
                "key": "photos",
                "title_ja": "写真を添付してください",
                "title_en": "Photos",
                "fields": [
                    f("photo_refs", "file", "被害の写真", en="Photos", attachment="photos", max_files=2),
                ],
            },
            {
                "key": "consent",
                "title_ja": "同意してください",
                "title_en": "Consent",
                "fields": [
                    f("agree", "checkbox", "内容に誤りがないことを誓約します", en="I declare"),
                    f(
                        "public_servant",
                        "yes_no",
                        "公務員ですか",
                        en="Public servant",
                        disallowed=[
                            {
                                "value": True,
                                "message_ja": "公務員の方は勤務先に請求してください。",
                                "message_en": "Public servants claim from their employer.",
                            }
                        ],
                    ),
                ],
            },
        ],
    },
}

PROCEDURE = parse_procedure(DEFINITION, "test_procedure.json")
FORM = PROCEDURE.form


def valid_answers() -> dict[str, Any]:
    return {
        "applicant": {
            "name": "山田 花子",
            "name_kana": "ヤマダ　ハナコ",
            "birth_date": "1990-04-01",
            "postal_code": "100-0001",
            "phone": "03-1234-5678",
            "email": "hanako@example.jp",
        },
        "count": 2,
        "amount_yen": "12,000円",
        "insured_number": "0123456789",
        "spouse": {"exists": False},
        "children": [{"name": "山田 太郎", "birth_date": "令和7年5月20日", "lives_together": True}],
        "event_on": "2025-05-25",
        "start_on": "2025-06-10",
        "end_on": "2025-07-01",
        "kind": "a",
        "items": ["y", "x"],
        "bank": {
            "bank_code": "0001",
            "branch_code": "001",
            "account_type": "ordinary",
            "account_number": "1234567",
            "holder_kana": "ﾔﾏﾀﾞ ﾊﾅｺ",
        },
        "photo_refs": ["upload-1"],
        "agree": True,
        "public_servant": "no",
    }


def with_answer(path: str, value: Any) -> dict[str, Any]:
    answers = valid_answers()
    node: Any = answers
    parts = path.split(".")
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    if isinstance(node, list):
        node[int(parts[-1])] = value
    else:
        node[parts[-1]] = value
    return answers


def test_valid_answers_have_no_errors() -> None:
    assert validate_all(FORM, valid_answers(), today=TODAY) == {}


# --------------------------------------------------------------------------------------------------------------
# Every validator, with the message the resident sees (the field is named, and the fix is said).

VALIDATOR_CASES = [
    ("applicant.name", "", "applicant.name", "required", "「氏名」を入力してください"),
    (
        "applicant.name",
        "山田 花子さん(本名)",
        "applicant.name",
        "too_long",
        "「氏名」は10文字以内で入力してください",
    ),
    (
        "applicant.name_kana",
        "Yamada",
        "applicant.name_kana",
        "katakana",
        "「フリガナ」はカタカナで入力してください",
    ),
    (
        "applicant.birth_date",
        "1990-02-30",
        "applicant.birth_date",
        "date",
        "「生年月日」は西暦または和暦の年月日で入力してください",
    ),
    (
        "applicant.birth_date",
        "来年",
        "applicant.birth_date",
        "date",
        "「生年月日」は西暦または和暦の年月日で入力してください",
    ),
    (
        "applicant.birth_date",
        "2025-06-02",
        "applicant.birth_date",
        "date_future",
        "「生年月日」に今日より後の日付は入力できません",
    ),
    (
        "applicant.postal_code",
        "100-001",
        "applicant.postal_code",
        "postal_code",
        "「郵便番号」は7桁の数字で入力してください（例：100-0001）",
    ),
    (
        "applicant.phone",
        "1234-5678",
        "applicant.phone",
        "phone",
        "「電話番号」は0から始まる10桁または11桁の番号で入力してください",
    ),
    (
        "applicant.email",
        "hanako@",
        "applicant.email",
        "email",
        "「メールアドレス」はメールアドレスの形式で入力してください",
    ),
    ("count", "two", "count", "number", "「人数」は数字で入力してください"),
    ("count", 0, "count", "min_value", "「人数」は1以上で入力してください"),
    ("count", "６", "count", "max_value", "「人数」は5以下で入力してください"),
    ("amount_yen", "100,001", "amount_yen", "max_value", "「金額」は100,000以下で入力してください"),
    ("amount_yen", "-5", "amount_yen", "yen", "「金額」は金額を円単位の数字で入力してください"),
    (
        "insured_number",
        "12345",
        "insured_number",
        "insured_number",
        "「被保険者番号」は被保険者証に記載された10桁の数字で入力してください",
    ),
    (
        "spouse.exists",
        "maybe",
        "spouse.exists",
        "yes_no",
        "「配偶者の有無」は「はい」か「いいえ」を選んでください",
    ),
    ("spouse.exists", None, "spouse.exists", "required", "「配偶者の有無」を選んでください"),
    ("spouse.exists", "", "spouse.exists", "required", "「配偶者の有無」を選んでください"),
    (
        "children.0.birth_date",
        "R7.13.1",
        "children.0.birth_date",
        "date",
        "「児童（1人目）の生年月日」は西暦または和暦の年月日で入力してください",
    ),
    ("children.0.name", " ", "children.0.name", "required", "「児童（1人目）の氏名」を入力してください"),
    (
        "event_on",
        "2025-05-17",
        "event_on",
        "date_too_old",
        "「出来事の日」は今日から14日前以降の日付を入力してください",
    ),
    ("start_on", "2025-05-31", "start_on", "date_past", "「開始日」に今日より前の日付は入力できません"),
    (
        "start_on",
        "2025-08-01",
        "start_on",
        "date_too_far",
        "「開始日」は今日から60日後までの日付を入力してください",
    ),
    (
        "end_on",
        "2025-06-09",
        "end_on",
        "date_before",
        "「終了日」は「開始日」と同じ日かそれより後の日付を入力してください",
    ),
    ("kind", "c", "kind", "choice", "「種類」は表示された選択肢から選んでください"),
    ("kind", "", "kind", "required", "「種類」を選んでください"),
    ("items", ["x", "w"], "items", "choice", "「項目」は表示された選択肢から選んでください"),
    ("items", [], "items", "required", "「項目」を選んでください"),
    (
        "bank.bank_code",
        "12",
        "bank.bank_code",
        "bank_code",
        "「振込先口座」の金融機関コードは4桁の数字で入力してください",
    ),
    (
        "bank.branch_code",
        "1234",
        "bank.branch_code",
        "branch_code",
        "「振込先口座」の支店コードは3桁の数字で入力してください",
    ),
    ("bank.account_type", "checking", "bank.account_type", "account_type", "「振込先口座」の預金種目"),
    (
        "bank.account_number",
        "123456",
        "bank.account_number",
        "account_number",
        "「振込先口座」の口座番号は7桁の数字で入力してください（7桁に満たない場合は先頭に0を付けてください）",
    ),
    (
        "bank.holder_kana",
        "Yamada Hanako",
        "bank.holder_kana",
        "bank_holder_kana",
        "「振込先口座の口座名義（カナ）」は通帳に記載されたとおりカタカナで入力してください",
    ),
    ("photo_refs", [], "photo_refs", "required", "「被害の写真」を添付してください"),
    (
        "photo_refs",
        ["a", "b", "c"],
        "photo_refs",
        "too_many_files",
        "「被害の写真」は2ファイルまで添付できます",
    ),
    (
        "agree",
        False,
        "agree",
        "required",
        "「内容に誤りがないことを誓約します」を確認してチェックを入れてください",
    ),
    ("public_servant", True, "public_servant", "not_eligible", "公務員の方は勤務先に請求してください。"),
]


@pytest.mark.parametrize(("path", "value", "error_path", "code", "message_ja"), VALIDATOR_CASES)
def test_validator_messages(path: str, value: Any, error_path: str, code: str, message_ja: str) -> None:
    errors = validate_all(FORM, with_answer(path, value), today=TODAY)
    assert list(errors) == [error_path]
    (error,) = errors[error_path]
    assert error.code == code
    assert error.message_ja.startswith(message_ja)
    assert error.message_en  # every message has an English version


def test_english_messages_name_the_field() -> None:
    errors = validate_all(FORM, with_answer("children.0.birth_date", "tomorrow"), today=TODAY)
    assert errors["children.0.birth_date"][0].message_en.startswith(
        '"Date of birth (Child 1)" must be a date'
    )
    errors = validate_all(FORM, with_answer("applicant.postal_code", "1"), today=TODAY)
    assert (
        errors["applicant.postal_code"][0].message_en
        == '"Postal code" must be 7 digits (for example 100-0001)'
    )


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("2025-05-20", "2025-05-20"),
        ("2025/5/20", "2025-05-20"),
        ("令和7年5月20日", "2025-05-20"),
        ("R7.5.20", "2025-05-20"),
        ("平成元年1月8日", "1989-01-08"),
        ("２０２５－０５－２０", "2025-05-20"),
        (dt.date(2025, 5, 20), "2025-05-20"),
    ],
)
def test_dates_accept_iso_and_wareki(raw: Any, iso: str) -> None:
    answers = with_answer("children.0.birth_date", raw)
    assert validate_all(FORM, answers, today=TODAY) == {}
    assert clean_answers(FORM, answers, today=TODAY)["children"][0]["birth_date"] == iso


def test_values_are_normalised() -> None:
    answers = valid_answers()
    answers["applicant"].update(
        name_kana="やまだ　はなこ", postal_code="〒１００ー０００１", phone="０３（１２３４）５６７８"
    )
    answers["count"] = "２"
    cleaned = clean_answers(FORM, answers, today=TODAY)
    assert validate_all(FORM, answers, today=TODAY) == {}
    assert cleaned["applicant"]["name_kana"] == "ヤマダ　ハナコ"
    assert cleaned["applicant"]["postal_code"] == "100-0001"
    assert cleaned["applicant"]["phone"] == "0312345678"
    assert cleaned["count"] == 2
    assert cleaned["amount_yen"] == 12000
    assert cleaned["items"] == ["x", "y"]  # definition order, whatever order was posted
    assert cleaned["bank"]["holder_kana"] == "ヤマダ　ハナコ"
    assert cleaned["public_servant"] is False


# --------------------------------------------------------------------------------------------------------------
# Conditional visibility and cleaning


def test_conditional_page_visibility() -> None:
    keys = [p.key for p in visible_pages(FORM, valid_answers())]
    assert "spouse" not in keys
    keys = [p.key for p in visible_pages(FORM, with_answer("spouse.exists", "yes"))]
    assert keys[keys.index("spouse_exists") + 1] == "spouse"


def test_a_page_with_every_field_hidden_is_skipped() -> None:
    form = load_catalogue().get("care_needs_certification").form
    shown = {
        role: [p.key for p in visible_pages(form, {"applicant": {"role": role}})]
        for role in ("family", "legal_guardian")
    }
    assert "applicant_relation" in shown["family"]
    assert "applicant_relation" not in shown["legal_guardian"]


def test_hidden_fields_are_not_validated_and_are_dropped() -> None:
    answers = valid_answers()
    answers["spouse"] = {"exists": False, "name": "x" * 50}  # invalid but hidden
    answers["unknown_field"] = "injected"
    assert validate_all(FORM, answers, today=TODAY) == {}
    cleaned = clean_answers(FORM, answers, today=TODAY)
    assert cleaned["spouse"] == {"exists": False}
    assert "unknown_field" not in cleaned


def test_visible_conditional_page_is_validated() -> None:
    answers = with_answer("spouse", {"exists": True})
    errors = validate_all(FORM, answers, today=TODAY)
    assert list(errors) == ["spouse.name"]  # spouse.pension is hidden until the name is filled
    answers["spouse"]["name"] = "山田 一郎"
    assert list(validate_all(FORM, answers, today=TODAY)) == ["spouse.pension"]


def test_validate_page_only_reports_that_page() -> None:
    answers = with_answer("applicant.phone", "x")
    answers["kind"] = "z"
    assert list(validate_page(FORM, "person", answers, today=TODAY)) == ["applicant.phone"]
    assert list(validate_page(FORM, "choices", answers, today=TODAY)) == ["kind"]
    assert validate_page(FORM, "spouse", answers, today=TODAY) == {}  # hidden page
    assert set(errors_by_page(FORM, answers, today=TODAY)) == {"person", "choices"}
    with pytest.raises(KeyError):
        validate_page(FORM, "nope", answers)


def test_sibling_condition_inside_repeating_item() -> None:
    answers = valid_answers()
    answers["children"].append({"name": "山田 次郎", "birth_date": "2024-01-01", "lives_together": False})
    errors = validate_all(FORM, answers, today=TODAY)
    assert list(errors) == ["children.1.address"]
    assert errors["children.1.address"][0].message_ja == "「児童（2人目）の住所」を入力してください"
    answers["children"][1]["address"] = "大阪府大阪市北区1-1"
    answers["children"][0]["address"] = "hidden, dropped"
    assert validate_all(FORM, answers, today=TODAY) == {}
    cleaned = clean_answers(FORM, answers, today=TODAY)
    assert "address" not in cleaned["children"][0]
    assert cleaned["children"][1]["address"] == "大阪府大阪市北区1-1"


@pytest.mark.parametrize(
    ("children", "code", "message_ja"),
    [
        ([], "min_items", "「児童」を1件以上入力してください"),
        (
            [{"name": f"子{i}", "birth_date": "2020-01-01", "lives_together": True} for i in range(3)],
            "max_items",
            "「児童」は2件まで入力できます",
        ),
    ],
)
def test_repeating_group_min_and_max(children: list[dict[str, Any]], code: str, message_ja: str) -> None:
    errors = validate_all(FORM, with_answer("children", children), today=TODAY)
    assert [e.code for e in errors["children"]] == [code]
    assert errors["children"][0].message_ja == message_ja


def test_form_rule_with_some_quantifier() -> None:
    answers = with_answer("children.0.lives_together", False)
    answers["children"][0]["address"] = "別の住所"
    errors = validate_all(FORM, answers, today=TODAY)
    assert [e.code for e in errors["children"]] == ["no_child_living_together"]
    assert errors["children"][0].message_ja == "同居している児童を1人以上入力してください"


# --------------------------------------------------------------------------------------------------------------
# Attachments


def test_required_attachments_by_condition() -> None:
    assert [a.code for a in required_attachments(PROCEDURE, valid_answers())] == ["photos"]
    answers = with_answer("kind", "b")
    answers["children"].append(
        {"name": "子", "birth_date": "2024-01-01", "lives_together": False, "address": "x"}
    )
    assert [a.code for a in required_attachments(PROCEDURE, answers)] == [
        "photos",
        "account_proof",
        "apart_statement",
    ]


def test_required_attachments_ignore_hidden_answers() -> None:
    catalogue = load_catalogue()
    child = catalogue.get("child_allowance_certification")
    answers = {"payment": {"method": "public_fund_account"}, "children_apart_exists": False}
    assert required_attachments(child, answers) == []
    answers = {
        "payment": {"method": "bank_account"},
        "children_apart_exists": True,
        "older_children_exists": True,
    }
    assert [a.code for a in required_attachments(child, answers)] == [
        "account_proof",
        "separate_residence_statement",
        "university_age_confirmation",
    ]


def test_home_modification_attachments_depend_on_phase() -> None:
    procedure = load_catalogue().get("home_modification")
    prior = {
        "applicant": {"role": "self"},
        "application": {"phase": "prior"},
        "house": {"owner_is_insured": False},
    }
    assert [a.code for a in required_attachments(procedure, prior)] == [
        "reason_statement",
        "estimate",
        "before_photos",
        "floor_plan",
        "owner_consent",
    ]
    done = {
        "applicant": {"role": "proxy"},
        "application": {"phase": "completion"},
        "payment": {"method": "bank_account"},
    }
    assert [a.code for a in required_attachments(procedure, done)] == [
        "receipt",
        "itemized_statement",
        "after_photos",
        "account_proof",
        "power_of_attorney",
    ]


def test_check_upload_type_and_size() -> None:
    photos = FORM.attachment("photos")
    assert check_upload(photos, mime_type="image/jpeg", size_bytes=1000) == []
    errors = check_upload(photos, mime_type="application/pdf", size_bytes=2 * 1048576)
    assert [e.code for e in errors] == ["file_type", "file_size"]
    assert errors[0].message_ja == "「写真」はJPEGのファイルを添付してください"
    assert errors[1].message_ja == "「写真」のファイルは1MB以下にしてください"


# --------------------------------------------------------------------------------------------------------------
# Prefill


SOURCES = {
    "card": {
        "name": "山田 花子",
        "address": "東京都千代田区千代田1-1",
        "birth_date": dt.date(1990, 4, 1),
        "sex": "2",
    },
    "office": {
        "is_head_of_household": False,
        "household_children": [
            {"name": "山田 太郎", "birth_date": dt.date(2025, 5, 20), "individual_number": "not copied"},
        ],
    },
}


def test_apply_prefill_maps_sources_to_fields() -> None:
    answers = apply_prefill(FORM, SOURCES)
    assert answers == {
        "applicant": {"name": "山田 花子", "birth_date": "1990-04-01", "sex": "female", "is_head": False},
        "children": [{"name": "山田 太郎", "birth_date": "2025-05-20"}],
    }
    assert prefilled_paths(FORM, SOURCES) == {
        "applicant.name": "card",
        "applicant.birth_date": "card",
        "applicant.sex": "card",
        "applicant.is_head": "office",
        "children": "office",
    }


def test_apply_prefill_keeps_the_residents_answers() -> None:
    answers = apply_prefill(FORM, SOURCES, {"applicant": {"name": "山田 はな子"}, "children": []})
    assert answers["applicant"]["name"] == "山田 はな子"
    assert answers["children"] == []
    assert answers["applicant"]["birth_date"] == "1990-04-01"


def test_apply_prefill_skips_unknown_codes_and_absent_sources() -> None:
    answers = apply_prefill(FORM, {"card": {"sex": "3"}})
    assert answers == {}


def test_catalogue_prefill_for_disaster_maps_head_of_household() -> None:
    form = load_catalogue().get("disaster_damage_certificate").form
    head = apply_prefill(form, {"office": {"is_head_of_household": True}})
    assert head == {"applicant": {"role": "head_of_household"}}
    member = apply_prefill(
        form, {"office": {"is_head_of_household": False, "household_head_name": "山田 一郎"}}
    )
    assert member == {"household": {"head_name": "山田 一郎"}}


def test_text_loses_control_characters() -> None:
    cleaned = clean_answers(FORM, with_answer("applicant.name", "山田\x00 花子\n"), today=TODAY)
    assert cleaned["applicant"]["name"] == "山田 花子"


def test_catalogue_prefill_for_child_allowance() -> None:
    form = load_catalogue().get("child_allowance_certification").form
    answers = apply_prefill(
        form,
        {
            "card": SOURCES["card"],
            "office": {
                "household_children": [
                    {
                        "name": "山田 太郎",
                        "name_kana": "やまだ たろう",
                        "birth_date": "2025-05-20",
                        "relationship": "child",
                    }
                ]
            },
        },
    )
    assert answers["applicant"]["address"] == "東京都千代田区千代田1-1"
    assert answers["children"][0]["relationship"] == "child"
    cleaned = clean_answers(form, answers, today=TODAY)
    assert cleaned["children"][0]["name_kana"] == "ヤマダ　タロウ"


# --------------------------------------------------------------------------------------------------------------
# Canonical JSON for signing

HASH_A = hashlib.sha256(b"a").hexdigest()
HASH_B = hashlib.sha256(b"b").hexdigest()


def test_canonical_json_is_independent_of_key_order() -> None:
    one = {"b": 1, "a": {"y": "は", "x": [3, 1]}}
    two = json.loads('{"a": {"x": [3, 1], "y": "は"}, "b": 1}')
    assert canonical_json(one, {"p": [HASH_B, HASH_A]}) == canonical_json(
        two, {"p": [HASH_A, HASH_B.upper()]}
    )
    assert canonical_json(one, {}) == '{"answers":{"a":{"x":[3,1],"y":"は"},"b":1},"attachments":{}}'.encode()


def test_canonical_json_normalises_to_nfc() -> None:
    nfd = unicodedata.normalize("NFD", "ガイド")
    assert nfd != "ガイド"
    out = canonical_json({unicodedata.normalize("NFD", "キー"): nfd}, {})
    assert out == canonical_json({"キー": "ガイド"}, {})
    assert "ガイド".encode() in out and nfd.encode() not in out


def test_canonical_json_layout_with_form_identity() -> None:
    out = canonical_json({"d": dt.date(2025, 6, 1)}, {"photos": HASH_A}, form=FORM)
    assert (
        out
        == (
            '{"answers":{"d":"2025-06-01"},"attachments":{"photos":["' + HASH_A + '"]},'
            '"form":{"procedure":"test_procedure","version":2}}'
        ).encode()
    )


@pytest.mark.parametrize(
    ("answers", "hashes", "error"),
    [
        ({"x": 1.5}, {}, TypeError),
        ({"x": dt.datetime(2025, 1, 1)}, {}, TypeError),
        ({1: "x"}, {}, TypeError),
        ({"x": 1}, {"p": "not-a-hash"}, ValueError),
        ({unicodedata.normalize("NFD", "ガ"): 1, "ガ": 2}, {}, ValueError),
    ],
)
def test_canonical_json_refuses_ambiguous_input(answers: Any, hashes: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        canonical_json(answers, hashes)


def test_canonical_json_of_cleaned_answers_is_stable() -> None:
    answers = valid_answers()
    shuffled = json.loads(json.dumps(answers, sort_keys=True))
    shuffled["items"] = ["x", "y"]
    shuffled["applicant"]["name_kana"] = unicodedata.normalize("NFD", "ヤマダ　ハナコ")
    first = canonical_json(clean_answers(FORM, answers, today=TODAY), {"photos": [HASH_A]})
    second = canonical_json(clean_answers(FORM, shuffled, today=TODAY), {"photos": HASH_A})
    assert first == second


# --------------------------------------------------------------------------------------------------------------
# Deadlines and versions


@pytest.mark.parametrize(
    ("code", "answers", "expected"),
    [
        ("child_allowance_certification", {"claim": {"event_on": "2025-05-20"}}, dt.date(2025, 6, 4)),
        ("care_needs_after_move", {"move": {"moved_in_on": "令和7年5月25日"}}, dt.date(2025, 6, 8)),
        ("disaster_damage_certificate", {"disaster": {"occurred_on": "2024-11-30"}}, dt.date(2025, 2, 28)),
        (
            "home_modification",
            {"application": {"phase": "prior"}, "works": {"planned_start_on": "2025-07-01"}},
            dt.date(2025, 6, 30),
        ),
        ("child_rearing_allowance_status_report", {}, dt.date(2025, 8, 31)),
        ("child_allowance_certification", {}, None),
        ("care_needs_certification", {}, None),
    ],
)
def test_deadline_on(code: str, answers: dict[str, Any], expected: dt.date | None) -> None:
    assert deadline_on(load_catalogue().get(code), answers, today=TODAY) == expected


@pytest.mark.parametrize(
    ("code", "answers", "expected"),
    [
        (
            "care_needs_renewal",
            {"previous": {"valid_until": "2025-07-31"}},
            (dt.date(2025, 6, 1), dt.date(2025, 7, 31)),
        ),
        ("child_rearing_allowance_status_report", {}, (dt.date(2025, 8, 1), dt.date(2025, 8, 31))),
        (
            "child_allowance_certification",
            {"claim": {"event_on": "2025-05-31"}},
            (None, dt.date(2025, 6, 15)),
        ),
        (
            "home_modification",
            {"application": {"phase": "completion"}, "works": {"planned_start_on": "2025-07-01"}},
            (None, None),
        ),
    ],
)
def test_filing_window(
    code: str, answers: dict[str, Any], expected: tuple[dt.date | None, dt.date | None]
) -> None:
    assert filing_window(load_catalogue().get(code), answers, today=TODAY) == expected


def test_an_application_keeps_its_form_version() -> None:
    data = copy.deepcopy(DEFINITION)
    old = copy.deepcopy(DEFINITION["form"])
    old["version"] = 1
    old["pages"] = old["pages"][:3]
    old["rules"] = []
    old["prefill"] = {"applicant.name": "card.name"}
    old["attachments"] = [DEFINITION["attachments"][0]]
    data["previous_forms"] = [old]
    procedure: Procedure = parse_procedure(data, "versioned.json")
    v1: FormDefinition = procedure.form_version(1)
    assert v1.identity == ("test_procedure", 1)
    assert procedure.form_version(2) is procedure.form
    assert [p.key for p in v1.pages] == ["person", "numbers", "spouse_exists"]
    assert [a.code for a in required_attachments(procedure, {"kind": "b"}, version=1)] == ["photos"]
    assert [a.code for a in required_attachments(procedure, {"kind": "b"})][:2] == ["photos", "account_proof"]
    with pytest.raises(KeyError):
        procedure.form_version(3)
    data["previous_forms"][0]["version"] = 2
    with pytest.raises(CatalogueError, match="is not older than the current form v2"):
        parse_procedure(data, "versioned.json")


# --------------------------------------------------------------------------------------------------------------
# Journeys on real forms


def test_child_allowance_public_servant_is_stopped_with_guidance() -> None:
    form = load_catalogue().get("child_allowance_certification").form
    errors = validate_page(
        form, "applicant_work", {"applicant": {"is_public_servant": "yes", "pension": "mutual_aid"}}
    )
    assert [e.code for e in errors["applicant.is_public_servant"]] == ["not_eligible"]
    assert "勤務先" in errors["applicant.is_public_servant"][0].message_ja


def test_disaster_flooding_questions_follow_the_cause() -> None:
    form = load_catalogue().get("disaster_damage_certificate").form
    flood = {"disaster": {"cause": "flood"}, "damage": {"flooding": "above_floor"}}
    errors = validate_page(form, "damage", flood, today=TODAY)
    assert "damage.flood_depth_cm" in errors
    quake = {"disaster": {"cause": "earthquake"}, "damage": {"flooding": "above_floor"}}
    errors = validate_page(form, "damage", quake, today=TODAY)
    assert "damage.flooding" not in errors and "damage.flood_depth_cm" not in errors
    assert "flooding" not in clean_answers(form, quake, today=TODAY).get("damage", {})


def test_care_certification_secondary_insured_may_omit_the_number() -> None:
    form = load_catalogue().get("care_needs_certification").form
    primary = {"insured": {"category": "primary"}}
    assert [e.code for e in validate_page(form, "insured_number", primary)["insured.insured_number"]] == [
        "insured_number_missing"
    ]
    secondary = {"insured": {"category": "secondary"}}
    assert "insured.insured_number" not in validate_page(form, "insured_number", secondary)
    assert "secondary_insured" in [p.key for p in visible_pages(form, secondary)]
    assert "insured_name" not in [p.key for p in visible_pages(form, {"applicant": {"role": "self"}})]
    assert "insured_name" in [p.key for p in visible_pages(form, {"applicant": {"role": "family"}})]
