"""Plain-language descriptions of catalogue data for procedure pages and the API (pure Python, no Django).

The catalogue's attachment conditions are machine data (`{"field": "applicant.role", "equals": "proxy"}`); a
resident reading the procedure page needs the same rule in words (「届出をする人」が「代理人」の場合).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .schema import Field, FormDefinition
from .texts import CatalogueText, SourceMessage, gettext_noop

_OPERATOR_TEXT = {
    "ja": {
        "gt": gettext_noop("「%(label)s」が%(value)sより大きい"),
        "gte": gettext_noop("「%(label)s」が%(value)s以上"),
        "lt": gettext_noop("「%(label)s」が%(value)s未満"),
        "lte": gettext_noop("「%(label)s」が%(value)s以下"),
    },
    "en": {
        "gt": "“%(label)s” is more than %(value)s",
        "gte": "“%(label)s” is %(value)s or more",
        "lt": "“%(label)s” is less than %(value)s",
        "lte": "“%(label)s” is %(value)s or less",
    },
}


def _msg(template: str, **params: Any) -> SourceMessage:
    return SourceMessage(template, params)


def _label(f: Field, lang: str) -> str:
    return CatalogueText(f.label_ja, f.label_en) if lang == "ja" else f.label_en


def _value_text(f: Field, value: Any, lang: str) -> str:
    if isinstance(value, bool):
        if lang == "ja":
            return _msg(gettext_noop("はい")) if value else _msg(gettext_noop("いいえ"))
        return "yes" if value else "no"
    if isinstance(value, str) and f.options:
        if lang == "ja":
            for o in f.options:
                if o.value == value:
                    return CatalogueText(o.label_ja, o.label_en)
        return f.option_label(value, lang)
    return str(value)


def _quote(text: str, lang: str) -> str:
    return _msg(gettext_noop("「%(text)s」"), text=text) if lang == "ja" else f"“{text}”"


def _join(parts: list[str], template: str) -> str:
    """Join Japanese parts pairwise with a translatable template ("%(left)s、かつ%(right)s")."""
    out = parts[0]
    for part in parts[1:]:
        out = _msg(template, left=out, right=part)
    return out


def _describe_test(f: Field, cond: Mapping[str, Any], lang: str, label: str | None = None) -> str:
    label = _label(f, lang) if label is None else label
    ja = lang == "ja"
    if "equals" in cond:
        value = _quote(_value_text(f, cond["equals"], lang), lang)
        return (
            _msg(gettext_noop("「%(label)s」が%(value)s"), label=label, value=value)
            if ja
            else f"“{label}” is {value}"
        )
    if "not_equals" in cond:
        value = _quote(_value_text(f, cond["not_equals"], lang), lang)
        if ja:
            return _msg(gettext_noop("「%(label)s」が%(value)s以外"), label=label, value=value)
        return f"“{label}” is not {value}"
    if "in" in cond:
        values = [_quote(_value_text(f, v, lang), lang) for v in cond["in"]]
        if ja:
            return _msg(
                gettext_noop("「%(label)s」が%(values)sのいずれか"),
                label=label,
                values=_join(values, gettext_noop("%(left)s・%(right)s")),
            )
        return f"“{label}” is {' or '.join(values)}"
    if "contains" in cond:
        value = _quote(_value_text(f, cond["contains"], lang), lang)
        if ja:
            return _msg(gettext_noop("「%(label)s」で%(value)sを選んだ"), label=label, value=value)
        return f"{value} is chosen under “{label}”"
    if "filled" in cond:
        if ja:
            if cond["filled"]:
                return _msg(gettext_noop("「%(label)s」を入力した"), label=label)
            return _msg(gettext_noop("「%(label)s」を入力していない"), label=label)
        return f"“{label}” is given" if cond["filled"] else f"“{label}” is left empty"
    for op, template in _OPERATOR_TEXT["ja" if ja else "en"].items():
        if op in cond:
            return (
                _msg(template, label=label, value=cond[op])
                if ja
                else template % {"label": label, "value": cond[op]}
            )
    return _msg(gettext_noop("回答内容による")) if ja else "depending on your answers"


def _field_or_none(form: FormDefinition, path: str) -> Field | None:
    try:
        return form.field(path)
    except KeyError:
        return None


def describe_condition(
    form: FormDefinition, cond: Mapping[str, Any], lang: str = "ja", group: str | None = None
) -> str:
    """A condition in words, without the closing 「の場合」 ("「届出をする人」が「代理人」").

    In Japanese the result is a SourceMessage made of translatable templates and catalogue texts, so that
    `procedures.i18n.localize` can show it in the other portal languages.
    """
    ja = lang == "ja"
    if "all" in cond:
        parts = [describe_condition(form, c, lang, group) for c in cond["all"]]
        return _join(parts, gettext_noop("%(left)s、かつ%(right)s")) if ja else " and ".join(parts)
    if "any" in cond:
        parts = [describe_condition(form, c, lang, group) for c in cond["any"]]
        return _join(parts, gettext_noop("%(left)s、または%(right)s")) if ja else " or ".join(parts)
    if "not" in cond:
        inner = describe_condition(form, cond["not"], lang, group)
        return _msg(gettext_noop("「%(inner)s」に当てはまらない"), inner=inner) if ja else f"not ({inner})"
    if "some" in cond:
        group_field = _field_or_none(form, cond["some"])
        inner = describe_condition(form, cond["where"], lang, cond["some"])
        name = _label(group_field, lang) if group_field else cond["some"]
        if ja:
            return _msg(gettext_noop("「%(group)s」のうち1件でも%(inner)s"), group=name, inner=inner)
        return f"for any “{name}” entry, {inner}"
    if "count" in cond:
        group_field = _field_or_none(form, cond["count"])
        name = _label(group_field, lang) if group_field else cond["count"]
        counted = Field(
            key="count", path="count", type="number", label_ja=f"{name}の数", label_en=f"number of {name}"
        )
        label = _msg(gettext_noop("%(group)sの数"), group=name) if ja else None
        return _describe_test(counted, cond, lang, label)
    if "sibling" in cond and group:
        f = _field_or_none(form, f"{group}.{cond['sibling']}")
        if f is not None:
            return _describe_test(f, cond, lang)
    if "field" in cond:
        f = _field_or_none(form, cond["field"])
        if f is not None:
            return _describe_test(f, cond, lang)
    return _msg(gettext_noop("回答内容による")) if ja else "depending on your answers"


def describe_required_when(form: FormDefinition, cond: Mapping[str, Any] | None, lang: str = "ja") -> str:
    """When an attachment is needed, as a sentence fragment ("「届出をする人」が「代理人」の場合に必要").

    `lang` is "ja" or "en"; for "ja" the result is a SourceMessage (see describe_condition).
    """
    if cond is None:
        return _msg(gettext_noop("必須")) if lang == "ja" else "Always required"
    text = describe_condition(form, cond, lang)
    return (
        _msg(gettext_noop("%(condition)sの場合に必要"), condition=text)
        if lang == "ja"
        else f"Required if {text}"
    )
