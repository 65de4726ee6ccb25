"""Template filters for catalogue texts in the page language (`{% load catalogue %}`).

{{ procedure|ctext:"name" }}          name_ja / name_en / name_ja_easy / overlay, by procedures.i18n
{{ application.procedure_code|procedure_name:application.procedure_name }}
{{ problem|message }}                  a FieldError / IntakeProblem message in the page language
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext

from madoguchi.procedures import i18n
from madoguchi.procedures.engine import get_catalogue

register = template.Library()


@register.filter
def ctext(obj: Any, name: str) -> str:
    """`obj.<name>_ja` in the page language (falls back as procedures.i18n describes)."""
    return i18n.text_of(obj, name) if obj is not None else ""


@register.filter
def procedure_name(code: str, stored_name: str = "") -> str:
    """The name of a catalogue procedure in the page language; `stored_name` when the code is unknown."""
    try:
        p = get_catalogue().get(code)
    except KeyError:
        return stored_name or code
    return i18n.text_of(p, "name")


@register.filter
def message(obj: Any) -> str:
    """The message (message_ja / message_en) of a problem or error in the page language."""
    return i18n.message_text(obj)


@register.filter
def localized(value: Any) -> str:
    """A catalogue text or message built from catalogue texts, in the page language."""
    return i18n.localize(value)


@register.simple_tag
def shows_official_japanese() -> bool:
    """Whether the page should show official Japanese names beside translated ones."""
    return i18n.shows_official_japanese()


@register.filter
def stored_message(value: str) -> str:
    """A message stored in Japanese: translated when the system wrote it (a gettext msgid), as typed otherwise
    (gettext returns text it does not know unchanged, e.g. a correction request a staff member wrote)."""
    return gettext(value) if value else ""
