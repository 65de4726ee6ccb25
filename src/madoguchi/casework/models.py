"""Casework (申請管理, office zone): one case per pulled application, its append-only history, internal notes,
the approval chain (決裁), the notice, the re-verified signature evidence and the channel cursor.

The office keeps its own copy of what it pulled (answers, attachment list, signed bytes' evidence) because in a
split deployment the portal's database is not reachable from the office (ARCHITECTURE §1: the office pulls).
History is never edited: `CaseEvent`, `CaseNote` and `ApprovalStep` rows are appended, never saved twice.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from madoguchi.core.models import TenantModel


class CaseStatus(models.TextChoices):
    # The same vocabulary as the portal's application status (procedures.md §4), so status pushes map 1:1.
    RECEIVED = "received", _("到達")
    ACCEPTED = "accepted", _("受付")
    IN_REVIEW = "in_review", _("審査中")
    RETURNED_FOR_CORRECTION = "returned_for_correction", _("補正依頼中")
    DECIDED = "decided", _("決定")
    REJECTED = "rejected", _("却下")
    NOTICE_ISSUED = "notice_issued", _("通知済み")
    WITHDRAWN = "withdrawn", _("取下げ")


# Cases still being worked on (counted in queues, deadlines apply).
OPEN_STATUSES: tuple[str, ...] = (
    CaseStatus.RECEIVED,
    CaseStatus.ACCEPTED,
    CaseStatus.IN_REVIEW,
    CaseStatus.RETURNED_FOR_CORRECTION,
)

# The case state machine (office side). RETURNED_FOR_CORRECTION → IN_REVIEW happens when the resident resubmits.
TRANSITIONS: dict[str, frozenset[str]] = {
    CaseStatus.RECEIVED: frozenset({CaseStatus.ACCEPTED, CaseStatus.WITHDRAWN}),
    CaseStatus.ACCEPTED: frozenset({CaseStatus.IN_REVIEW, CaseStatus.WITHDRAWN}),
    CaseStatus.IN_REVIEW: frozenset(
        {
            CaseStatus.RETURNED_FOR_CORRECTION,
            CaseStatus.DECIDED,
            CaseStatus.REJECTED,
            CaseStatus.WITHDRAWN,
        }
    ),
    CaseStatus.RETURNED_FOR_CORRECTION: frozenset({CaseStatus.IN_REVIEW, CaseStatus.WITHDRAWN}),
    CaseStatus.DECIDED: frozenset({CaseStatus.NOTICE_ISSUED}),
    CaseStatus.REJECTED: frozenset({CaseStatus.NOTICE_ISSUED}),
    CaseStatus.NOTICE_ISSUED: frozenset(),
    CaseStatus.WITHDRAWN: frozenset(),
}


class DecisionOutcome(models.TextChoices):
    GRANT = "grant", _("認定・承認")
    DENY = "deny", _("却下")


class _AppendOnly(models.Model):
    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        # History is never edited (ARCHITECTURE §1): an existing row cannot be saved again.
        if self.pk is not None:
            raise ValueError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)


# The case list's default order (期限, 到達, id), the tail of its indexes.
LIST_ORDER = ["due_on", "received_at", "id"]


class Case(TenantModel):
    """One application under examination in the office (案件)."""

    receipt_number = models.CharField(_("受付番号"), max_length=20)
    procedure_code = models.CharField(_("手続コード"), max_length=60)
    form_version = models.PositiveIntegerField(_("様式の版"))
    procedure_name = models.CharField(_("手続名"), max_length=200)
    applicant_name = models.CharField(_("申請者氏名"), max_length=120)
    applicant_sign_serial = models.CharField(_("署名用電子証明書シリアル番号"), max_length=40, blank=True)
    status = models.CharField(
        _("状況"), max_length=30, choices=CaseStatus.choices, default=CaseStatus.RECEIVED, db_index=True
    )
    queue = models.CharField(_("担当業務"), max_length=40, db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("担当者"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    received_at = models.DateTimeField(_("到達日時"))
    accepted_on = models.DateField(_("受付日"), null=True, blank=True)
    processing_days = models.PositiveIntegerField(_("標準処理期間（開庁日）"), default=0)
    due_on = models.DateField(_("処理期限"), null=True, blank=True, db_index=True)
    # While the resident corrects the application the clock stops (procedures.md §4); the pause start is kept here.
    paused_on = models.DateField(_("期限の停止日"), null=True, blank=True)
    is_assisted = models.BooleanField(_("窓口での支援による申請"), default=False)
    # 書かない窓口: no card signature; the evidence is the clerk's record (identity documents seen, who, when, the
    # confirmation sheet the resident checked).
    assistance = models.JSONField(_("窓口での本人確認と内容確認の記録"), default=dict, blank=True)
    source_id = models.CharField(_("取込元の識別子"), max_length=120, unique=True)
    source_revision = models.PositiveIntegerField(_("取り込んだ提出の版"), default=0)
    answers = models.JSONField(_("申請内容"), default=dict)
    attachments = models.JSONField(_("添付ファイル一覧"), default=list)
    signature_valid = models.BooleanField(_("署名の再検証結果が有効"), default=False)
    decision_outcome = models.CharField(
        _("決定の内容"), max_length=10, choices=DecisionOutcome.choices, blank=True
    )
    decided_at = models.DateTimeField(_("決定日時"), null=True, blank=True)
    # Archived (保存): the case and its evidence are frozen under a content hash (`CaseArchive`); no more writes.
    is_archived = models.BooleanField(_("保存済み（変更不可）"), default=False, db_index=True)
    created_at = models.DateTimeField(_("取込日時"))
    updated_at = models.DateTimeField(_("更新日時"))

    class Meta:
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        ordering = ["due_on", "received_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "receipt_number"], name="case_unique_receipt"),
        ]
        # The case list (selectors.list_cases) reads one page in its default order (期限, 到達, id) straight off
        # an index that starts with the tenant; the partial ones hold only the open cases (5 % of them), for the
        # queues: all open, mine, unassigned (`IS NULL` does not give PostgreSQL the index order), my team's
        # (docs/benchmarks.md, case_list).
        indexes = [
            models.Index(fields=["municipality", "assignee", "status"]),
            models.Index(fields=["municipality", "procedure_code", "status"]),
            models.Index(fields=["municipality", *LIST_ORDER], name="case_list_due"),
            models.Index(fields=["municipality", "status", *LIST_ORDER], name="case_list_status_due"),
            models.Index(
                fields=["municipality", *LIST_ORDER],
                name="case_list_open_due",
                condition=models.Q(status__in=OPEN_STATUSES),
            ),
            models.Index(
                fields=["municipality", "assignee", *LIST_ORDER],
                name="case_list_open_assignee",
                condition=models.Q(status__in=OPEN_STATUSES),
            ),
            models.Index(
                fields=["municipality", *LIST_ORDER],
                name="case_list_open_unassigned",
                condition=models.Q(status__in=OPEN_STATUSES, assignee__isnull=True),
            ),
            models.Index(
                fields=["municipality", "queue", *LIST_ORDER],
                name="case_list_open_queue",
                condition=models.Q(status__in=OPEN_STATUSES),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_number} {self.procedure_code} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def save(self, *args: Any, **kwargs: Any) -> None:
        # An archived case is a record kept as it was decided (公文書): nothing may change it any more. Disposal
        # does not save it either: it deletes the case and leaves a `CaseTombstone`.
        if self.pk is not None and type(self).objects.filter(pk=self.pk, is_archived=True).exists():
            raise CaseArchivedError(self.receipt_number)
        super().save(*args, **kwargs)


class CaseArchivedError(ValueError):
    """A write to an archived case (保存済みの案件)."""

    def __init__(self, receipt_number: str) -> None:
        self.receipt_number = receipt_number
        super().__init__(f"case {receipt_number} is archived and cannot be changed")


class CaseEventKind(models.TextChoices):
    PULLED = "pulled", _("申請の取込")
    RESUBMITTED = "resubmitted", _("補正後の再提出")
    WITHDRAWN = "withdrawn", _("申請者による取下げ")
    ACCEPTED = "accepted", _("受付")
    CLAIMED = "claimed", _("担当の引受け")
    ASSIGNED = "assigned", _("担当の割当て")
    REVIEW_STARTED = "review_started", _("審査の開始")
    CORRECTION_REQUESTED = "correction_requested", _("補正の依頼")
    PROPOSED = "proposed", _("決定案の起案")
    APPROVED = "approved", _("決裁（承認）")
    SENT_BACK = "sent_back", _("決裁（差戻し）")
    REJECTED = "rejected", _("決裁（不承認）")
    DECIDED = "decided", _("決定")
    NOTICE_ISSUED = "notice_issued", _("通知書の発行")


class CaseEvent(TenantModel, _AppendOnly):
    """One step of a case's history: who, what, when, why, and the status before and after."""

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(_("日時"))
    kind = models.CharField(_("内容"), max_length=30, choices=CaseEventKind.choices)
    actor_id = models.CharField(_("操作者ID"), max_length=64)
    actor_display = models.CharField(_("操作者"), max_length=150)
    from_status = models.CharField(_("変更前"), max_length=30, blank=True, choices=CaseStatus.choices)
    to_status = models.CharField(_("変更後"), max_length=30, blank=True, choices=CaseStatus.choices)
    reason = models.TextField(_("理由・内容"), blank=True)

    class Meta:
        verbose_name = _("案件の履歴")
        verbose_name_plural = _("案件の履歴")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.kind}"


class CaseNote(TenantModel, _AppendOnly):
    """An internal note on a case (職員間のメモ); never shown to the applicant."""

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="notes")
    at = models.DateTimeField(_("日時"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("記入者"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("内容"))

    class Meta:
        verbose_name = _("内部メモ")
        verbose_name_plural = _("内部メモ")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.text[:20]}"


class ApprovalRule(TenantModel):
    """The approval chain (決裁ルート) of one procedure in a municipality, or its default (procedure_code "").

    `steps` is the ordered list of roles: the first drafts the proposal (起案), each later one approves in turn;
    the last approval is the decision (決定). Default: reviewer proposes → approver approves.
    """

    procedure_code = models.CharField(_("手続コード（空欄はすべての手続）"), max_length=60, blank=True)
    steps = models.JSONField(_("決裁の順序（役割）"), default=list)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        verbose_name = _("決裁ルート")
        verbose_name_plural = _("決裁ルート")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "procedure_code"], name="approval_rule_unique_procedure"
            )
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id}:{self.procedure_code or '*'} {' → '.join(self.steps)}"


class ApprovalStepKind(models.TextChoices):
    PROPOSED = "proposed", _("起案")
    APPROVED = "approved", _("承認")
    SENT_BACK = "sent_back", _("差戻し")
    REJECTED = "rejected", _("不承認")


class ApprovalStep(TenantModel, _AppendOnly):
    """One act in a proposal's approval chain. (case, proposal, step) is unique: one act per step, ever."""

    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="approval_steps"
    )
    proposal_number = models.PositiveIntegerField(_("起案の番号"))
    step_index = models.PositiveIntegerField(_("段階"))  # 0: the proposal itself
    kind = models.CharField(_("種類"), max_length=20, choices=ApprovalStepKind.choices)
    outcome = models.CharField(_("決定案"), max_length=10, choices=DecisionOutcome.choices, blank=True)
    # The chain as it was when the proposal was made: a rule changed later does not change an open chain.
    chain = models.JSONField(_("決裁の順序（起案時）"), default=list)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("職員"), on_delete=models.PROTECT, related_name="+"
    )
    actor_role = models.CharField(_("役割"), max_length=20)
    at = models.DateTimeField(_("日時"))
    reason = models.TextField(_("理由・意見"), blank=True)

    class Meta:
        verbose_name = _("決裁の記録")
        verbose_name_plural = _("決裁の記録")
        ordering = ["proposal_number", "step_index", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "proposal_number", "step_index"], name="approval_step_unique_step"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.proposal_number}.{self.step_index} {self.kind}"


class Notice(TenantModel):
    """The decision notice (決定通知書) of a case: a signed PDF kept by the documents app."""

    case = models.OneToOneField(Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="notice")
    document = models.ForeignKey(
        "documents.IssuedDocument", verbose_name=_("発行文書"), on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(_("決定の内容"), max_length=10, choices=DecisionOutcome.choices)
    issued_at = models.DateTimeField(_("発行日時"))

    class Meta:
        verbose_name = _("通知書")
        verbose_name_plural = _("通知書")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.document_id}"


class RevocationStatus(models.TextChoices):
    GOOD = "good", _("失効していない")
    REVOKED = "revoked", _("失効")
    UNKNOWN = "unknown", _("確認できない")


class SignatureEvidence(TenantModel):
    """The office's own re-verification of one submission's JPKI signature (one row per submitted version)."""

    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="signature_evidence"
    )
    revision = models.PositiveIntegerField(_("提出の版"))
    certificate_pem = models.TextField(_("署名用電子証明書"))
    serial = models.CharField(_("シリアル番号"), max_length=40, blank=True)
    issuer_sha256 = models.CharField(_("発行元CAの指紋"), max_length=95, blank=True)
    policy = models.CharField(_("ポリシーOID"), max_length=64, blank=True)
    content_sha256 = models.CharField(_("署名対象データのSHA-256"), max_length=64)
    signed_at = models.DateTimeField(_("提出日時"))
    portal_reason = models.CharField(_("ポータルでの検証結果"), max_length=30, blank=True)
    # Verified as of the submission: was the signature good when the resident signed and sent it?
    verdict_valid = models.BooleanField(_("署名が有効"))
    verdict_reason = models.CharField(_("検証結果"), max_length=30)
    verified_at = models.DateTimeField(_("検証日時"))
    # Revocation as of the pull: has the certificate been revoked since (e.g. after a move)?
    revocation_status = models.CharField(
        _("失効の状況"), max_length=10, choices=RevocationStatus.choices, default=RevocationStatus.UNKNOWN
    )
    revocation_reason = models.CharField(_("失効理由"), max_length=40, blank=True)
    revoked_at = models.DateTimeField(_("失効日時"), null=True, blank=True)
    revocation_source = models.CharField(_("失効確認の方法"), max_length=20, blank=True)
    revocation_checked_at = models.DateTimeField(_("失効確認日時"))

    class Meta:
        verbose_name = _("署名の検証記録")
        verbose_name_plural = _("署名の検証記録")
        ordering = ["case", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["case", "revision"], name="signature_evidence_unique_revision")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} v{self.revision}: {self.verdict_reason}"


class IdentityMethod(models.TextChoices):
    MY_NUMBER_CARD = "my_number_card", _("マイナンバーカードを確認した")
    OTHER_DOCUMENTS = "other_documents", _("その他の本人確認書類を確認した")


class IdentityDocument(models.TextChoices):
    # 住民基本台帳法施行令 §15の3 / 番号法の本人確認 (1 photo ID, or 2 documents without a photo).
    DRIVERS_LICENSE = "drivers_license", _("運転免許証")
    PASSPORT = "passport", _("旅券（パスポート）")
    RESIDENCE_CARD = "residence_card", _("在留カード・特別永住者証明書")
    DISABILITY_HANDBOOK = "disability_handbook", _("身体障害者手帳など（写真付き）")
    HEALTH_INSURANCE = "health_insurance", _("健康保険の資格確認書・被保険者証")
    PENSION_BOOK = "pension_book", _("年金手帳・基礎年金番号通知書")
    OTHER = "other", _("その他（官公署が発行した書類）")


# Photo IDs: one is enough; without a photo, two documents are needed.
PHOTO_DOCUMENTS = frozenset(
    {
        IdentityDocument.DRIVERS_LICENSE,
        IdentityDocument.PASSPORT,
        IdentityDocument.RESIDENCE_CARD,
        IdentityDocument.DISABILITY_HANDBOOK,
    }
)


class CounterStatus(models.TextChoices):
    OPEN = "open", _("入力中")
    SUBMITTED = "submitted", _("受付済み")


class CounterSession(TenantModel):
    """An application a clerk is filling in with the resident at the counter (書かない窓口), until it is submitted.

    The answers start from the registry (the form's prefill). The identity check and the confirmation sheet
    (確認票) the resident checked are recorded here and travel with the application as its evidence.
    """

    public_id = models.CharField(_("公開ID"), max_length=32, unique=True)
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("受付した職員"), on_delete=models.PROTECT, related_name="+"
    )
    resident_id = models.PositiveBigIntegerField(_("住民の内部ID"))
    applicant_name = models.CharField(_("申請者氏名"), max_length=120)
    procedure_code = models.CharField(_("手続コード"), max_length=60)
    form_version = models.PositiveIntegerField(_("様式の版"))
    answers = models.JSONField(_("申請内容"), default=dict)
    prefilled = models.JSONField(_("住民記録から入力した項目"), default=dict)
    identity_method = models.CharField(
        _("本人確認の方法"), max_length=20, choices=IdentityMethod.choices, blank=True
    )
    identity_documents = models.JSONField(_("確認した書類"), default=list)
    identity_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("本人確認をした職員"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    identity_confirmed_at = models.DateTimeField(_("本人確認の日時"), null=True, blank=True)
    sheet_document_id = models.CharField(_("確認票の文書ID"), max_length=32, blank=True)
    sheet_content_sha256 = models.CharField(_("確認票の内容のSHA-256"), max_length=64, blank=True)
    status = models.CharField(
        _("状況"), max_length=10, choices=CounterStatus.choices, default=CounterStatus.OPEN
    )
    receipt_number = models.CharField(_("受付番号"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("作成日時"))
    updated_at = models.DateTimeField(_("更新日時"))

    class Meta:
        verbose_name = _("窓口での申請の入力")
        verbose_name_plural = _("窓口での申請の入力")
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return f"counter {self.public_id} {self.procedure_code}"

    @property
    def identity_confirmed(self) -> bool:
        return bool(self.identity_method and self.identity_confirmed_at)


class ChannelCursor(models.Model):
    """How far the office has read a submission source (resumable pulls). Deployment-wide, not per tenant."""

    name = models.CharField(_("取込元"), max_length=40, unique=True)
    cursor = models.CharField(_("読込位置"), max_length=200, blank=True)
    items_applied = models.PositiveIntegerField(_("取り込んだ件数"), default=0)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        verbose_name = _("取込位置")
        verbose_name_plural = _("取込位置")

    def __str__(self) -> str:
        return f"{self.name}@{self.cursor}"


class CaseArchive(TenantModel, _AppendOnly):
    """The immutable record of a closed case (保存): a canonical snapshot of the case, the application as pulled,
    the signature evidence (or the counter identity record), the approval chain, history, notes and the notice, with
    its SHA-256; and the retention period that decides when it may be disposed of (廃棄)."""

    case = models.OneToOneField(
        Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="archive"
    )
    archived_at = models.DateTimeField(_("保存日時"))
    archived_by = models.CharField(_("保存した者"), max_length=150)
    closed_on = models.DateField(_("完結日"))
    retention_years = models.PositiveIntegerField(_("保存期間（年）"))
    retention_source = models.CharField(_("保存期間の根拠"), max_length=60)
    retention_starts_on = models.DateField(_("保存期間の起算日"))
    dispose_after = models.DateField(_("廃棄できる日"), db_index=True)
    snapshot = models.JSONField(_("保存した内容"))
    content_sha256 = models.CharField(_("保存した内容のSHA-256"), max_length=64)

    class Meta:
        verbose_name = _("案件の保存記録")
        verbose_name_plural = _("案件の保存記録")
        ordering = ["dispose_after", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} until {self.dispose_after}"


class DisposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("決裁待ち")
    APPROVED = "approved", _("承認（廃棄済み）")
    REJECTED = "rejected", _("不承認")


class DisposalRequest(TenantModel):
    """A proposal to dispose of cases past their retention period (廃棄の決裁): one proposer, one other approver."""

    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("起案者"), on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(_("起案日時"))
    reason = models.TextField(_("廃棄の理由"))
    receipt_numbers = models.JSONField(_("廃棄する案件（受付番号）"), default=list)
    status = models.CharField(
        _("状況"), max_length=10, choices=DisposalStatus.choices, default=DisposalStatus.PROPOSED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("決裁者"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("決裁日時"), null=True, blank=True)
    decision_reason = models.TextField(_("決裁の意見"), blank=True)

    class Meta:
        verbose_name = _("廃棄の決裁")
        verbose_name_plural = _("廃棄の決裁")
        ordering = ["-proposed_at", "-id"]

    def __str__(self) -> str:
        return f"disposal {self.pk} ({self.status}, {len(self.receipt_numbers)} cases)"


class CaseTombstone(TenantModel, _AppendOnly):
    """What remains of a disposed case: no personal data, only that it existed, when, and who approved its disposal."""

    receipt_number = models.CharField(_("受付番号"), max_length=20)
    procedure_code = models.CharField(_("手続コード"), max_length=60)
    procedure_name = models.CharField(_("手続名"), max_length=200)
    final_status = models.CharField(_("最終の状況"), max_length=30, choices=CaseStatus.choices)
    received_at = models.DateTimeField(_("到達日時"))
    decided_at = models.DateTimeField(_("決定日時"), null=True, blank=True)
    closed_on = models.DateField(_("完結日"))
    archived_at = models.DateTimeField(_("保存日時"))
    archive_sha256 = models.CharField(_("保存した内容のSHA-256"), max_length=64)
    retention_years = models.PositiveIntegerField(_("保存期間（年）"))
    dispose_after = models.DateField(_("廃棄できる日"))
    disposal = models.ForeignKey(
        DisposalRequest, verbose_name=_("廃棄の決裁"), on_delete=models.PROTECT, related_name="tombstones"
    )
    disposed_at = models.DateTimeField(_("廃棄日時"))
    was_assisted = models.BooleanField(_("窓口申請だった"), default=False)

    class Meta:
        verbose_name = _("廃棄した案件の記録")
        verbose_name_plural = _("廃棄した案件の記録")
        ordering = ["-disposed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "receipt_number"], name="case_tombstone_unique_receipt"
            )
        ]

    def __str__(self) -> str:
        return f"{self.receipt_number} disposed {self.disposed_at:%Y-%m-%d}"


# Models kept in their own modules, registered here: the zone channel's outbox of status pushes to the portal
# (split deployment), and the core systems pulling decided cases (基幹システム連携).
from .channel_models import OutboxState, StatusOutbox  # noqa: E402, F401
from .core_systems_models import (  # noqa: E402, F401
    CoreSystem,
    CoreSystemNonce,
    DecidedCaseFeedEntry,
    DecidedCaseFeedHead,
)
