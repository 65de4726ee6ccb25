"""Core business systems (基幹システム) that pull decided cases, and the feed of decided cases they read.

Imported at the end of `casework.models` so Django registers these models in the casework app.

- `CoreSystem`: one consuming system of one municipality (e.g. 児童手当システム), the procedures it may pull and its
  credential (an HMAC-SHA-256 key, stored encrypted; the plain key is shown once when issued or rotated).
- `DecidedCaseFeedEntry`: one decided case, numbered by a per-municipality sequence allocated under a row lock
  (`DecidedCaseFeedHead`) in the decision's transaction, so sequence order is commit order: a consumer that has read
  up to N never later finds a committed entry below N.
- `CoreSystemNonce`: nonces of signed requests already seen (replay protection) inside the clock-skew window.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from madoguchi.core.models import Municipality, TenantModel

from .models import Case, _AppendOnly


class CoreSystem(TenantModel):
    """A core business system (基幹システム) allowed to pull decided cases of some procedures (HMAC-signed calls)."""

    client_id = models.CharField(_("クライアントID"), max_length=40, unique=True)
    name = models.CharField(_("システム名"), max_length=100)
    procedures = models.JSONField(_("取得できる手続（手続コード）"), default=list)
    secret_encrypted = models.TextField(_("署名鍵（暗号化）"))
    secret_hint = models.CharField(_("署名鍵の末尾"), max_length=8)
    credential_issued_at = models.DateTimeField(_("署名鍵の発行日時"))
    revoked_at = models.DateTimeField(_("失効日時"), null=True, blank=True)
    # The access log names a staff account; the system reads through its own, inactive (cannot log in) account.
    service_account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("アクセスログ上のアカウント"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登録日時"))
    updated_at = models.DateTimeField(_("更新日時"))

    class Meta:
        verbose_name = _("基幹システム")
        verbose_name_plural = _("基幹システム")
        ordering = ["municipality_id", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="core_system_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id}:{self.name} ({self.client_id})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class CoreSystemNonce(models.Model):
    """A nonce a core system has used (one use each); rows older than the clock-skew window are pruned."""

    system = models.ForeignKey(CoreSystem, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=64)
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("使用済みのノンス")
        verbose_name_plural = _("使用済みのノンス")
        constraints = [
            models.UniqueConstraint(fields=["system", "nonce"], name="core_system_nonce_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.system_id}:{self.nonce}"


class DecidedCaseFeedHead(models.Model):
    """The last sequence number of a municipality's decided-case feed; locked while a decision appends to it."""

    municipality = models.OneToOneField(
        Municipality, primary_key=True, on_delete=models.PROTECT, related_name="+"
    )
    last_sequence = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("決定済み案件の連番")
        verbose_name_plural = _("決定済み案件の連番")

    def __str__(self) -> str:
        return f"{self.municipality_id}#{self.last_sequence}"


class DecidedCaseFeedEntry(TenantModel, _AppendOnly):
    """One decided case in the order core systems read them (the cursor is its `sequence`)."""

    sequence = models.PositiveBigIntegerField(_("連番"))
    # SET_NULL: disposal after the retention period (retention.py) removes the case; the entry stays, skipped.
    case = models.OneToOneField(
        Case,
        verbose_name=_("案件"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="decided_feed_entry",
    )
    procedure_code = models.CharField(_("手続コード"), max_length=60)
    receipt_number = models.CharField(_("受付番号"), max_length=20)
    published_at = models.DateTimeField(_("登録日時"))

    class Meta:
        verbose_name = _("決定済み案件の提供記録")
        verbose_name_plural = _("決定済み案件の提供記録")
        ordering = ["municipality_id", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "sequence"], name="decided_feed_unique_sequence"),
        ]
        indexes = [
            models.Index(
                fields=["municipality", "procedure_code", "sequence"], name="decided_feed_procedure_seq"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id}#{self.sequence} {self.receipt_number}"
