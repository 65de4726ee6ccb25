"""Issued official documents (証明書・通知書・受付票): the signed PDF and what the public may learn about it.

Storage decision: the signed PDF bytes are kept **in the database** (`pdf`), not as a file under MEDIA_ROOT:

* the document row, its bytes and the audit row are written in one transaction, so there is never a signed PDF
  without its record (or a record whose file went missing), and a database backup is a complete backup;
* nothing under MEDIA_ROOT is ever served, so a mistake in web-server configuration cannot publish certificates
  full of personal data.

Certificates are small (tens of kB with subset fonts). Public lookups (the verification page) load the row
with ``defer("pdf")`` unless they need the bytes.

`public_id` is a random 128-bit token: it appears in the QR code and verification URL and says nothing about the
person (never a 住民票コード, 個人番号 or database id). `subject_type`/`subject_id` (whose document it is) and
`purpose` are internal and never shown on public pages.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from madoguchi.core.models import TenantModel

PUBLIC_ID_BYTES = 16


def new_public_id() -> str:
    """A fresh random public id for a verification URL (128 bits, URL-safe, 22 characters)."""
    return secrets.token_urlsafe(PUBLIC_ID_BYTES)


class DocumentKind(models.TextChoices):
    RESIDENCE_CERTIFICATE = "residence_certificate", _("住民票の写し")
    REMOVED_RECORD_CERTIFICATE = "removed_record_certificate", _("住民票の除票の写し")
    NOTICE = "notice", _("通知書")
    RECEIPT = "receipt", _("受付票")


class IssuedDocument(TenantModel):
    """One issued, signed PDF. Immutable once written: a correction is a new document."""

    public_id = models.CharField(
        _("公開ID"), max_length=32, unique=True, default=new_public_id, editable=False
    )
    kind = models.CharField(_("文書の種類"), max_length=40, choices=DocumentKind.choices)
    title = models.CharField(_("表題"), max_length=120)
    issued_at = models.DateTimeField(_("発行日時"))
    issued_by_id = models.CharField(_("発行者ID"), max_length=64)
    issued_by_display = models.CharField(_("発行者"), max_length=150)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    page_count = models.PositiveIntegerField(_("ページ数"))
    size_bytes = models.PositiveIntegerField(_("サイズ（バイト）"))
    signer_subject = models.CharField(_("署名者"), max_length=400)
    pdf = models.BinaryField(_("署名済みPDF"), editable=False)
    # Internal only (never on public pages): whose document and why it was issued.
    subject_type = models.CharField(_("対象種別"), max_length=64, blank=True)
    subject_id = models.CharField(_("対象ID"), max_length=64, blank=True)
    purpose = models.CharField(_("利用目的"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("発行文書")
        verbose_name_plural = _("発行文書")
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["municipality", "subject_type", "subject_id"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.public_id})"
