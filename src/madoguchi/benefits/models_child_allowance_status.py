"""児童手当: 現況届 (status reports) from the recipients still asked to file one.

Since June 2022 the 現況届 is abolished in principle; the municipality still asks some recipients to file it (a
recipient living apart from the registered address because of domestic violence, separated during divorce talks, or
receiving as a corporate guardian or facility). A decided `child_allowance_status_report` case records one report
here; a recipient files at most one per 現況届 year (June to May, by the filing date).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from madoguchi.benefits.models import ChildAllowanceRecipient
from madoguchi.core.models import TenantModel

# The 現況届 year starts in June (the filing window is June; the allowance year it covers runs June to May).
STATUS_YEAR_START_MONTH = 6


def status_report_year(filed_on: dt.date) -> int:
    """The 現況届 year a filing date belongs to: June to May, named by the year of its June."""
    return filed_on.year if filed_on.month >= STATUS_YEAR_START_MONTH else filed_on.year - 1


class StatusReportReason(models.TextChoices):
    """Why the recipient was asked to file (the form's `status.reason`)."""

    SEPARATE_ADDRESS = "separate_address", _("配偶者からの暴力などで住民票と違う住所に住んでいる")
    DIVORCE_PENDING = "divorce_pending", _("離婚協議中で配偶者と別居している")
    CORPORATE_GUARDIAN = "corporate_guardian", _("法人である未成年後見人・施設などとして受給している")
    OTHER = "other", _("その他（案内に記載された理由）")


class StatusReportOutcome(models.TextChoices):
    CONFIRMED = "confirmed", _("受給資格を確認（支給継続）")
    NOT_CONFIRMED = "not_confirmed", _("受給資格を確認できず（却下）")


class ChildAllowanceStatusReport(TenantModel):
    """One 現況届 of a recipient, recorded from its decided case."""

    recipient = models.ForeignKey(
        ChildAllowanceRecipient,
        verbose_name=_("受給者"),
        on_delete=models.PROTECT,
        related_name="status_reports",
    )
    fiscal_year = models.PositiveSmallIntegerField(_("現況届の年度（6月〜翌5月）"))
    filed_on = models.DateField(_("届出日"))
    case_reference = models.CharField(_("現況届の受付番号"), max_length=20)
    reason = models.CharField(_("提出を案内された理由"), max_length=24, choices=StatusReportReason.choices)
    # The children as the recipient reported them (the form's `status.*` answers).
    still_caring = models.BooleanField(_("児童を養育している"))
    lives_with_children = models.BooleanField(_("児童と同じ住所に住んでいる"))
    changes = models.CharField(_("前回からの変化"), max_length=500, blank=True)
    outcome = models.CharField(_("結果"), max_length=16, choices=StatusReportOutcome.choices)
    decided_at = models.DateTimeField(_("決裁日時"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("決裁した職員"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("児童手当の現況届")
        verbose_name_plural = _("児童手当の現況届")
        ordering = ["-fiscal_year", "-filed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "fiscal_year"], name="ca_status_report_one_per_year"
            ),
            models.UniqueConstraint(
                fields=["municipality", "case_reference"], name="ca_status_report_unique_case"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year} {self.case_reference}"
