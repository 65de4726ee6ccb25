"""Public catalogue API: shapes, filters, municipal policy and problem+json 404s."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from madoguchi.procedures.models import MunicipalProcedureSetting
from madoguchi.procedures.schema import CATALOGUE_DIR, parse_procedure

pytestmark = pytest.mark.django_db


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def test_list_all(api, chiyoda) -> None:
    response = api.get("/api/v1/procedures")
    assert response.status_code == 200
    body = response.json()
    assert len(body) == 31
    first = body[0]
    assert set(first) == {
        "code",
        "number",
        "kind",
        "category",
        "life_situations",
        "name_ja",
        "name_en",
        "summary_ja",
        "summary_en",
        "processing_days",
        "signature_required",
        "enabled",
        "online_available",
        "url",
    }
    assert first["code"] == "child_allowance_certification"
    assert first["kind"] == "procedure"
    assert first["url"] == "/api/v1/procedures/child_allowance_certification"
    assert first["online_available"] is True
    last = body[-1]
    assert last["kind"] == "referral" and last["category"] == "vehicle" and last["online_available"] is False


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"category": "disaster"}, ["disaster_damage_certificate"]),
        ({"life_situation": "pregnancy"}, ["pregnancy_notification"]),
        ({"q": "にんしん"}, ["pregnancy_notification"]),
        ({"q": "ﾘｻｲ"}, ["disaster_damage_certificate"]),
        ({"life_situation": "moving_in", "category": "long_term_care"}, ["care_needs_after_move"]),
    ],
)
def test_list_filters(api, chiyoda, params: dict[str, str], expected: list[str]) -> None:
    response = api.get("/api/v1/procedures", params)
    assert response.status_code == 200
    assert [r["code"] for r in response.json()] == expected


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"category": "tax"}, "category"),
        ({"life_situation": "wedding"}, "life_situation"),
        ({"municipality": "131017"}, "municipality"),
    ],
)
def test_list_bad_filters_are_problems(api, chiyoda, params: dict[str, str], field: str) -> None:
    response = api.get("/api/v1/procedures", params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"].startswith(f"{field}:")


def test_list_applies_the_municipality_policy(api, chiyoda, sapporo) -> None:
    MunicipalProcedureSetting.objects.create(
        municipality=sapporo, procedure_code="pregnancy_notification", enabled=False
    )
    [here] = api.get("/api/v1/procedures", {"life_situation": "pregnancy", "municipality": "011002"}).json()
    [demo] = api.get("/api/v1/procedures", {"life_situation": "pregnancy"}).json()
    assert here["enabled"] is False and here["online_available"] is False
    assert demo["enabled"] is True and demo["online_available"] is True


def test_detail_procedure(api, chiyoda) -> None:
    response = api.get("/api/v1/procedures/pregnancy_notification")
    assert response.status_code == 200
    body = response.json()
    assert body["name_ja"] == "妊娠の届出"
    assert body["legal_basis"] == [
        {
            "statute_ja": "母子保健法",
            "statute_en": "Maternal and Child Health Act",
            "article_ja": "第15条",
            "article_en": "Art. 15",
            "unconfirmed": False,
        }
    ]
    assert body["who_may_apply"] == [
        {"role": "self", "authorization_attachment": None},
        {"role": "proxy", "authorization_attachment": "power_of_attorney"},
    ]
    [attachment] = body["attachments"]
    assert attachment["requirement"] == "conditional"
    assert attachment["required_when"] == {"field": "applicant.role", "equals": "proxy"}
    assert attachment["required_when_ja"] == "「届出をする人」が「代理人（家族など）」の場合に必要"
    assert body["forms"] == [
        {"version": 1, "current": True, "url": "/api/v1/procedures/pregnancy_notification/forms/1"}
    ]
    assert body["apply_url"] == "/apply/pregnancy_notification/"
    assert body["contact"]["section_ja"] == "健康推進課（母子保健担当）"
    assert body["processing_days"] == 7
    assert body["summary_ja_easy"].startswith("あかちゃんが")
    assert body["external_url"] is None


def test_detail_disabled_has_no_apply_url(api, chiyoda) -> None:
    MunicipalProcedureSetting.objects.create(
        municipality=chiyoda,
        procedure_code="pregnancy_notification",
        enabled=False,
        contact_phone="03-1111-2222",
    )
    body = api.get("/api/v1/procedures/pregnancy_notification").json()
    assert body["enabled"] is False and body["online_available"] is False and body["apply_url"] is None
    assert body["contact"]["phone"] == "03-1111-2222"


def test_detail_referral(api, chiyoda) -> None:
    body = api.get("/api/v1/procedures/vehicle_parking_certificate").json()
    assert body["kind"] == "referral"
    assert body["external_url"] == "https://www.oss.mlit.go.jp/"
    assert body["forms"] == [] and body["apply_url"] is None and body["online_available"] is False
    assert body["authority_ja"]


def test_detail_unknown_is_problem_404(api, chiyoda) -> None:
    response = api.get("/api/v1/procedures/no_such_procedure")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Not found",
        "status": 404,
        "detail": "No procedure has the code 'no_such_procedure'.",
    }


def test_form_definition(api, chiyoda) -> None:
    response = api.get("/api/v1/procedures/pregnancy_notification/forms/1")
    assert response.status_code == 200
    body = response.json()
    assert body["procedure"] == "pregnancy_notification" and body["version"] == 1 and body["current"] is True
    assert body["catalogue_version"] == "2025.1"
    assert body["pages"][0]["key"] == "applicant_role"
    assert body["prefill"]["applicant.name"] == "card.name"
    assert [a["code"] for a in body["attachments"]] == ["power_of_attorney"]
    # the served definition is the versioned catalogue data, unchanged
    raw = json.loads((CATALOGUE_DIR / "pregnancy_notification.json").read_text(encoding="utf-8"))
    assert body["pages"] == raw["form"]["pages"]
    assert parse_procedure(raw).form.version == 1


@pytest.mark.parametrize(
    ("url", "detail"),
    [
        (
            "/api/v1/procedures/pregnancy_notification/forms/9",
            "Procedure 'pregnancy_notification' has no form version 9.",
        ),
        ("/api/v1/procedures/no_such_procedure/forms/1", "No procedure has the code 'no_such_procedure'."),
        (
            "/api/v1/procedures/vehicle_parking_certificate/forms/1",
            "No procedure has the code 'vehicle_parking_certificate'.",
        ),
    ],
)
def test_form_definition_404s(api, chiyoda, url: str, detail: str) -> None:
    response = api.get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == detail
