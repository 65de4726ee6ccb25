"""Verification of signed official PDFs with pyHanko's validator, summarised for residents and staff.

Trust and revocation choices:

* Trust anchors are exactly the certificates passed in ``trust_roots`` (never the operating system's TLS store):
  the municipality's LGPKI root in production, the TEST document CA in development.
* ``allow_fetching=False``: the verifier never goes to the network (the office zone has no internet, and an
  upload-a-PDF verification page must not become a way to make the server fetch arbitrary URLs).
* ``revocation_mode="soft-fail"`` by default: revocation data embedded in the PDF (DSS / signed attributes) is
  checked when present, and its absence is not an error. The TEST CA publishes no CRL or OCSP, so
  ``"hard-fail"`` could never succeed with it. For LGPKI-signed documents that carry revocation data (PAdES B-LT)
  callers may pass ``revocation_mode="hard-fail"``.

A signed document is **intact** when every signature is cryptographically valid, its digest matches, and it
covers the whole file or every later revision is a change pyHanko's difference analysis allows under the
document's DocMDP policy (for our certification signatures: only PAdES long-term maintenance data). It is
**trusted** when every signer certificate chains to one of the trust roots and is usable for signing.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from cryptography import x509
from cryptography.x509.oid import NameOID
from django.utils.translation import gettext_noop
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from madoguchi.documents._sync import run_blocking
from madoguchi.documents.signing import to_asn1_certificate

__all__ = ["MESSAGES_JA", "PdfVerdict", "VerdictReason", "async_verify_pdf", "verify_pdf"]

logger = logging.getLogger(__name__)


class VerdictReason(StrEnum):
    """Machine-readable outcome of a PDF verification (a ``str``: compare with ``"ok"`` etc.)."""

    OK = "ok"
    NOT_SIGNED = "not_signed"
    MODIFIED = "modified"
    BAD_SIGNATURE = "bad_signature"
    UNTRUSTED = "untrusted"
    MALFORMED = "malformed"


# Japanese messages (gettext msgids: the verification pages show them in the page language).
MESSAGES_JA: dict[VerdictReason, str] = {
    VerdictReason.OK: gettext_noop("この文書は改ざんされていません。発行元の電子署名を確認できました。"),
    VerdictReason.NOT_SIGNED: gettext_noop(
        "この文書には電子署名がありません。発行元が作成した文書かどうか確認できません。"
    ),
    VerdictReason.MODIFIED: gettext_noop(
        "この文書は署名後に変更されています。記載内容を信頼しないでください。"
    ),
    VerdictReason.BAD_SIGNATURE: gettext_noop(
        "この文書の電子署名は正しくありません。記載内容を信頼しないでください。"
    ),
    VerdictReason.UNTRUSTED: gettext_noop(
        "この文書は署名後に変更されていませんが、署名した者を確認できません。"
        "信頼できる発行元の電子署名ではありません。"
    ),
    VerdictReason.MALFORMED: gettext_noop(
        "PDFファイルとして読み取れませんでした。ファイルが壊れているか、PDFではありません。"
    ),
}

# When several signatures disagree the verdict reports the most serious finding.
_SEVERITY = (
    VerdictReason.MALFORMED,
    VerdictReason.BAD_SIGNATURE,
    VerdictReason.MODIFIED,
    VerdictReason.UNTRUSTED,
    VerdictReason.OK,
)


@dataclass(frozen=True)
class PdfVerdict:
    """The outcome of verifying a PDF: flags, the (first) signer and a plain-Japanese message."""

    signed: bool
    intact: bool
    trusted: bool
    signer_subject: str
    """RFC 4514 subject of the first signature's certificate; empty when unsigned or unreadable."""
    signed_at: dt.datetime | None
    """Time of the first signature: the trusted timestamp if there is one, else the signer's claimed time."""
    reason: VerdictReason
    message_ja: str
    signer_name: str = ""
    """Common name (CN) of the first signer, e.g. "市川三郷町 文書署名 (TEST)"."""
    signature_count: int = 0

    @property
    def ok(self) -> bool:
        """True only for a signed, intact document from a trusted signer."""
        return self.reason == VerdictReason.OK


def verify_pdf(
    pdf: bytes,
    *,
    trust_roots: Sequence[x509.Certificate],
    validation_time: dt.datetime | None = None,
    revocation_mode: str = "soft-fail",
) -> PdfVerdict:
    """Verify every signature in `pdf` against `trust_roots`; never raises on bad input (reason "malformed").

    Synchronous; from async code use :func:`async_verify_pdf`.
    """
    return run_blocking(
        async_verify_pdf(
            pdf, trust_roots=trust_roots, validation_time=validation_time, revocation_mode=revocation_mode
        )
    )


async def async_verify_pdf(
    pdf: bytes,
    *,
    trust_roots: Sequence[x509.Certificate],
    validation_time: dt.datetime | None = None,
    revocation_mode: str = "soft-fail",
) -> PdfVerdict:
    """Async form of :func:`verify_pdf`."""
    try:
        reader = PdfFileReader(io.BytesIO(bytes(pdf)))
        signatures = [sig for sig in reader.embedded_signatures if sig.sig_object_type == "/Sig"]
    except Exception:  # any parse failure of untrusted input is "malformed", never an error page
        logger.info("PDF verification: unreadable input", exc_info=True)
        return _verdict(VerdictReason.MALFORMED, signed=False)
    if not signatures:
        return _verdict(VerdictReason.NOT_SIGNED, signed=False)

    roots = [to_asn1_certificate(root) for root in trust_roots]
    findings: list[tuple[VerdictReason, PdfSignatureStatus | None]] = []
    for signature in signatures:
        # One context per signature: the caches inside must not mix evidence between signatures.
        context = ValidationContext(
            trust_roots=roots,
            allow_fetching=False,
            revocation_mode=revocation_mode,
            moment=validation_time,
        )
        try:
            status = await async_validate_pdf_signature(signature, signer_validation_context=context)
        except (SignatureValidationError, ValueError, KeyError, TypeError, AttributeError):
            # The signature dictionary or CMS blob is damaged beyond evaluation.
            logger.info("PDF verification: signature could not be evaluated", exc_info=True)
            findings.append((VerdictReason.BAD_SIGNATURE, None))
            continue
        except Exception:
            logger.info("PDF verification: unexpected failure evaluating a signature", exc_info=True)
            findings.append((VerdictReason.MALFORMED, None))
            continue
        finally:
            await context.aclose()
        findings.append((_classify(status), status))

    reasons = [reason for reason, _ in findings]
    worst = min(reasons, key=_SEVERITY.index)
    first = findings[0][1]
    intact = all(status is not None and _is_intact(status) for _, status in findings)
    trusted = all(status is not None and status.trusted for _, status in findings)
    return PdfVerdict(
        signed=True,
        intact=intact,
        trusted=trusted,
        signer_subject=_subject(first),
        signed_at=_signed_at(first),
        reason=worst,
        message_ja=MESSAGES_JA[worst],
        signer_name=_common_name(first),
        signature_count=len(signatures),
    )


def _classify(status: PdfSignatureStatus) -> VerdictReason:
    if not status.intact:
        return VerdictReason.MODIFIED  # the signed byte ranges no longer hash to the signed digest
    if not status.valid:
        return VerdictReason.BAD_SIGNATURE
    timestamp = status.timestamp_validity
    if timestamp is not None and not (timestamp.intact and timestamp.valid):
        return VerdictReason.BAD_SIGNATURE
    if not _covers_document(status):
        return VerdictReason.MODIFIED
    if not status.trusted or (timestamp is not None and not timestamp.trusted):
        return VerdictReason.UNTRUSTED
    return VerdictReason.OK


def _is_intact(status: PdfSignatureStatus) -> bool:
    return bool(status.intact and status.valid and _covers_document(status))


def _covers_document(status: PdfSignatureStatus) -> bool:
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return True
    # Later revisions exist: acceptable only if difference analysis ran and found them allowed by DocMDP.
    return status.coverage == SignatureCoverageLevel.ENTIRE_REVISION and status.docmdp_ok is True


def _signer_certificate(status: PdfSignatureStatus | None) -> x509.Certificate | None:
    if status is None or status.signing_cert is None:
        return None
    try:
        return x509.load_der_x509_certificate(status.signing_cert.dump())
    except ValueError:
        return None


def _subject(status: PdfSignatureStatus | None) -> str:
    certificate = _signer_certificate(status)
    return certificate.subject.rfc4514_string() if certificate is not None else ""


def _common_name(status: PdfSignatureStatus | None) -> str:
    certificate = _signer_certificate(status)
    if certificate is None:
        return ""
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    value = names[0].value if names else ""
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def _signed_at(status: PdfSignatureStatus | None) -> dt.datetime | None:
    if status is None:
        return None
    timestamp = status.timestamp_validity
    if timestamp is not None and timestamp.valid and timestamp.intact and timestamp.trusted:
        return timestamp.timestamp
    return status.signer_reported_dt


def _verdict(reason: VerdictReason, *, signed: bool) -> PdfVerdict:
    return PdfVerdict(
        signed=signed,
        intact=False,
        trusted=False,
        signer_subject="",
        signed_at=None,
        reason=reason,
        message_ja=MESSAGES_JA[reason],
    )
