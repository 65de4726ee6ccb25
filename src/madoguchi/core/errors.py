"""Domain errors raised by services and selectors; adapters turn them into pages or problem details."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied


class ActionNotPermitted(PermissionDenied):
    """The actor's role does not allow this action (or the actor belongs to no municipality)."""

    def __init__(self, action: str, message_ja: str | None = None) -> None:
        self.action = action
        self.message_ja = message_ja or "この操作を行う権限がありません。"
        super().__init__(f"Your role does not permit the action '{action}'.")


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
