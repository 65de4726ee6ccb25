"""Texts that can be shown again in another language (pure Python, no Django).

A message such as 「「生年月日」を入力してください」 is stored and sent (API, audit) in Japanese. The portal shows it in the
resident's language, which needs the parts it was made of: the Japanese template (a gettext msgid) and the
parameters, some of which are catalogue texts (a field's label, with its English version). Both classes below are
`str` subclasses whose value is the Japanese text, so every existing consumer keeps working unchanged; only
`procedures.i18n` looks at the parts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class CatalogueText(str):
    """A text of the procedure catalogue (value: Japanese) with its English and やさしい日本語 versions."""

    en: str
    easy: str

    def __new__(cls, ja: str, en: str = "", easy: str = "") -> CatalogueText:
        obj = super().__new__(cls, ja)
        obj.en = en
        obj.easy = easy
        return obj

    def __reduce__(self) -> tuple[Any, ...]:
        return (CatalogueText, (str(self), self.en, self.easy))


class SourceMessage(str):
    """A Japanese message built from a translatable template with named placeholders (`%(field)s`)."""

    template: str
    params: Mapping[str, Any]

    def __new__(cls, template: str, params: Mapping[str, Any] | None = None) -> SourceMessage:
        values = dict(params or {})
        obj = super().__new__(cls, template % {k: str(v) for k, v in values.items()} if values else template)
        obj.template = template
        obj.params = values
        return obj

    def __reduce__(self) -> tuple[Any, ...]:
        return (SourceMessage, (self.template, dict(self.params)))


def gettext_noop(message: str) -> str:
    """Marks a Japanese template for extraction into the message catalogues (makemessages knows this name);
    the template is translated when it is shown, by `procedures.i18n`."""
    return message


def english(value: Any) -> str:
    """The English form of a message parameter (catalogue texts give their English version)."""
    if isinstance(value, CatalogueText):
        return value.en or str(value)
    return str(value)
