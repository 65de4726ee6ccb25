"""issue_document (render → sign → store → audit) and the public verification pages."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pypdf import PdfReader

from madoguchi.core.audit import verify_chain
from madoguchi.core.errors import ActionNotPermitted
from madoguchi.core.models import AuditEntry, Municipality, StaffUser
from madoguchi.documents.keys import get_signing_identity, key_directory, trust_roots_for
from madoguchi.documents.models import IssuedDocument
from madoguchi.documents.selectors import verify_uploaded_pdf
from madoguchi.documents.services import VERIFICATION_PLACEHOLDER, issue_document, verification_url
from madoguchi.documents.verification import VerdictReason, verify_pdf

JST = dt.timezone(dt.timedelta(hours=9))
PERSONAL_NAME = "髙﨑 花子"
HTML = f"""<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>通知書</title></head>
<body><h1>テスト通知書</h1><p class="name">{PERSONAL_NAME}</p>{VERIFICATION_PLACEHOLDER}</body></html>"""


@pytest.fixture
def issued(chiyoda: Municipality, make_staff: Callable[..., StaffUser]) -> IssuedDocument:
    clerk = make_staff(chiyoda, "counter_clerk")
    return issue_document(
        actor=clerk,
        municipality=chiyoda,
        kind="notice",
        title="テスト通知書",
        html=HTML,
        subject_type="resident",
        subject_id=42,
        purpose="certificate_issuance",
        now=dt.datetime(2026, 11, 26, 9, 30, tzinfo=JST),
    )


def flip_byte(pdf: bytes, position: int) -> bytes:
    data = bytearray(pdf)
    data[position] ^= 0x01
    return bytes(data)


def page_overlay(pdf: bytes) -> bytes:
    """Append an incremental update that draws extra text on page 1 (what a forger would do)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    stream = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 100 Td (FORGED) Tj ET"))
    contents = page["/Contents"]
    existing = list(contents) if isinstance(contents, generic.ArrayObject) else [page.raw_get("/Contents")]
    page["/Contents"] = generic.ArrayObject([*existing, stream])
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_issue_document_stores_signs_and_audits(issued: IssuedDocument, chiyoda: Municipality) -> None:
    pdf = bytes(issued.pdf)
    assert pdf.startswith(b"%PDF-")
    assert issued.sha256 == hashlib.sha256(pdf).hexdigest()
    assert issued.size_bytes == len(pdf)
    assert issued.page_count == 1
    assert issued.issued_by_id.startswith("staff:")
    assert "O=千代田区" in issued.signer_subject and "OU=131016" in issued.signer_subject
    assert len(issued.public_id) == 22
    verdict = verify_pdf(pdf, trust_roots=trust_roots_for("131016"))
    assert verdict.reason == VerdictReason.OK
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "髙﨑" in text
    assert verification_url(issued.public_id) in text.replace("\n", "")
    assert "見本（TEST）" in text

    audit = AuditEntry.objects.get(action="issue_document")
    assert audit.target_id == issued.public_id
    assert audit.municipality_id == "131016"
    assert audit.after["sha256"] == issued.sha256
    assert PERSONAL_NAME not in str(audit.after)
    assert verify_chain("131016")[1] == []


def test_public_id_is_random_and_unique(chiyoda: Municipality) -> None:
    documents = [
        issue_document(actor=None, municipality=chiyoda, kind="receipt", title="受付票", html=HTML)
        for _ in range(2)
    ]
    assert documents[0].public_id != documents[1].public_id


def test_staff_cannot_issue_for_another_municipality(
    sapporo: Municipality, chiyoda: Municipality, make_staff: Callable[..., StaffUser]
) -> None:
    with pytest.raises(ActionNotPermitted):
        issue_document(
            actor=make_staff(sapporo), municipality=chiyoda, kind="notice", title="通知書", html=HTML
        )
    assert not IssuedDocument.objects.exists()


def test_unknown_kind_is_refused(chiyoda: Municipality) -> None:
    with pytest.raises(ValueError, match="kind"):
        issue_document(actor=None, municipality=chiyoda, kind="passport", title="旅券", html=HTML)


def test_verification_page_for_the_qr_url(issued: IssuedDocument) -> None:
    response = Client().get(reverse("documents:verify_document", args=[issued.public_id]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "この文書は改ざんされていません" in body
    assert "(Intact)" in body
    assert "テスト通知書" in body
    assert "東京都千代田区" in body
    assert "令和8年11月26日" in body
    assert PERSONAL_NAME not in body and "髙﨑" not in body  # no personal data on the public page
    assert response["Cache-Control"] == "no-store"


def test_verification_url_path_matches_the_portal_route(issued: IssuedDocument) -> None:
    path = reverse("documents:verify_document", args=[issued.public_id])
    assert verification_url(issued.public_id).endswith(path)


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        (lambda pdf: flip_byte(pdf, 200), "署名後に変更されています"),
        (page_overlay, "署名後に変更されています"),
    ],
    ids=["flipped-byte", "incremental-update"],
)
def test_tampered_pdf_is_not_intact(
    issued: IssuedDocument, tamper: Callable[[bytes], bytes], expected: str
) -> None:
    tampered = tamper(bytes(issued.pdf))
    result = verify_uploaded_pdf(tampered)
    assert not result.intact
    assert result.verdict.reason == VerdictReason.MODIFIED

    client = Client()
    upload = io.BytesIO(tampered)
    upload.name = "certificate.pdf"
    response = client.post(reverse("documents:verify_upload"), {"pdf": upload})
    body = response.content.decode()
    assert response.status_code == 200
    assert expected in body and "(Not intact)" in body
    assert "改ざんされていません" not in body

    # The same file compared on the QR page: not intact, and not the issued bytes.
    upload = io.BytesIO(tampered)
    upload.name = "certificate.pdf"
    response = client.post(reverse("documents:verify_document", args=[issued.public_id]), {"pdf": upload})
    body = response.content.decode()
    assert "(Not intact)" in body
    assert "発行元に記録されている文書とは一致しません" in body


def test_uploading_the_issued_pdf_says_intact(issued: IssuedDocument) -> None:
    client = Client()
    for url in (
        reverse("documents:verify_upload"),
        reverse("documents:verify_document", args=[issued.public_id]),
    ):
        upload = io.BytesIO(bytes(issued.pdf))
        upload.name = "certificate.pdf"
        body = client.post(url, {"pdf": upload}).content.decode()
        assert "この文書は改ざんされていません" in body
        assert "発行元に記録されている文書と同一のファイルです" in body
        assert "テスト通知書" in body


def test_pdf_signed_by_another_ca_is_untrusted(issued: IssuedDocument, tmp_path: Path) -> None:
    from madoguchi.documents.pki import create_test_signing_identity
    from madoguchi.documents.rendering import render_pdf
    from madoguchi.documents.signing import sign_pdf

    # A forger's own CA issuing a certificate that claims to be 千代田区 (same O and OU).
    forger = create_test_signing_identity(tmp_path, municipality_name="千代田区", municipality_code="131016")
    forged = sign_pdf(render_pdf(HTML), forger, reason="偽造", location="千代田区")
    result = verify_uploaded_pdf(forged)
    assert result.verdict.reason == VerdictReason.UNTRUSTED
    assert not result.intact and result.document is None and result.issuer_name == ""


def test_unsigned_and_non_pdf_uploads(db: None) -> None:
    client = Client()
    upload = io.BytesIO(b"hello, not a pdf")
    upload.name = "note.pdf"
    response = client.post(reverse("documents:verify_upload"), {"pdf": upload})
    assert response.status_code == 400
    assert "PDFファイルではありません" in response.content.decode()

    response = client.post(reverse("documents:verify_upload"), {})
    assert response.status_code == 400
    assert "確認するPDFファイルを選んでください" in response.content.decode()

    from madoguchi.documents.rendering import render_pdf

    upload = io.BytesIO(render_pdf(HTML))
    upload.name = "unsigned.pdf"
    body = client.post(reverse("documents:verify_upload"), {"pdf": upload}).content.decode()
    assert "電子署名がありません" in body and "(Not intact)" in body


def test_unknown_id_gives_a_japanese_404(db: None) -> None:
    response = Client().get("/verify/AAAAAAAAAAAAAAAAAAAAAA")
    assert response.status_code == 404
    body = response.content.decode()
    assert "文書が見つかりません" in body
    assert '<html lang="ja">' in body


def test_upload_page_renders(db: None) -> None:
    response = Client().get("/verify/")
    assert response.status_code == 200
    assert "文書の真正性の確認" in response.content.decode()


def test_init_signing_key_command(chiyoda: Municipality, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("documents_init_signing_key", "--municipality", "131016")
    output = capsys.readouterr().out
    assert "OU=131016" in output and "SHA-256" in output
    assert (key_directory("131016") / "signing.key.pem").exists()
    # Idempotent: the same identity is kept.
    before = get_signing_identity(chiyoda).certificate
    call_command("documents_init_signing_key", "--municipality", "131016")
    assert get_signing_identity(chiyoda).certificate == before


def test_key_directory_refuses_path_tricks(settings: object) -> None:
    with pytest.raises(ValueError):
        key_directory("../etc")
    assert trust_roots_for("../../x") == []
