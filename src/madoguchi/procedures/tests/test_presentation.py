"""Attachment conditions in words (pure)."""

from __future__ import annotations

import pytest

from madoguchi.procedures.engine import get_catalogue
from madoguchi.procedures.presentation import describe_required_when


def _attachment_condition(code: str, attachment: str):
    p = get_catalogue().get(code)
    return p.form, p.form.attachment(attachment).required_when


@pytest.mark.parametrize(
    ("code", "attachment", "lang", "expected"),
    [
        (
            "pregnancy_notification",
            "power_of_attorney",
            "ja",
            "「届出をする人」が「代理人（家族など）」の場合に必要",
        ),
        (
            "pregnancy_notification",
            "power_of_attorney",
            "en",
            "Required if “Person filing” is “A proxy (e.g. a family member)”",
        ),
        (
            "home_modification",
            "owner_consent",
            "ja",
            "「申請の段階」が「工事の前の申請（事前申請）」、かつ「住宅の所有者は被保険者本人ですか」が「いいえ」の場合に必要",
        ),
        (
            "childcare_status_report",
            "employment_certificate",
            "en",
            "Required if “You: type of work” is “Employed” or “Spouse: type of work” is “Employed”",
        ),
        (
            "child_allowance_amount_revision",
            "separate_residence_statement",
            "ja",
            "「増えた児童」のうち1件でも「あなたと同じ住所に住んでいますか」が「いいえ」の場合に必要",
        ),
        (
            "child_allowance_amount_revision",
            "separate_residence_statement",
            "en",
            "Required if for any “Additional child” entry, “Does the child live at your address?” is “no”",
        ),
    ],
)
def test_simple_equals(code: str, attachment: str, lang: str, expected: str) -> None:
    form, cond = _attachment_condition(code, attachment)
    assert describe_required_when(form, cond, lang) == expected


def test_always_required() -> None:
    form = get_catalogue().get("pregnancy_notification").form
    assert describe_required_when(form, None, "ja") == "必須"
    assert describe_required_when(form, None, "en") == "Always required"


def test_every_catalogue_condition_is_described_in_words() -> None:
    for p in get_catalogue():
        for a in p.attachments:
            if a.required_when is None:
                continue
            for lang in ("ja", "en"):
                text = describe_required_when(p.form, a.required_when, lang)
                assert "回答内容による" not in text and "depending on" not in text, (p.code, a.code, text)
                assert "." not in text.split("“")[0], (p.code, a.code, text)  # no raw field paths
