"""Form pages as data: build the widgets of one page and read its POSTed answers (no JavaScript needed)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext, pgettext
from django.utils.translation import gettext_lazy as _

from madoguchi.procedures.engine import (
    Field,
    FieldError,
    FormDefinition,
    Page,
    clean_answers,
    evaluate,
    item_ordinal,
)
from madoguchi.procedures.i18n import localize, message_text, option_text, pick, text_of

PREFILL_BADGES: dict[str, Promise] = {
    "card": _("マイナンバーカードから入力済み"),
    "office": _("市区町村の記録から入力済み"),
}
ACCOUNT_TYPES: tuple[tuple[str, Promise], ...] = (
    ("ordinary", _("普通")),
    ("current", _("当座")),
    ("savings", _("貯蓄")),
)
TEXT_INPUT_MODES = {
    "number": "numeric",
    "yen": "numeric",
    "postal_code": "numeric",
    "phone": "tel",
    "email": "email",
}


def dom_id(path: str) -> str:
    """HTML id of a field path ("children.0.name" → "f-children-0-name")."""
    return "f-" + path.replace(".", "-").replace("_", "-")


def get_path(answers: Mapping[str, Any], path: str) -> Any:
    """The raw answer at a dotted path (None when absent)."""
    node: Any = answers
    for part in path.split("."):
        if isinstance(node, Mapping):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass
class Widget:
    """Everything a template needs to draw one field."""

    path: str
    id: str
    type: str
    label: str
    help: str
    required: bool
    value: Any
    errors: list[str]
    options: list[tuple[str, str]] = field(default_factory=list)
    badge: str = ""
    autocomplete: str = ""
    inputmode: str = ""
    items: list[dict[str, Any]] = field(default_factory=list)  # groups: {index, label, widgets} per item
    can_add: bool = False
    can_remove: bool = False
    parts: list[Widget] = field(default_factory=list)  # bank_account
    attachment: str = ""

    @property
    def described_by(self) -> str:
        ids = []
        if self.help:
            ids.append(f"{self.id}-hint")
        if self.errors:
            ids.append(f"{self.id}-error")
        return " ".join(ids)


def _is_visible(f: Field, cleaned: Mapping[str, Any], item: Mapping[str, Any] | None = None) -> bool:
    return f.when is None or bool(
        evaluate(f.when, cleaned, item) if item is not None else evaluate(f.when, cleaned)
    )


def _widget(
    f: Field,
    path: str,
    answers: Mapping[str, Any],
    errors: Mapping[str, list[FieldError]],
    prefilled: Mapping[str, str],
    label: str,
) -> Widget:
    value = get_path(answers, path)
    messages = [message_text(e) for e in errors.get(path, [])]
    options = [(o.value, pick(o.label_ja, o.label_en)) for o in f.options]
    if f.type == "yes_no":
        options = [("true", gettext("はい")), ("false", gettext("いいえ"))]
    widget = Widget(
        path=path,
        id=dom_id(path),
        type=f.type,
        label=label,
        help=text_of(f, "help"),
        required=f.required,
        value=value if f.type in ("checkboxes",) else _text(value),
        errors=messages,
        options=options,
        badge=str(PREFILL_BADGES.get(prefilled.get(f.path, ""), "")),
        autocomplete=f.autocomplete or "",
        inputmode=TEXT_INPUT_MODES.get(f.type, ""),
        attachment=f.attachment or "",
    )
    if f.type == "checkboxes":
        widget.value = value if isinstance(value, list) else ([value] if isinstance(value, str) else [])
    if f.type == "bank_account":
        account = value if isinstance(value, Mapping) else {}
        labels = (
            ("bank_code", gettext("金融機関コード（4桁）")),
            ("bank_name", gettext("金融機関名")),
            ("branch_code", gettext("支店コード（3桁）")),
            ("branch_name", gettext("支店名")),
            ("account_type", gettext("預金種目")),
            ("account_number", gettext("口座番号（7桁）")),
            ("holder_kana", gettext("口座名義（カタカナ）")),
        )
        for key, part_label in labels:
            part_path = f"{path}.{key}"
            widget.parts.append(
                Widget(
                    path=part_path,
                    id=dom_id(part_path),
                    type="select" if key == "account_type" else "text",
                    label=part_label,
                    help="",
                    required=key not in ("bank_name", "branch_name"),
                    value=_text(account.get(key)),
                    errors=[message_text(e) for e in errors.get(part_path, [])],
                    options=[(k, str(v)) for k, v in ACCOUNT_TYPES] if key == "account_type" else [],
                    inputmode="numeric" if key.endswith(("_code", "_number")) else "",
                )
            )
    return widget


def page_widgets(
    form: FormDefinition,
    page: Page,
    answers: Mapping[str, Any],
    errors: Mapping[str, list[FieldError]],
    prefilled: Mapping[str, str],
) -> list[Widget]:
    """The visible fields of `page` for these answers, with values, errors and prefill badges."""
    cleaned = clean_answers(form, answers)
    widgets: list[Widget] = []
    for f in page.fields:
        if not _is_visible(f, cleaned):
            continue
        if not f.is_group:
            widgets.append(_widget(f, f.path, answers, errors, prefilled, text_of(f, "label")))
            continue
        raw_items = get_path(answers, f.path)
        items = raw_items if isinstance(raw_items, list) else []
        group = Widget(
            path=f.path,
            id=dom_id(f.path),
            type="group",
            label=text_of(f, "label"),
            help=text_of(f, "help"),
            required=f.repeat_min > 0,
            value=None,
            errors=[message_text(e) for e in errors.get(f.path, [])],
            badge=str(PREFILL_BADGES.get(prefilled.get(f.path, ""), "")),
            can_add=len(items) < f.repeat_max,
            can_remove=True,
        )
        cleaned_items = get_path(cleaned, f.path)
        for index in range(len(items)):
            cleaned_item = (
                cleaned_items[index] if isinstance(cleaned_items, list) and index < len(cleaned_items) else {}
            )
            sub_widgets = []
            for sub in f.fields:
                if not _is_visible(sub, cleaned, cleaned_item if isinstance(cleaned_item, Mapping) else {}):
                    continue
                sub_widgets.append(
                    _widget(sub, f"{f.path}.{index}.{sub.key}", answers, errors, {}, text_of(sub, "label"))
                )
            group.items.append(
                {
                    "index": index,
                    "label": item_label(f, index),
                    "widgets": sub_widgets,
                }
            )
        widgets.append(group)
    return widgets


def _raw(data: QueryDict, f: Field, path: str, rendered: set[str]) -> tuple[bool, Any]:
    """(present, value) of one field in the POST data."""
    if f.type == "checkbox":
        return (path in rendered, path in data and data.get(path) not in ("", "false"))
    if f.type == "checkboxes":
        return (path in rendered, data.getlist(path))
    if f.type == "bank_account":
        if path not in rendered:
            return (False, None)
        keys = (
            "bank_code",
            "bank_name",
            "branch_code",
            "branch_name",
            "account_type",
            "account_number",
            "holder_kana",
        )
        return (True, {k: data.get(f"{path}.{k}", "") for k in keys})
    if f.type == "file":
        return (False, None)
    if path not in data:
        return (False, None)
    return (True, data.get(path, ""))


def read_page(
    form: FormDefinition, page: Page, data: QueryDict, answers: Mapping[str, Any]
) -> dict[str, Any]:
    """Field path → raw value for every field of `page` that was on the submitted page (others untouched)."""
    rendered = set(data.getlist("__fields"))
    values: dict[str, Any] = {}
    for f in page.fields:
        if f.is_group:
            if f.path not in rendered:
                continue
            try:
                count = int(data.get(f"{f.path}.__count", "0"))
            except ValueError:
                count = 0
            existing = get_path(answers, f.path)
            items = []
            for index in range(min(count, f.repeat_max or count)):
                previous = existing[index] if isinstance(existing, list) and index < len(existing) else {}
                item = dict(previous) if isinstance(previous, Mapping) else {}
                for sub in f.fields:
                    present, value = _raw(data, sub, f"{f.path}.{index}.{sub.key}", rendered)
                    if present:
                        item[sub.key] = value
                items.append(item)
            values[f.path] = items
            continue
        present, value = _raw(data, f, f.path, rendered)
        if present:
            values[f.path] = value
    return values


def item_label(group: Field, index: int) -> str:
    """「児童（2人目）」: one item of a repeating group, in the page language."""
    return gettext("%(group)s（%(ordinal)s）") % {
        "group": text_of(group, "label"),
        "ordinal": localize(item_ordinal(group, index)),
    }


def display_value(f: Field, value: Any) -> str:
    """An answer as the resident reads it on the check-your-answers page (in the page language)."""
    if value is None or value == "" or value == []:
        return gettext("（未入力）")
    if f.type in ("yes_no", "checkbox"):
        return gettext("はい") if value is True or value == "true" else gettext("いいえ")
    if f.type in ("select", "radio"):
        return option_text(f, str(value))
    if f.type == "checkboxes" and isinstance(value, list):
        return pgettext("list separator", "、").join(option_text(f, str(v)) for v in value)
    if f.type == "bank_account" and isinstance(value, Mapping):
        kinds = dict(ACCOUNT_TYPES)
        return (
            f"{value.get('bank_name') or ''}（{value.get('bank_code', '')}） {value.get('branch_name') or ''}"
            f"（{value.get('branch_code', '')}） {kinds.get(str(value.get('account_type')), '')} "
            f"{value.get('account_number', '')} {value.get('holder_kana', '')}"
        ).strip()
    if f.type == "yen" and isinstance(value, int):
        return gettext("%(amount)s円") % {"amount": f"{value:,}"}
    if f.type == "file" and isinstance(value, list):
        return ngettext("%(count)s件", "%(count)s件", len(value)) % {"count": len(value)}
    return str(value)
