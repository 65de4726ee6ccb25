"""PAdES signing of official PDFs with pyHanko.

The signature is a PAdES baseline signature (ETSI EN 319 142-1): SubFilter ``/ETSI.CAdES.detached``, SHA-256,
the signing certificate's chain embedded in the CMS, written as an incremental update so the rendered bytes stay
untouched. Without a timestamper this is level **B-B**; give a pyHanko ``TimeStamper`` (an RFC 3161 TSA client,
e.g. ``HTTPTimeStamper``) to get **B-T**.

By default the signature is a *certification* (author) signature with DocMDP "no changes allowed": the
municipality is the document's author and nothing may be added afterwards, so viewers flag any later change,
annotations included. PAdES long-term maintenance (a DSS with revocation data, document timestamps) stays
permitted. Pass ``certify=False`` for an ordinary approval signature (e.g. when several people must sign).
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps import TimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

from madoguchi.documents._sync import run_blocking
from madoguchi.documents.pki import SigningIdentity

__all__ = ["pyhanko_signer", "sign_pdf", "to_asn1_certificate"]


def sign_pdf(
    pdf: bytes,
    identity: SigningIdentity,
    *,
    reason: str,
    location: str,
    field_name: str = "Signature1",
    timestamp: dt.datetime | None = None,
    timestamper: TimeStamper | None = None,
    certify: bool = True,
) -> bytes:
    """Sign `pdf` with `identity` (PAdES B-B, B-T with a timestamper) and return the signed PDF bytes.

    `timestamp` is the claimed signing time written to the signature (``/M``); it defaults to now. It is the
    signer's claim, not a trusted time: for that pass `timestamper`. Raises ``ValueError`` if `pdf` cannot be
    read as a PDF or may not be signed again (an existing certification signature forbids changes).
    """
    if timestamp is not None and timestamp.tzinfo is None:
        raise ValueError("timestamp must be timezone-aware")
    metadata = signers.PdfSignatureMetadata(
        field_name=field_name,
        reason=reason,
        location=location,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        certify=certify,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
    )
    pdf_signer = _PdfSignerAt(
        metadata,
        signer=pyhanko_signer(identity),
        timestamper=timestamper,
        # An invisible field: the visible proof on the page is the verification QR code and text.
        new_field_spec=fields.SigFieldSpec(sig_field_name=field_name),
        signing_time=timestamp,
    )
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        output = run_blocking(pdf_signer.async_sign_pdf(writer))
    except PdfError as error:
        raise ValueError(f"cannot sign: not a readable PDF ({error})") from error
    except SigningError as error:
        # e.g. the document already carries a certification signature that forbids any change.
        raise ValueError(f"cannot sign this PDF: {error}") from error
    return bytes(output.getvalue())


def pyhanko_signer(identity: SigningIdentity) -> signers.SimpleSigner:
    """A pyHanko ``SimpleSigner`` for `identity`, with its chain registered so it is embedded in the CMS."""
    key_der = identity.private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return signers.SimpleSigner(
        signing_cert=to_asn1_certificate(identity.certificate),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs([to_asn1_certificate(c) for c in identity.chain]),
    )


def to_asn1_certificate(certificate: x509.Certificate) -> asn1_x509.Certificate:
    """Convert a ``cryptography`` certificate to the asn1crypto form pyHanko works with."""
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


class _PdfSignerAt(signers.PdfSigner):
    """A ``PdfSigner`` whose signing session uses a given signing time instead of the system clock."""

    def __init__(self, *args: Any, signing_time: dt.datetime | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._signing_time = signing_time

    def init_signing_session(self, pdf_out: Any, existing_fields_only: bool = False) -> Any:
        session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
        if self._signing_time is not None:
            session.system_time = self._signing_time
        return session
