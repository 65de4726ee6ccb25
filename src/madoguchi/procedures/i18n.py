"""The procedure catalogue in the resident's language: which text to show, and the translation overlays.

The catalogue carries Japanese (`*_ja`, the source), English (`*_en`) and some やさしい日本語 (`*_ja_easy`) texts.
Translations into the other portal languages live in overlay files `catalogue/i18n/<language-code>.json`: one
flat JSON object mapping the exact Japanese source text to its translation. What is shown:

- `ja`: the Japanese text;
- `en`: the English text (Japanese when a definition has none);
- `ja-easy`: the やさしい日本語 text of the definition, else the overlay's, else the Japanese text;
- any other language: the overlay's translation, else the English text, else the Japanese text.

Messages built by the form engine and the intake checks (`texts.SourceMessage`) are shown the same way: their
Japanese template is translated through gettext, and their parameters (field labels …) through the rule above.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from django.utils import translation

from .schema import CATALOGUE_DIR, Catalogue, CatalogueError, Field, FormDefinition, Procedure, Referral
from .texts import CatalogueText, SourceMessage

OVERLAY_DIR = CATALOGUE_DIR / "i18n"
SOURCE_LANGUAGE = "ja"
EASY_JAPANESE = "ja-easy"
# The four procedures of the main resident journey (issue 8: their forms are translated into every language).
MAIN_JOURNEY_PROCEDURES = (
    "child_allowance_certification",  # 児童手当 認定請求
    "pregnancy_notification",  # 妊娠の届出
    "care_needs_certification",  # 要介護認定申請
    "disaster_damage_certificate",  # 罹災証明書 発行申請
)
_LANGUAGE_CODE_RE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")


def catalogue_language(language_code: str | None = None) -> str:
    """The normalised language code catalogue texts are chosen for (the active language when not given)."""
    code = (language_code or translation.get_language() or SOURCE_LANGUAGE).lower().replace("_", "-")
    if code == EASY_JAPANESE or code.startswith(EASY_JAPANESE + "-"):
        return EASY_JAPANESE
    if code == "ja" or code.startswith("ja-"):
        return SOURCE_LANGUAGE
    if code == "en" or code.startswith("en-"):
        return "en"
    return code


def shows_official_japanese(language_code: str | None = None) -> bool:
    """Whether pages should show the official Japanese name beside a translated one (every non-Japanese language)."""
    return catalogue_language(language_code) not in (SOURCE_LANGUAGE, EASY_JAPANESE)


def overlay_path(language_code: str, directory: Path | None = None) -> Path:
    """Where the overlay of `language_code` lives (`catalogue/i18n/zh-hans.json`)."""
    code = catalogue_language(language_code)
    if not _LANGUAGE_CODE_RE.match(code):
        raise ValueError(f"not a language code: {language_code!r}")
    return (directory or OVERLAY_DIR) / f"{code}.json"


def read_overlay(path: Path) -> dict[str, str]:
    """Parse and validate one overlay file; raise CatalogueError naming the file and each bad entry."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogueError([f"{path.name}: cannot read the overlay: {exc}"]) from exc
    if not isinstance(data, dict):
        raise CatalogueError([f"{path.name}: an overlay must be a JSON object (Japanese text → translation)"])
    problems = [
        f"{path.name}: the translation of {key!r} must be a string"
        for key, value in data.items()
        if not isinstance(value, str)
    ]
    if problems:
        raise CatalogueError(problems)
    # An empty translation counts as missing (a translator's placeholder).
    return {key: value for key, value in data.items() if value.strip()}


@functools.lru_cache(maxsize=32)
def load_overlay(language_code: str) -> Mapping[str, str]:
    """The overlay of a language (empty for ja/en or when none is installed); cached per process."""
    code = catalogue_language(language_code)
    if code in (SOURCE_LANGUAGE, "en"):
        return {}
    try:
        path = overlay_path(code)
    except ValueError:
        return {}
    if not path.is_file():
        return {}
    return read_overlay(path)


def installed_overlays(directory: Path | None = None) -> list[str]:
    """Language codes that have an overlay file."""
    folder = directory or OVERLAY_DIR
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.json") if _LANGUAGE_CODE_RE.match(p.stem))


def pick(ja: str, en: str = "", easy: str = "", *, lang: str | None = None) -> str:
    """One catalogue text in `lang` (the active language by default), following the rule in the module doc."""
    if not ja:
        return en if catalogue_language(lang) == "en" else ""
    code = catalogue_language(lang)
    if code == SOURCE_LANGUAGE:
        return ja
    if code == "en":
        return en or ja
    overlay = load_overlay(code)
    if code == EASY_JAPANESE:
        return easy or overlay.get(ja) or ja
    return overlay.get(ja) or en or ja


def text_of(obj: Any, name: str, *, lang: str | None = None) -> str:
    """`obj.<name>_ja` / `_en` / `_ja_easy` in `lang` (e.g. text_of(procedure, "name"))."""
    return pick(
        getattr(obj, f"{name}_ja", "") or "",
        getattr(obj, f"{name}_en", "") or "",
        getattr(obj, f"{name}_ja_easy", "") or "",
        lang=lang,
    )


def option_text(f: Field, value: str, *, lang: str | None = None) -> str:
    """The label of a choice value in `lang` (the value itself when unknown)."""
    for o in f.options:
        if o.value == value:
            return pick(o.label_ja, o.label_en, lang=lang)
    return value


def _translated(template: str, code: str) -> str | None:
    """gettext of `template` in `code`, or None when that language has no translation of it."""
    with translation.override(code):
        text = translation.gettext(template)
    return text if text != template else None


def localize(value: Any, *, lang: str | None = None, english_text: str = "") -> str:
    """A message or message parameter in `lang`: SourceMessages through gettext, CatalogueTexts through `pick`.

    `english_text` is the English version of `value` built alongside it (FieldError.message_en …); other
    languages fall back to it when the template has no translation, as catalogue texts fall back to English.
    """
    code = catalogue_language(lang)
    if code == SOURCE_LANGUAGE:
        return str(value)
    if code == "en" and english_text:
        return english_text
    if isinstance(value, SourceMessage):
        template = _translated(value.template, code)
        if template is None:
            if code == EASY_JAPANESE:
                template = value.template
            elif english_text:
                return english_text
            else:
                template = value.template
        params = {k: localize(v, lang=lang) for k, v in value.params.items()}
        try:
            return template % params
        except (KeyError, ValueError, TypeError):
            # A translation that broke a placeholder must not break the page: fall back to the source.
            return english_text or str(value)
    if isinstance(value, CatalogueText):
        return pick(str(value), value.en, value.easy, lang=lang)
    if isinstance(value, str):
        return pick(value, english_text, lang=lang)
    return str(value)


def message_text(obj: Any, *, lang: str | None = None) -> str:
    """The message of a FieldError / IntakeProblem / SigningFailed-like object in `lang`."""
    return localize(
        getattr(obj, "message_ja", ""), lang=lang, english_text=str(getattr(obj, "message_en", "") or "")
    )


# ---------------------------------------------------------------------------------------------------------------
# Source strings: what translators translate (`madoguchi catalogue_strings`) and what an overlay may contain.


def _condition_fields(cond: Any, group: str | None = None) -> Iterator[str]:
    """Field paths a condition names (for the attachment conditions shown in words on procedure pages)."""
    if isinstance(cond, list):
        for item in cond:
            yield from _condition_fields(item, group)
        return
    if not isinstance(cond, Mapping):
        return
    for key in ("field", "some", "count"):
        if isinstance(cond.get(key), str):
            yield cond[key]
    if isinstance(cond.get("sibling"), str) and group:
        yield f"{group}.{cond['sibling']}"
    inner_group = cond["some"] if isinstance(cond.get("some"), str) else group
    for key, value in cond.items():
        if isinstance(value, (Mapping, list)):
            yield from _condition_fields(value, inner_group if key == "where" else group)


def _field_texts(f: Field) -> Iterator[str]:
    yield f.label_ja
    yield f.help_ja
    for o in f.options:
        yield o.label_ja
    for d in f.disallowed:
        yield d.message_ja
    if f.is_group:  # (item_counter_ja is not translated: other languages number items with digits only)
        for sub in f.fields:
            yield from _field_texts(sub)


def form_texts(form: FormDefinition) -> Iterator[str]:
    """Every Japanese text of a form: page titles and help, labels, help, options, messages, attachments."""
    for page in form.pages:
        yield page.title_ja
        yield page.help_ja
        for f in page.fields:
            yield from _field_texts(f)
    for rule in form.rules:
        yield rule.message_ja
    for a in form.attachments:
        yield a.name_ja
        yield a.help_ja


def procedure_page_texts(p: Procedure) -> Iterator[str]:
    """Every Japanese catalogue text on a procedure's page (including the labels its attachment rules name)."""
    yield p.name_ja
    yield p.summary_ja
    yield p.notes_ja
    if p.deadline is not None:
        yield p.deadline.text_ja
    for lb in p.legal_basis:
        yield lb.statute_ja
        yield lb.article_ja
    for a in p.attachments:
        yield a.name_ja
        yield a.help_ja
        for path in _condition_fields(a.required_when):
            # "children.lives_together" names the group and the item field: both labels appear in the words.
            for candidate in dict.fromkeys((path.split(".")[0], path)):
                try:
                    f = p.form.field(candidate)
                except KeyError:
                    continue
                yield f.label_ja
                for o in f.options:
                    yield o.label_ja


def referral_texts(r: Referral) -> Iterator[str]:
    """Every Japanese text of a referral page."""
    yield r.name_ja
    yield r.authority_ja
    yield r.explanation_ja
    yield r.link_text_ja


def _unique(texts: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(t for t in texts if t and t.strip()))


def source_strings(catalogue: Catalogue, scope: str = "all") -> list[str]:
    """The Japanese source texts of `scope`, in catalogue order without repeats.

    - `all`: every Japanese text of the catalogue (all procedures, every kept form version, the referrals);
    - `claimed`: what the portal claims in every language — every procedure page (all procedures and referrals)
      and the forms of the main-journey procedures (MAIN_JOURNEY_PROCEDURES).
    """
    if scope not in ("all", "claimed"):
        raise ValueError(f"unknown scope {scope!r} (all, claimed)")
    texts: list[str] = []
    for p in catalogue:
        texts.extend(procedure_page_texts(p))
    for r in catalogue.referrals:
        texts.extend(referral_texts(r))
    for p in catalogue:
        if scope == "all" or p.code in MAIN_JOURNEY_PROCEDURES:
            texts.extend(form_texts(p.form))
            if scope == "all":
                for version in sorted(p.previous_forms):
                    texts.extend(form_texts(p.previous_forms[version]))
    return _unique(texts)


def missing_strings(catalogue: Catalogue, language_code: str, scope: str = "claimed") -> list[str]:
    """Source texts of `scope` that the language's overlay does not translate (none for ja and en).

    For やさしい日本語 a text that the catalogue already gives in `*_ja_easy` is not missing.
    """
    code = catalogue_language(language_code)
    if code in (SOURCE_LANGUAGE, "en"):
        return []
    overlay = load_overlay(code)
    covered = set(overlay)
    if code == EASY_JAPANESE:
        for p in catalogue:
            if p.name_ja_easy:
                covered.add(p.name_ja)
            if p.summary_ja_easy:
                covered.add(p.summary_ja)
    return [t for t in source_strings(catalogue, scope) if t not in covered]


def overlay_problems(catalogue: Catalogue, directory: Path | None = None) -> tuple[list[str], list[str]]:
    """(errors, warnings) of the installed overlays: files that cannot be used, and keys that are not a source
    text of the catalogue (a typo, or a text the catalogue has changed since; such a key is never shown)."""
    known = set(source_strings(catalogue, "all"))
    folder = directory or OVERLAY_DIR
    errors: list[str] = []
    warnings: list[str] = []
    for code in installed_overlays(folder):
        path = folder / f"{code}.json"
        try:
            overlay = read_overlay(path)
        except CatalogueError as exc:
            errors.extend(exc.problems)
            continue
        for key in overlay:
            if key not in known:
                warnings.append(f"{path.name}: {key!r} is not a Japanese source text of the catalogue")
    return errors, warnings
