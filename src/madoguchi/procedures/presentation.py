"""Plain-language descriptions of catalogue data for procedure pages and the API (pure Python, no Django).

The catalogue's attachment conditions are machine data (`{"field": "applicant.role", "equals": "proxy"}`); a
resident reading the procedure page needs the same rule in words (「届出をする人」が「代理人」の場合).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .schema import Field, FormDefinition

_OPERATOR_TEXT = {
    "ja": {
        "gt": "「{label}」が{value}より大きい",
        "gte": "「{label}」が{value}以上",
        "lt": "「{label}」が{value}未満",
        "lte": "「{label}」が{value}以下",
    },
    "en": {
        "gt": "“{label}” is more than {value}",
        "gte": "“{label}” is {value} or more",
        "lt": "“{label}” is less than {value}",
        "lte": "“{label}” is {value} or less",
    },
}


def _label(f: Field, lang: str) -> str:
    return f.label_ja if lang == "ja" else f.label_en


def _value_text(f: Field, value: Any, lang: str) -> str:
    if isinstance(value, bool):
        if lang == "ja":
            return "はい" if value else "いいえ"
        return "yes" if value else "no"
    if isinstance(value, str) and f.options:
        return f.option_label(value, lang)
    return str(value)


def _quote(text: str, lang: str) -> str:
    return f"「{text}」" if lang == "ja" else f"“{text}”"


def _describe_test(f: Field, cond: Mapping[str, Any], lang: str) -> str:
    label = _label(f, lang)
    ja = lang == "ja"
    if "equals" in cond:
        value = _quote(_value_text(f, cond["equals"], lang), lang)
        return f"「{label}」が{value}" if ja else f"“{label}” is {value}"
    if "not_equals" in cond:
        value = _quote(_value_text(f, cond["not_equals"], lang), lang)
        return f"「{label}」が{value}以外" if ja else f"“{label}” is not {value}"
    if "in" in cond:
        values = [_quote(_value_text(f, v, lang), lang) for v in cond["in"]]
        return f"「{label}」が{'・'.join(values)}のいずれか" if ja else f"“{label}” is {' or '.join(values)}"
    if "contains" in cond:
        value = _quote(_value_text(f, cond["contains"], lang), lang)
        return f"「{label}」で{value}を選んだ" if ja else f"{value} is chosen under “{label}”"
    if "filled" in cond:
        if ja:
            return f"「{label}」を入力した" if cond["filled"] else f"「{label}」を入力していない"
        return f"“{label}” is given" if cond["filled"] else f"“{label}” is left empty"
    for op, template in _OPERATOR_TEXT["ja" if ja else "en"].items():
        if op in cond:
            return template.format(label=label, value=cond[op])
    return "回答内容による" if ja else "depending on your answers"


def _field_or_none(form: FormDefinition, path: str) -> Field | None:
    try:
        return form.field(path)
    except KeyError:
        return None


def describe_condition(
    form: FormDefinition, cond: Mapping[str, Any], lang: str = "ja", group: str | None = None
) -> str:
    """A condition in words, without the closing 「の場合」 ("「届出をする人」が「代理人」")."""
    ja = lang == "ja"
    if "all" in cond:
        return ("、かつ" if ja else " and ").join(
            describe_condition(form, c, lang, group) for c in cond["all"]
        )
    if "any" in cond:
        return ("、または" if ja else " or ").join(
            describe_condition(form, c, lang, group) for c in cond["any"]
        )
    if "not" in cond:
        inner = describe_condition(form, cond["not"], lang, group)
        return f"「{inner}」に当てはまらない" if ja else f"not ({inner})"
    if "some" in cond:
        group_field = _field_or_none(form, cond["some"])
        inner = describe_condition(form, cond["where"], lang, cond["some"])
        name = _label(group_field, lang) if group_field else cond["some"]
        return f"「{name}」のうち1件でも{inner}" if ja else f"for any “{name}” entry, {inner}"
    if "count" in cond:
        group_field = _field_or_none(form, cond["count"])
        name = _label(group_field, lang) if group_field else cond["count"]
        counted = Field(
            key="count", path="count", type="number", label_ja=f"{name}の数", label_en=f"number of {name}"
        )
        return _describe_test(counted, cond, lang)
    if "sibling" in cond and group:
        f = _field_or_none(form, f"{group}.{cond['sibling']}")
        if f is not None:
            return _describe_test(f, cond, lang)
    if "field" in cond:
        f = _field_or_none(form, cond["field"])
        if f is not None:
            return _describe_test(f, cond, lang)
    return "回答内容による" if ja else "depending on your answers"


def describe_required_when(form: FormDefinition, cond: Mapping[str, Any] | None, lang: str = "ja") -> str:
    """When an attachment is needed, as a sentence fragment ("「届出をする人」が「代理人」の場合に必要")."""
    if cond is None:
        return "必須" if lang == "ja" else "Always required"
    text = describe_condition(form, cond, lang)
    return f"{text}の場合に必要" if lang == "ja" else f"Required if {text}"
