"""介護保険 qualification (資格) records: who is insured by the municipality, under which number, from when to when."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from madoguchi.core.models import TenantModel


class CareInsuredCategory(models.TextChoices):
    # 介護保険法 第9条
    CATEGORY_1 = "1", _("第1号被保険者（65歳以上）")
    CATEGORY_2 = "2", _("第2号被保険者（40歳以上65歳未満の医療保険加入者）")


class CareAcquisitionReason(models.TextChoices):
    # 介護保険法 第10条: 年齢到達・転入などにより資格を取得する
    REACHED_AGE = "reached_age", _("年齢到達")
    MOVED_IN = "moved_in", _("転入")
    OTHER = "other", _("その他")


class CareLossReason(models.TextChoices):
    # 介護保険法 第11条: 住所を有しなくなった日・死亡した日の翌日に資格を喪失する
    MOVED_OUT = "moved_out", _("転出")
    DEATH = "death", _("死亡")
    OTHER = "other", _("その他")


class CareInsuranceQualification(TenantModel):
    """One period of 介護保険 insured status of a resident (資格取得日 … 資格喪失日), with the insured number.

    A resident keeps the same insured number for every period in the municipality; an open period has no
    `lost_on`. History is never edited: losing the status sets `lost_on` once, a new period is a new row.
    """

    resident = models.ForeignKey(
        "registry.Resident", verbose_name=_("住民"), on_delete=models.PROTECT, related_name="+"
    )
    insured_number = models.CharField(
        _("被保険者番号"), max_length=10, help_text=_("10桁（9桁の連番と検査数字）")
    )
    category = models.CharField(_("被保険者の区分"), max_length=1, choices=CareInsuredCategory.choices)
    acquired_on = models.DateField(_("資格取得日"))
    acquisition_reason = models.CharField(
        _("資格取得の事由"), max_length=16, choices=CareAcquisitionReason.choices
    )
    lost_on = models.DateField(_("資格喪失日"), null=True, blank=True)
    loss_reason = models.CharField(
        _("資格喪失の事由"), max_length=16, choices=CareLossReason.choices, blank=True
    )
    recorded_at = models.DateTimeField(_("記録日時"))

    class Meta:
        verbose_name = _("介護保険の資格")
        verbose_name_plural = _("介護保険の資格")
        constraints = [
            models.UniqueConstraint(
                fields=["resident"],
                condition=Q(lost_on__isnull=True),
                name="care_qualification_one_open_per_resident",
            ),
            models.UniqueConstraint(
                fields=["municipality", "insured_number"],
                condition=Q(lost_on__isnull=True),
                name="care_qualification_open_number_unique",
            ),
            models.CheckConstraint(
                condition=Q(lost_on__isnull=True) | Q(lost_on__gte=F("acquired_on")),
                name="care_qualification_lost_after_acquired",
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "resident", "acquired_on"], name="care_qual_resident_idx"),
            models.Index(fields=["municipality", "insured_number"], name="care_qual_number_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.insured_number} ({self.acquired_on}–{self.lost_on or ''})"

    def is_active_on(self, day: dt.date) -> bool:
        """Insured on `day`: acquired on or before it and not yet lost (the loss date itself is not covered)."""
        return self.acquired_on <= day and (self.lost_on is None or day < self.lost_on)


class CareInsuredNumberCounter(TenantModel):
    """The last insured-number serial a municipality assigned (row-locked while a number is assigned)."""

    last_serial = models.PositiveBigIntegerField(_("最後に付番した連番"), default=0)

    class Meta:
        verbose_name = _("被保険者番号の付番")
        verbose_name_plural = _("被保険者番号の付番")
        constraints = [
            models.UniqueConstraint(fields=["municipality"], name="care_number_counter_one_per_municipality")
        ]


# ---------------------------------------------------------------------------------------------------------------
# 児童手当: recipients (受給者) certified from decided 認定請求 cases, and payment runs (全銀 総合振込)


class ChildAllowancePaymentMethod(models.TextChoices):
    BANK_ACCOUNT = "bank_account", _("申請書の口座")
    PUBLIC_FUND_ACCOUNT = "public_fund_account", _("公金受取口座")


class ChildAllowanceRecipient(TenantModel):
    """One 児童手当 受給者 certified from a granted 認定請求 (the case's 受付番号 is kept as the reference).

    The amounts are not stored per month: they follow from the children and the rule functions
    (`rules.child_allowance`), so a payment run recomputes them for the months it pays.
    """

    resident = models.ForeignKey(
        "registry.Resident", verbose_name=_("受給者（住民）"), on_delete=models.PROTECT, related_name="+"
    )
    certification_number = models.CharField(_("認定番号"), max_length=20)
    case_reference = models.CharField(_("認定請求の受付番号"), max_length=20)
    claim_reason = models.CharField(_("請求の理由"), max_length=30)
    claimed_on = models.DateField(_("請求日"))
    event_on = models.DateField(_("出生日・転入日など"), null=True, blank=True)
    start_month = models.DateField(_("支給開始月"))
    end_month = models.DateField(_("支給終了月"), null=True, blank=True)
    payment_method = models.CharField(
        _("受取口座の種類"), max_length=24, choices=ChildAllowancePaymentMethod.choices
    )
    # 振込先口座 as filed (全銀 digits); empty for 公金受取口座 until the account is known to the office.
    bank_code = models.CharField(_("金融機関コード"), max_length=4, blank=True)
    bank_name = models.CharField(_("金融機関名"), max_length=60, blank=True)
    branch_code = models.CharField(_("支店コード"), max_length=3, blank=True)
    branch_name = models.CharField(_("支店名"), max_length=60, blank=True)
    account_type = models.CharField(_("預金種目"), max_length=1, blank=True)
    account_number = models.CharField(_("口座番号"), max_length=7, blank=True)
    account_holder_kana = models.CharField(_("口座名義（カナ）"), max_length=60, blank=True)
    certified_at = models.DateTimeField(_("認定日時"))
    certified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("認定した職員"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("児童手当の受給者")
        verbose_name_plural = _("児童手当の受給者")
        ordering = ["certification_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "certification_number"], name="ca_recipient_unique_number"
            ),
            models.UniqueConstraint(
                fields=["municipality", "case_reference"], name="ca_recipient_unique_case"
            ),
            models.CheckConstraint(
                condition=Q(end_month__isnull=True) | Q(end_month__gte=F("start_month")),
                name="ca_recipient_end_after_start",
            ),
        ]
        indexes = [models.Index(fields=["municipality", "start_month"], name="ca_recipient_start_idx")]

    def __str__(self) -> str:
        return self.certification_number


class ChildAllowanceChild(TenantModel):
    """A child counted for a recipient (paid, or 大学生年代 counted for the birth order only)."""

    recipient = models.ForeignKey(
        ChildAllowanceRecipient, verbose_name=_("受給者"), on_delete=models.PROTECT, related_name="children"
    )
    position = models.PositiveSmallIntegerField(_("申請書での順番"))
    name = models.CharField(_("氏名"), max_length=120)
    name_kana = models.CharField(_("氏名（フリガナ）"), max_length=120)
    birth_date = models.DateField(_("生年月日"))
    # 大学生年代: counts for the 多子加算 only when the recipient bears the living costs (確認書).
    supported = models.BooleanField(_("生計費を負担している（大学生年代）"), default=False)
    is_university_age = models.BooleanField(_("大学生年代"), default=False)
    # As of the start month (the rule functions recompute them for every later month).
    birth_order = models.PositiveSmallIntegerField(_("第何子か（支給開始月）"), null=True, blank=True)
    monthly_yen = models.PositiveIntegerField(_("月額（支給開始月）"), default=0)

    class Meta:
        verbose_name = _("児童手当の対象児童")
        verbose_name_plural = _("児童手当の対象児童")
        ordering = ["recipient", "position"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "position"], name="ca_child_unique_position")
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}:{self.position}"


class PaymentSettings(TenantModel):
    """The municipality's paying account (振込依頼人) for 全銀 総合振込 files, and its payment day."""

    requester_code = models.CharField(_("振込依頼人コード"), max_length=10)
    requester_name_kana = models.CharField(_("振込依頼人名（カナ）"), max_length=40)
    bank_code = models.CharField(_("仕向銀行番号"), max_length=4)
    bank_name_kana = models.CharField(_("仕向銀行名（カナ）"), max_length=15, blank=True)
    branch_code = models.CharField(_("仕向支店番号"), max_length=3)
    branch_name_kana = models.CharField(_("仕向支店名（カナ）"), max_length=15, blank=True)
    account_type = models.CharField(_("預金種目"), max_length=1)
    account_number = models.CharField(_("口座番号"), max_length=7)
    payment_day = models.PositiveSmallIntegerField(_("支払日（日）"), default=10)
    updated_at = models.DateTimeField(_("更新日時"))

    class Meta:
        verbose_name = _("振込元の設定")
        verbose_name_plural = _("振込元の設定")
        constraints = [
            models.UniqueConstraint(fields=["municipality"], name="payment_settings_one_per_municipality")
        ]


class PaymentRunStatus(models.TextChoices):
    DRAFT = "draft", _("作成済み（未出力）")
    EXPORTED = "exported", _("出力済み")


class PaymentRunLocked(ValueError):
    """A write to a payment run (or its items) after it was exported."""

    def __init__(self, run_id: int | None) -> None:
        super().__init__(f"payment run {run_id} was exported and cannot be changed")
        self.run_id = run_id


class PaymentRun(TenantModel):
    """One 児童手当 payment (支払月) as a 全銀 総合振込 file. Immutable once exported (the file's hash is kept)."""

    payment_month = models.DateField(_("支払月"))
    transfer_on = models.DateField(_("振込指定日"))
    status = models.CharField(
        _("状況"), max_length=10, choices=PaymentRunStatus.choices, default=PaymentRunStatus.DRAFT
    )
    created_at = models.DateTimeField(_("作成日時"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("作成した職員"), on_delete=models.PROTECT, related_name="+"
    )
    exported_at = models.DateTimeField(_("出力日時"), null=True, blank=True)
    exported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("出力した職員"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # 振込できない受給者を除いて出力することを職員が確認した記録
    blocked_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("除外を確認した職員"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    payee_count = models.PositiveIntegerField(_("振込件数"), default=0)
    total_yen = models.PositiveBigIntegerField(_("振込金額の合計"), default=0)
    transfer_file = models.BinaryField(_("全銀ファイル"), null=True, blank=True)
    file_sha256 = models.CharField(_("全銀ファイルのSHA-256"), max_length=64, blank=True)
    register_csv = models.TextField(_("振込明細（CSV）"), blank=True)

    class Meta:
        verbose_name = _("児童手当の支払")
        verbose_name_plural = _("児童手当の支払")
        ordering = ["-payment_month", "-id"]
        constraints = [
            # One run being prepared per payment month: two clerks creating at once get a clear refusal.
            models.UniqueConstraint(
                fields=["municipality", "payment_month"],
                condition=Q(status="draft"),
                name="payment_run_one_draft_per_month",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | (Q(exported_at__isnull=False) & ~Q(file_sha256="")),
                name="payment_run_exported_has_hash",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payment_month:%Y-%m} #{self.pk}"

    def save(self, *args: object, **kwargs: object) -> None:
        # 出力後は変更しない: the exported file is what the bank received; its row is never written again.
        if (
            self.pk is not None
            and PaymentRun.objects.filter(pk=self.pk, status=PaymentRunStatus.EXPORTED).exists()
        ):
            raise PaymentRunLocked(self.pk)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        if (
            self.pk is not None
            and PaymentRun.objects.filter(pk=self.pk, status=PaymentRunStatus.EXPORTED).exists()
        ):
            raise PaymentRunLocked(self.pk)
        return super().delete(*args, **kwargs)  # type: ignore[arg-type]


class PaymentItemStatus(models.TextChoices):
    INCLUDED = "included", _("振込対象")
    BLOCKED = "blocked", _("振込保留")


class PaymentItem(TenantModel):
    """One payee of a run: the amount for the covered months and a snapshot of the account written to the file."""

    run = models.ForeignKey(
        PaymentRun, verbose_name=_("支払"), on_delete=models.PROTECT, related_name="items"
    )
    recipient = models.ForeignKey(
        ChildAllowanceRecipient, verbose_name=_("受給者"), on_delete=models.PROTECT, related_name="+"
    )
    months = models.JSONField(_("支払う手当月"), default=list)  # ["2026-10-01", "2026-11-01"]
    amount_yen = models.PositiveIntegerField(_("振込金額"))
    status = models.CharField(_("状況"), max_length=10, choices=PaymentItemStatus.choices)
    blocked_reason = models.CharField(_("保留の理由"), max_length=200, blank=True)
    registered_name_kana = models.CharField(_("住民記録の氏名（フリガナ）"), max_length=250, blank=True)
    bank_code = models.CharField(_("金融機関コード"), max_length=4, blank=True)
    branch_code = models.CharField(_("支店コード"), max_length=3, blank=True)
    account_type = models.CharField(_("預金種目"), max_length=1, blank=True)
    account_number = models.CharField(_("口座番号"), max_length=7, blank=True)
    account_holder_kana = models.CharField(_("口座名義（カナ）"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("児童手当の支払明細")
        verbose_name_plural = _("児童手当の支払明細")
        ordering = ["run", "id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "recipient"], name="payment_item_one_per_recipient")
        ]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.recipient_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        if PaymentRun.objects.filter(pk=self.run_id, status=PaymentRunStatus.EXPORTED).exists():
            raise PaymentRunLocked(self.run_id)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class PaidMonth(TenantModel):
    """支払済みの手当月: one row per recipient and allowance month paid — the database refuses a second payment."""

    recipient = models.ForeignKey(
        ChildAllowanceRecipient, verbose_name=_("受給者"), on_delete=models.PROTECT, related_name="+"
    )
    allowance_month = models.DateField(_("手当月"))
    run = models.ForeignKey(PaymentRun, verbose_name=_("支払"), on_delete=models.PROTECT, related_name="+")
    amount_yen = models.PositiveIntegerField(_("手当月の金額"))

    class Meta:
        verbose_name = _("支払済みの手当月")
        verbose_name_plural = _("支払済みの手当月")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "allowance_month"], name="paid_month_once_per_recipient"
            )
        ]


# 介護保険 business records (要介護認定 …) live in their own module.
from madoguchi.benefits.models_care import (  # noqa: E402, F401
    CareCertificateReissue,
    CareCopayShare,
    CareNeedsCertification,
    CarePlanFiling,
    CareReimbursement,
    CertificationKind,
    CertificationResult,
    CertificationState,
)

# 介護保険 負担限度額認定・高額介護サービス費 (facts entered before the decision, and the results)
from madoguchi.benefits.models_care_cost import (  # noqa: E402, F401
    CareCostCeilingCertification,
    CareCostFacts,
    HighCostCareBenefit,
)

# 児童扶養手当: 受給者, the annual review fed by the 現況届, and its income results (own module, registered here).
from madoguchi.benefits.models_child_rearing import (  # noqa: E402, F401
    ChildRearingAssessment,
    ChildRearingRecipient,
    ChildRearingReview,
)

# 保育 (教育・保育給付認定, 施設, 利用申込)
from madoguchi.benefits.models_childcare import (  # noqa: E402, F401
    ChildcareCategory,
    ChildcareCertification,
    ChildcareFacility,
    ChildcareHours,
    PlacementApplication,
    PlacementPreference,
    PlacementStatus,
)

# 妊娠の届出 (妊娠の記録, 母子健康手帳, 妊婦支援給付金)
from madoguchi.benefits.models_pregnancy import (  # noqa: E402, F401
    MaternalHandbook,
    PregnancyRecord,
    PregnancySupportRequest,
    SupportPayment,
    SupportRequestStatus,
)

# 児童手当: change proposals from the registry review and the approved revisions (own module, registered here).
from .models_child_allowance_changes import (  # noqa: E402, F401
    ChildAllowanceChangeProposal,
    ChildAllowanceRevision,
)

# 児童手当: 現況届 from the recipients still asked to file one (own module, registered here).
from .models_child_allowance_status import (  # noqa: E402, F401
    ChildAllowanceStatusReport,
    StatusReportOutcome,
    StatusReportReason,
)
