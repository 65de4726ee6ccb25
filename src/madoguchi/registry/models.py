"""住民記録 (resident registry): households and residents (the current state of each resident record).

History is never edited: registry events (異動) append and carry the state they produce; these rows hold the
current state for fast search and display.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from madoguchi.core.models import TenantModel


class Sex(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class ResidentStatus(models.TextChoices):
    CURRENT = "current", _("住民")
    MOVED_OUT = "moved_out", _("転出（除票）")
    DECEASED = "deceased", _("死亡（除票）")


class ResidentKind(models.TextChoices):
    JAPANESE = "japanese", _("日本人住民")
    FOREIGN = "foreign", _("外国人住民")


class Household(TenantModel):
    """A 世帯: people sharing residence and livelihood, with one head (世帯主)."""

    household_number = models.CharField(_("世帯番号"), max_length=20)
    created_on = models.DateField(_("世帯を設けた日"))

    class Meta:
        verbose_name = _("世帯")
        verbose_name_plural = _("世帯")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "household_number"], name="household_unique_number"
            )
        ]

    def __str__(self) -> str:
        return self.household_number


class Resident(TenantModel):
    """One resident record (住民票), current or removed (除票)."""

    resident_record_code = models.CharField(_("住民票コード"), max_length=11)
    kind = models.CharField(
        _("住民種別"), max_length=10, choices=ResidentKind.choices, default=ResidentKind.JAPANESE
    )
    family_name = models.CharField(_("氏"), max_length=60)
    given_name = models.CharField(_("名"), max_length=60, blank=True)
    family_name_kana = models.CharField(_("氏（フリガナ）"), max_length=120)
    given_name_kana = models.CharField(_("名（フリガナ）"), max_length=120, blank=True)
    name_romaji = models.CharField(_("氏名（ローマ字）"), max_length=120, blank=True)
    former_family_name = models.CharField(_("旧氏"), max_length=60, blank=True)
    former_family_name_kana = models.CharField(_("旧氏（フリガナ）"), max_length=120, blank=True)
    alias_name = models.CharField(_("通称"), max_length=120, blank=True)
    alias_name_kana = models.CharField(_("通称（フリガナ）"), max_length=240, blank=True)
    # Search keys: width-, kana- and 異体字-folded (madoguchi.common.names / kana); the stored names keep IVS.
    name_search_key = models.CharField(max_length=130, editable=False)
    kana_search_key = models.CharField(max_length=250, editable=False)
    birth_date = models.DateField(_("生年月日"), null=True, blank=True)
    birth_date_unknown_text = models.CharField(
        _("生年月日不詳表記"),
        max_length=40,
        blank=True,
        help_text=_("例: 昭和年月日不詳（生年月日が不詳の場合）"),
    )
    sex = models.CharField(_("性別"), max_length=6, choices=Sex.choices)
    individual_number_encrypted = models.TextField(_("個人番号（暗号化）"), blank=True, editable=False)
    individual_number_index = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    prefecture = models.CharField(_("都道府県"), max_length=10)
    city = models.CharField(_("市区町村"), max_length=40)
    machiaza = models.CharField(_("町字"), max_length=60)
    machiaza_id = models.CharField(_("町字ID"), max_length=7, blank=True)
    block_number = models.CharField(_("番地・号"), max_length=60)
    address_supplement = models.CharField(_("方書"), max_length=120, blank=True)
    postal_code = models.CharField(_("郵便番号"), max_length=8, blank=True)
    became_resident_on = models.DateField(_("住民となった日"))
    address_set_on = models.DateField(_("住所を定めた日"))
    status = models.CharField(
        _("状態"),
        max_length=12,
        choices=ResidentStatus.choices,
        default=ResidentStatus.CURRENT,
        db_index=True,
    )
    removed_on = models.DateField(_("消除日"), null=True, blank=True)
    household = models.ForeignKey(
        Household,
        verbose_name=_("世帯"),
        on_delete=models.PROTECT,
        related_name="members",
        null=True,
        blank=True,
    )
    is_head = models.BooleanField(_("世帯主"), default=False)
    relationship = models.CharField(_("続柄"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("住民")
        verbose_name_plural = _("住民")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "resident_record_code"], name="resident_unique_record_code"
            ),
            models.UniqueConstraint(
                fields=["municipality", "individual_number_index"],
                condition=~models.Q(individual_number_index=""),
                name="resident_unique_individual_number",
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "name_search_key"]),
            models.Index(fields=["municipality", "kana_search_key"]),
            models.Index(fields=["municipality", "birth_date"]),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.family_name}　{self.given_name}".strip()

    @property
    def full_name_kana(self) -> str:
        return f"{self.family_name_kana}　{self.given_name_kana}".strip()

    @property
    def address(self) -> str:
        parts = [self.prefecture, self.city, self.machiaza, self.block_number]
        text = "".join(parts)
        return f"{text}　{self.address_supplement}" if self.address_supplement else text
