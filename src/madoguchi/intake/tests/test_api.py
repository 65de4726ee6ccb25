"""Resident application API: signing content, signed submission (created / duplicate / rejected), status."""

from __future__ import annotations

import base64

import pytest
from rest_framework.test import APIClient

from madoguchi.intake.models import Application

from .helpers import SIGN_PIN, card_identity, certificate_pem, login_resident, make_world, pregnancy_answers

PREGNANCY = "pregnancy_notification"


@pytest.fixture
def world(chiyoda):
    return make_world(chiyoda)


def test_api_requires_the_resident_session(db) -> None:
    response = APIClient().get("/api/v1/applications")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_submit_and_query_status_through_the_api(world) -> None:
    identity, card = card_identity(world.wife)
    client = login_resident(APIClient(), identity)
    body = {"procedure_code": PREGNANCY, "form_version": 1, "answers": pregnancy_answers()}
    content = client.post("/api/v1/applications/signing-content", body, format="json")
    assert content.status_code == 200, content.content
    signed_content = base64.b64decode(content.json()["signed_content"])
    assert signed_content.startswith(b'{"answers":')
    signature = card.sign(signed_content, SIGN_PIN)
    submit = {
        **body,
        "signature": base64.b64encode(signature).decode(),
        "signing_certificate": certificate_pem(card),
    }
    created = client.post("/api/v1/applications", submit, format="json")
    assert created.status_code == 201, created.content
    receipt = created.json()["receipt_number"]
    assert created.json()["status"] == "received"

    # The same signature again is a replay: refused, nothing stored.
    replay = client.post("/api/v1/applications", submit, format="json")
    assert replay.status_code == 422
    assert replay.json()["problems"][0]["code"] == "signature_replayed"
    # A fresh signature for the same subject: the open application comes back (200), not a new one.
    changed = {**body, "answers": pregnancy_answers(**{"applicant.phone": "09011112222"})}
    content2 = base64.b64decode(
        client.post("/api/v1/applications/signing-content", changed, format="json").json()["signed_content"]
    )
    again = client.post(
        "/api/v1/applications",
        {
            **changed,
            "signature": base64.b64encode(card.sign(content2, SIGN_PIN)).decode(),
            "signing_certificate": certificate_pem(card),
        },
        format="json",
    )
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["receipt_number"] == receipt
    assert Application.objects.count() == 1

    listing = client.get("/api/v1/applications").json()
    assert [a["receipt_number"] for a in listing] == [receipt]
    detail = client.get(f"/api/v1/applications/{receipt}").json()
    assert detail["events"][0]["status"] == "received"
    assert client.get("/api/v1/applications/2026-999999").status_code == 404


def test_api_rejection_lists_fields(world) -> None:
    identity, _card = card_identity(world.wife)
    client = login_resident(APIClient(), identity)
    answers = pregnancy_answers(**{"applicant.phone": "123"})
    response = client.post(
        "/api/v1/applications/signing-content",
        {"procedure_code": PREGNANCY, "form_version": 1, "answers": answers},
        format="json",
    )
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == "applicant.phone"
