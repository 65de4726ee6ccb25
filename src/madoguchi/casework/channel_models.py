"""The office's outbox of status changes for the portal (split deployment; imported at the end of casework.models).

A status change a staff action makes is written here in the action's transaction and delivered after it commits;
what cannot be delivered (the portal is down) stays pending and is delivered, in order, by `madoguchi channel_drain`
or the next `madoguchi pull_submissions`. Each row has its own event id, which the portal applies once.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from madoguchi.core.models import TenantModel


def new_event_id() -> str:
    return uuid.uuid4().hex


class OutboxState(models.TextChoices):
    PENDING = "pending", _("送信待ち")
    DELIVERED = "delivered", _("送信済み")
    REFUSED = "refused", _("ポータルが拒否")


class StatusOutbox(TenantModel):
    """One status change for the resident's timeline, until the portal has answered it."""

    event_id = models.CharField(_("連携イベントID"), max_length=64, unique=True, default=new_event_id)
    receipt_number = models.CharField(_("受付番号"), max_length=20)
    to_status = models.CharField(_("変更後"), max_length=30)
    message_ja = models.TextField(_("申請者へのお知らせ"), blank=True)
    state = models.CharField(
        _("送信状況"), max_length=20, choices=OutboxState.choices, default=OutboxState.PENDING
    )
    attempts = models.PositiveIntegerField(_("送信回数"), default=0)
    last_error = models.TextField(_("直近のエラー"), blank=True)
    created_at = models.DateTimeField(_("登録日時"))
    delivered_at = models.DateTimeField(_("送信完了日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("状況通知の送信待ち")
        verbose_name_plural = _("状況通知の送信待ち")
        ordering = ["id"]
        indexes = [models.Index(fields=["state", "id"], name="casework_outbox_state_id")]

    def __str__(self) -> str:
        return f"{self.event_id} {self.receipt_number} → {self.to_status} ({self.state})"
