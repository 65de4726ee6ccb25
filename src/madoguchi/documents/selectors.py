"""Public verification of issued documents: what anyone may learn about a document, and whether a PDF is intact.

Nothing here reads or returns personal data: only the document's title, kind, issuing municipality, issue date,
page count, public id and digest, and the signature verdict.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import NameOID
from django.utils import timezone
from django.utils.translation import gettext_noop
from pyhanko.pdf_utils.reader import PdfFileReader

from madoguchi.common.checkdigits import is_valid_local_government_code
from madoguchi.common.wareki import to_wareki
from madoguchi.core.models import Municipality

from .keys import trust_roots_for
from .models import IssuedDocument
from .verification import PdfVerdict, VerdictReason, verify_pdf

__all__ = [
    "MAX_UPLOAD_BYTES",
    "MESSAGES_EN",
    "PublicDocument",
    "PublicVerification",
    "get_public_document",
    "verify_issued_document",
    "verify_uploaded_pdf",
]

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
"""Largest PDF the public verification page accepts (our certificates are far smaller)."""

MESSAGES_EN: dict[VerdictReason, str] = {
    VerdictReason.OK: "This document has not been altered. The issuer's electronic signature was confirmed.",
    VerdictReason.NOT_SIGNED: "This document has no electronic signature; its origin cannot be confirmed.",
    VerdictReason.MODIFIED: "This document has been changed after it was signed. Do not rely on its contents.",
    VerdictReason.BAD_SIGNATURE: "The electronic signature of this document is not valid. Do not rely on it.",
    VerdictReason.UNTRUSTED: (
        "This document has not been changed since it was signed, but the signer could not be confirmed as a "
        "trusted issuer."
    ),
    VerdictReason.MALFORMED: "The file could not be read as a PDF. It is damaged or not a PDF.",
}


@dataclass(frozen=True)
class PublicDocument:
    """The facts about an issued document that may be shown to anyone (no personal data)."""

    public_id: str
    title: str
    kind_label: str
    municipality_code: str
    municipality_name: str
    issued_at: dt.datetime
    page_count: int
    sha256: str

    @property
    def issued_on_wareki(self) -> str:
        """Issue date in 和暦, e.g. 令和8年11月26日."""
        return to_wareki(timezone.localdate(self.issued_at))

    @classmethod
    def of(cls, document: IssuedDocument, municipality: Municipality) -> PublicDocument:
        return cls(
            public_id=document.public_id,
            title=document.title,
            kind_label=document.get_kind_display(),
            municipality_code=municipality.code,
            municipality_name=f"{municipality.prefecture}{municipality.name}"
            if not municipality.name.startswith(municipality.prefecture)
            else municipality.name,
            issued_at=document.issued_at,
            page_count=document.page_count,
            sha256=document.sha256,
        )


@dataclass(frozen=True)
class PublicVerification:
    """The outcome shown on the verification page."""

    verdict: PdfVerdict
    document: PublicDocument | None
    """The issued document these bytes belong to (by digest, or the one the URL names); None if unknown."""
    hash_matches: bool | None
    """Whether the checked bytes are exactly the bytes issued (None when there is no record to compare with)."""
    sha256: str
    """Digest of the checked bytes."""
    issuer_name: str = ""
    """Issuer named in the signing certificate (O), shown when no record matched."""

    @property
    def intact(self) -> bool:
        """Signed by a trusted issuer, unchanged, and (where a record exists) identical to what was issued."""
        return self.verdict.ok and self.hash_matches is not False

    @property
    def message_ja(self) -> str:
        if self.verdict.ok and self.hash_matches is False:
            return gettext_noop(
                "署名は有効ですが、発行された文書とは内容が一致しません。発行元にお問い合わせください。"
            )
        return self.verdict.message_ja

    @property
    def message_en(self) -> str:
        if self.verdict.ok and self.hash_matches is False:
            return (
                "The signature is valid, but the file differs from the document issued. Contact the issuer."
            )
        return MESSAGES_EN[self.verdict.reason]


def get_public_document(public_id: str) -> PublicDocument | None:
    """The public facts of the document with this public id, or None. Anyone may call (no personal data)."""
    document = (
        IssuedDocument.objects.defer("pdf").select_related("municipality").filter(public_id=public_id).first()
    )
    return PublicDocument.of(document, document.municipality) if document is not None else None


def verify_issued_document(public_id: str, uploaded: bytes | None = None) -> PublicVerification | None:
    """Verify the stored document (or `uploaded` bytes against it); None when the id is unknown."""
    document = IssuedDocument.objects.select_related("municipality").filter(public_id=public_id).first()
    if document is None:
        return None
    pdf = bytes(document.pdf) if uploaded is None else uploaded
    digest = hashlib.sha256(pdf).hexdigest()
    verdict = verify_pdf(pdf, trust_roots=trust_roots_for(document.municipality_id))
    return PublicVerification(
        verdict=verdict,
        document=PublicDocument.of(document, document.municipality),
        hash_matches=digest == document.sha256,
        sha256=digest,
    )


def verify_uploaded_pdf(pdf: bytes) -> PublicVerification:
    """Verify any uploaded PDF: against the issuing municipality's trust roots, and against our records."""
    digest = hashlib.sha256(pdf).hexdigest()
    document = (
        IssuedDocument.objects.defer("pdf").select_related("municipality").filter(sha256=digest).first()
    )
    issuer_name = ""
    if document is not None:
        code = document.municipality_id
    else:
        # Unknown bytes: the signer certificate says which municipality it claims to be (OU = 地方公共団体コード);
        # the signature is then checked against that municipality's trust roots only.
        code, issuer_name = _claimed_issuer(pdf)
    verdict = verify_pdf(pdf, trust_roots=trust_roots_for(code) if code else [])
    if document is None and verdict.ok and code:
        # A valid signature on bytes we did not issue (e.g. long-term validation data added later): name the
        # municipality from our reference data rather than from the certificate text alone.
        municipality = Municipality.objects.filter(code=code).first()
        if municipality is not None:
            issuer_name = municipality.name
    return PublicVerification(
        verdict=verdict,
        document=PublicDocument.of(document, document.municipality) if document is not None else None,
        hash_matches=True if document is not None else None,
        sha256=digest,
        issuer_name=issuer_name if verdict.ok else "",
    )


def _claimed_issuer(pdf: bytes) -> tuple[str, str]:
    """(地方公共団体コード, organisation name) from the first signature's certificate; ("", "") if unreadable."""
    try:
        signatures = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
        if not signatures:
            return "", ""
        certificate = x509.load_der_x509_certificate(signatures[0].signer_cert.dump())
    except Exception:  # untrusted input: any parse failure just means "no claimed issuer"
        logger.info("verification: no readable signer certificate", exc_info=True)
        return "", ""
    units = [a.value for a in certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)]
    names = [a.value for a in certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)]
    code = next((str(u) for u in units if is_valid_local_government_code(str(u))), "")
    return code, str(names[0]) if names else ""
