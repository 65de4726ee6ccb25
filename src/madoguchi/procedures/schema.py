"""Procedure catalogue data model: parsing and validation of the JSON definitions (see catalogue/SCHEMA.md).

Pure Python (no Django): the catalogue ships as JSON data with the package and is parsed into frozen
dataclasses. Every malformed definition is rejected at load time with a message naming the file and the
place, so a broken form can never reach a resident.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from . import conditions as cond_lang

CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogue"
SCHEMA_VERSION = 1

CATEGORIES = ("child_rearing", "long_term_care", "disaster")
BUSINESSES = (
    "child_allowance",
    "child_rearing_allowance",
    "childcare",
    "pregnancy",
    "care_insurance",
    "disaster",
)
LIFE_SITUATIONS = (
    "pregnancy",
    "birth",
    "childcare",
    "school",
    "single_parent",
    "moving_in",
    "moving_out",
    "relocation",
    "name_change",
    "death",
    "care",
    "lost_document",
    "disaster",
    "vehicle",
)
APPLICANT_ROLES = (
    "self",
    "head_of_household",
    "household_member",
    "family",
    "legal_guardian",
    "heir",
    "support_provider",
    "proxy",
)
FIELD_TYPES = (
    "text",
    "textarea",
    "kana",
    "date",
    "select",
    "radio",
    "checkbox",
    "checkboxes",
    "yes_no",
    "number",
    "yen",
    "postal_code",
    "phone",
    "email",
    "bank_account",
    "file",
    "group",
)
CHOICE_TYPES = ("select", "radio", "checkboxes")
BOOLEAN_TYPES = ("checkbox", "yes_no")
INTEGER_TYPES = ("number", "yen")
# Named validators; no free regular expressions in data (they are hard to review and to translate).
NAMED_PATTERNS = (
    "katakana",
    "digits",
    "postal_code",
    "phone",
    "email",
    "insured_number",
    "provider_number",
    "bank_holder_kana",
)
DATE_RULES = ("not_future", "not_past", "max_days_ago", "max_days_ahead", "not_before")
# WHATWG autofill field names used by our forms (HTML Standard §4.10.18.7).
AUTOCOMPLETE_TOKENS = (
    "name",
    "family-name",
    "given-name",
    "bday",
    "sex",
    "postal-code",
    "street-address",
    "address-line1",
    "address-line2",
    "tel",
    "tel-national",
    "email",
    "organization",
    "off",
)
MIME_TYPES = ("application/pdf", "image/jpeg", "image/png", "image/heic", "image/heif")
# Prefill sources: the card's 券面事項入力補助AP / signing certificate (基本4情報) and narrow office answers.
PREFILL_NAMESPACES = ("card", "office")
CARD_ATTRIBUTES = ("name", "address", "birth_date", "sex")
PROCESSING_DAYS_SOURCES = ("reference", "assumed")
SIGNATURE_SOURCES = ("confirmed", "usual", "assumed")
DEADLINE_KINDS = ("days_after_event", "months_after_event", "before_event", "annual_window")

_CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,62}$")
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
_MONTH_DAY_RE = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")


class CatalogueError(ValueError):
    """A catalogue definition is malformed; `problems` lists every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = "\n  ".join(problems[:50])
        more = f"\n  … and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"invalid procedure catalogue ({len(problems)} problem(s)):\n  {shown}{more}")


@dataclass(frozen=True)
class Option:
    value: str
    label_ja: str
    label_en: str


@dataclass(frozen=True)
class Disallowed:
    """An answer that makes the applicant ineligible here; the message says where to go instead."""

    value: Any
    message_ja: str
    message_en: str


@dataclass(frozen=True)
class Field:
    key: str  # as written in the definition; inside a repeating group, relative to the item
    path: str  # full dotted path of a top-level field; "<group>.<key>" for a repeating item's field
    type: str
    label_ja: str
    label_en: str
    help_ja: str = ""
    help_en: str = ""
    required: bool = False
    autocomplete: str | None = None
    when: Mapping[str, Any] | None = None
    options: tuple[Option, ...] = ()
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    min_value: int | None = None
    max_value: int | None = None
    date_rules: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    disallowed: tuple[Disallowed, ...] = ()
    attachment: str | None = None  # file fields: the attachment code the uploads belong to
    max_files: int = 1
    repeat_min: int = 0  # groups
    repeat_max: int = 0
    item_counter_ja: str = "件目"  # 「児童（2人目）」: the counter word for repeating items
    fields: tuple[Field, ...] = ()
    group: str | None = None  # path of the repeating group this field belongs to

    @property
    def is_group(self) -> bool:
        return self.type == "group"

    def option_values(self) -> tuple[str, ...]:
        return tuple(o.value for o in self.options)

    def option_label(self, value: str, lang: str = "ja") -> str:
        """The label of a choice value (the value itself when unknown)."""
        for o in self.options:
            if o.value == value:
                return o.label_ja if lang == "ja" else o.label_en
        return value


@dataclass(frozen=True)
class Page:
    key: str
    title_ja: str
    title_en: str
    fields: tuple[Field, ...]
    help_ja: str = ""
    help_en: str = ""
    when: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class PrefillRule:
    target: str  # a form field path (scalar field or repeating group)
    source: str  # "card.<attr>" or "office.<name>"
    value_map: Mapping[str, Any] | None = None  # source value → form value (e.g. card sex code → option)
    item: Mapping[str, str] | None = None  # groups: item field key → key in each source item

    @property
    def namespace(self) -> str:
        return self.source.split(".", 1)[0]


@dataclass(frozen=True)
class FormRule:
    """A cross-field check: `require` must hold when the rule applies; the error goes on `field`."""

    code: str
    field: str
    require: Mapping[str, Any]
    message_ja: str
    message_en: str
    when: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Attachment:
    code: str
    name_ja: str
    name_en: str
    mime_types: tuple[str, ...]
    max_size_bytes: int
    required_when: Mapping[str, Any] | None = None  # None: always required (unless optional)
    optional: bool = False  # offered, never required
    max_files: int = 1
    original_needed: bool = False  # 別途原本の提出が必要
    help_ja: str = ""
    help_en: str = ""


@dataclass(frozen=True)
class FormDefinition:
    """One version of a procedure's form; identity is (procedure_code, version)."""

    procedure_code: str
    version: int
    pages: tuple[Page, ...]
    prefill: tuple[PrefillRule, ...] = ()
    rules: tuple[FormRule, ...] = ()
    attachments: tuple[Attachment, ...] = ()

    @property
    def identity(self) -> tuple[str, int]:
        return (self.procedure_code, self.version)

    def page(self, key: str) -> Page:
        """The page with `key` (KeyError when unknown)."""
        for p in self.pages:
            if p.key == key:
                return p
        raise KeyError(f"{self.procedure_code} v{self.version} has no page {key!r}")

    def iter_fields(self) -> Iterator[tuple[Page, Field]]:
        """Every top-level field with its page, in form order."""
        for p in self.pages:
            for f in p.fields:
                yield p, f

    def field(self, path: str) -> Field:
        """The field at `path` ("applicant.name", or "children.birth_date" for an item field)."""
        for _page, f in self.iter_fields():
            if f.path == path:
                return f
            for sub in f.fields:
                if sub.path == path:
                    return sub
        raise KeyError(f"{self.procedure_code} v{self.version} has no field {path!r}")

    def page_of(self, path: str) -> Page:
        """The page holding the field at `path` (item fields: their group's page)."""
        top = self.field(path)
        group_path = top.group or top.path
        for p, f in self.iter_fields():
            if f.path == group_path:
                return p
        raise KeyError(path)  # pragma: no cover - field() already found it

    def attachment(self, code: str) -> Attachment:
        """The attachment definition with `code`."""
        for a in self.attachments:
            if a.code == code:
                return a
        raise KeyError(f"{self.procedure_code} has no attachment {code!r}")


@dataclass(frozen=True)
class LegalBasis:
    statute_ja: str
    statute_en: str
    article_ja: str
    article_en: str
    unconfirmed: bool = False  # article number not verified against the statute text


@dataclass(frozen=True)
class ApplicantRole:
    role: str
    authorization_attachment: str | None = None  # e.g. 委任状: the attachment proving the authority


@dataclass(frozen=True)
class DeadlineRule:
    text_ja: str
    text_en: str
    kind: str | None = None  # None: no machine-checkable deadline (text only)
    event_field: str | None = None
    days: int | None = None
    months: int | None = None
    opens_days_before: int | None = None  # before_event: filing opens this many days before the event
    inclusive: bool = False  # before_event: the event day itself is still in time (更新: 満了日まで)
    window_start: str | None = None  # annual_window "MM-DD"
    window_end: str | None = None
    strict: bool = False  # True: late filing loses the right; False: accepted with consequences


@dataclass(frozen=True)
class Procedure:
    code: str
    number: int  # position in the 31 priority procedures (procedures.md §1)
    name_ja: str
    name_en: str
    category: str
    business: str
    life_situations: tuple[str, ...]
    legal_basis: tuple[LegalBasis, ...]
    who_may_apply: tuple[ApplicantRole, ...]
    household_head_only: bool
    deadline: DeadlineRule | None
    signature_required: bool
    signature_source: str
    processing_days: int
    processing_days_source: str
    summary_ja: str
    summary_en: str
    summary_ja_easy: str
    form: FormDefinition
    previous_forms: Mapping[int, FormDefinition] = field(default_factory=lambda: MappingProxyType({}))
    name_ja_easy: str = ""
    notes_ja: str = ""
    notes_en: str = ""

    @property
    def attachments(self) -> tuple[Attachment, ...]:
        return self.form.attachments

    def form_version(self, version: int) -> FormDefinition:
        """The form definition of `version` (current or kept for applications begun on it)."""
        if version == self.form.version:
            return self.form
        try:
            return self.previous_forms[version]
        except KeyError:
            raise KeyError(f"{self.code} has no form version {version}") from None


@dataclass(frozen=True)
class Referral:
    """A priority procedure handled elsewhere (自動車保有関係 OSS): explanation and link, no form."""

    code: str
    number: int
    name_ja: str
    name_en: str
    authority_ja: str
    authority_en: str
    explanation_ja: str
    explanation_en: str
    link_text_ja: str
    link_text_en: str
    url: str
    life_situations: tuple[str, ...] = ()


@dataclass(frozen=True)
class Catalogue:
    version: str
    procedures: Mapping[str, Procedure]
    referrals: tuple[Referral, ...]

    def __len__(self) -> int:
        return len(self.procedures)

    def __iter__(self) -> Iterator[Procedure]:
        return iter(self.procedures.values())

    def get(self, code: str) -> Procedure:
        """The procedure with `code` (KeyError when unknown)."""
        try:
            return self.procedures[code]
        except KeyError:
            raise KeyError(f"unknown procedure {code!r}") from None

    def form(self, code: str, version: int) -> FormDefinition:
        """The form definition identified by (procedure code, version)."""
        return self.get(code).form_version(version)

    def by_category(self, category: str) -> list[Procedure]:
        """Procedures of a category, in priority-list order."""
        return [p for p in self if p.category == category]

    def by_life_situation(self, situation: str) -> list[Procedure]:
        """Procedures for a life situation (birth, care, disaster …), in priority-list order."""
        return [p for p in self if situation in p.life_situations]

    def by_business(self, business: str) -> list[Procedure]:
        """Procedures handled by a business system (child_allowance, care_insurance …)."""
        return [p for p in self if p.business == business]


# --------------------------------------------------------------------------------------------------------------
# Parsing with validation. `_Checker` accumulates problems instead of stopping at the first one.


class _Checker:
    def __init__(self, source: str):
        self.source = source
        self.problems: list[str] = []

    def err(self, where: str, message: str) -> None:
        self.problems.append(f"{self.source}: {where}: {message}")

    def text(self, data: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.err(where, f"missing {key!r}")
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            self.err(where, f"{key!r} must be a non-empty string")
            return ""
        return value

    def integer(
        self, data: Mapping[str, Any], key: str, where: str, *, required: bool = False, minimum: int = 0
    ) -> int | None:
        value = data.get(key)
        if value is None:
            if required:
                self.err(where, f"missing {key!r}")
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            self.err(where, f"{key!r} must be an integer ≥ {minimum}")
            return None
        return value

    def boolean(self, data: Mapping[str, Any], key: str, where: str, *, default: bool | None = None) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.err(where, f"{key!r} must be true or false")
            return False
        return value

    def choice(self, value: Any, allowed: tuple[str, ...], where: str, what: str) -> bool:
        if value not in allowed:
            self.err(where, f"unknown {what} {value!r} (allowed: {', '.join(allowed)})")
            return False
        return True

    def condition(self, raw: Any, where: str) -> Mapping[str, Any] | None:
        """A well-formed condition (frozen), or None after recording its problems."""
        if raw is None:
            return None
        problems = cond_lang.check_shape(raw, where)
        if problems:
            self.problems += [f"{self.source}: {p}" for p in problems]
            return None
        return MappingProxyType(dict(raw))

    def known_keys(self, data: Mapping[str, Any], allowed: set[str], where: str) -> None:
        extra = set(data) - allowed
        if extra:
            self.err(where, f"unknown keys {sorted(extra)}")


_FIELD_KEYS = {
    "key",
    "type",
    "label_ja",
    "label_en",
    "help_ja",
    "help_en",
    "required",
    "autocomplete",
    "when",
    "options",
    "min_length",
    "max_length",
    "pattern",
    "min",
    "max",
    "date",
    "disallowed",
    "attachment",
    "max_files",
    "repeat",
    "item_counter_ja",
    "fields",
}


def _parse_field(ck: _Checker, raw: Any, where: str, group: str | None) -> Field | None:
    if not isinstance(raw, Mapping):
        ck.err(where, "a field must be an object")
        return None
    ck.known_keys(raw, _FIELD_KEYS, where)
    key = ck.text(raw, "key", where)
    if group is None:
        if key and not all(_KEY_RE.match(part) for part in key.split(".")):
            ck.err(where, f"field key {key!r} must be dotted snake_case segments")
    elif key and not _KEY_RE.match(key):
        ck.err(where, f"item field key {key!r} must be snake_case without dots")
    where = f"{where}({key})"
    ftype = raw.get("type")
    if not ck.choice(ftype, FIELD_TYPES, where, "field type"):
        return None
    path = f"{group}.{key}" if group else key
    options: list[Option] = []
    if ftype in CHOICE_TYPES:
        raw_options = raw.get("options")
        if not isinstance(raw_options, list) or len(raw_options) < 2:
            ck.err(where, "choice fields need at least two options")
        else:
            for i, o in enumerate(raw_options):
                ow = f"{where}.options[{i}]"
                if not isinstance(o, Mapping):
                    ck.err(ow, "an option must be an object")
                    continue
                ck.known_keys(o, {"value", "label_ja", "label_en"}, ow)
                value = ck.text(o, "value", ow)
                if value and not _KEY_RE.match(value):
                    ck.err(ow, f"option value {value!r} must be snake_case")
                options.append(Option(value, ck.text(o, "label_ja", ow), ck.text(o, "label_en", ow)))
            values = [o.value for o in options]
            if len(set(values)) != len(values):
                ck.err(where, "duplicate option values")
    elif "options" in raw:
        ck.err(where, f"'options' is only for {', '.join(CHOICE_TYPES)}")
    autocomplete = raw.get("autocomplete")
    if autocomplete is not None:
        ck.choice(autocomplete, AUTOCOMPLETE_TOKENS, where, "autocomplete token")
    pattern = raw.get("pattern")
    if pattern is not None:
        ck.choice(pattern, NAMED_PATTERNS, where, "named pattern")
        if ftype not in ("text", "kana"):
            ck.err(where, "'pattern' is for text fields (the other types validate their own format)")
    if ftype == "kana" and pattern is None:
        pattern = "katakana"
    date_rules = raw.get("date") or {}
    if date_rules:
        if ftype != "date" or not isinstance(date_rules, Mapping):
            ck.err(where, "'date' rules are for date fields and must be an object")
            date_rules = {}
        else:
            ck.known_keys(date_rules, set(DATE_RULES), f"{where}.date")
            for k in ("not_future", "not_past"):
                if k in date_rules and date_rules[k] is not True:
                    ck.err(where, f"date rule {k!r} must be true when present")
            for k in ("max_days_ago", "max_days_ahead"):
                if k in date_rules:
                    ck.integer(date_rules, k, f"{where}.date", minimum=0)
            if "not_before" in date_rules and not isinstance(date_rules["not_before"], str):
                ck.err(where, "date rule 'not_before' must name a date field")
    for k in ("min", "max"):
        if k in raw and ftype not in INTEGER_TYPES:
            ck.err(where, f"{k!r} is for number/yen fields")
    min_value = ck.integer(raw, "min", where, minimum=-(10**12)) if "min" in raw else None
    max_value = ck.integer(raw, "max", where, minimum=-(10**12)) if "max" in raw else None
    if min_value is not None and max_value is not None and min_value > max_value:
        ck.err(where, "min is greater than max")
    min_length = ck.integer(raw, "min_length", where, minimum=1)
    max_length = ck.integer(raw, "max_length", where, minimum=1)
    if ftype in ("text", "textarea", "kana") and max_length is None:
        ck.err(where, "text fields need 'max_length' (the back-office systems have fixed column sizes)")
    disallowed: list[Disallowed] = []
    for i, d in enumerate(raw.get("disallowed") or []):
        dw = f"{where}.disallowed[{i}]"
        if not isinstance(d, Mapping) or "value" not in d:
            ck.err(dw, "needs 'value', 'message_ja', 'message_en'")
            continue
        if ftype in CHOICE_TYPES and d["value"] not in [o.value for o in options]:
            ck.err(dw, f"value {d['value']!r} is not an option")
        if ftype in BOOLEAN_TYPES and not isinstance(d["value"], bool):
            ck.err(dw, "value must be true or false for a yes/no field")
        disallowed.append(Disallowed(d["value"], ck.text(d, "message_ja", dw), ck.text(d, "message_en", dw)))
    attachment = raw.get("attachment")
    if ftype == "file" and not isinstance(attachment, str):
        ck.err(where, "file fields need 'attachment' (an attachment code)")
    if ftype != "file" and attachment is not None:
        ck.err(where, "'attachment' is for file fields")
    max_files = ck.integer(raw, "max_files", where, minimum=1) or 1
    when = ck.condition(raw.get("when"), f"{where}.when")
    repeat_min = repeat_max = 0
    sub_fields: list[Field] = []
    if ftype == "group":
        if group is not None:
            ck.err(where, "repeating groups cannot be nested")
        repeat = raw.get("repeat")
        if not isinstance(repeat, Mapping):
            ck.err(where, "groups need 'repeat': {min, max}")
        else:
            repeat_min = ck.integer(repeat, "min", where, required=True) or 0
            repeat_max = ck.integer(repeat, "max", where, required=True, minimum=1) or 1
            if repeat_min > repeat_max:
                ck.err(where, "repeat min is greater than max")
        raw_fields = raw.get("fields")
        if not isinstance(raw_fields, list) or not raw_fields:
            ck.err(where, "groups need a non-empty 'fields' list")
        else:
            for i, rf in enumerate(raw_fields):
                sub = _parse_field(ck, rf, f"{where}.fields[{i}]", path)
                if sub is not None:
                    sub_fields.append(sub)
            keys = [s.key for s in sub_fields]
            for k in {k for k in keys if keys.count(k) > 1}:
                ck.err(where, f"duplicate item field key {k!r}")
    elif "repeat" in raw or "fields" in raw:
        ck.err(where, "'repeat'/'fields' are for groups")
    required = ck.boolean(raw, "required", where, default=False)
    if ftype == "group" and required:
        ck.err(where, "use repeat.min instead of 'required' on a group")
    return Field(
        key=key,
        path=path,
        type=str(ftype),
        label_ja=ck.text(raw, "label_ja", where),
        label_en=ck.text(raw, "label_en", where),
        help_ja=ck.text(raw, "help_ja", where, required=False),
        help_en=ck.text(raw, "help_en", where, required=False),
        required=required,
        autocomplete=autocomplete,
        when=when,
        options=tuple(options),
        min_length=min_length,
        max_length=max_length,
        pattern=pattern,
        min_value=min_value,
        max_value=max_value,
        date_rules=MappingProxyType(dict(date_rules)),
        disallowed=tuple(disallowed),
        attachment=attachment if isinstance(attachment, str) else None,
        max_files=max_files,
        repeat_min=repeat_min,
        repeat_max=repeat_max,
        item_counter_ja=raw.get("item_counter_ja", "件目"),
        fields=tuple(sub_fields),
        group=group,
    )


def _parse_attachment(ck: _Checker, raw: Any, where: str) -> Attachment | None:
    if not isinstance(raw, Mapping):
        ck.err(where, "an attachment must be an object")
        return None
    ck.known_keys(
        raw,
        {
            "code",
            "name_ja",
            "name_en",
            "help_ja",
            "help_en",
            "required_when",
            "optional",
            "mime_types",
            "max_size_bytes",
            "max_files",
            "original_needed",
        },
        where,
    )
    code = ck.text(raw, "code", where)
    if code and not _KEY_RE.match(code):
        ck.err(where, f"attachment code {code!r} must be snake_case")
    where = f"{where}({code})"
    mimes = raw.get("mime_types")
    if not isinstance(mimes, list) or not mimes:
        ck.err(where, "needs a non-empty 'mime_types' list")
        mimes = []
    for m in mimes:
        ck.choice(m, MIME_TYPES, where, "MIME type")
    size = ck.integer(raw, "max_size_bytes", where, required=True, minimum=1) or 1
    if size > 50 * 1024 * 1024:
        ck.err(where, "max_size_bytes above 50 MiB")
    required_when = ck.condition(raw.get("required_when"), f"{where}.required_when")
    optional = ck.boolean(raw, "optional", where, default=False)
    if optional and required_when is not None:
        ck.err(where, "an optional attachment has no 'required_when'")
    return Attachment(
        code=code,
        name_ja=ck.text(raw, "name_ja", where),
        name_en=ck.text(raw, "name_en", where),
        mime_types=tuple(mimes),
        max_size_bytes=size,
        required_when=required_when,
        optional=optional,
        max_files=ck.integer(raw, "max_files", where, minimum=1) or 1,
        original_needed=ck.boolean(raw, "original_needed", where, default=False),
        help_ja=ck.text(raw, "help_ja", where, required=False),
        help_en=ck.text(raw, "help_en", where, required=False),
    )


def _check_form_references(ck: _Checker, form: FormDefinition, where: str) -> None:
    """Cross-reference checks: unique keys, conditions pointing at earlier fields, prefill, attachments."""
    top: dict[str, Field] = {}
    page_keys: set[str] = set()
    order: dict[str, int] = {}  # field path → position (item fields: position inside the group's slot)
    page_first: dict[str, int] = {}
    position = 0
    for page in form.pages:
        if page.key in page_keys:
            ck.err(where, f"duplicate page key {page.key!r}")
        page_keys.add(page.key)
        page_first[page.key] = position
        for f in page.fields:
            if f.path in top:
                ck.err(where, f"duplicate field key {f.path!r}")
            top[f.path] = f
            order[f.path] = position
            position += 1
            for sub in f.fields:
                order[sub.path] = position
                position += 1
    paths = sorted(top)
    for a, b in itertools.pairwise(paths):
        if b.startswith(a + "."):
            ck.err(where, f"field {a!r} is both a value and the parent of {b!r}")

    def lookup(path: str) -> Field | None:
        if path in top:
            return top[path]
        group_path, _, key = path.rpartition(".")
        group = top.get(group_path)
        if group is not None and group.is_group:
            for sub in group.fields:
                if sub.key == key:
                    return sub
        return None

    def check_condition(cond: Mapping[str, Any], cw: str, before: int | None, in_group: Field | None) -> None:
        for kind, name, test, via_some in cond_lang.iter_tests(cond, in_group.path if in_group else None):
            if kind == "sibling" and not name:
                ck.err(cw, f"'sibling' {test['sibling']!r} used outside a repeating group")
                continue
            target = lookup(name) if kind != "field" else top.get(name)
            if target is None:
                ck.err(cw, f"condition refers to unknown field {name!r}")
                continue
            # Inside 'some' the quantified group's own position was checked on its 'some' test.
            before_here = None if via_some else before
            if kind in ("some", "count"):
                if not target.is_group:
                    ck.err(cw, f"{kind!r} needs a repeating group, {name!r} is {target.type}")
                if before_here is not None and order[name] >= before_here:
                    ck.err(cw, f"condition refers to {name!r}, which comes later in the form")
                continue
            if kind == "field" and target.is_group:
                ck.err(cw, f"{name!r} is a repeating group: use 'some' or 'count'")
                continue
            if target.type == "file":
                ck.err(cw, f"conditions cannot test file field {name!r}")
            if before_here is not None and order[name] >= before_here:
                ck.err(cw, f"condition refers to {name!r}, which comes later in the form")
            op, operand = cond_lang.operand_of(test)
            if op in ("equals", "not_equals", "in", "contains"):
                operands = operand if op == "in" else [operand]
                for value in operands:
                    if target.type in CHOICE_TYPES and value not in target.option_values():
                        ck.err(cw, f"{value!r} is not an option of {name!r}")
                    elif target.type in BOOLEAN_TYPES and not isinstance(value, bool):
                        ck.err(cw, f"{name!r} is yes/no: compare with true/false, not {value!r}")
            if op == "contains" and target.type != "checkboxes":
                ck.err(cw, f"'contains' needs a checkboxes field, {name!r} is {target.type}")
            if op in cond_lang.NUMERIC_OPERATORS and target.type not in INTEGER_TYPES:
                ck.err(cw, f"{op!r} needs a number field, {name!r} is {target.type}")

    attachment_codes = [a.code for a in form.attachments]
    for code in {c for c in attachment_codes if attachment_codes.count(c) > 1}:
        ck.err(where, f"duplicate attachment code {code!r}")

    for page in form.pages:
        pw = f"{where}.pages({page.key})"
        if page.when is not None:
            check_condition(page.when, f"{pw}.when", page_first[page.key], None)
        for f in page.fields:
            fw = f"{pw}.fields({f.path})"
            if f.when is not None:
                check_condition(f.when, f"{fw}.when", order[f.path], None)
            for sub in (f, *f.fields):
                sw = fw if sub is f else f"{fw}.fields({sub.key})"
                if sub is not f and sub.when is not None:
                    check_condition(sub.when, f"{sw}.when", order[sub.path], f)
                other = sub.date_rules.get("not_before")
                if other is not None:
                    target = lookup(f"{f.path}.{other}") if sub is not f else top.get(other)
                    if target is None or target.type != "date":
                        ck.err(sw, f"date rule not_before refers to {other!r}, which is not a date field")
                    elif order[target.path] >= order[sub.path]:
                        ck.err(sw, f"date rule not_before refers to later field {other!r}")
                if sub.type == "file" and sub.attachment not in attachment_codes:
                    ck.err(sw, f"file field refers to unknown attachment {sub.attachment!r}")

    for rule in form.rules:
        rw = f"{where}.rules({rule.code})"
        if lookup(rule.field) is None:
            ck.err(rw, f"rule field {rule.field!r} does not exist")
        check_condition(rule.require, f"{rw}.require", None, None)
        if rule.when is not None:
            check_condition(rule.when, f"{rw}.when", None, None)

    for attachment in form.attachments:
        if attachment.required_when is not None:
            aw = f"{where}.attachments({attachment.code}).required_when"
            check_condition(attachment.required_when, aw, None, None)

    targets = [r.target for r in form.prefill]
    for t in {t for t in targets if targets.count(t) > 1}:
        ck.err(where, f"duplicate prefill target {t!r}")
    for fill in form.prefill:
        rw = f"{where}.prefill({fill.target})"
        target = top.get(fill.target)
        namespace, _, attr = fill.source.partition(".")
        if not attr or namespace not in PREFILL_NAMESPACES:
            ck.err(rw, f"source {fill.source!r} must be card.<attribute> or office.<name>")
        elif namespace == "card" and attr not in CARD_ATTRIBUTES:
            ck.err(rw, f"the card only carries {', '.join(CARD_ATTRIBUTES)}, not {attr!r}")
        if target is None:
            ck.err(rw, "prefill target is not a field of the form")
            continue
        if target.is_group:
            if not fill.item:
                ck.err(rw, "a repeating group is prefilled with an 'item' key map")
            else:
                sub_keys = {s.key for s in target.fields}
                for k in fill.item:
                    if k not in sub_keys:
                        ck.err(rw, f"item key {k!r} is not a field of group {target.path!r}")
        elif fill.item:
            ck.err(rw, "'item' is only for repeating groups")
        if target.type == "file":
            ck.err(rw, "file fields cannot be prefilled")


def _parse_form(ck: _Checker, raw: Any, code: str, attachments_raw: Any, where: str) -> FormDefinition | None:
    if not isinstance(raw, Mapping):
        ck.err(where, "'form' must be an object")
        return None
    ck.known_keys(raw, {"version", "pages", "prefill", "rules", "attachments"}, where)
    version = ck.integer(raw, "version", where, required=True, minimum=1) or 0
    where = f"{where}(v{version})"
    pages: list[Page] = []
    raw_pages = raw.get("pages")
    if not isinstance(raw_pages, list) or not raw_pages:
        ck.err(where, "a form needs a non-empty 'pages' list")
        raw_pages = []
    for i, rp in enumerate(raw_pages):
        pw = f"{where}.pages[{i}]"
        if not isinstance(rp, Mapping):
            ck.err(pw, "a page must be an object")
            continue
        ck.known_keys(rp, {"key", "title_ja", "title_en", "help_ja", "help_en", "when", "fields"}, pw)
        key = ck.text(rp, "key", pw)
        if key and not _KEY_RE.match(key):
            ck.err(pw, f"page key {key!r} must be snake_case")
        pw = f"{pw}({key})"
        when = ck.condition(rp.get("when"), f"{pw}.when")
        fields: list[Field] = []
        raw_fields = rp.get("fields")
        if not isinstance(raw_fields, list) or not raw_fields:
            ck.err(pw, "a page needs a non-empty 'fields' list")
        else:
            for j, rf in enumerate(raw_fields):
                f = _parse_field(ck, rf, f"{pw}.fields[{j}]", None)
                if f is not None:
                    fields.append(f)
        pages.append(
            Page(
                key=key,
                title_ja=ck.text(rp, "title_ja", pw),
                title_en=ck.text(rp, "title_en", pw),
                help_ja=ck.text(rp, "help_ja", pw, required=False),
                help_en=ck.text(rp, "help_en", pw, required=False),
                when=when,
                fields=tuple(fields),
            )
        )
    prefill: list[PrefillRule] = []
    raw_prefill = raw.get("prefill") or {}
    if not isinstance(raw_prefill, Mapping):
        ck.err(where, "'prefill' must map field paths to sources")
        raw_prefill = {}
    for target, spec in raw_prefill.items():
        pw = f"{where}.prefill({target})"
        if isinstance(spec, str):
            prefill.append(PrefillRule(target=target, source=spec))
        elif isinstance(spec, Mapping) and isinstance(spec.get("source"), str):
            ck.known_keys(spec, {"source", "map", "item"}, pw)
            value_map = spec.get("map")
            item = spec.get("item")
            if value_map is not None and not isinstance(value_map, Mapping):
                ck.err(pw, "'map' must be an object")
                value_map = None
            if item is not None and not (
                isinstance(item, Mapping) and all(isinstance(v, str) for v in item.values())
            ):
                ck.err(pw, "'item' must map item field keys to source keys")
                item = None
            prefill.append(
                PrefillRule(
                    target=target,
                    source=spec["source"],
                    value_map=MappingProxyType(dict(value_map)) if value_map else None,
                    item=MappingProxyType(dict(item)) if item else None,
                )
            )
        else:
            ck.err(pw, "a prefill source is 'ns.attr' or {source, map?, item?}")
    rules: list[FormRule] = []
    for i, rr in enumerate(raw.get("rules") or []):
        rw = f"{where}.rules[{i}]"
        if not isinstance(rr, Mapping):
            ck.err(rw, "a rule must be an object")
            continue
        ck.known_keys(rr, {"code", "field", "require", "when", "message_ja", "message_en"}, rw)
        require = ck.condition(rr.get("require"), f"{rw}.require")
        rule_when = ck.condition(rr.get("when"), f"{rw}.when")
        if require is None:
            ck.err(rw, "a rule needs a well-formed 'require' condition")
            continue
        rules.append(
            FormRule(
                code=ck.text(rr, "code", rw),
                field=ck.text(rr, "field", rw),
                require=require,
                when=rule_when,
                message_ja=ck.text(rr, "message_ja", rw),
                message_en=ck.text(rr, "message_en", rw),
            )
        )
    attachments: list[Attachment] = []
    if not isinstance(attachments_raw, list):
        ck.err(where, "'attachments' must be a list")
        attachments_raw = []
    for i, ra in enumerate(attachments_raw):
        a = _parse_attachment(ck, ra, f"{where}.attachments[{i}]")
        if a is not None:
            attachments.append(a)
    form = FormDefinition(
        procedure_code=code,
        version=version,
        pages=tuple(pages),
        prefill=tuple(prefill),
        rules=tuple(rules),
        attachments=tuple(attachments),
    )
    _check_form_references(ck, form, where)
    return form


_PROCEDURE_KEYS = {
    "code",
    "number",
    "name_ja",
    "name_en",
    "name_ja_easy",
    "category",
    "business",
    "life_situations",
    "legal_basis",
    "who_may_apply",
    "household_head_only",
    "deadline",
    "signature_required",
    "signature_source",
    "processing_days",
    "processing_days_source",
    "summary_ja",
    "summary_en",
    "summary_ja_easy",
    "notes_ja",
    "notes_en",
    "attachments",
    "form",
    "previous_forms",
}


def _parse_deadline(ck: _Checker, raw: Any, form: FormDefinition | None, where: str) -> DeadlineRule | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        ck.err(where, "'deadline' must be an object or null")
        return None
    ck.known_keys(raw, {"text_ja", "text_en", "rule"}, where)
    rule = raw.get("rule")
    kind = event_field = window_start = window_end = None
    days = months = opens = None
    strict = inclusive = False
    if rule is not None:
        rw = f"{where}.rule"
        if not isinstance(rule, Mapping):
            ck.err(rw, "must be an object")
        else:
            ck.known_keys(
                rule,
                {
                    "kind",
                    "event_field",
                    "days",
                    "months",
                    "opens_days_before",
                    "inclusive",
                    "start",
                    "end",
                    "strict",
                },
                rw,
            )
            kind = rule.get("kind")
            ck.choice(kind, DEADLINE_KINDS, rw, "deadline kind")
            strict = ck.boolean(rule, "strict", rw, default=False)
            inclusive = ck.boolean(rule, "inclusive", rw, default=False)
            days = ck.integer(rule, "days", rw, required=kind == "days_after_event", minimum=1)
            months = ck.integer(rule, "months", rw, required=kind == "months_after_event", minimum=1)
            opens = ck.integer(rule, "opens_days_before", rw, minimum=1)
            if kind == "annual_window":
                window_start, window_end = rule.get("start"), rule.get("end")
                for v in (window_start, window_end):
                    if not (isinstance(v, str) and _MONTH_DAY_RE.match(v)):
                        ck.err(rw, "annual_window needs 'start' and 'end' as MM-DD")
            else:
                event_field = rule.get("event_field")
                target = None
                if form is not None and isinstance(event_field, str):
                    try:
                        target = form.field(event_field)
                    except KeyError:
                        target = None
                if target is None or target.type != "date" or target.group is not None:
                    ck.err(rw, f"event_field {event_field!r} must name a (non-repeating) date field")
    return DeadlineRule(
        text_ja=ck.text(raw, "text_ja", where),
        text_en=ck.text(raw, "text_en", where),
        kind=kind,
        event_field=event_field,
        days=days,
        months=months,
        opens_days_before=opens,
        inclusive=inclusive,
        window_start=window_start,
        window_end=window_end,
        strict=strict,
    )


def parse_procedure(data: Any, source: str = "<procedure>") -> Procedure:
    """Parse and validate one procedure definition; raises CatalogueError listing every problem."""
    ck = _Checker(source)
    if not isinstance(data, Mapping):
        raise CatalogueError([f"{source}: a procedure definition must be a JSON object"])
    ck.known_keys(data, _PROCEDURE_KEYS, "procedure")
    code = ck.text(data, "code", "procedure")
    if code and not _CODE_RE.match(code):
        ck.err("procedure", f"code {code!r} must be a snake_case slug")
    number = ck.integer(data, "number", "procedure", required=True, minimum=1) or 0
    category = data.get("category")
    ck.choice(category, CATEGORIES, "procedure", "category")
    business = data.get("business")
    ck.choice(business, BUSINESSES, "procedure", "business")
    situations = data.get("life_situations")
    if not isinstance(situations, list) or not situations:
        ck.err("procedure", "needs a non-empty 'life_situations' list")
        situations = []
    for s in situations:
        ck.choice(s, LIFE_SITUATIONS, "procedure", "life situation")
    legal: list[LegalBasis] = []
    raw_legal = data.get("legal_basis")
    if not isinstance(raw_legal, list) or not raw_legal:
        ck.err("procedure", "needs a non-empty 'legal_basis' list")
        raw_legal = []
    for i, lb in enumerate(raw_legal):
        lw = f"legal_basis[{i}]"
        if not isinstance(lb, Mapping):
            ck.err(lw, "must be an object")
            continue
        ck.known_keys(lb, {"statute_ja", "statute_en", "article_ja", "article_en", "unconfirmed"}, lw)
        legal.append(
            LegalBasis(
                statute_ja=ck.text(lb, "statute_ja", lw),
                statute_en=ck.text(lb, "statute_en", lw),
                article_ja=ck.text(lb, "article_ja", lw),
                article_en=ck.text(lb, "article_en", lw),
                unconfirmed=ck.boolean(lb, "unconfirmed", lw, default=False),
            )
        )
    signature_source = data.get("signature_source")
    ck.choice(signature_source, SIGNATURE_SOURCES, "procedure", "signature_source")
    days_source = data.get("processing_days_source")
    ck.choice(days_source, PROCESSING_DAYS_SOURCES, "procedure", "processing_days_source")
    easy = ck.text(data, "summary_ja_easy", "procedure", required=category == "child_rearing")

    form = _parse_form(ck, data.get("form"), code, data.get("attachments", []), "form")
    previous: dict[int, FormDefinition] = {}
    raw_previous = data.get("previous_forms") or []
    if not isinstance(raw_previous, list):
        ck.err("previous_forms", "must be a list")
        raw_previous = []
    for i, rf in enumerate(raw_previous):
        pw = f"previous_forms[{i}]"
        if not isinstance(rf, Mapping):
            ck.err(pw, "must be an object")
            continue
        # An old version keeps the attachment rules it was filled in under (they refer to its fields).
        old_attachments = rf.get("attachments", data.get("attachments", []))
        old = _parse_form(ck, {k: v for k, v in rf.items() if k != "attachments"}, code, old_attachments, pw)
        if old is None:
            continue
        if form is not None and old.version >= form.version:
            ck.err(pw, f"version {old.version} is not older than the current form v{form.version}")
        if old.version in previous:
            ck.err(pw, f"duplicate form version {old.version}")
        previous[old.version] = old

    who: list[ApplicantRole] = []
    raw_who = data.get("who_may_apply")
    if not isinstance(raw_who, list) or not raw_who:
        ck.err("procedure", "needs a non-empty 'who_may_apply' list")
        raw_who = []
    codes = [a.code for a in form.attachments] if form else []
    for i, w in enumerate(raw_who):
        ww = f"who_may_apply[{i}]"
        if not isinstance(w, Mapping):
            ck.err(ww, "must be an object")
            continue
        ck.known_keys(w, {"role", "authorization_attachment"}, ww)
        role = w.get("role")
        ck.choice(role, APPLICANT_ROLES, ww, "applicant role")
        auth = w.get("authorization_attachment")
        if auth is not None and auth not in codes:
            ck.err(ww, f"authorization_attachment {auth!r} is not an attachment of this procedure")
        who.append(ApplicantRole(role=str(role), authorization_attachment=auth))
    roles = [w.role for w in who]
    if len(set(roles)) != len(roles):
        ck.err("who_may_apply", "duplicate roles")
    deadline = _parse_deadline(ck, data.get("deadline"), form, "deadline")
    processing_days = ck.integer(data, "processing_days", "procedure", required=True, minimum=1) or 1
    procedure = Procedure(
        code=code,
        number=number,
        name_ja=ck.text(data, "name_ja", "procedure"),
        name_en=ck.text(data, "name_en", "procedure"),
        name_ja_easy=ck.text(data, "name_ja_easy", "procedure", required=False),
        category=str(category),
        business=str(business),
        life_situations=tuple(situations),
        legal_basis=tuple(legal),
        who_may_apply=tuple(who),
        household_head_only=ck.boolean(data, "household_head_only", "procedure"),
        deadline=deadline,
        signature_required=ck.boolean(data, "signature_required", "procedure"),
        signature_source=str(signature_source),
        processing_days=processing_days,
        processing_days_source=str(days_source),
        summary_ja=ck.text(data, "summary_ja", "procedure"),
        summary_en=ck.text(data, "summary_en", "procedure"),
        summary_ja_easy=easy,
        notes_ja=ck.text(data, "notes_ja", "procedure", required=False),
        notes_en=ck.text(data, "notes_en", "procedure", required=False),
        form=form if form is not None else FormDefinition(code, 0, ()),
        previous_forms=MappingProxyType(previous),
    )
    if ck.problems:
        raise CatalogueError(ck.problems)
    return procedure


def validate_definition(data: Any, source: str = "<procedure>") -> list[str]:
    """Every problem in a procedure definition ([] when it is valid)."""
    try:
        parse_procedure(data, source)
    except CatalogueError as exc:
        return exc.problems
    return []


def _parse_referrals(ck: _Checker, raw: Any) -> list[Referral]:
    out: list[Referral] = []
    if not isinstance(raw, Mapping) or not isinstance(raw.get("referrals"), list):
        ck.err("referrals", "must be an object with a 'referrals' list")
        return out
    keys = {
        "code",
        "number",
        "name_ja",
        "name_en",
        "authority_ja",
        "authority_en",
        "explanation_ja",
        "explanation_en",
        "link_text_ja",
        "link_text_en",
        "url",
        "life_situations",
    }
    for i, r in enumerate(raw["referrals"]):
        rw = f"referrals[{i}]"
        if not isinstance(r, Mapping):
            ck.err(rw, "must be an object")
            continue
        ck.known_keys(r, keys, rw)
        url = ck.text(r, "url", rw)
        if url and not url.startswith("https://"):
            ck.err(rw, "url must be https")
        situations = r.get("life_situations") or []
        for s in situations:
            ck.choice(s, LIFE_SITUATIONS, rw, "life situation")
        out.append(
            Referral(
                code=ck.text(r, "code", rw),
                number=ck.integer(r, "number", rw, required=True, minimum=1) or 0,
                name_ja=ck.text(r, "name_ja", rw),
                name_en=ck.text(r, "name_en", rw),
                authority_ja=ck.text(r, "authority_ja", rw),
                authority_en=ck.text(r, "authority_en", rw),
                explanation_ja=ck.text(r, "explanation_ja", rw),
                explanation_en=ck.text(r, "explanation_en", rw),
                link_text_ja=ck.text(r, "link_text_ja", rw),
                link_text_en=ck.text(r, "link_text_en", rw),
                url=url,
                life_situations=tuple(situations),
            )
        )
    return out


def _read_json(path: Path, problems: list[str]) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(f"{path.name}: file not found")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.append(f"{path.name}: not valid UTF-8 JSON ({exc})")
    return None


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Load and validate the catalogue directory (default: the packaged one); CatalogueError if malformed."""
    directory = Path(path) if path is not None else CATALOGUE_DIR
    problems: list[str] = []
    index = _read_json(directory / "index.json", problems)
    if not isinstance(index, Mapping):
        raise CatalogueError(problems or ["index.json: must be a JSON object"])
    ck = _Checker("index.json")
    ck.known_keys(
        index, {"schema_version", "catalogue_version", "updated_on", "procedures", "referrals"}, "index"
    )
    if index.get("schema_version") != SCHEMA_VERSION:
        ck.err("index", f"schema_version must be {SCHEMA_VERSION}")
    version = ck.text(index, "catalogue_version", "index")
    codes = index.get("procedures")
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        ck.err("index", "'procedures' must list procedure codes")
        codes = []
    if len(set(codes)) != len(codes):
        ck.err("index", "duplicate procedure codes")
    referrals_file = index.get("referrals", "referrals.json")
    problems += ck.problems
    procedures: dict[str, Procedure] = {}
    for code in codes:
        file = directory / f"{code}.json"
        data = _read_json(file, problems)
        if data is None:
            continue
        try:
            proc = parse_procedure(data, file.name)
        except CatalogueError as exc:
            problems += exc.problems
            continue
        if proc.code != code:
            problems.append(f"{file.name}: code {proc.code!r} does not match the file name")
        procedures[proc.code] = proc
    listed = {f"{c}.json" for c in codes} | {"index.json", str(referrals_file)}
    for extra in sorted(p.name for p in directory.glob("*.json") if p.name not in listed):
        problems.append(f"{extra}: not listed in index.json")
    numbers = [p.number for p in procedures.values()]
    if len(set(numbers)) != len(numbers):
        problems.append("index.json: two procedures share a priority-list number")
    ref_ck = _Checker(str(referrals_file))
    raw_referrals = _read_json(directory / str(referrals_file), problems)
    referrals = _parse_referrals(ref_ck, raw_referrals) if raw_referrals is not None else []
    problems += ref_ck.problems
    ref_codes = [r.code for r in referrals]
    if set(ref_codes) & set(procedures) or len(set(ref_codes)) != len(ref_codes):
        problems.append(f"{referrals_file}: referral codes must be unique across the catalogue")
    if problems:
        raise CatalogueError(problems)
    ordered = dict(sorted(procedures.items(), key=lambda kv: kv[1].number))
    return Catalogue(
        version=version,
        procedures=MappingProxyType(ordered),
        referrals=tuple(sorted(referrals, key=lambda r: r.number)),
    )
