"""介護保険 business records: the 要介護認定 process of one application, from 申請受付 to 認定結果.

A granted 要介護認定 application (新規・更新・区分変更) means the municipality has accepted it (受理); the
certification itself is then produced by the 認定調査, the 主治医意見書 and the 介護認定審査会, which happen after the
case is closed. So the decision handler opens one `CareNeedsCertification` per application in 申請受付, and the
office advances it step by step (with the date of each step) until the result is recorded with its validity period.
A 転入 (介護保険法 第36条) application carries the previous municipality's certification over without a new
investigation, so its record is opened with the result already set.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from madoguchi.core.models import TenantModel


class CertificationKind(models.TextChoices):
    NEW = "new", _("新規")
    RENEWAL = "renewal", _("更新")
    CHANGE = "change", _("区分変更")
    AFTER_MOVE = "after_move", _("転入（受給資格証明書による認定）")


class CertificationState(models.TextChoices):
    RECEIVED = "received", _("申請受付")
    SURVEY = "survey", _("認定調査")
    DOCTOR_OPINION = "doctor_opinion", _("主治医意見書")
    COMMITTEE = "committee", _("介護認定審査会")
    DECIDED = "decided", _("認定結果")


class CertificationResult(models.TextChoices):
    SUPPORT_1 = "support_1", _("要支援1")
    SUPPORT_2 = "support_2", _("要支援2")
    CARE_1 = "care_1", _("要介護1")
    CARE_2 = "care_2", _("要介護2")
    CARE_3 = "care_3", _("要介護3")
    CARE_4 = "care_4", _("要介護4")
    CARE_5 = "care_5", _("要介護5")
    NOT_APPLICABLE = "not_applicable", _("非該当（自立）")


class CareNeedsCertification(TenantModel):
    """One 要介護認定 application and its progress; the result and validity once decided."""

    resident = models.ForeignKey(
        "registry.Resident", verbose_name=_("被保険者"), on_delete=models.PROTECT, related_name="+"
    )
    insured_number = models.CharField(_("被保険者番号"), max_length=10, blank=True)
    case_reference = models.CharField(_("申請の受付番号"), max_length=40)
    kind = models.CharField(_("申請の種類"), max_length=16, choices=CertificationKind.choices)
    applied_on = models.DateField(_("申請日"))
    decision_due_on = models.DateField(_("認定の期限（申請から30日）"))
    state = models.CharField(_("状態"), max_length=16, choices=CertificationState.choices)
    previous_level = models.CharField(
        _("前回の要介護状態区分"), max_length=16, choices=CertificationResult.choices, blank=True
    )
    previous_valid_until = models.DateField(_("前回の有効期間の終了日"), null=True, blank=True)
    survey_on = models.DateField(_("認定調査の実施日"), null=True, blank=True)
    doctor_opinion_on = models.DateField(_("主治医意見書の受領日"), null=True, blank=True)
    committee_on = models.DateField(_("介護認定審査会の開催日"), null=True, blank=True)
    decided_on = models.DateField(_("認定日"), null=True, blank=True)
    result = models.CharField(_("認定結果"), max_length=16, choices=CertificationResult.choices, blank=True)
    valid_from = models.DateField(_("有効期間の開始日"), null=True, blank=True)
    valid_until = models.DateField(_("有効期間の終了日"), null=True, blank=True)
    renewal_opens_on = models.DateField(_("更新申請の受付開始日"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("記録日時"))

    class Meta:
        verbose_name = _("要介護認定")
        verbose_name_plural = _("要介護認定")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "case_reference"], name="care_certification_one_per_case"
            ),
            models.CheckConstraint(
                condition=Q(state="decided", decided_on__isnull=False) & ~Q(result="")
                | (~Q(state="decided") & Q(result="")),
                name="care_certification_result_iff_decided",
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "resident"], name="care_cert_resident_idx"),
            models.Index(fields=["municipality", "state"], name="care_cert_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case_reference}:{self.state}"


class CareCopayShare(TenantModel):
    """利用者負担の割合 (1–3割) of an insured person for a period (負担割合証: August to July)."""

    resident = models.ForeignKey(
        "registry.Resident", verbose_name=_("被保険者"), on_delete=models.PROTECT, related_name="+"
    )
    tenths = models.PositiveSmallIntegerField(
        _("負担割合"), choices=[(1, _("1割")), (2, _("2割")), (3, _("3割"))]
    )
    valid_from = models.DateField(_("適用開始日"))
    valid_until = models.DateField(_("適用終了日"))
    recorded_at = models.DateTimeField(_("記録日時"))

    class Meta:
        verbose_name = _("負担割合")
        verbose_name_plural = _("負担割合")
        constraints = [
            models.CheckConstraint(condition=Q(tenths__gte=1, tenths__lte=3), name="care_copay_share_tenths"),
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("valid_from")), name="care_copay_share_period"
            ),
        ]
        indexes = [models.Index(fields=["municipality", "resident", "valid_from"], name="care_copay_idx")]

    def __str__(self) -> str:
        return f"{self.resident_id}:{self.tenths}/{self.valid_from}"


class ReimbursementKind(models.TextChoices):
    EQUIPMENT = "equipment", _("特定福祉用具購入費")
    RENOVATION = "renovation", _("住宅改修費")


class RenovationResetReason(models.TextChoices):
    MOVED = "moved", _("転居による限度額の再設定")
    CARE_LEVEL_UP = "care_level_up", _("介護の必要の程度が3段階以上上がったことによる再設定")


class CareReimbursement(TenantModel):
    """One reimbursement (償還払い) computed when a 福祉用具購入費 / 住宅改修費 application is granted.

    The amounts are what `benefits.rules.care_insurance` returned against the limit already used (the sum of the
    person's earlier `counted_cost_yen` in the same fiscal year, or since the last 住宅改修 reset).
    """

    resident = models.ForeignKey(
        "registry.Resident", verbose_name=_("被保険者"), on_delete=models.PROTECT, related_name="+"
    )
    insured_number = models.CharField(_("被保険者番号"), max_length=10, blank=True)
    case_reference = models.CharField(_("申請の受付番号"), max_length=40)
    kind = models.CharField(_("種類"), max_length=16, choices=ReimbursementKind.choices)
    event_on = models.DateField(_("購入日・完成日"))
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    cost_yen = models.PositiveIntegerField(_("費用"))
    copay_tenths = models.PositiveSmallIntegerField(_("負担割合（割）"))
    limit_yen = models.PositiveIntegerField(_("支給限度基準額"))
    prior_counted_cost_yen = models.PositiveIntegerField(_("これまでに使った限度額"))
    counted_cost_yen = models.PositiveIntegerField(_("今回の対象費用"))
    reimbursable_yen = models.PositiveIntegerField(_("支給額"))
    resident_pays_yen = models.PositiveIntegerField(_("自己負担額"))
    remaining_limit_yen = models.PositiveIntegerField(_("残りの限度額"))
    # 住宅改修 only: the dwelling, the care level at the works, and whether this one started a fresh limit.
    dwelling_address = models.CharField(_("改修した住宅の住所"), max_length=200, blank=True)
    care_level = models.CharField(
        _("要介護状態区分"), max_length=16, choices=CertificationResult.choices, blank=True
    )
    limit_reset = models.CharField(
        _("限度額の再設定"), max_length=16, choices=RenovationResetReason.choices, blank=True
    )
    recorded_at = models.DateTimeField(_("記録日時"))

    class Meta:
        verbose_name = _("介護保険の償還払い")
        verbose_name_plural = _("介護保険の償還払い")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "case_reference", "fiscal_year"],
                name="care_reimbursement_per_case_fy",
            ),
            models.CheckConstraint(
                condition=Q(counted_cost_yen__lte=models.F("cost_yen")),
                name="care_reimbursement_counted_le_cost",
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "resident", "kind", "fiscal_year"], name="care_reimb_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case_reference}:{self.kind}:{self.reimbursable_yen}"

    @property
    def excluded_cost_yen(self) -> int:
        """The part of the cost over the limit: not reimbursed (the page explains it)."""
        return self.cost_yen - self.counted_cost_yen


class ReissuedCertificate(models.TextChoices):
    INSURANCE = "insurance", _("介護保険被保険者証")
    COST_SHARE = "cost_share", _("介護保険負担割合証")


class ReissueReason(models.TextChoices):
    LOST = "lost", _("紛失")
    DAMAGED = "damaged", _("破損")
    SOILED = "soiled", _("汚損")
    OTHER = "other", _("その他")


class ReissueDelivery(models.TextChoices):
    POST = "post", _("郵送")
    COUNTER = "counter", _("窓口で受け取り")


class CareCertificateReissue(TenantModel):
    """再交付 of a 被保険者証 or 負担割合証: when, why and how it is handed over (one per granted application)."""

    resident = models.ForeignKey(
        "registry.Resident", verbose_name=_("被保険者"), on_delete=models.PROTECT, related_name="+"
    )
    insured_number = models.CharField(_("被保険者番号"), max_length=10, blank=True)
    case_reference = models.CharField(_("申請の受付番号"), max_length=40)
    certificate = models.CharField(_("再交付する証"), max_length=16, choices=ReissuedCertificate.choices)
    reason = models.CharField(_("再交付の理由"), max_length=16, choices=ReissueReason.choices)
    other_reason = models.CharField(_("その他の理由"), max_length=200, blank=True)
    delivery = models.CharField(_("受け取り方法"), max_length=16, choices=ReissueDelivery.choices)
    reissued_on = models.DateField(_("再交付日"))
    recorded_at = models.DateTimeField(_("記録日時"))

    class Meta:
        verbose_name = _("証の再交付")
        verbose_name_plural = _("証の再交付")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "case_reference"], name="care_reissue_one_per_case"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_reference}:{self.certificate}"


class CarePlanRequestKind(models.TextChoices):
    NEW = "new", _("新規")
    CHANGE = "change", _("事業者の変更")


class CarePlanProviderKind(models.TextChoices):
    CARE_MANAGEMENT = "care_management", _("居宅介護支援事業者")
    COMMUNITY_SUPPORT_CENTER = "community_support_center", _("地域包括支援センター")
    SMALL_MULTIFUNCTION = "small_multifunction", _("小規模多機能型居宅介護事業者")


class CarePlanFiling(TenantModel):
    """居宅サービス計画作成依頼（変更）届出: which support provider makes the care plan, from when."""

    resident = models.ForeignKey(
        "registry.Resident", verbose_name=_("被保険者"), on_delete=models.PROTECT, related_name="+"
    )
    insured_number = models.CharField(_("被保険者番号"), max_length=10, blank=True)
    case_reference = models.CharField(_("届出の受付番号"), max_length=40)
    request_kind = models.CharField(_("届出の種類"), max_length=16, choices=CarePlanRequestKind.choices)
    starts_on = models.DateField(_("計画作成の開始日"))
    change_reason = models.CharField(_("変更の理由"), max_length=500, blank=True)
    provider_kind = models.CharField(_("事業者の種類"), max_length=32, choices=CarePlanProviderKind.choices)
    provider_name = models.CharField(_("事業者の名称"), max_length=200)
    provider_number = models.CharField(_("事業所番号"), max_length=10)
    provider_address = models.CharField(_("事業者の所在地"), max_length=200)
    provider_phone = models.CharField(_("事業者の電話番号"), max_length=20)
    filed_on = models.DateField(_("届出日"))
    recorded_at = models.DateTimeField(_("記録日時"))

    class Meta:
        verbose_name = _("居宅サービス計画作成依頼届出")
        verbose_name_plural = _("居宅サービス計画作成依頼届出")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "case_reference"], name="care_plan_one_per_case")
        ]

    def __str__(self) -> str:
        return f"{self.case_reference}:{self.provider_number}"
