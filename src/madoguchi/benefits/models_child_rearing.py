"""児童扶養手当: the 受給者 (registered by staff) and the annual review fed by the 現況届 (benefits.md §2).

The 認定請求 is not an online procedure, so clerks register the existing recipients. A granted 現況届 case opens the
review of its year in state 所得確認待ち; the online form carries no income, so a clerk enters the income facts from
the 課税台帳 and the result is computed with `benefits.rules.child_rearing_allowance.quote`. Each result is an
immutable revision: a correction adds the next revision, it never edits one.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from madoguchi.core.models import TenantModel

STATUS_REPORT_PROCEDURE = "child_rearing_allowance_status_report"


class ChildRearingRecipient(TenantModel):
    """A 児童扶養手当 受給者 (受給資格者) as certified by the 認定請求."""

    resident = models.ForeignKey(
        "registry.Resident", verbose_name=_("受給者"), on_delete=models.PROTECT, related_name="+"
    )
    certificate_number = models.CharField(_("証書番号"), max_length=20)
    children_count = models.PositiveSmallIntegerField(_("対象児童の数"))
    certified_from = models.DateField(_("認定年月日"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登録した職員"), on_delete=models.PROTECT, related_name="+"
    )
    registered_at = models.DateTimeField(_("登録日時"))

    class Meta:
        verbose_name = _("児童扶養手当の受給者")
        verbose_name_plural = _("児童扶養手当の受給者")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "certificate_number"], name="child_rearing_certificate_unique"
            ),
            models.UniqueConstraint(
                fields=["municipality", "resident"], name="child_rearing_one_per_resident"
            ),
            models.CheckConstraint(condition=Q(children_count__gte=1), name="child_rearing_children_ge_1"),
        ]

    def __str__(self) -> str:
        return self.certificate_number


class ReviewState(models.TextChoices):
    AWAITING_INCOME = "awaiting_income", _("所得確認待ち")
    CONFIRMED = "confirmed", _("確定")


class ChildRearingReview(TenantModel):
    """The annual review of one recipient for one year, opened by the granted 現況届 of that year."""

    recipient = models.ForeignKey(
        ChildRearingRecipient, verbose_name=_("受給者"), on_delete=models.PROTECT, related_name="reviews"
    )
    # The fiscal year (April–March) of the report; the allowance year it decides runs November → October.
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    income_year = models.PositiveSmallIntegerField(_("所得の年"))
    case_reference = models.CharField(_("現況届の受付番号"), max_length=40)
    reported_on = models.DateField(_("現況届の受付日"))
    children_count = models.PositiveSmallIntegerField(_("対象児童の数（現況届）"))
    de_facto_marriage = models.BooleanField(_("事実上の婚姻関係にある方がいる"))
    public_pension = models.BooleanField(_("公的年金を受けている"))
    child_support_received = models.BooleanField(_("養育費を受け取った"))
    child_support_yen = models.PositiveIntegerField(_("申告された養育費の額"), default=0)
    exemption_applies = models.BooleanField(_("一部支給停止適用除外事由の届出"))
    exemption_reason = models.CharField(_("適用除外の事由"), max_length=20, blank=True)
    state = models.CharField(
        _("状態"), max_length=20, choices=ReviewState.choices, default=ReviewState.AWAITING_INCOME
    )
    opened_at = models.DateTimeField(_("登録日時"))

    class Meta:
        verbose_name = _("児童扶養手当の現況審査")
        verbose_name_plural = _("児童扶養手当の現況審査")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "fiscal_year"], name="child_rearing_review_per_year"
            ),
            models.UniqueConstraint(
                fields=["municipality", "case_reference"], name="child_rearing_review_per_case"
            ),
            models.CheckConstraint(condition=Q(children_count__gte=1), name="child_rearing_review_children"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}:{self.fiscal_year}"


class IncomeSource(models.TextChoices):
    TAX_LEDGER = "tax_ledger", _("住民税課税台帳")
    OTHER_MUNICIPALITY = "other_municipality", _("他の市区町村への照会")
    DECLARATION = "declaration", _("受給者の申告")


class PaymentKindChoice(models.TextChoices):
    FULL = "full", _("全部支給")
    PARTIAL = "partial", _("一部支給")
    NONE = "none", _("全部停止")


class ChildRearingAssessment(TenantModel):
    """One confirmed result of a review (revision 1, 2, …): the income facts and the computed monthly amount."""

    review = models.ForeignKey(
        ChildRearingReview, verbose_name=_("現況審査"), on_delete=models.PROTECT, related_name="assessments"
    )
    revision = models.PositiveSmallIntegerField(_("版"))
    income_yen = models.PositiveIntegerField(_("所得（課税台帳）"))
    child_support_yen = models.PositiveIntegerField(_("養育費の額"))
    deductions_yen = models.PositiveIntegerField(_("諸控除の額"))
    assessed_income_yen = models.PositiveIntegerField(_("所得額（限度額と比べる額）"))
    dependents = models.PositiveSmallIntegerField(_("扶養親族等の数"))
    source = models.CharField(_("所得の確認方法"), max_length=20, choices=IncomeSource.choices)
    source_note = models.CharField(_("確認した資料"), max_length=200)
    children_count = models.PositiveSmallIntegerField(_("対象児童の数"))
    kind = models.CharField(_("支給区分"), max_length=10, choices=PaymentKindChoice.choices)
    monthly_yen = models.PositiveIntegerField(_("手当月額"))
    base_yen = models.PositiveIntegerField(_("本体額"))
    addition_yen_each = models.PositiveIntegerField(_("第2子以降の加算額（1人あたり）"))
    full_limit_yen = models.PositiveIntegerField(_("全部支給の所得制限限度額"))
    partial_limit_yen = models.PositiveIntegerField(_("一部支給の所得制限限度額"))
    correction_reason = models.CharField(_("訂正の理由"), max_length=200, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("確定した職員"), on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("確定日時"))

    class Meta:
        verbose_name = _("児童扶養手当の所得審査の結果")
        verbose_name_plural = _("児童扶養手当の所得審査の結果")
        constraints = [
            models.UniqueConstraint(fields=["review", "revision"], name="child_rearing_assessment_revision"),
            models.CheckConstraint(
                condition=Q(revision=1) | ~Q(correction_reason=""), name="child_rearing_correction_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.review_id}:r{self.revision}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A confirmed result is never edited: a correction is a new revision.
        if self.pk is not None:
            raise ValueError("a confirmed child-rearing allowance assessment cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("a confirmed child-rearing allowance assessment cannot be deleted")
