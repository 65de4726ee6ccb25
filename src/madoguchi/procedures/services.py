"""Writes of the per-municipality procedure policy (administrators only; audited in the same transaction)."""

from __future__ import annotations

import re
import unicodedata

from django.db import transaction

from madoguchi.core.access import require
from madoguchi.core.audit import record_audit
from madoguchi.core.errors import BusinessRuleViolation
from madoguchi.core.models import StaffUser
from madoguchi.core.roles import Action

from .engine import get_catalogue
from .models import MunicipalProcedureSetting

# Japanese telephone numbers: 10 digits (fixed line, 0X…) or 11 (mobile/IP 0X0…), hyphens allowed.
_PHONE_RE = re.compile(r"^0\d{9,10}$")
_MAX_NOTE = 2000


def _clean_text(value: str, field: str, label_ja: str, label_en: str, max_length: int) -> str:
    text = unicodedata.normalize("NFC", value or "").strip()
    if len(text) > max_length:
        raise BusinessRuleViolation(
            field,
            f"「{label_ja}」は{max_length}文字以内で入力してください（いま{len(text)}文字です）。",
            f"{label_en} must be at most {max_length} characters (it has {len(text)}).",
            "too_long",
        )
    return text


def _clean_phone(value: str) -> str:
    text = unicodedata.normalize("NFKC", value or "").strip()
    if not text:
        return ""
    digits = re.sub(r"[-‐―ー()（） ]", "", text)
    if not _PHONE_RE.match(digits):
        raise BusinessRuleViolation(
            "contact_phone",
            "「電話番号」は0から始まる10桁または11桁の数字で入力してください（例: 03-1234-5678）。",
            "The contact phone must be 10 or 11 digits starting with 0 (e.g. 03-1234-5678).",
            "invalid_phone",
        )
    return text


def configure_procedure(
    *,
    actor: StaffUser,
    code: str,
    enabled: bool,
    local_note_ja: str = "",
    local_note_en: str = "",
    contact_section_ja: str = "",
    contact_section_en: str = "",
    contact_phone: str = "",
    contact_hours_ja: str = "",
    contact_hours_en: str = "",
) -> MunicipalProcedureSetting:
    """Set the actor's municipality's policy for one catalogue procedure (administrators; audited)."""
    require(actor, Action.CONFIGURE_PROCEDURES)
    assert actor.municipality_id is not None  # require() refuses staff without a municipality
    if code not in get_catalogue().procedures:
        raise BusinessRuleViolation(
            "code",
            "この手続コードはカタログにありません（自動車保有関係の手続は設定できません）。",
            f"{code!r} is not a municipal procedure of the catalogue.",
            "unknown_procedure",
        )
    values = {
        "enabled": bool(enabled),
        "local_note_ja": _clean_text(
            local_note_ja, "local_note_ja", "お知らせ（日本語）", "Local note (ja)", _MAX_NOTE
        ),
        "local_note_en": _clean_text(
            local_note_en, "local_note_en", "お知らせ（英語）", "Local note (en)", _MAX_NOTE
        ),
        "contact_section_ja": _clean_text(
            contact_section_ja, "contact_section_ja", "担当課（日本語）", "Contact section (ja)", 80
        ),
        "contact_section_en": _clean_text(
            contact_section_en, "contact_section_en", "担当課（英語）", "Contact section (en)", 120
        ),
        "contact_phone": _clean_phone(contact_phone),
        "contact_hours_ja": _clean_text(
            contact_hours_ja, "contact_hours_ja", "受付時間（日本語）", "Contact hours (ja)", 120
        ),
        "contact_hours_en": _clean_text(
            contact_hours_en, "contact_hours_en", "受付時間（英語）", "Contact hours (en)", 160
        ),
    }
    with transaction.atomic():
        setting = (
            MunicipalProcedureSetting.objects.select_for_update()
            .filter(municipality_id=actor.municipality_id, procedure_code=code)
            .first()
        )
        before = setting.snapshot() if setting is not None else None
        if setting is None:
            setting = MunicipalProcedureSetting(municipality_id=actor.municipality_id, procedure_code=code)
        for name, value in values.items():
            setattr(setting, name, value)
        setting.save()
        record_audit(
            actor=actor,
            municipality=actor.municipality_id,
            action="configure_procedure",
            target_type="procedure_setting",
            target_id=code,
            before=before,
            after=setting.snapshot(),
        )
    return setting
