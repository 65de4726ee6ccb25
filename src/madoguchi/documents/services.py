"""Issuing official documents: render the HTML to PDF with the verification QR code, sign, store and audit."""

from __future__ import annotations

import datetime as dt
import hashlib
import html as html_lib
import io
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader

from madoguchi.common.wareki import to_wareki
from madoguchi.core.audit import Actor, record_audit
from madoguchi.core.errors import ActionNotPermitted
from madoguchi.core.models import Municipality, StaffUser

from .keys import get_signing_identity
from .models import DocumentKind, IssuedDocument, new_public_id
from .pki import TEST_CA_COMMON_NAME, SigningIdentity
from .qr import qr_svg
from .rendering import render_pdf
from .signing import sign_pdf

__all__ = [
    "VERIFICATION_PATH",
    "VERIFICATION_PLACEHOLDER",
    "issue_document",
    "pdf_page_count",
    "verification_block",
    "verification_url",
]

VERIFICATION_PLACEHOLDER = "<!-- madoguchi:verification -->"
"""Where in the document HTML the verification block (QR code + URL) goes; before ``</body>`` when absent."""

VERIFICATION_PATH = "/verify/"
"""Path of the public verification page in the portal zone (see documents/urls.py)."""

DEFAULT_PORTAL_URL = "http://127.0.0.1:8000"


def verification_url(public_id: str) -> str:
    """The public URL printed (and QR-encoded) on a document: ``<MADOGUCHI_PORTAL_URL>/verify/<public_id>``."""
    base = str(getattr(settings, "MADOGUCHI_PORTAL_URL", "") or DEFAULT_PORTAL_URL).rstrip("/")
    return f"{base}{VERIFICATION_PATH}{public_id}"


def verification_block(public_id: str) -> str:
    """The HTML block printed at the end of a document: QR code, verification URL and document number."""
    url = verification_url(public_id)
    return (
        '<div class="verification">'
        f"{qr_svg(url)}"
        "<div>"
        "<p>この文書には発行元の電子署名が付いています。"
        "QRコードまたは次のURLから、発行元・発行日と改ざんの有無を確認できます。</p>"
        f'<p class="verification-url">{html_lib.escape(url)}</p>'
        f"<p>文書番号: {html_lib.escape(public_id)}</p>"
        "</div></div>"
    )


def _is_test_identity(identity: SigningIdentity) -> bool:
    return (
        identity.trust_root is not None
        and TEST_CA_COMMON_NAME in identity.trust_root.subject.rfc4514_string()
    )


def _complete_html(html: str, public_id: str, *, specimen: bool) -> str:
    block = verification_block(public_id)
    if specimen:
        # Documents signed by a TEST identity are marked on every page so they are never taken for real ones.
        block += '<div class="specimen-mark" aria-hidden="true">見本（TEST）</div>'
    if VERIFICATION_PLACEHOLDER in html:
        return html.replace(VERIFICATION_PLACEHOLDER, block, 1)
    index = html.lower().rfind("</body>")
    if index < 0:
        return html + block
    return html[:index] + block + html[index:]


def pdf_page_count(pdf: bytes) -> int:
    """Number of pages of a PDF."""
    reader = PdfFileReader(io.BytesIO(pdf))
    return int(reader.root["/Pages"]["/Count"])


def issue_document(
    *,
    actor: StaffUser | Actor | None,
    municipality: Municipality,
    kind: str,
    title: str,
    html: str,
    subject_type: str = "",
    subject_id: str | int = "",
    purpose: str = "",
    audit_details: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> IssuedDocument:
    """Render `html` (with the verification QR block), sign it as `municipality`, store it and audit it.

    Callers check permissions (e.g. registry.certificates); this service only requires that a staff actor
    belongs to `municipality`. `audit_details` are added to the audit row and must not hold personal data.
    """
    if kind not in DocumentKind.values:
        raise ValueError(f"unknown document kind {kind!r}")
    if isinstance(actor, StaffUser) and actor.municipality_id != municipality.code:
        raise ActionNotPermitted("issue_document", "他の自治体の文書は発行できません。")
    if not title.strip():
        raise ValueError("a document needs a title")
    now = now or timezone.now()
    public_id = new_public_id()
    identity = get_signing_identity(municipality)
    unsigned = render_pdf(_complete_html(html, public_id, specimen=_is_test_identity(identity)))
    signed = sign_pdf(
        unsigned,
        identity,
        reason=f"{title}の交付（{to_wareki(timezone.localdate(now))}）",
        location=municipality.name,
        timestamp=now,
    )
    who = Actor.of(actor)
    document = IssuedDocument(
        municipality=municipality,
        public_id=public_id,
        kind=kind,
        title=title,
        issued_at=now,
        issued_by_id=who.id,
        issued_by_display=who.display,
        sha256=hashlib.sha256(signed).hexdigest(),
        page_count=pdf_page_count(signed),
        size_bytes=len(signed),
        signer_subject=identity.subject,
        pdf=signed,
        subject_type=subject_type,
        subject_id=str(subject_id),
        purpose=purpose,
    )
    with transaction.atomic():
        document.save(force_insert=True)
        record_audit(
            actor=actor,
            municipality=municipality,
            action="issue_document",
            target_type="issued_document",
            target_id=public_id,
            after={
                "kind": kind,
                "title": title,
                "sha256": document.sha256,
                "page_count": document.page_count,
                "subject_type": subject_type,
                "subject_id": str(subject_id),
                "purpose": purpose,
                **(audit_details or {}),
            },
        )
    return document
