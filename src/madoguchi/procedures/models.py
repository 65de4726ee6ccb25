"""Per-municipality policy for the catalogue's procedures. The catalogue itself is versioned data (JSON files);
the database holds only what a municipality decides locally: whether it accepts a procedure online, a local note
and the contact that every procedure page names (UX: "every procedure page names a real contact")."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from madoguchi.core.models import TenantModel


class MunicipalProcedureSetting(TenantModel):
    """A municipality's setting for one catalogue procedure. No row = the defaults (enabled, default contact)."""

    procedure_code = models.CharField(_("手続コード"), max_length=64)
    enabled = models.BooleanField(_("オンライン申請を受け付ける"), default=True)
    local_note_ja = models.TextField(_("自治体からのお知らせ（日本語）"), blank=True)
    local_note_en = models.TextField(_("自治体からのお知らせ（英語）"), blank=True)
    contact_section_ja = models.CharField(_("担当課（日本語）"), max_length=80, blank=True)
    contact_section_en = models.CharField(_("担当課（英語）"), max_length=120, blank=True)
    contact_phone = models.CharField(_("電話番号"), max_length=20, blank=True)
    contact_hours_ja = models.CharField(_("受付時間（日本語）"), max_length=120, blank=True)
    contact_hours_en = models.CharField(_("受付時間（英語）"), max_length=160, blank=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        verbose_name = _("手続の自治体設定")
        verbose_name_plural = _("手続の自治体設定")
        ordering = ["municipality_id", "procedure_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "procedure_code"], name="procedure_setting_unique_code"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id}:{self.procedure_code}"

    def snapshot(self) -> dict[str, object]:
        """The audited fields, for before/after in the audit log."""
        return {
            "procedure_code": self.procedure_code,
            "enabled": self.enabled,
            "local_note_ja": self.local_note_ja,
            "local_note_en": self.local_note_en,
            "contact_section_ja": self.contact_section_ja,
            "contact_section_en": self.contact_section_en,
            "contact_phone": self.contact_phone,
            "contact_hours_ja": self.contact_hours_ja,
            "contact_hours_en": self.contact_hours_en,
        }
