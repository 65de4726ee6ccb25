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
    # 転入前住所 (outside the municipality) and 転居前住所 (inside) are kept apart: the standard's 住民票 prints them
    # separately (registry.md §6).
    moved_in_from_address = models.CharField(_("転入前住所"), max_length=200, blank=True)
    previous_address = models.CharField(_("転居前住所"), max_length=200, blank=True)
    move_out_destination = models.CharField(_("転出先住所"), max_length=200, blank=True)
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
    # The date of the earliest recorded event that is not yet reflected in this row (a 転出 with a planned date);
    # `apply_due_move_outs` brings the row up to date on that day.
    pending_change_on = models.DateField(_("予定された異動の日"), null=True, blank=True, db_index=True)
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
        # Resident search (registry.selectors.search_residents) answers every criterion from one of these: a prefix
        # range on the folded name/kana key or on 町字 + 番地・号, after the tenant. The trailing columns make them
        # covering for the first step of a search (ids in 50音 order; `id` is listed because PostgreSQL indexes do
        # not carry the key), so even a common surname is sorted inside the index without reading the rows.
        # varchar_pattern_ops lets PostgreSQL serve LIKE 'prefix%' whatever the database collation; other backends
        # ignore opclasses.
        indexes = [
            models.Index(
                fields=["municipality", "name_search_key", "status", "kana_search_key", "birth_date", "id"],
                name="resident_name_key_idx",
                opclasses=[*["varchar_pattern_ops"] * 4, "date_ops", "int8_ops"],
            ),
            models.Index(
                fields=["municipality", "kana_search_key", "birth_date", "status", "id"],
                name="resident_kana_key_idx",
                opclasses=[
                    "varchar_pattern_ops",
                    "varchar_pattern_ops",
                    "date_ops",
                    "varchar_pattern_ops",
                    "int8_ops",
                ],
            ),
            models.Index(fields=["municipality", "birth_date"]),
            models.Index(
                fields=[
                    "municipality",
                    "machiaza",
                    "block_number",
                    "status",
                    "kana_search_key",
                    "birth_date",
                    "id",
                ],
                name="resident_address_idx",
                opclasses=[*["varchar_pattern_ops"] * 5, "date_ops", "int8_ops"],
            ),
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


class EventKind(models.TextChoices):
    INITIAL_REGISTRATION = (
        "initial_registration",
        _("移行登録"),
    )  # carried over from the previous system / import
    MOVE_IN = "move_in", _("転入")
    MOVE_OUT = "move_out", _("転出")
    RELOCATION = "relocation", _("転居")
    BIRTH = "birth", _("出生")
    DEATH = "death", _("死亡")
    HEAD_CHANGE = "head_change", _("世帯主変更")
    HOUSEHOLD_SPLIT = "household_split", _("世帯分離")
    HOUSEHOLD_MERGE = "household_merge", _("世帯合併")
    NAME_CHANGE = "name_change", _("氏名変更")
    CORRECTION = "correction", _("職権修正")


class RegistryEvent(TenantModel):
    """One 異動: appended, never edited. `state_after` is the resident record as it stood from `effective_on`.

    Valid time (異動日 `effective_on`) ≠ filing date (届出日 `filed_on`) ≠ record time (処理日時 `recorded_at`):
    the state on a date is the `state_after` of the latest event effective on or before that date (ties broken by
    record time), so a late-filed or corrected event changes what the registry says about the past without editing it.
    """

    resident = models.ForeignKey(
        Resident, verbose_name=_("住民"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("異動の種類"), max_length=24, choices=EventKind.choices)
    effective_on = models.DateField(_("異動日"))
    filed_on = models.DateField(_("届出日"), null=True, blank=True, help_text=_("職権による記載は空欄"))
    recorded_at = models.DateTimeField(_("処理日時"))
    household = models.ForeignKey(
        Household,
        verbose_name=_("異動後の世帯"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    state_after = models.JSONField(_("異動後の記載事項"))
    changes = models.JSONField(_("変更内容"), default=dict, blank=True)
    reason = models.CharField(_("事由"), max_length=200, blank=True)
    warnings = models.JSONField(_("注意事項"), default=list, blank=True)
    # Facts of the 届出 that are not resident items: 特例転入/特例転出, the 転出証明書 number, the related persons …
    details = models.JSONField(_("届出の内容"), default=dict, blank=True)
    actor_id = models.CharField(_("処理者ID"), max_length=64)
    actor_display = models.CharField(_("処理者"), max_length=150)

    class Meta:
        verbose_name = _("異動")
        verbose_name_plural = _("異動")
        ordering = ["effective_on", "recorded_at", "id"]
        indexes = [
            models.Index(fields=["resident", "effective_on", "recorded_at"]),
            models.Index(fields=["municipality", "household", "effective_on"]),
            models.Index(fields=["municipality", "kind", "effective_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.effective_on} #{self.resident_id}"
