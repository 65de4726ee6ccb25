"""妊娠の届出: the pregnancy record, 母子健康手帳 issued for it, and 妊婦のための支援給付 requests (1回目・2回目)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from madoguchi.core.models import TenantModel


class PregnancyRecord(TenantModel):
    """One pregnancy notified by a granted `pregnancy_notification` case (the case's 受付番号 is the reference)."""

    resident = models.ForeignKey(
        "registry.Resident", verbose_name=_("妊婦（住民）"), on_delete=models.PROTECT, related_name="+"
    )
    case_reference = models.CharField(_("届出の受付番号"), max_length=20)
    notified_on = models.DateField(_("届出年月日"))
    weeks_at_notification = models.PositiveSmallIntegerField(_("届出時の妊娠週数"))
    expected_delivery_on = models.DateField(_("出産予定日"))
    fetus_count = models.PositiveSmallIntegerField(_("胎児の数"))
    institution = models.CharField(_("診断を受けた医療機関"), max_length=120, blank=True)
    # 母子保健法 §16: one handbook per fetus (rules.pregnancy.maternal_handbooks_to_issue).
    handbooks_to_issue = models.PositiveSmallIntegerField(_("交付する母子健康手帳の冊数"))
    created_at = models.DateTimeField(_("登録日時"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登録した職員"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("妊娠の届出")
        verbose_name_plural = _("妊娠の届出")
        ordering = ["-notified_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "case_reference"], name="pregnancy_unique_case"),
            models.CheckConstraint(condition=Q(fetus_count__gte=1), name="pregnancy_fetus_count_positive"),
        ]

    def __str__(self) -> str:
        return self.case_reference


class MaternalHandbook(TenantModel):
    """One 母子健康手帳 issued for a pregnancy (numbered per municipality)."""

    pregnancy = models.ForeignKey(
        PregnancyRecord, verbose_name=_("妊娠の届出"), on_delete=models.PROTECT, related_name="handbooks"
    )
    handbook_number = models.CharField(_("母子健康手帳の番号"), max_length=20)
    issued_on = models.DateField(_("交付日"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("交付した職員"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("記録日時"))

    class Meta:
        verbose_name = _("母子健康手帳")
        verbose_name_plural = _("母子健康手帳")
        ordering = ["handbook_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "handbook_number"], name="maternal_handbook_unique_number"
            )
        ]

    def __str__(self) -> str:
        return self.handbook_number


class SupportPayment(models.TextChoices):
    FIRST = "first", _("1回目（妊婦給付認定後）")
    SECOND = "second", _("2回目（胎児の数の届出後）")


class SupportRequestStatus(models.TextChoices):
    REQUESTED = "requested", _("申請受付")
    APPROVED = "approved", _("支給決定（支払可能）")


class PregnancySupportRequest(TenantModel):
    """A 妊婦支援給付金 request (1回目 or 2回目) with its amount by the rules; a clerk approves it, then it is payable."""

    pregnancy = models.ForeignKey(
        PregnancyRecord,
        verbose_name=_("妊娠の届出"),
        on_delete=models.PROTECT,
        related_name="support_requests",
    )
    payment = models.CharField(_("支給の回"), max_length=10, choices=SupportPayment.choices)
    fetus_count = models.PositiveSmallIntegerField(_("胎児の数"), null=True, blank=True)  # 2回目 only
    requested_on = models.DateField(_("申請日"))
    amount_yen = models.PositiveIntegerField(_("支給額"))
    status = models.CharField(
        _("状況"), max_length=10, choices=SupportRequestStatus.choices, default=SupportRequestStatus.REQUESTED
    )
    created_at = models.DateTimeField(_("登録日時"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登録した職員"), on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("支給決定日時"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("支給決定した職員"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("妊婦支援給付金の申請")
        verbose_name_plural = _("妊婦支援給付金の申請")
        ordering = ["pregnancy", "payment"]
        constraints = [
            models.UniqueConstraint(
                fields=["pregnancy", "payment"], name="pregnancy_support_once_per_payment"
            ),
            models.CheckConstraint(
                condition=Q(status="requested") | Q(approved_at__isnull=False),
                name="pregnancy_support_approved_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pregnancy_id}:{self.payment}"
