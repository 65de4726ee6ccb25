"""Core models: municipalities (tenants), staff accounts, the hash-chained audit log and the access log."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from madoguchi.common.checkdigits import is_valid_local_government_code

from .roles import Role, role_can


def validate_local_government_code(value: str) -> None:
    """Django validator: 6 digits with a correct check digit (全国地方公共団体コード)."""
    if not is_valid_local_government_code(value):
        raise ValidationError(
            _("地方公共団体コードは検査数字を含む6桁の数字です（%(value)s は正しくありません）。"),
            params={"value": value},
            code="invalid_local_government_code",
        )


class MunicipalityKind(models.TextChoices):
    PREFECTURE = "prefecture", _("都道府県")
    DESIGNATED_CITY = "designated_city", _("指定都市")
    DESIGNATED_CITY_WARD = "designated_city_ward", _("指定都市の区")
    SPECIAL_WARD = "special_ward", _("特別区")
    CITY = "city", _("市")
    TOWN = "town", _("町")
    VILLAGE = "village", _("村")


class Municipality(models.Model):
    """A local government (都道府県・市区町村) keyed by its 6-digit 全国地方公共団体コード. National reference data."""

    code = models.CharField(
        _("地方公共団体コード"), max_length=6, primary_key=True, validators=[validate_local_government_code]
    )
    name = models.CharField(_("名称"), max_length=40)
    name_kana = models.CharField(_("名称（カナ）"), max_length=80)
    prefecture = models.CharField(_("都道府県"), max_length=10)
    prefecture_code = models.CharField(_("都道府県コード"), max_length=2)
    kind = models.CharField(_("区分"), max_length=24, choices=MunicipalityKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上位団体"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("備考"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("地方公共団体")
        verbose_name_plural = _("地方公共団体")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class TenantModel(models.Model):
    """Base for every tenant-owned row: it carries its municipality (no cross-tenant foreign keys)."""

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("地方公共団体"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True


class StaffUserManager(UserManager["StaffUser"]):
    pass


class StaffUser(AbstractUser):
    """A municipality staff member. Office pages need a password and a verified TOTP device."""

    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("所属自治体"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("空欄はシステム運用者（自治体業務はできません）"),
    )
    role = models.CharField(_("役割"), max_length=20, choices=Role.choices, default=Role.COUNTER_CLERK)
    section = models.CharField(_("所属課"), max_length=60, blank=True)

    objects = StaffUserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("職員")
        verbose_name_plural = _("職員")

    def can(self, action: str) -> bool:
        """Whether this staff member's role allows `action` (see core.roles.PERMISSIONS)."""
        return self.is_active and self.municipality_id is not None and role_can(self.role, action)

    @property
    def display_name(self) -> str:
        return f"{self.last_name} {self.first_name}".strip() or self.username


class AuditChainHead(models.Model):
    """The last sequence number and hash of a municipality's audit chain; locked while appending."""

    municipality = models.OneToOneField(
        Municipality, on_delete=models.PROTECT, primary_key=True, related_name="+"
    )
    last_sequence = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("監査ログの先頭")

    def __str__(self) -> str:
        return f"{self.municipality_id}#{self.last_sequence}"


class AuditEntry(TenantModel):
    """One write, recorded in the same transaction as the change; hash-chained per municipality."""

    sequence = models.BigIntegerField(_("通番"))
    at = models.DateTimeField(_("日時"))
    actor_id = models.CharField(_("操作者ID"), max_length=64)
    actor_display = models.CharField(_("操作者"), max_length=150)
    action = models.CharField(_("操作"), max_length=64)
    target_type = models.CharField(_("対象種別"), max_length=64)
    target_id = models.CharField(_("対象ID"), max_length=64)
    before = models.JSONField(_("変更前"), null=True, blank=True)
    after = models.JSONField(_("変更後"), null=True, blank=True)
    request_id = models.CharField(_("リクエストID"), max_length=64, blank=True)
    previous_hash = models.CharField(_("前の行のハッシュ"), max_length=64)
    entry_hash = models.CharField(_("この行のハッシュ"), max_length=64)

    class Meta:
        verbose_name = _("監査ログ")
        verbose_name_plural = _("監査ログ")
        ordering = ["municipality_id", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "sequence"], name="audit_unique_sequence"),
        ]
        indexes = [
            models.Index(fields=["municipality", "at"]),
            models.Index(fields=["municipality", "target_type", "target_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id}#{self.sequence} {self.action}"

    def chain_payload(self) -> dict[str, Any]:
        """The fields covered by the hash: the content and the link to the previous row (not the position)."""
        return {
            "municipality": self.municipality_id,
            "at": self.at.isoformat(),
            "actor_id": self.actor_id,
            "actor_display": self.actor_display,
            "action": self.action,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "before": self.before,
            "after": self.after,
            "request_id": self.request_id,
            "previous_hash": self.previous_hash,
        }


class AccessPurpose(models.TextChoices):
    COUNTER_SERVICE = "counter_service", _("窓口での届出・相談対応")
    CERTIFICATE_ISSUANCE = "certificate_issuance", _("証明書の交付")
    REGISTRY_MAINTENANCE = "registry_maintenance", _("住民記録の事務")
    CASE_REVIEW = "case_review", _("申請の審査")
    BENEFIT_ADMINISTRATION = "benefit_administration", _("給付事務")
    TAX_SOCIAL_SECURITY = "tax_social_security", _("社会保障・税の事務（番号法別表）")
    AUDIT = "audit", _("監査")
    DISASTER_RESPONSE = "disaster_response", _("災害対応")
    CORE_SYSTEM_INTEGRATION = "core_system_integration", _("基幹システム連携")


class AccessLogEntry(TenantModel):
    """One read of a single person's data: who, whom, when and why."""

    at = models.DateTimeField(_("日時"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(StaffUser, verbose_name=_("職員"), on_delete=models.PROTECT, related_name="+")
    subject_type = models.CharField(_("対象種別"), max_length=64)
    subject_id = models.CharField(_("対象ID"), max_length=64)
    action = models.CharField(_("操作"), max_length=32, default="view")
    purpose = models.CharField(_("利用目的"), max_length=40, choices=AccessPurpose.choices)
    request_id = models.CharField(_("リクエストID"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("アクセスログ")
        verbose_name_plural = _("アクセスログ")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["municipality", "subject_type", "subject_id"])]

    def __str__(self) -> str:
        return f"{self.actor_id} → {self.subject_type}#{self.subject_id} ({self.purpose})"
