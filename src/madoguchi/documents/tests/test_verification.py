from __future__ import annotations

import datetime as dt
import io
import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from madoguchi.documents._sync import run_blocking
from madoguchi.documents.pki import SigningIdentity
from madoguchi.documents.signing import sign_pdf, to_asn1_certificate
from madoguchi.documents.verification import (
    MESSAGES_JA,
    PdfVerdict,
    VerdictReason,
    async_verify_pdf,
    verify_pdf,
)

from .conftest import SIGNED_AT


def _flip(pdf: bytes, position: int) -> bytes:
    """Change one byte so the file stays lexically valid: a hex digit stays a hex digit, a letter a letter."""
    data = bytearray(pdf)
    old = chr(data[position])
    if old in "0123456789abcdefABCDEF":
        new = "7" if old != "7" else "3"
    elif old.isalpha():
        new = "x" if old != "x" else "y"
    else:
        new = chr(data[position] ^ 0x01)
    data[position] = ord(new)
    return bytes(data)


def _byte_range(pdf: bytes) -> tuple[int, int, int, int]:
    match = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf)
    assert match is not None
    start1, length1, start2, length2 = (int(group) for group in match.groups())
    return start1, length1, start2, length2


def _pyhanko_says_intact(pdf: bytes, identity: SigningIdentity) -> bool:
    reader = PdfFileReader(io.BytesIO(pdf))
    (signature,) = reader.embedded_signatures
    assert identity.trust_root is not None
    context = ValidationContext(trust_roots=[to_asn1_certificate(identity.trust_root)], allow_fetching=False)
    status = run_blocking(async_validate_pdf_signature(signature, context))
    return bool(status.bottom_line and status.coverage == SignatureCoverageLevel.ENTIRE_FILE)


def test_render_sign_verify_is_intact_and_trusted(signed_pdf: bytes, identity: SigningIdentity) -> None:
    verdict = verify_pdf(signed_pdf, trust_roots=identity.trust_roots)
    assert verdict == PdfVerdict(
        signed=True,
        intact=True,
        trusted=True,
        signer_subject="CN=窓口市 文書署名 (TEST),OU=131016,O=窓口市,C=JP",
        signed_at=SIGNED_AT,
        reason=VerdictReason.OK,
        message_ja="この文書は改ざんされていません。発行元の電子署名を確認できました。",
        signer_name="窓口市 文書署名 (TEST)",
        signature_count=1,
    )
    assert verdict.ok
    assert verdict.reason == "ok"  # a plain string for templates and JSON
    assert _pyhanko_says_intact(signed_pdf, identity)


def test_async_form_gives_the_same_verdict(signed_pdf: bytes, identity: SigningIdentity) -> None:
    verdict = run_blocking(async_verify_pdf(signed_pdf, trust_roots=identity.trust_roots))
    assert verdict == verify_pdf(signed_pdf, trust_roots=identity.trust_roots)


def test_changed_reason_text_in_signed_range_is_modified(
    signed_pdf: bytes, identity: SigningIdentity
) -> None:
    start = signed_pdf.index(b"/Reason (") + len(b"/Reason (") + 8  # past the BOM, written as \376\377
    start1, length1, start2, _ = _byte_range(signed_pdf)
    assert start < start1 + length1 or start >= start2  # inside the signed bytes
    tampered = _flip(signed_pdf, start)
    verdict = verify_pdf(tampered, trust_roots=identity.trust_roots)
    assert (verdict.signed, verdict.intact, verdict.reason) == (True, False, VerdictReason.MODIFIED)
    assert verdict.message_ja == "この文書は署名後に変更されています。記載内容を信頼しないでください。"
    assert not _pyhanko_says_intact(tampered, identity)


@pytest.mark.parametrize("fraction", [0.2, 0.35, 0.5, 0.75])
def test_one_flipped_byte_in_the_rendered_content_is_detected(
    signed_pdf: bytes, unsigned_pdf: bytes, identity: SigningIdentity, fraction: float
) -> None:
    position = int(len(unsigned_pdf) * fraction)  # inside the first signed byte range
    assert position < _byte_range(signed_pdf)[1]
    verdict = verify_pdf(_flip(signed_pdf, position), trust_roots=identity.trust_roots)
    assert not verdict.intact
    assert verdict.reason in {VerdictReason.MODIFIED, VerdictReason.BAD_SIGNATURE, VerdictReason.MALFORMED}


def test_flipped_byte_in_the_signature_value_is_bad_signature(
    signed_pdf: bytes, identity: SigningIdentity
) -> None:
    match = re.search(rb"/Contents\s*<([0-9a-fA-F]+)>", signed_pdf)
    assert match is not None
    # The RSA signature value is the last field of the DER-encoded CMS, before the zero padding.
    end_of_der = match.start(1) + len(match.group(1).rstrip(b"0"))
    tampered = _flip(signed_pdf, end_of_der - 12)
    verdict = verify_pdf(tampered, trust_roots=identity.trust_roots)
    assert (verdict.signed, verdict.intact, verdict.reason) == (True, False, VerdictReason.BAD_SIGNATURE)
    assert verdict.message_ja == MESSAGES_JA[VerdictReason.BAD_SIGNATURE]


def test_incremental_update_changing_content_is_not_intact(
    signed_pdf: bytes, identity: SigningIdentity
) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(signed_pdf))
    forged = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 24 Tf 72 72 Td (FORGED) Tj ET"))
    writer.add_stream_to_page(0, forged)
    output = io.BytesIO()
    writer.write(output)
    updated = output.getvalue()
    assert updated.startswith(signed_pdf)  # the signed revision itself is untouched

    verdict = verify_pdf(updated, trust_roots=identity.trust_roots)
    assert (verdict.signed, verdict.intact, verdict.reason) == (True, False, VerdictReason.MODIFIED)
    assert verdict.trusted  # the signer is still who they were; the document is not what they signed
    assert not _pyhanko_says_intact(updated, identity)


def test_annotation_after_certification_is_not_intact(signed_pdf: bytes, identity: SigningIdentity) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(signed_pdf))
    note = writer.add_object(
        generic.DictionaryObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/Annot"),
                generic.NameObject("/Subtype"): generic.NameObject("/FreeText"),
                generic.NameObject("/Rect"): generic.ArrayObject(
                    [generic.NumberObject(n) for n in (50, 50, 300, 80)]
                ),
                generic.NameObject("/Contents"): generic.TextStringObject("世帯主 変更済"),
                generic.NameObject("/DA"): generic.TextStringObject("/Helv 12 Tf 0 g"),
            }
        )
    )
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    annotations = page.get("/Annots", generic.ArrayObject())
    annotations.append(note)
    page[generic.NameObject("/Annots")] = annotations
    writer.update_container(page)
    output = io.BytesIO()
    writer.write(output)
    verdict = verify_pdf(output.getvalue(), trust_roots=identity.trust_roots)
    assert (verdict.intact, verdict.reason) == (False, VerdictReason.MODIFIED)


def test_certified_document_cannot_be_signed_again(signed_pdf: bytes, identity: SigningIdentity) -> None:
    with pytest.raises(ValueError, match="cannot sign this PDF"):
        sign_pdf(
            signed_pdf, identity, reason="追記", location="窓口市", field_name="Signature2", certify=False
        )


def test_two_approval_signatures_are_both_checked(unsigned_pdf: bytes, identity: SigningIdentity) -> None:
    first = sign_pdf(unsigned_pdf, identity, reason="起案", location="窓口市", certify=False)
    both = sign_pdf(first, identity, reason="決裁", location="窓口市", field_name="Signature2", certify=False)
    verdict = verify_pdf(both, trust_roots=identity.trust_roots)
    assert (verdict.reason, verdict.signature_count, verdict.intact, verdict.trusted) == ("ok", 2, True, True)


def test_unsigned_pdf_is_not_signed(unsigned_pdf: bytes, identity: SigningIdentity) -> None:
    verdict = verify_pdf(unsigned_pdf, trust_roots=identity.trust_roots)
    assert verdict == PdfVerdict(
        signed=False,
        intact=False,
        trusted=False,
        signer_subject="",
        signed_at=None,
        reason=VerdictReason.NOT_SIGNED,
        message_ja="この文書には電子署名がありません。発行元が作成した文書かどうか確認できません。",
    )


@pytest.mark.parametrize(
    "garbage",
    [
        random.Random(20250401).randbytes(4096),
        b"",
        b"%PDF-1.7\n%%EOF\n",
        "これはPDFではありません".encode(),
        b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF",
    ],
    ids=["random", "empty", "header-only", "text", "no-xref"],
)
def test_garbage_is_malformed(garbage: bytes, identity: SigningIdentity) -> None:
    verdict = verify_pdf(garbage, trust_roots=identity.trust_roots)
    assert (verdict.signed, verdict.reason) == (False, VerdictReason.MALFORMED)
    assert verdict.message_ja == MESSAGES_JA[VerdictReason.MALFORMED]


@pytest.mark.parametrize("cut", ["half", "tail"])
def test_truncated_signed_pdf_is_malformed(signed_pdf: bytes, identity: SigningIdentity, cut: str) -> None:
    truncated = signed_pdf[: len(signed_pdf) // 2] if cut == "half" else signed_pdf[:-10]
    assert verify_pdf(truncated, trust_roots=identity.trust_roots).reason == VerdictReason.MALFORMED


def test_not_bytes_is_malformed(identity: SigningIdentity) -> None:
    verdict = verify_pdf("not bytes", trust_roots=identity.trust_roots)  # type: ignore[arg-type]
    assert verdict.reason == VerdictReason.MALFORMED


def test_certificate_from_another_ca_is_untrusted(
    unsigned_pdf: bytes, identity: SigningIdentity, foreign_identity: SigningIdentity
) -> None:
    signed = sign_pdf(unsigned_pdf, foreign_identity, reason="住民票の写しの交付", location="窓口市")
    verdict = verify_pdf(signed, trust_roots=identity.trust_roots)
    assert (verdict.signed, verdict.intact, verdict.trusted) == (True, True, False)
    assert verdict.reason == VerdictReason.UNTRUSTED
    assert verdict.message_ja.startswith(
        "この文書は署名後に変更されていませんが、署名した者を確認できません。"
    )
    # Same subject as ours, so only the chain tells them apart.
    assert verdict.signer_subject == "CN=窓口市 文書署名 (TEST),OU=131016,O=窓口市,C=JP"
    assert verify_pdf(signed, trust_roots=foreign_identity.trust_roots).reason == VerdictReason.OK


def test_no_trust_roots_means_untrusted(signed_pdf: bytes) -> None:
    assert verify_pdf(signed_pdf, trust_roots=[]).reason == VerdictReason.UNTRUSTED


def test_expired_signing_certificate_is_untrusted(signed_pdf: bytes, identity: SigningIdentity) -> None:
    after_expiry = identity.certificate.not_valid_after_utc + dt.timedelta(days=1)
    verdict = verify_pdf(signed_pdf, trust_roots=identity.trust_roots, validation_time=after_expiry)
    assert (verdict.intact, verdict.trusted, verdict.reason) == (True, False, VerdictReason.UNTRUSTED)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_verification_never_raises_on_damaged_files(
    signed_pdf: bytes, identity: SigningIdentity, data: st.DataObject
) -> None:
    damaged = bytearray(signed_pdf)
    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        position = data.draw(st.integers(min_value=0, max_value=len(damaged) - 1))
        damaged[position] = data.draw(st.integers(min_value=0, max_value=255))
    verdict = verify_pdf(bytes(damaged), trust_roots=identity.trust_roots)
    assert verdict.reason in set(VerdictReason)
    assert verdict.message_ja == MESSAGES_JA[verdict.reason]
    assert verdict.ok == (verdict.intact and verdict.trusted)
