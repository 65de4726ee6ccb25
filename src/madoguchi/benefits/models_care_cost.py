"""介護保険 負担限度額認定 and 高額介護（予防）サービス費: the facts staff enter before the decision, and the results.

The online forms of these two procedures do not carry what the rules need (the household's 住民税 status, income
and 課税所得 from the 住民税課税台帳; the month's 利用者負担額 from the 国保連 claims data). Staff enter those facts
for one application (keyed by its receipt number) with their source; the decision handler refuses the grant until
they are there, then computes the result with `benefits.rules.care_insurance` and records it here.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from madoguchi.core.models import TenantModel

COST_CEILING_PROCEDURE = "cost_ceiling_certification"
HIGH_COST_PROCEDURE = "high_cost_care_benefit"


class CostProcedure(models.TextChoices):
    COST_CEILING = COST_CEILING_PROCEDURE, _("負担限度額認定")
    HIGH_COST = HIGH_COST_PROCEDURE, _("高額介護（予防）サービス費")


class FactSource(models.TextChoices):
    TAX_LEDGER = "tax_ledger", _("住民税課税台帳")
    KOKUHOREN = "kokuhoren", _("国保連の審査支払データ")
    DECLARATION = "declaration", _("申請者の申告")


class CostRoomType(models.TextChoices):
    MULTI_BED = "multi_bed", _("多床室")
    CONVENTIONAL_PRIVATE = "conventional_private", _("従来型個室")
    UNIT_PRIVATE = "unit_private", _("ユニット型個室")


class CostFacilityType(models.TextChoices):
    NURSING_HOME = "nursing_home", _("介護老人福祉施設（特養）・そのショートステイ")
    OTHER = "other", _("介護老人保健施設・介護医療院 等")


class CostCeilingStageChoice(models.TextChoices):
    STAGE_1 = "1", _("第1段階")
    STAGE_2 = "2", _("第2段階")
    STAGE_3A = "3a", _("第3段階①")
    STAGE_3B = "3b", _("第3段階②")


class HighCostBracketChoice(models.TextChoices):
    TAXABLE_690 = "taxable_690", _("課税所得690万円以上")
    TAXABLE_380 = "taxable_380", _("課税所得380万円以上690万円未満")
    TAXED = "taxed", _("住民税課税（課税所得380万円未満）")
    TAX_EXEMPT = "tax_exempt", _("世帯全員が住民税非課税")
    PUBLIC_ASSISTANCE = "public_assistance", _("生活保護等")


class CareCostFacts(TenantModel):
    """The facts for deciding one 負担限度額認定 or 高額介護サービス費 application, entered by staff."""

    resident = models.ForeignKey(
        "registry.Resident", verbose_name=_("被保険者"), on_delete=models.PROTECT, related_name="+"
    )
    case_reference = models.CharField(_("申請の受付番号"), max_length=40)
    procedure = models.CharField(_("手続"), max_length=40, choices=CostProcedure.choices)
    source = models.CharField(_("情報の出所"), max_length=16, choices=FactSource.choices)
    household_tax_exempt = models.BooleanField(_("世帯全員（別世帯の配偶者を含む）が住民税非課税"))
    on_public_assistance = models.BooleanField(_("生活保護を受給している"))
    old_age_welfare_pension = models.BooleanField(_("老齢福祉年金を受給している"))
    # 負担限度額認定
    has_spouse = models.BooleanField(_("配偶者がいる"), default=False)
    pension_income_yen = models.PositiveIntegerField(_("課税年金収入額"), default=0)
    non_taxable_pension_yen = models.PositiveIntegerField(_("非課税年金収入額（遺族・障害）"), default=0)
    other_income_yen = models.IntegerField(_("その他の合計所得金額（年金分を除く）"), default=0)
    savings_yen = models.PositiveBigIntegerField(_("預貯金等の額（配偶者の分を含む）"), default=0)
    room_type = models.CharField(_("居室の種類"), max_length=24, choices=CostRoomType.choices, blank=True)
    facility_type = models.CharField(
        _("施設の種類"), max_length=16, choices=CostFacilityType.choices, blank=True
    )
    short_stay = models.BooleanField(_("ショートステイ"), default=False)
    # 高額介護（予防）サービス費
    service_month = models.DateField(_("サービス提供月"), null=True, blank=True)
    highest_taxable_income_yen = models.PositiveBigIntegerField(
        _("世帯の第1号被保険者の課税所得（最も高い人）"), default=0
    )
    pension_and_other_income_yen = models.PositiveIntegerField(
        _("本人の年金収入額とその他の合計所得金額の合計"), default=0
    )
    copay_yen = models.PositiveIntegerField(_("本人の利用者負担額（月）"), default=0)
    household_others_copay_yen = models.PositiveIntegerField(
        _("同じ世帯の他の被保険者の利用者負担額（月）"), default=0
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("入力した職員"), on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(_("入力日時"))

    class Meta:
        verbose_name = _("審査に必要な情報（負担限度額・高額介護サービス費）")
        verbose_name_plural = _("審査に必要な情報（負担限度額・高額介護サービス費）")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "case_reference"], name="care_cost_facts_per_case"
            ),
            models.CheckConstraint(
                condition=~Q(procedure=HIGH_COST_PROCEDURE) | Q(service_month__isnull=False),
                name="care_cost_facts_high_cost_month",
            ),
        ]
        indexes = [models.Index(fields=["municipality", "resident"], name="care_cost_facts_res_idx")]

    def __str__(self) -> str:
        return f"{self.case_reference}:{self.procedure}"


class CareCostCeilingCertification(TenantModel):
    """A granted 負担限度額認定: the stage and the daily ceilings for the facility, valid to the next 31 July."""

    resident = models.ForeignKey(
        "registry.Resident", verbose_name=_("被保険者"), on_delete=models.PROTECT, related_name="+"
    )
    insured_number = models.CharField(_("被保険者番号"), max_length=10, blank=True)
    case_reference = models.CharField(_("申請の受付番号"), max_length=40)
    stage = models.CharField(_("利用者負担段階"), max_length=2, choices=CostCeilingStageChoice.choices)
    room_type = models.CharField(_("居室の種類"), max_length=24, choices=CostRoomType.choices)
    facility_type = models.CharField(_("施設の種類"), max_length=16, choices=CostFacilityType.choices)
    short_stay = models.BooleanField(_("ショートステイ"))
    food_daily_yen = models.PositiveIntegerField(_("食費の負担限度額（日額）"))
    accommodation_daily_yen = models.PositiveIntegerField(_("居住費の負担限度額（日額）"))
    valid_from = models.DateField(_("有効期間の開始日"))
    valid_until = models.DateField(_("有効期間の終了日"))
    recorded_at = models.DateTimeField(_("記録日時"))

    class Meta:
        verbose_name = _("負担限度額認定")
        verbose_name_plural = _("負担限度額認定")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "case_reference"], name="care_cost_ceiling_per_case"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("valid_from")), name="care_cost_ceiling_period"
            ),
        ]
        indexes = [models.Index(fields=["municipality", "resident"], name="care_cost_ceiling_res_idx")]

    def __str__(self) -> str:
        return f"{self.case_reference}:{self.stage}"


class HighCostCareBenefit(TenantModel):
    """高額介護（予防）サービス費 of one month for the insured person, computed when the application is granted."""

    resident = models.ForeignKey(
        "registry.Resident", verbose_name=_("被保険者"), on_delete=models.PROTECT, related_name="+"
    )
    insured_number = models.CharField(_("被保険者番号"), max_length=10, blank=True)
    case_reference = models.CharField(_("申請の受付番号"), max_length=40)
    service_month = models.DateField(_("サービス提供月"))
    bracket = models.CharField(_("所得区分"), max_length=24, choices=HighCostBracketChoice.choices)
    low_income_individual = models.BooleanField(_("個人の上限額（15,000円）の対象"))
    copay_yen = models.PositiveIntegerField(_("本人の利用者負担額"))
    household_copay_yen = models.PositiveIntegerField(_("世帯の利用者負担額の合計"))
    household_cap_yen = models.PositiveIntegerField(_("世帯の上限額"), null=True, blank=True)
    individual_cap_yen = models.PositiveIntegerField(_("個人の上限額"), null=True, blank=True)
    benefit_yen = models.PositiveIntegerField(_("支給額"))
    recorded_at = models.DateTimeField(_("記録日時"))

    class Meta:
        verbose_name = _("高額介護（予防）サービス費")
        verbose_name_plural = _("高額介護（予防）サービス費")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "case_reference"], name="care_high_cost_per_case"
            ),
            models.CheckConstraint(
                condition=Q(benefit_yen__lte=models.F("copay_yen")), name="care_high_cost_le_copay"
            ),
        ]
        indexes = [models.Index(fields=["municipality", "resident"], name="care_high_cost_res_idx")]

    def __str__(self) -> str:
        return f"{self.case_reference}:{self.service_month}:{self.benefit_yen}"
