"""Form engine: visibility, server-side validation, cleaning, attachments, prefill and canonical JSON.

Pure Python (no Django). Answers are nested JSON-like dicts keyed by the dotted field paths of the form
definition ({"applicant": {"name": …}, "children": [{"birth_date": …}, …]}). Error keys are dotted paths with
item indexes ("children.1.birth_date"; a bank account's parts as "payment.bank_account.branch_code").

The single pass in `_walk` decides visibility and validates at the same time, page by page in form order:
conditions only look at answers of earlier fields (the definition validator enforces this), so a field hidden
by an earlier answer is neither validated nor kept, and a later condition never sees a stale hidden value.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from madoguchi.common.kana import hiragana_to_katakana, is_katakana, to_fullwidth_katakana
from madoguchi.common.wareki import parse_japanese_date

from .conditions import evaluate, get_path
from .schema import (
    CHOICE_TYPES,
    Attachment,
    Catalogue,
    CatalogueError,
    DeadlineRule,
    Field,
    FormDefinition,
    FormRule,
    Option,
    Page,
    Procedure,
    Referral,
    load_catalogue,
    parse_procedure,
    validate_definition,
)
from .texts import CatalogueText, SourceMessage, gettext_noop

__all__ = [
    "Attachment",
    "Catalogue",
    "CatalogueError",
    "DeadlineRule",
    "Field",
    "FieldError",
    "FormDefinition",
    "FormRule",
    "Option",
    "Page",
    "Procedure",
    "Referral",
    "apply_prefill",
    "canonical_json",
    "check_upload",
    "clean_answers",
    "deadline_on",
    "errors_by_page",
    "evaluate",
    "field_label",
    "filing_window",
    "get_catalogue",
    "item_ordinal",
    "load_catalogue",
    "option_label",
    "parse_procedure",
    "prefilled_paths",
    "required_attachments",
    "today_in_japan",
    "validate_all",
    "validate_definition",
    "validate_page",
    "visible_pages",
]

JST = ZoneInfo("Asia/Tokyo")
ACCOUNT_TYPES = ("ordinary", "current", "savings")  # 普通 / 当座 / 貯蓄
_MISSING = object()


def today_in_japan() -> dt.date:
    """Today's date in Japan (deadlines and 'not in the future' rules are Japanese calendar days)."""
    return dt.datetime.now(JST).date()


@dataclass(frozen=True)
class FieldError:
    """One problem with one answer; the messages name the field and say how to fix it."""

    code: str
    message_ja: str
    message_en: str


# ---------------------------------------------------------------------------------------------------------------
# Messages. Every message names the field (「…」) so the error summary at the top of the page reads on its own.


def item_ordinal(group: Field, index: int) -> CatalogueText:
    """「2人目」 (the group's counter word) in Japanese; just the number in every other language."""
    return CatalogueText(f"{index + 1}{group.item_counter_ja}", str(index + 1))


def field_label(f: Field, group: Field | None = None, index: int | None = None, lang: str = "ja") -> str:
    """The label used in messages; item fields read 「児童（2人目）の生年月日」 / "Date of birth (Child 2)".

    The Japanese label is a CatalogueText (or, for an item, a SourceMessage made of catalogue texts) so that the
    portal can show a message in a language other than Japanese and English.
    """
    if group is None or index is None:
        return CatalogueText(f.label_ja, f.label_en) if lang == "ja" else f.label_en
    if lang == "ja":
        return SourceMessage(
            gettext_noop("%(group)s（%(ordinal)s）の%(field)s"),
            {
                "group": CatalogueText(group.label_ja, group.label_en),
                "ordinal": item_ordinal(group, index),
                "field": CatalogueText(f.label_ja, f.label_en),
            },
        )
    return f"{f.label_en} ({group.label_en} {index + 1})"


_MESSAGES: dict[str, tuple[str, str]] = {
    "required": (gettext_noop("「%(field)s」を入力してください"), 'Enter "%(field)s"'),
    "required_choice": (gettext_noop("「%(field)s」を選んでください"), 'Select an answer for "%(field)s"'),
    "required_checkbox": (
        gettext_noop("「%(field)s」を確認してチェックを入れてください"),
        'Read and tick "%(field)s"',
    ),
    "required_file": (gettext_noop("「%(field)s」を添付してください"), 'Attach "%(field)s"'),
    "too_long": (
        gettext_noop("「%(field)s」は%(n)s文字以内で入力してください"),
        '"%(field)s" must be %(n)s characters or fewer',
    ),
    "too_short": (
        gettext_noop("「%(field)s」は%(n)s文字以上で入力してください"),
        '"%(field)s" must be at least %(n)s characters',
    ),
    "katakana": (
        gettext_noop("「%(field)s」はカタカナで入力してください（例：ヤマダ　ハナコ）"),
        '"%(field)s" must be written in katakana (for example ヤマダ　ハナコ)',
    ),
    "bank_holder_kana": (
        gettext_noop("「%(field)s」は通帳に記載されたとおりカタカナで入力してください（例：ヤマダ　ハナコ）"),
        '"%(field)s" must be in katakana exactly as printed in the passbook (for example ヤマダ　ハナコ)',
    ),
    "digits": (
        gettext_noop("「%(field)s」は数字だけで入力してください"),
        '"%(field)s" must contain digits only',
    ),
    "insured_number": (
        gettext_noop("「%(field)s」は被保険者証に記載された10桁の数字で入力してください"),
        '"%(field)s" must be the 10-digit number printed on the insurance certificate',
    ),
    "provider_number": (
        gettext_noop("「%(field)s」は10桁の事業所番号で入力してください"),
        '"%(field)s" must be the 10-digit provider number',
    ),
    "postal_code": (
        gettext_noop("「%(field)s」は7桁の数字で入力してください（例：100-0001）"),
        '"%(field)s" must be 7 digits (for example 100-0001)',
    ),
    "phone": (
        gettext_noop("「%(field)s」は0から始まる10桁または11桁の番号で入力してください（例：03-1234-5678）"),
        '"%(field)s" must be a 10- or 11-digit number starting with 0 (for example 03-1234-5678)',
    ),
    "email": (
        gettext_noop("「%(field)s」はメールアドレスの形式で入力してください（例：name@example.jp）"),
        '"%(field)s" must be an email address (for example name@example.jp)',
    ),
    "number": (gettext_noop("「%(field)s」は数字で入力してください"), '"%(field)s" must be a whole number'),
    "yen": (
        gettext_noop("「%(field)s」は金額を円単位の数字で入力してください（例：12000）"),
        '"%(field)s" must be an amount in yen, digits only (for example 12000)',
    ),
    "min_value": (
        gettext_noop("「%(field)s」は%(n)s以上で入力してください"),
        '"%(field)s" must be %(n)s or more',
    ),
    "max_value": (
        gettext_noop("「%(field)s」は%(n)s以下で入力してください"),
        '"%(field)s" must be %(n)s or less',
    ),
    "date": (
        gettext_noop(
            "「%(field)s」は西暦または和暦の年月日で入力してください（例：2025-04-01、令和7年4月1日）"
        ),
        '"%(field)s" must be a date in the Western or Japanese calendar (for example 2025-04-01 or 令和7年4月1日)',
    ),
    "date_future": (
        gettext_noop("「%(field)s」に今日より後の日付は入力できません"),
        '"%(field)s" cannot be in the future',
    ),
    "date_past": (
        gettext_noop("「%(field)s」に今日より前の日付は入力できません"),
        '"%(field)s" cannot be in the past',
    ),
    "date_too_old": (
        gettext_noop("「%(field)s」は今日から%(n)s日前以降の日付を入力してください"),
        '"%(field)s" must be within the last %(n)s days',
    ),
    "date_too_far": (
        gettext_noop("「%(field)s」は今日から%(n)s日後までの日付を入力してください"),
        '"%(field)s" must be no more than %(n)s days from today',
    ),
    "date_before": (
        gettext_noop("「%(field)s」は「%(other)s」と同じ日かそれより後の日付を入力してください"),
        '"%(field)s" must be on or after "%(other)s"',
    ),
    "choice": (
        gettext_noop("「%(field)s」は表示された選択肢から選んでください"),
        'Choose "%(field)s" from the options shown',
    ),
    "yes_no": (
        gettext_noop("「%(field)s」は「はい」か「いいえ」を選んでください"),
        'Answer "Yes" or "No" for "%(field)s"',
    ),
    "min_items": (
        gettext_noop("「%(field)s」を%(n)s件以上入力してください"),
        'Add at least %(n)s entries to "%(field)s"',
    ),
    "max_items": (
        gettext_noop("「%(field)s」は%(n)s件まで入力できます"),
        '"%(field)s" can have at most %(n)s entries',
    ),
    "bank_code": (
        gettext_noop("「%(field)s」の金融機関コードは4桁の数字で入力してください"),
        'The bank code in "%(field)s" must be 4 digits',
    ),
    "branch_code": (
        gettext_noop("「%(field)s」の支店コードは3桁の数字で入力してください"),
        'The branch code in "%(field)s" must be 3 digits',
    ),
    "account_type": (
        gettext_noop("「%(field)s」の預金種目（普通・当座・貯蓄）を選んでください"),
        'Select the account type (ordinary, current or savings) in "%(field)s"',
    ),
    "account_number": (
        gettext_noop(
            "「%(field)s」の口座番号は7桁の数字で入力してください（7桁に満たない場合は先頭に0を付けてください）"
        ),
        'The account number in "%(field)s" must be 7 digits (add leading zeros if it is shorter)',
    ),
    "file": (
        gettext_noop("「%(field)s」のファイルをもう一度添付してください"),
        'Attach the file for "%(field)s" again',
    ),
    "too_many_files": (
        gettext_noop("「%(field)s」は%(n)sファイルまで添付できます"),
        '"%(field)s" takes at most %(n)s files',
    ),
    "file_type": (
        gettext_noop("「%(field)s」は%(types)sのファイルを添付してください"),
        '"%(field)s" must be a %(types)s file',
    ),
    "file_size": (
        gettext_noop("「%(field)s」のファイルは%(mb)sMB以下にしてください"),
        'The file for "%(field)s" must be %(mb)s MB or smaller',
    ),
}


def _error(code: str, ja: str, en: str, **params: Any) -> FieldError:
    """A FieldError; `ja` is the field's name (a CatalogueText or SourceMessage, so it can be shown in another
    language), a tuple (Japanese, English) parameter is a second name (「…」と同じ日かそれより後)."""
    template_ja, template_en = _MESSAGES[code]
    params_ja: dict[str, Any] = {"field": ja}
    params_en: dict[str, Any] = {"field": en}
    for key, value in params.items():
        params_ja[key], params_en[key] = value if isinstance(value, tuple) else (value, value)
    return FieldError(
        "required" if code.startswith("required") else code,
        SourceMessage(template_ja, params_ja),
        template_en % params_en,
    )


# ---------------------------------------------------------------------------------------------------------------
# Per-type parsing. Each returns (normalised value, error or None); the raw value is returned on error.

_KATAKANA_EXTRA = "()（）.．-－/／"  # 全銀 also allows ( ) . - / in account-holder names
_EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_HYPHENS = "-‐‑‒–—―−ー－"


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "") or value == [] or value == {}


def _nfkc_digits(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip()


def _to_kana(value: str) -> str:
    text = to_fullwidth_katakana(hiragana_to_katakana(unicodedata.normalize("NFC", value.strip())))
    return re.sub(r"[ \u3000]+", "\u3000", text)


def _parse_int(value: Any, *, yen: bool) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if not isinstance(value, str):
        return None
    text = _nfkc_digits(value).replace(",", "").replace(" ", "")
    if yen:
        text = text.removeprefix("¥").removeprefix("￥").removesuffix("円")
    if not re.fullmatch(r"-?\d{1,13}", text):
        return None
    return int(text)


def _parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    try:
        return parse_japanese_date(value)
    except ValueError:
        return None


_TRUE = {"true", "yes", "on", "1", "はい"}
_FALSE = {"false", "no", "off", "0", "いいえ", ""}


def _parse_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    return None


def _check_pattern(pattern: str, text: str) -> bool:
    if pattern == "katakana":
        return is_katakana(text)
    if pattern == "bank_holder_kana":
        return is_katakana("".join(ch for ch in text if ch not in _KATAKANA_EXTRA))
    if pattern == "digits":
        return text.isascii() and text.isdigit()
    if pattern in ("insured_number", "provider_number"):
        return text.isascii() and text.isdigit() and len(text) == 10
    if pattern == "postal_code":
        return re.fullmatch(r"\d{3}-\d{4}", text) is not None
    if pattern == "phone":
        return re.fullmatch(r"0\d{9,10}", text) is not None
    if pattern == "email":
        return _EMAIL_RE.match(text) is not None and len(text) <= 254
    raise ValueError(f"unknown pattern {pattern!r}")  # pragma: no cover - rejected at load time


def _normalise_for_pattern(pattern: str | None, text: str) -> str:
    if pattern in ("katakana", "bank_holder_kana"):
        return _to_kana(text)
    if pattern in ("digits", "insured_number", "provider_number"):
        return _nfkc_digits(text).replace(" ", "")
    return text


def _postal_code(value: str) -> str:
    text = _nfkc_digits(value).lstrip("〒").strip()
    digits = "".join(ch for ch in text if ch not in _HYPHENS and not ch.isspace())
    return f"{digits[:3]}-{digits[3:]}" if len(digits) == 7 and digits.isdigit() else text


def _phone(value: str) -> str:
    text = _nfkc_digits(value)
    if re.fullmatch(r"[\d\s()" + _HYPHENS + "]+", text):
        return "".join(ch for ch in text if ch.isdigit())
    return text


class _Context:
    """Collects errors and the cleaned answers during one pass."""

    def __init__(self, form: FormDefinition, today: dt.date):
        self.form = form
        self.today = today
        self.errors: dict[str, dict[str, list[FieldError]]] = {}  # page key → path → errors
        self.failed: set[str] = set()  # paths with an error (their raw value is not compared against)
        self.page_key = ""

    def add(self, path: str, error: FieldError) -> None:
        self.errors.setdefault(self.page_key, {}).setdefault(path, []).append(error)
        self.failed.add(path)


def _validate_value(
    f: Field,
    raw: Any,
    ctx: _Context,
    path: str,
    cleaned: Mapping[str, Any],
    item: Mapping[str, Any] | None,
    group: Field | None = None,
    index: int | None = None,
) -> Any:
    """Validate one answer; record errors under `path` and return the normalised value (or the raw one)."""
    ja, en = field_label(f, group, index, "ja"), field_label(f, group, index, "en")

    def fail(code: str, **params: Any) -> Any:
        ctx.add(path, _error(code, ja, en, **params))
        return raw

    if f.type in ("checkbox", "yes_no"):
        # An unticked HTML checkbox is simply absent or ""; for yes/no, "" means "not answered".
        unanswered = raw is None or (f.type == "yes_no" and _is_empty(raw))
        value = None if unanswered else _parse_bool(raw)
        if not unanswered and value is None:
            return fail("yes_no" if f.type == "yes_no" else "required_checkbox")
        if f.required and (value is None or (f.type == "checkbox" and value is False)):
            return fail("required_checkbox" if f.type == "checkbox" else "required_choice")
        return _check_disallowed(f, value, ctx, path) if value is not None else None

    if _is_empty(raw):
        if f.required:
            if f.type in ("select", "radio", "checkboxes"):
                fail("required_choice")
            elif f.type == "file":
                fail("required_file")
            else:
                fail("required")
        return None

    if f.type in ("text", "textarea", "kana"):
        if not isinstance(raw, str):
            return fail("required")
        text = unicodedata.normalize("NFC", raw.strip())
        if f.type == "textarea":
            text = text.replace("\r\n", "\n")
        # Control characters break the back-office fixed-width exports; line breaks only in textareas.
        text = "".join(ch for ch in text if ch >= " " or (ch == "\n" and f.type == "textarea"))
        if f.pattern:
            text = _normalise_for_pattern(f.pattern, text)
        if f.max_length is not None and len(text) > f.max_length:
            return fail("too_long", n=f.max_length)
        if f.min_length is not None and len(text) < f.min_length:
            return fail("too_short", n=f.min_length)
        if f.pattern and not _check_pattern(f.pattern, text):
            return fail(f.pattern)
        return text

    if f.type in ("number", "yen"):
        number = _parse_int(raw, yen=f.type == "yen")
        if number is None or (f.type == "yen" and number < 0):
            return fail(f.type)
        if f.min_value is not None and number < f.min_value:
            return fail("min_value", n=f"{f.min_value:,}")
        if f.max_value is not None and number > f.max_value:
            return fail("max_value", n=f"{f.max_value:,}")
        return number

    if f.type == "date":
        day = _parse_date(raw)
        if day is None:
            return fail("date")
        rules = f.date_rules
        if rules.get("not_future") and day > ctx.today:
            return fail("date_future")
        if rules.get("not_past") and day < ctx.today:
            return fail("date_past")
        if "max_days_ago" in rules and day < ctx.today - dt.timedelta(days=rules["max_days_ago"]):
            return fail("date_too_old", n=rules["max_days_ago"])
        if "max_days_ahead" in rules and day > ctx.today + dt.timedelta(days=rules["max_days_ahead"]):
            return fail("date_too_far", n=rules["max_days_ahead"])
        other_key = rules.get("not_before")
        if other_key:
            if group is not None:
                other = next(s for s in group.fields if s.key == other_key)
                other_value = item.get(other_key) if item is not None else None
                other_path = f"{group.path}.{index}.{other_key}"
            else:
                other = ctx.form.field(other_key)
                other_value = get_path(cleaned, other_key)
                other_path = other_key
            valid_other = isinstance(other_value, str) and other_path not in ctx.failed
            other_day = _parse_date(other_value) if valid_other else None
            if other_day is not None and day < other_day:
                return fail(
                    "date_before",
                    other=(field_label(other, group, index, "ja"), field_label(other, group, index, "en")),
                )
        return day.isoformat()

    if f.type in ("select", "radio"):
        if not isinstance(raw, str) or raw not in f.option_values():
            return fail("choice")
        return _check_disallowed(f, raw, ctx, path)

    if f.type == "checkboxes":
        values = [raw] if isinstance(raw, str) else raw
        if not isinstance(values, list) or any(v not in f.option_values() for v in values):
            return fail("choice")
        # Keep the definition's option order so that the same choices always serialise the same way.
        chosen = [v for v in f.option_values() if v in values]
        for v in chosen:
            _check_disallowed(f, v, ctx, path)
        return chosen

    if f.type == "postal_code":
        text = _postal_code(raw) if isinstance(raw, str) else ""
        return text if _check_pattern("postal_code", text) else fail("postal_code")

    if f.type == "phone":
        text = _phone(raw) if isinstance(raw, str) else ""
        return text if _check_pattern("phone", text) else fail("phone")

    if f.type == "email":
        text = _nfkc_digits(raw) if isinstance(raw, str) else ""
        if f.max_length is not None and len(text) > f.max_length:
            return fail("too_long", n=f.max_length)
        return text if _check_pattern("email", text) else fail("email")

    if f.type == "bank_account":
        return _validate_bank_account(raw, ctx, path, ja, en)

    if f.type == "file":
        refs = [raw] if isinstance(raw, str) else raw
        if not isinstance(refs, list) or not refs:
            return fail("file")
        if any(not isinstance(r, str) or not r.strip() or len(r) > 200 for r in refs):
            return fail("file")
        if len(refs) > f.max_files:
            return fail("too_many_files", n=f.max_files)
        return [r.strip() for r in refs]

    raise AssertionError(f"unhandled field type {f.type}")  # pragma: no cover


def _check_disallowed(f: Field, value: Any, ctx: _Context, path: str) -> Any:
    for d in f.disallowed:
        if d.value == value and type(d.value) is type(value):
            ctx.add(path, FieldError("not_eligible", CatalogueText(d.message_ja, d.message_en), d.message_en))
    return value


def _validate_bank_account(raw: Any, ctx: _Context, path: str, ja: str, en: str) -> Any:
    if not isinstance(raw, Mapping):
        ctx.add(path, _error("required", ja, en))
        return raw
    out: dict[str, Any] = {}
    for key, digits, code in (("bank_code", 4, "bank_code"), ("branch_code", 3, "branch_code")):
        text = _nfkc_digits(str(raw.get(key) or ""))
        if not (text.isascii() and text.isdigit() and len(text) == digits):
            ctx.add(f"{path}.{key}", _error(code, ja, en))
        out[key] = text
    account_type = raw.get("account_type")
    if account_type not in ACCOUNT_TYPES:
        ctx.add(f"{path}.account_type", _error("account_type", ja, en))
    out["account_type"] = account_type
    # 2020 特別定額給付金: account numbers with the wrong number of digits were a main defect class.
    number = _nfkc_digits(str(raw.get("account_number") or "")).replace(" ", "")
    if not (number.isascii() and number.isdigit() and len(number) == 7):
        ctx.add(f"{path}.account_number", _error("account_number", ja, en))
    out["account_number"] = number
    holder = _to_kana(str(raw.get("holder_kana") or ""))
    if not _check_pattern("bank_holder_kana", holder) or len(holder) > 30:
        holder_ja = SourceMessage(gettext_noop("%(field)sの口座名義（カナ）"), {"field": ja})
        holder_en = f"Account holder (kana) of {en}"
        ctx.add(f"{path}.holder_kana", _error("bank_holder_kana", holder_ja, holder_en))
    out["holder_kana"] = holder
    for key in ("bank_name", "branch_name"):
        name = raw.get(key)
        if isinstance(name, str) and name.strip():
            out[key] = unicodedata.normalize("NFC", name.strip())[:60]
    return out


def _set_path(target: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    node = target
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[parts[-1]] = value


def _lookup(answers: Mapping[str, Any], path: str) -> Any:
    node: Any = answers
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return _MISSING
        node = node[part]
    return node


@dataclass
class _WalkResult:
    pages: list[Page]
    cleaned: dict[str, Any]
    errors: dict[str, dict[str, list[FieldError]]]


def _walk(form: FormDefinition, answers: Mapping[str, Any], today: dt.date | None) -> _WalkResult:
    ctx = _Context(form, today or today_in_japan())
    cleaned: dict[str, Any] = {}
    pages: list[Page] = []
    for page in form.pages:
        if page.when is not None and not evaluate(page.when, cleaned):
            continue
        ctx.page_key = page.key
        shown = 0
        for f in page.fields:
            if f.when is not None and not evaluate(f.when, cleaned):
                continue
            shown += 1
            raw = _lookup(answers, f.path)
            if f.is_group:
                _walk_group(f, raw, ctx, cleaned)
                continue
            value = _validate_value(f, None if raw is _MISSING else raw, ctx, f.path, cleaned, None)
            if not _is_empty(value):
                _set_path(cleaned, f.path, value)
        if shown:  # a page whose every field is hidden is not shown at all
            pages.append(page)
    for rule in form.rules:
        _check_rule(form, rule, pages, cleaned, ctx)
    return _WalkResult(pages, cleaned, ctx.errors)


def _walk_group(group: Field, raw: Any, ctx: _Context, cleaned: dict[str, Any]) -> None:
    items = raw if isinstance(raw, list) else []
    out: list[dict[str, Any]] = []
    for index, raw_item in enumerate(items):
        item_in = raw_item if isinstance(raw_item, Mapping) else {}
        item_out: dict[str, Any] = {}
        for sub in group.fields:
            if sub.when is not None and not evaluate(sub.when, cleaned, item_out):
                continue
            value = _validate_value(
                sub,
                item_in.get(sub.key),
                ctx,
                f"{group.path}.{index}.{sub.key}",
                cleaned,
                item_out,
                group,
                index,
            )
            if not _is_empty(value):
                item_out[sub.key] = value
        out.append(item_out)
    ja, en = CatalogueText(group.label_ja, group.label_en), group.label_en
    if len(out) < group.repeat_min:
        ctx.add(group.path, _error("min_items", ja, en, n=group.repeat_min))
    elif len(out) > group.repeat_max:
        ctx.add(group.path, _error("max_items", ja, en, n=group.repeat_max))
    if raw is not _MISSING or out:
        _set_path(cleaned, group.path, out)


def _check_rule(
    form: FormDefinition, rule: FormRule, pages: list[Page], cleaned: dict[str, Any], ctx: _Context
) -> None:
    page = form.page_of(rule.field)
    if page not in pages:
        return
    if rule.when is not None and not evaluate(rule.when, cleaned):
        return
    if rule.field in ctx.failed:
        return  # one problem at a time: the field's own error comes first
    if not evaluate(rule.require, cleaned):
        ctx.page_key = page.key
        ctx.add(
            rule.field,
            FieldError(rule.code, CatalogueText(rule.message_ja, rule.message_en), rule.message_en),
        )


# ---------------------------------------------------------------------------------------------------------------
# Public API


def visible_pages(form: FormDefinition, answers: Mapping[str, Any]) -> list[Page]:
    """The pages shown for these answers, in order (skipped: `when` false, or every field hidden)."""
    return _walk(form, answers, None).pages


def validate_page(
    form: FormDefinition, page_key: str, answers: Mapping[str, Any], *, today: dt.date | None = None
) -> dict[str, list[FieldError]]:
    """Errors on one page, keyed by field path ({} when the page is valid or hidden)."""
    form.page(page_key)  # KeyError for an unknown page
    return _walk(form, answers, today).errors.get(page_key, {})


def validate_all(
    form: FormDefinition, answers: Mapping[str, Any], *, today: dt.date | None = None
) -> dict[str, list[FieldError]]:
    """Authoritative server-side validation of every visible page; {} when the answers may be submitted."""
    merged: dict[str, list[FieldError]] = {}
    for page_errors in _walk(form, answers, today).errors.values():
        for path, errors in page_errors.items():
            merged.setdefault(path, []).extend(errors)
    return merged


def errors_by_page(
    form: FormDefinition, answers: Mapping[str, Any], *, today: dt.date | None = None
) -> dict[str, dict[str, list[FieldError]]]:
    """Errors grouped by page key, for a "check your answers" page that links back to each page."""
    return _walk(form, answers, today).errors


def clean_answers(
    form: FormDefinition, answers: Mapping[str, Any], *, today: dt.date | None = None
) -> dict[str, Any]:
    """Answers reduced to the visible fields of the form, normalised (ISO dates, int yen, katakana …).

    Hidden fields and keys the form does not define are dropped; empty answers are omitted. Values that fail
    validation are kept as given, so call `validate_all` first and store only error-free answers.
    """
    return _walk(form, answers, today).cleaned


def required_attachments(
    procedure: Procedure, answers: Mapping[str, Any], *, version: int | None = None
) -> list[Attachment]:
    """The attachments these answers require, in definition order (optional ones are never required)."""
    form = procedure.form_version(version) if version is not None else procedure.form
    cleaned = clean_answers(form, answers)
    return [
        a
        for a in form.attachments
        if not a.optional and (a.required_when is None or evaluate(a.required_when, cleaned))
    ]


def _attachment_name(attachment: Attachment) -> CatalogueText:
    return CatalogueText(attachment.name_ja, attachment.name_en)


def check_upload(attachment: Attachment, *, mime_type: str, size_bytes: int) -> list[FieldError]:
    """Problems with one uploaded file for `attachment` (type and size; the content is checked elsewhere)."""
    errors: list[FieldError] = []
    if mime_type not in attachment.mime_types:
        names = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}
        shown = "・".join(dict.fromkeys(names.get(m, "HEIC") for m in attachment.mime_types))
        errors.append(_error("file_type", _attachment_name(attachment), attachment.name_en, types=shown))
    if size_bytes > attachment.max_size_bytes:
        mb = attachment.max_size_bytes // (1024 * 1024)
        errors.append(_error("file_size", _attachment_name(attachment), attachment.name_en, mb=mb))
    return errors


def _add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def filing_window(
    procedure: Procedure, answers: Mapping[str, Any], *, today: dt.date | None = None
) -> tuple[dt.date | None, dt.date | None]:
    """(first day, last day) on which the application is in time; None where the rule sets no bound.

    民法 §140: a period counted in days starts the day after the event, so "15日以内" ends on event + 15 days.
    `before_event` ends the day before the event (住宅改修: before the works start) or, when inclusive, on
    the event day (更新申請: until the expiry date), and opens `opens_days_before` days earlier (60日前から).
    """
    rule = procedure.deadline
    if rule is None or rule.kind is None:
        return (None, None)
    if rule.kind == "annual_window":
        assert rule.window_start is not None and rule.window_end is not None
        year = (today or today_in_japan()).year
        start_month, start_day = (int(x) for x in rule.window_start.split("-"))
        end_month, end_day = (int(x) for x in rule.window_end.split("-"))
        return (dt.date(year, start_month, start_day), dt.date(year, end_month, end_day))
    assert rule.event_field is not None
    event_raw = get_path(clean_answers(procedure.form, answers, today=today), rule.event_field)
    event = _parse_date(event_raw) if isinstance(event_raw, str) else None
    if event is None:
        return (None, None)
    if rule.kind == "days_after_event":
        return (None, event + dt.timedelta(days=rule.days or 0))
    if rule.kind == "months_after_event":
        return (None, _add_months(event, rule.months or 0))
    opens = event - dt.timedelta(days=rule.opens_days_before) if rule.opens_days_before else None
    return (opens, event if rule.inclusive else event - dt.timedelta(days=1))


def deadline_on(
    procedure: Procedure, answers: Mapping[str, Any], *, today: dt.date | None = None
) -> dt.date | None:
    """The last day to file under the procedure's deadline rule (None without a machine rule or event date)."""
    return filing_window(procedure, answers, today=today)[1]


def _jsonable_source(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def apply_prefill(
    form: FormDefinition, sources: Mapping[str, Any], answers: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Answers with the form's prefill applied from `sources` ({"card": {...}, "office": {...}}).

    Values the resident already answered (in `answers`) win; absent sources are skipped. Dates become ISO
    strings; a rule's `map` translates source codes into the form's option values.
    """
    result: dict[str, Any] = json.loads(json.dumps(answers or {}, default=_jsonable_source))
    for rule in form.prefill:
        if _lookup(result, rule.target) is not _MISSING:
            continue
        value = get_path(sources, rule.source)
        if value is None:
            continue
        if rule.item is not None:
            if not isinstance(value, Sequence) or isinstance(value, (str, bytes)):
                continue
            items = []
            for source_item in value:
                if not isinstance(source_item, Mapping):
                    continue
                item = {
                    key: _jsonable_source(source_item[source_key])
                    for key, source_key in rule.item.items()
                    if source_item.get(source_key) is not None
                }
                items.append(item)
            _set_path(result, rule.target, items)
            continue
        if rule.value_map is not None:
            mapped_key = value if isinstance(value, str) else json.dumps(value)
            if mapped_key not in rule.value_map:
                continue
            value = rule.value_map[mapped_key]
        _set_path(result, rule.target, _jsonable_source(value))
    return result


def prefilled_paths(form: FormDefinition, sources: Mapping[str, Any]) -> dict[str, str]:
    """Field path → source namespace ("card"/"office") for every field the sources can fill (for UI badges)."""
    return {
        rule.target: rule.namespace for rule in form.prefill if get_path(sources, rule.source) is not None
    }


# ---------------------------------------------------------------------------------------------------------------
# Canonical serialisation for signing


def _canonical(value: Any, where: str) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        raise TypeError(f"{where}: floats are not allowed in signed data (use integers, e.g. yen)")
    if isinstance(value, dt.datetime):
        raise TypeError(f"{where}: datetimes are not allowed in answers (dates only)")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where}: object keys must be strings, got {key!r}")
            nfc_key = unicodedata.normalize("NFC", key)
            if nfc_key in out:
                raise ValueError(f"{where}: keys {key!r} collide after NFC normalisation")
            out[nfc_key] = _canonical(item, f"{where}.{key}")
        return out
    if isinstance(value, (list, tuple)):
        return [_canonical(item, f"{where}[{i}]") for i, item in enumerate(value)]
    raise TypeError(f"{where}: {type(value).__name__} cannot be signed")


_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


def canonical_json(
    answers: Mapping[str, Any],
    attachment_hashes: Mapping[str, str | Sequence[str]],
    *,
    form: FormDefinition | None = None,
) -> bytes:
    """The exact bytes an applicant signs: canonical JSON of answers, attachment hashes and (optionally) form id.

    Layout: {"answers": …, "attachments": {code: [sha256 hex …]}, "form": {"procedure": code, "version": n}}
    ("form" only when given). Rules: object keys sorted by code point; no whitespace (separators "," ":");
    UTF-8 without escaping non-ASCII; every string (keys and values) NFC-normalised; dates as ISO 8601
    "YYYY-MM-DD"; integers only (floats and datetimes are refused); list order kept for answers, attachment
    hashes lowercase and sorted (a set of files has no order). Pass cleaned answers (`clean_answers`).
    """
    hashes: dict[str, list[str]] = {}
    for code, value in attachment_hashes.items():
        digests = [value] if isinstance(value, str) else list(value)
        normalised = sorted(d.strip().lower() for d in digests)
        for d in normalised:
            if not _SHA256_RE.match(d):
                raise ValueError(f"attachment {code!r}: {d!r} is not a SHA-256 hex digest")
        hashes[code] = normalised
    document: dict[str, Any] = {"answers": answers, "attachments": hashes}
    if form is not None:
        document["form"] = {"procedure": form.procedure_code, "version": form.version}
    return json.dumps(
        _canonical(document, "$"),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    ).encode("utf-8")


@functools.lru_cache(maxsize=1)
def get_catalogue() -> Catalogue:
    """The packaged catalogue, loaded and validated once per process."""
    return load_catalogue()


def option_label(field: Field, value: str, lang: str = "ja") -> str:
    """Label of a choice value, for the check-your-answers page."""
    if field.type not in CHOICE_TYPES:
        return value
    return field.option_label(value, lang)
