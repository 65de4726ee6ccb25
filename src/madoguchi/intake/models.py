"""Intake (portal zone): drafts, signed applications, their append-only status timeline and attachments.

An application keeps the procedure code and form version it was made on, and the exact signed bytes with the
signature, the signing certificate and the verification verdict, for its whole life (the office validates and
displays it against that version). Duplicates are impossible at the database level: one *open* application per
(municipality, applicant, procedure, subject), and a signature value can be used for one submission only.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from madoguchi.core.models import TenantModel

# Drafts are kept this long after the last save, and the resident is told so (UX.md: "how long drafts are kept").
DRAFT_RETENTION_DAYS = 30
DRAFT_RETENTION = dt.timedelta(days=DRAFT_RETENTION_DAYS)


class ApplicationStatus(models.TextChoices):
    RECEIVED = "received", _("到達（受付番号発行済み）")
    ACCEPTED = "accepted", _("受付")
    IN_REVIEW = "in_review", _("審査中")
    RETURNED_FOR_CORRECTION = "returned_for_correction", _("補正のお願い（差し戻し）")
    DECIDED = "decided", _("決定")
    REJECTED = "rejected", _("却下・不受理")
    NOTICE_ISSUED = "notice_issued", _("通知済み")
    WITHDRAWN = "withdrawn", _("取下げ")


# "Open": a second application for the same subject would be a duplicate (procedures.md §4, §5 lesson 3).
OPEN_STATUSES: tuple[str, ...] = (
    ApplicationStatus.RECEIVED,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.IN_REVIEW,
    ApplicationStatus.RETURNED_FOR_CORRECTION,
)
# The applicant may withdraw (取下げ) only before a decision.
WITHDRAWABLE_STATUSES = OPEN_STATUSES

# Allowed transitions (procedures.md §4, in this app's vocabulary).
TRANSITIONS: dict[str, frozenset[str]] = {
    ApplicationStatus.RECEIVED: frozenset(
        {ApplicationStatus.ACCEPTED, ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN}
    ),
    ApplicationStatus.ACCEPTED: frozenset(
        {ApplicationStatus.IN_REVIEW, ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN}
    ),
    ApplicationStatus.IN_REVIEW: frozenset(
        {
            ApplicationStatus.RETURNED_FOR_CORRECTION,
            ApplicationStatus.DECIDED,
            ApplicationStatus.REJECTED,
            ApplicationStatus.WITHDRAWN,
        }
    ),
    ApplicationStatus.RETURNED_FOR_CORRECTION: frozenset(
        {ApplicationStatus.IN_REVIEW, ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN}
    ),
    ApplicationStatus.DECIDED: frozenset({ApplicationStatus.NOTICE_ISSUED}),
    ApplicationStatus.REJECTED: frozenset({ApplicationStatus.NOTICE_ISSUED}),
    ApplicationStatus.NOTICE_ISSUED: frozenset(),
    ApplicationStatus.WITHDRAWN: frozenset(),
}


def new_public_id() -> str:
    """Random, unguessable id used in draft and attachment URLs."""
    return uuid.uuid4().hex


class Application(TenantModel):
    """One signed application (申請) with its receipt number (受付番号)."""

    receipt_number = models.CharField(_("受付番号"), max_length=20)
    procedure_code = models.CharField(_("手続コード"), max_length=60)
    form_version = models.PositiveIntegerField(_("様式の版"))
    procedure_name = models.CharField(_("手続名"), max_length=200)
    applicant_auth_serial = models.CharField(_("申請者の利用者証明用電子証明書シリアル番号"), max_length=40)
    applicant_sign_serial = models.CharField(_("署名用電子証明書シリアル番号"), max_length=40)
    applicant_name = models.CharField(_("申請者氏名"), max_length=120)
    applicant_role = models.CharField(_("申請者の立場"), max_length=40, blank=True)
    answers = models.JSONField(_("申請内容"))
    attachment_hashes = models.JSONField(_("添付ファイルのハッシュ"), default=dict)
    signed_content = models.BinaryField(_("署名対象データ（正規化JSON）"))
    signature = models.BinaryField(_("電子署名"))
    signing_certificate_pem = models.TextField(_("署名用電子証明書"))
    verification_reason = models.CharField(_("署名検証の結果"), max_length=30)
    verification_evidence = models.JSONField(_("署名検証の記録"), default=dict)
    intake_checks = models.JSONField(_("受付時の確認結果"), default=dict)
    status = models.CharField(
        _("状況"), max_length=30, choices=ApplicationStatus.choices, default=ApplicationStatus.RECEIVED
    )
    subject_key = models.CharField(_("重複判定キー"), max_length=64)
    processing_days = models.PositiveIntegerField(_("標準処理期間（日）"), default=0)
    receipt_document_id = models.CharField(_("受付票の文書ID"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("作成日時"))
    submitted_at = models.DateTimeField(_("提出日時"))
    updated_at = models.DateTimeField(_("更新日時"))
    resubmission_count = models.PositiveIntegerField(_("再提出の回数"), default=0)
    # Earlier signed versions, kept when a correction is resubmitted (history is never overwritten).
    previous_submissions = models.JSONField(_("以前の提出内容"), default=list)
    # 書かない窓口: a clerk entered the application with the resident at the counter. There is no card signature;
    # `assistance` is the evidence instead (clerk, identity documents seen, time, the confirmation sheet).
    is_assisted = models.BooleanField(_("窓口での支援による申請"), default=False)
    assistance = models.JSONField(_("窓口での本人確認と内容確認の記録"), default=dict, blank=True)

    class Meta:
        verbose_name = _("申請")
        verbose_name_plural = _("申請")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "receipt_number"], name="intake_application_unique_receipt"
            ),
            # The 2020 lesson: the same applicant cannot have two open applications for the same subject. This
            # holds under double clicks and concurrent requests because the database enforces it.
            models.UniqueConstraint(
                fields=["municipality", "applicant_auth_serial", "procedure_code", "subject_key"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="intake_application_unique_open_subject",
            ),
        ]
        indexes = [models.Index(fields=["municipality", "applicant_auth_serial", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.receipt_number} {self.procedure_code}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def can_withdraw(self) -> bool:
        return self.status in WITHDRAWABLE_STATUSES

    @property
    def needs_correction(self) -> bool:
        return self.status == ApplicationStatus.RETURNED_FOR_CORRECTION


class ApplicationStatusEvent(TenantModel):
    """One step of an application's timeline; rows are appended, never changed (procedures.md §4)."""

    application = models.ForeignKey(
        Application, verbose_name=_("申請"), on_delete=models.PROTECT, related_name="events"
    )
    at = models.DateTimeField(_("日時"))
    from_status = models.CharField(_("変更前"), max_length=30, blank=True)
    to_status = models.CharField(_("変更後"), max_length=30, choices=ApplicationStatus.choices)
    actor_id = models.CharField(_("操作者ID"), max_length=64)
    actor_display = models.CharField(_("操作者"), max_length=150)
    message_ja = models.TextField(_("申請者へのお知らせ"), blank=True)

    class Meta:
        verbose_name = _("申請の状況履歴")
        verbose_name_plural = _("申請の状況履歴")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.from_status} → {self.to_status}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # History is never edited (ARCHITECTURE §1): an existing row cannot be saved again.
        if self.pk is not None:
            raise ValueError("status events are append-only")
        super().save(*args, **kwargs)


class SignatureUse(TenantModel):
    """Each signature value is accepted once: a replayed signature (same bytes again) is refused by the database."""

    signature_sha256 = models.CharField(_("署名値のSHA-256"), max_length=64, unique=True)
    application = models.ForeignKey(
        Application, verbose_name=_("申請"), on_delete=models.PROTECT, related_name="signature_uses"
    )
    used_at = models.DateTimeField(_("使用日時"))

    class Meta:
        verbose_name = _("使用済みの署名")
        verbose_name_plural = _("使用済みの署名")

    def __str__(self) -> str:
        return self.signature_sha256[:12]


class Draft(TenantModel):
    """An unfinished application (一時保存), kept DRAFT_RETENTION_DAYS after the last save."""

    public_id = models.CharField(_("公開ID"), max_length=32, unique=True, default=new_public_id)
    applicant_auth_serial = models.CharField(_("申請者の利用者証明用電子証明書シリアル番号"), max_length=40)
    procedure_code = models.CharField(_("手続コード"), max_length=60)
    form_version = models.PositiveIntegerField(_("様式の版"))
    answers = models.JSONField(_("回答"), default=dict)
    prefilled = models.JSONField(_("自動入力した項目"), default=dict)
    current_page = models.CharField(_("現在のページ"), max_length=60, blank=True)
    created_at = models.DateTimeField(_("作成日時"))
    updated_at = models.DateTimeField(_("更新日時"))
    expires_at = models.DateTimeField(_("保存期限"), db_index=True)
    # A correction (補正) is prepared as a draft of the application it will be resubmitted into.
    correcting = models.ForeignKey(
        Application,
        verbose_name=_("補正する申請"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="correction_drafts",
    )
    submitted_application = models.ForeignKey(
        Application,
        verbose_name=_("提出した申請"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("一時保存")
        verbose_name_plural = _("一時保存")
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["municipality", "applicant_auth_serial", "procedure_code"])]

    def __str__(self) -> str:
        return f"draft {self.public_id} {self.procedure_code}"


class Attachment(TenantModel):
    """One uploaded file; its type is detected from the content (magic numbers), never from the name."""

    public_id = models.CharField(_("公開ID"), max_length=32, unique=True, default=new_public_id)
    applicant_auth_serial = models.CharField(_("申請者の利用者証明用電子証明書シリアル番号"), max_length=40)
    draft = models.ForeignKey(
        Draft,
        verbose_name=_("一時保存"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attachments",
    )
    application = models.ForeignKey(
        Application,
        verbose_name=_("申請"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    attachment_code = models.CharField(_("添付書類の種類"), max_length=60)
    filename = models.CharField(_("ファイル名（表示用）"), max_length=200)
    content = models.BinaryField(_("内容"))
    size_bytes = models.PositiveIntegerField(_("サイズ（バイト）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    mime_type = models.CharField(_("判定したファイル形式"), max_length=40)
    uploaded_at = models.DateTimeField(_("添付日時"))

    class Meta:
        verbose_name = _("添付ファイル")
        verbose_name_plural = _("添付ファイル")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.attachment_code}: {self.filename}"


class ReceiptCounter(TenantModel):
    """Next receipt number per municipality and year (row locked while a number is taken)."""

    year = models.PositiveIntegerField(_("年"))
    last_number = models.PositiveIntegerField(_("最後の番号"), default=0)

    class Meta:
        verbose_name = _("受付番号の採番")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "year"], name="intake_receipt_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.year}: {self.last_number}"


class ChannelNonce(models.Model):
    """A nonce the office used on the internal channel (one use each); pruned after the clock-skew window."""

    client_id = models.CharField(_("クライアントID"), max_length=40)
    nonce = models.CharField(_("ノンス"), max_length=64)
    seen_at = models.DateTimeField(_("受信日時"), db_index=True)

    class Meta:
        verbose_name = _("庁内連携の使用済みノンス")
        verbose_name_plural = _("庁内連携の使用済みノンス")
        constraints = [
            models.UniqueConstraint(fields=["client_id", "nonce"], name="intake_channel_nonce_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.client_id}:{self.nonce}"


class ChannelStatusDelivery(TenantModel):
    """A status change the office pushed over the internal channel, by the office's event id, with the answer given.

    A push delivered again (the office did not see the answer) finds this row and gets the same answer back, and
    no second timeline row is written (at-least-once delivery, exactly-once effect).
    """

    event_id = models.CharField(_("連携イベントID"), max_length=64, unique=True)
    receipt_number = models.CharField(_("受付番号"), max_length=20)
    to_status = models.CharField(_("変更後"), max_length=30)
    http_status = models.PositiveSmallIntegerField(_("応答コード"))
    result = models.JSONField(_("応答内容"), default=dict)
    status_event = models.OneToOneField(
        ApplicationStatusEvent,
        verbose_name=_("状況履歴"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="channel_delivery",
    )
    received_at = models.DateTimeField(_("受信日時"))

    class Meta:
        verbose_name = _("庁内連携の状況通知")
        verbose_name_plural = _("庁内連携の状況通知")
        ordering = ["received_at", "id"]

    def __str__(self) -> str:
        return f"{self.event_id} {self.receipt_number} → {self.to_status}"
