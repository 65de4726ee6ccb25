"""保育: 教育・保育給付認定 (1号/2号/3号) per child, facilities, and placement applications (利用申込・利用調整)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from madoguchi.core.models import TenantModel


class ChildcareCategory(models.TextChoices):
    TYPE_1 = "1", _("1号認定（教育標準時間認定）")
    TYPE_2 = "2", _("2号認定（満3歳以上・保育認定）")
    TYPE_3 = "3", _("3号認定（満3歳未満・保育認定）")


class ChildcareHours(models.TextChoices):
    STANDARD = "standard", _("保育標準時間")
    SHORT = "short", _("保育短時間")


class ChildcareCertification(TenantModel):
    """One child's 支給認定 from a granted `childcare_eligibility_certification` case (one row per child)."""

    applicant = models.ForeignKey(
        "registry.Resident", verbose_name=_("保護者（住民）"), on_delete=models.PROTECT, related_name="+"
    )
    certificate_number = models.CharField(_("認定証番号"), max_length=20)
    case_reference = models.CharField(_("申請の受付番号"), max_length=20)
    position = models.PositiveSmallIntegerField(_("申請書での順番"))
    child_name = models.CharField(_("子どもの氏名"), max_length=120)
    child_name_kana = models.CharField(_("子どもの氏名（フリガナ）"), max_length=120)
    child_birth_date = models.DateField(_("子どもの生年月日"))
    category = models.CharField(_("認定区分"), max_length=1, choices=ChildcareCategory.choices)
    # 保育必要量: only for 2号/3号 (1号 is 教育標準時間).
    hours = models.CharField(_("保育必要量"), max_length=10, choices=ChildcareHours.choices, blank=True)
    need_reason = models.CharField(_("保育を必要とする事由"), max_length=40, blank=True)
    valid_from = models.DateField(_("認定の有効期間（開始）"))
    valid_until = models.DateField(_("認定の有効期間（終了）"))
    certified_at = models.DateTimeField(_("認定日時"))
    certified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("認定した職員"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("教育・保育給付認定")
        verbose_name_plural = _("教育・保育給付認定")
        ordering = ["certificate_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "certificate_number"], name="childcare_cert_unique_number"
            ),
            models.UniqueConstraint(
                fields=["municipality", "case_reference", "position"], name="childcare_cert_unique_child"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gte=F("valid_from")), name="childcare_cert_valid_range"
            ),
            models.CheckConstraint(
                condition=(Q(category="1") & Q(hours="")) | (~Q(category="1") & ~Q(hours="")),
                name="childcare_cert_hours_for_care_only",
            ),
        ]

    def __str__(self) -> str:
        return self.certificate_number


class ChildcareFacility(TenantModel):
    """A 保育所・認定こども園・小規模保育 the municipality places children in (施設コード unique per municipality)."""

    code = models.CharField(_("施設コード"), max_length=20)
    name = models.CharField(_("施設名"), max_length=120)
    kind = models.CharField(_("施設の種類"), max_length=40)
    capacity = models.PositiveIntegerField(_("定員"))
    active = models.BooleanField(_("受入中"), default=True)

    class Meta:
        verbose_name = _("保育施設")
        verbose_name_plural = _("保育施設")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "code"], name="childcare_facility_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PlacementStatus(models.TextChoices):
    APPLIED = "applied", _("申請中")
    SCREENING = "screening", _("選考中")
    OFFERED = "offered", _("内定")
    WAITING = "waiting", _("保留（待機）")
    PLACED = "placed", _("入所決定")
    DECLINED = "declined", _("辞退")


class PlacementApplication(TenantModel):
    """A 利用申込 (from a granted `childcare_placement_application` case) and where 利用調整 has taken it."""

    applicant = models.ForeignKey(
        "registry.Resident", verbose_name=_("保護者（住民）"), on_delete=models.PROTECT, related_name="+"
    )
    case_reference = models.CharField(_("申請の受付番号"), max_length=20)
    child_name = models.CharField(_("子どもの氏名"), max_length=120)
    child_name_kana = models.CharField(_("子どもの氏名（フリガナ）"), max_length=120)
    child_birth_date = models.DateField(_("子どもの生年月日"))
    certificate_number = models.CharField(_("認定証番号"), max_length=20, blank=True)
    start_on = models.DateField(_("利用希望日"))
    accept_other_facility = models.BooleanField(_("希望施設以外でも利用する"))
    circumstances = models.JSONField(_("調整で考慮する事情"), default=list)
    status = models.CharField(
        _("状況"), max_length=10, choices=PlacementStatus.choices, default=PlacementStatus.APPLIED
    )
    assigned_facility = models.ForeignKey(
        ChildcareFacility,
        verbose_name=_("利用調整の結果の施設"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    outcome_note = models.CharField(_("利用調整の記録"), max_length=500, blank=True)
    received_on = models.DateField(_("受付日"))
    created_at = models.DateTimeField(_("登録日時"))
    updated_at = models.DateTimeField(_("更新日時"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("更新した職員"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("保育の利用申込")
        verbose_name_plural = _("保育の利用申込")
        ordering = ["-received_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "case_reference"], name="placement_unique_case"),
            models.CheckConstraint(
                condition=Q(assigned_facility__isnull=True) | Q(status__in=["offered", "placed", "declined"]),
                name="placement_facility_only_when_offered",
            ),
            models.CheckConstraint(
                condition=Q(assigned_facility__isnull=False) | ~Q(status__in=["offered", "placed"]),
                name="placement_offered_has_facility",
            ),
        ]

    def __str__(self) -> str:
        return self.case_reference


class PlacementPreference(TenantModel):
    """One ranked 希望施設 of an application (rank 1 = first choice); `facility` is set when the code is known."""

    application = models.ForeignKey(
        PlacementApplication, verbose_name=_("利用申込"), on_delete=models.CASCADE, related_name="preferences"
    )
    rank = models.PositiveSmallIntegerField(_("希望順位"))
    facility = models.ForeignKey(
        ChildcareFacility,
        verbose_name=_("施設"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    facility_name = models.CharField(_("申請書の施設名"), max_length=120)
    facility_code = models.CharField(_("申請書の施設コード"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("希望施設")
        verbose_name_plural = _("希望施設")
        ordering = ["application", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["application", "rank"], name="placement_pref_unique_rank")
        ]

    def __str__(self) -> str:
        return f"{self.application_id}:{self.rank}"
