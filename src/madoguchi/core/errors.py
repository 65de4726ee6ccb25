"""Domain errors raised by services and selectors; adapters turn them into pages or problem details."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import get_language, gettext, gettext_noop


def _in_page_language(message_ja: str, message_en: str) -> str:
    """English pages get the English message; the others the Japanese one, translated when it is a catalogue
    msgid (gettext returns any other text unchanged)."""
    if (get_language() or "ja").startswith("en") and message_en:
        return message_en
    return gettext(message_ja) if message_ja else message_en


class ActionNotPermitted(PermissionDenied):
    """The actor's role does not allow this action (or the actor belongs to no municipality)."""

    def __init__(self, action: str, message_ja: str | None = None) -> None:
        self.action = action
        self.message_ja = message_ja or gettext_noop("この操作を行う権限がありません。")
        super().__init__(f"Your role does not permit the action '{action}'.")

    @property
    def message(self) -> str:
        """The message for the page, in its language."""
        return _in_page_language(self.message_ja, "You are not permitted to do this.")


class NotFoundInMunicipality(LookupError):
    """The record does not exist in the actor's municipality (another municipality's record looks the same)."""

    def __init__(self, what: str = "record") -> None:
        self.what = what
        super().__init__(f"No such {what} in your municipality.")


class BusinessRuleViolation(ValueError):
    """Input that breaks a rule; names the field and the rule in Japanese (UI) and English (API)."""

    def __init__(self, field: str, message_ja: str, message_en: str, code: str = "invalid") -> None:
        self.field = field
        self.message_ja = message_ja
        self.message_en = message_en
        self.code = code
        super().__init__(message_en)

    @property
    def message(self) -> str:
        """The message for the page, in its language (staff pages: Japanese or English)."""
        return _in_page_language(self.message_ja, self.message_en)
