"""児童手当: proposals raised from registry events and age transitions, and the revisions a clerk approves.

Nothing about a recipient changes silently. The review scan (`benefits.child_allowance_review`) writes a
`ChildAllowanceChangeProposal` for each 出生・転出・死亡・年齢到達 it finds (once per event or transition: unique
`source_key`); a clerk approves or rejects it. An approval (or a granted 額改定認定請求 / 受給事由消滅届) appends a
`ChildAllowanceRevision`: a child added or removed from an allowance month on, or the 支給終了月 set. Revisions are
never edited; the children in force for a month are the certified children with the revisions effective by then
applied in order (`children_in_force`), and payment runs compute each month's amount from those.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from madoguchi.benefits.models import ChildAllowanceChild, ChildAllowanceRecipient
from madoguchi.benefits.rules import child_allowance as ca_rules
from madoguchi.core.models import TenantModel


class ProposalKind(models.TextChoices):
    BIRTH_IN_HOUSEHOLD = "birth_in_household", _("世帯での出生（増額：額改定請求が必要）")
    AGE_TRANSITION = "age_transition", _("年齢到達による減額・対象外（職権の額改定）")
    RECIPIENT_MOVED_OUT = "recipient_moved_out", _("受給者の転出（支給の消滅）")
    RECIPIENT_DIED = "recipient_died", _("受給者の死亡（支給の消滅）")
    CHILD_MOVED_OUT = "child_moved_out", _("児童の転出・死亡（減額）")


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("確認待ち")
    APPROVED = "approved", _("承認済み")
    REJECTED = "rejected", _("却下")


class ChildAllowanceChangeProposal(TenantModel):
    """One change the review scan found for a recipient, waiting for a clerk (approve → a revision)."""

    recipient = models.ForeignKey(
        ChildAllowanceRecipient, verbose_name=_("受給者"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("変更の種類"), max_length=24, choices=ProposalKind.choices)
    # What makes the proposal unique for its recipient: "event:<id>" or "age:<YYYY-MM>:<child birth date>".
    source_key = models.CharField(_("発生元"), max_length=60)
    source_event = models.ForeignKey(
        "registry.RegistryEvent",
        verbose_name=_("発生元の異動"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    event_on = models.DateField(_("事由の発生日"))
    effective_month = models.DateField(_("変更する手当月"))
    old_total_yen = models.PositiveIntegerField(_("変更前の月額"))
    new_total_yen = models.PositiveIntegerField(_("変更後の月額"))
    proposed_end_month = models.DateField(_("支給終了月（案）"), null=True, blank=True)
    child_name = models.CharField(_("児童の氏名"), max_length=120, blank=True)
    child_name_kana = models.CharField(_("児童の氏名（フリガナ）"), max_length=120, blank=True)
    child_birth_date = models.DateField(_("児童の生年月日"), null=True, blank=True)
    reason = models.CharField(_("理由"), max_length=300)
    needs_claim = models.BooleanField(_("受給者の額改定請求が必要"), default=False)
    status = models.CharField(
        _("状況"), max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PENDING
    )
    created_at = models.DateTimeField(_("作成日時"))
    decided_at = models.DateTimeField(_("処理日時"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("処理した職員"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision_note = models.CharField(_("却下の理由・処理の記録"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("児童手当の変更の提案")
        verbose_name_plural = _("児童手当の変更の提案")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "source_key"], name="ca_proposal_once_per_source"
            )
        ]
        indexes = [models.Index(fields=["municipality", "status"], name="ca_proposal_status_idx")]

    def __str__(self) -> str:
        return f"{self.recipient_id}:{self.kind}:{self.source_key}"


class RevisionAction(models.TextChoices):
    ADD_CHILD = "add_child", _("児童の追加（増額）")
    REMOVE_CHILD = "remove_child", _("児童の削除（減額）")
    END = "end", _("支給の終了（消滅）")


class ChildAllowanceRevision(TenantModel):
    """One approved change to a recipient, effective from an allowance month; appended, never edited."""

    recipient = models.ForeignKey(
        ChildAllowanceRecipient, verbose_name=_("受給者"), on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("変更"), max_length=16, choices=RevisionAction.choices)
    effective_month = models.DateField(_("適用する手当月"))
    child_name = models.CharField(_("児童の氏名"), max_length=120, blank=True)
    child_name_kana = models.CharField(_("児童の氏名（フリガナ）"), max_length=120, blank=True)
    child_birth_date = models.DateField(_("児童の生年月日"), null=True, blank=True)
    child_supported = models.BooleanField(_("生計費を負担している（大学生年代）"), default=False)
    end_month_before = models.DateField(_("変更前の支給終了月"), null=True, blank=True)
    end_month_after = models.DateField(_("変更後の支給終了月"), null=True, blank=True)
    previous_total_yen = models.PositiveIntegerField(_("変更前の月額（適用月）"))
    total_yen = models.PositiveIntegerField(_("変更後の月額（適用月）"))
    proposal = models.ForeignKey(
        ChildAllowanceChangeProposal,
        verbose_name=_("提案"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="revisions",
    )
    case_reference = models.CharField(_("届出・請求の受付番号"), max_length=20, blank=True)
    recorded_at = models.DateTimeField(_("記録日時"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("記録した職員"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("児童手当の改定の記録")
        verbose_name_plural = _("児童手当の改定の記録")
        ordering = ["recipient", "effective_month", "id"]

    def __str__(self) -> str:
        return f"{self.recipient_id}:{self.action}:{self.effective_month:%Y-%m}"


def child_key(name: str, birth_date: dt.date) -> tuple[dt.date, str]:
    """How a revision names a child: date of birth and name (spaces ignored)."""
    return birth_date, "".join(name.split())


def children_in_force(
    base: Iterable[ChildAllowanceChild], revisions: Sequence[ChildAllowanceRevision], month: dt.date
) -> list[tuple[str, ca_rules.ChildInput]]:
    """The children (name, rule input) counted for `month`: the certified ones with the revisions applied."""
    children: list[tuple[str, ca_rules.ChildInput]] = [
        (c.name, ca_rules.ChildInput(c.birth_date, c.supported))
        for c in sorted(base, key=lambda c: c.position)
    ]
    for revision in sorted(revisions, key=lambda r: (r.effective_month, r.pk or 0)):
        if revision.effective_month > month or revision.child_birth_date is None:
            continue
        key = child_key(revision.child_name, revision.child_birth_date)
        if revision.action == RevisionAction.ADD_CHILD:
            if all(child_key(n, c.birth_date) != key for n, c in children):
                children.append(
                    (
                        revision.child_name,
                        ca_rules.ChildInput(revision.child_birth_date, revision.child_supported),
                    )
                )
        elif revision.action == RevisionAction.REMOVE_CHILD:
            children = [(n, c) for n, c in children if child_key(n, c.birth_date) != key]
    return children


def inputs_in_force(recipient: ChildAllowanceRecipient, month: dt.date) -> list[ca_rules.ChildInput]:
    """The rule inputs for `month` (certified children + revisions effective by then)."""
    revisions = list(ChildAllowanceRevision.objects.filter(recipient=recipient))
    return [c for _n, c in children_in_force(recipient.children.all(), revisions, month)]
