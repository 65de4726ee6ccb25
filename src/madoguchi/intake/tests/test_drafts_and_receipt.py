"""Draft expiry, disabled procedures and the signed PDF receipt."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from madoguchi.core.models import AuditEntry
from madoguchi.intake import services
from madoguchi.intake.models import DRAFT_RETENTION_DAYS, Attachment, Draft
from madoguchi.procedures.models import MunicipalProcedureSetting

from .helpers import PDF_BYTES, SIGN_PIN, card_identity, login_resident, make_world, pregnancy_answers

PREGNANCY = "pregnancy_notification"


@pytest.fixture
def world(chiyoda):
    return make_world(chiyoda)


def test_draft_expires_after_the_stated_period_and_is_purged(world) -> None:
    identity, _card = card_identity(world.head)
    draft = services.start_draft(identity=identity, municipality_code="131016", procedure_code=PREGNANCY)
    assert draft.expires_at - draft.updated_at == dt.timedelta(days=DRAFT_RETENTION_DAYS)
    services.add_attachment(
        identity=identity,
        draft=draft,
        attachment_code="power_of_attorney",
        filename="i.pdf",
        content=PDF_BYTES,
    )
    Draft.objects.filter(pk=draft.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    client = login_resident(Client(), identity)
    assert client.get(f"/apply/drafts/{draft.public_id}/review/").status_code == 404
    call_command("intake_purge_expired_drafts")
    assert not Draft.objects.exists() and not Attachment.objects.exists()
    assert AuditEntry.objects.filter(action="intake.purge_expired_draft").count() == 1


def test_disabled_procedure_cannot_be_started(world) -> None:
    identity, _card = card_identity(world.head)
    MunicipalProcedureSetting.objects.create(
        municipality_id="131016", procedure_code=PREGNANCY, enabled=False
    )
    client = login_resident(Client(), identity)
    assert client.get(f"/apply/{PREGNANCY}/").status_code == 404
    assert client.post(f"/apply/{PREGNANCY}/").status_code == 404
    assert not Draft.objects.exists()


def test_receipt_pdf_is_signed_and_names_the_receipt_number(world) -> None:
    identity, _card = card_identity(world.wife)
    draft = services.start_draft(identity=identity, municipality_code="131016", procedure_code=PREGNANCY)
    services.save_draft_answers(identity=identity, draft=draft, values=pregnancy_answers())
    draft.refresh_from_db()
    application = services.submit_draft_with_card(identity=identity, draft=draft, pin=SIGN_PIN).application
    client = login_resident(Client(), identity)
    response = client.get(f"/apply/applications/{application.receipt_number}/receipt.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF-") and b"/ByteRange" in pdf  # PAdES-signed by the municipality
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace(" ", "")
    assert application.receipt_number in text
    # Issued once; the second download serves the same document.
    application.refresh_from_db()
    again = client.get(f"/apply/applications/{application.receipt_number}/receipt.pdf").content
    assert again == pdf and application.receipt_document_id
