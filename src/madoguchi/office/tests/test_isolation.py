"""Tenant isolation: staff of municipality A cannot read, list, search or change anything of municipality B."""

import pytest

from madoguchi.core.audit import record_audit
from madoguchi.core.models import AccessLogEntry
from madoguchi.registry.tests.factories import load_residents

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_cities(chiyoda, sapporo):
    return load_residents(chiyoda, 20, seed=1), load_residents(sapporo, 20, seed=2)


def test_ui_search_and_detail_stay_in_the_own_municipality(staff_client, chiyoda, two_cities) -> None:
    _, sapporo_people = two_cities
    client, _user = staff_client(chiyoda)
    target = sapporo_people[0]
    found = client.get("/office/residents/", {"name": target.family_name_kana})
    assert target.full_name not in found.content.decode()
    assert client.get(f"/office/residents/{target.pk}/").status_code == 404
    assert client.get(f"/office/residents/{target.pk}/", {"purpose": "counter_service"}).status_code == 404
    reveal = client.post(f"/office/residents/{target.pk}/individual-number/", {"purpose": "counter_service"})
    assert reveal.status_code == 404
    assert not AccessLogEntry.objects.filter(subject_id=str(target.pk)).exists()


def test_api_search_and_detail_stay_in_the_own_municipality(staff_api, chiyoda, two_cities) -> None:
    chiyoda_people, sapporo_people = two_cities
    client, _user = staff_api(chiyoda)
    target = sapporo_people[0]
    listed = client.get("/api/v1/office/residents", {"name": target.family_name})
    assert listed.status_code == 200
    ids = {row["id"] for row in listed.json()}
    assert target.pk not in ids
    assert all(row["id"] in {p.pk for p in chiyoda_people} for row in listed.json())
    detail = client.get(f"/api/v1/office/residents/{target.pk}", {"purpose": "counter_service"})
    assert detail.status_code == 404
    assert detail["Content-Type"] == "application/problem+json"
    own = client.get(f"/api/v1/office/residents/{chiyoda_people[0].pk}", {"purpose": "counter_service"})
    assert own.status_code == 200 and own.json()["family_name"] == chiyoda_people[0].family_name


def test_auditors_see_only_their_own_logs(staff_client, chiyoda, sapporo) -> None:
    from django.db import transaction

    with transaction.atomic():
        record_audit(
            actor=None, municipality=sapporo, action="sapporo_secret_action", target_type="t", target_id=1
        )
        record_audit(
            actor=None, municipality=chiyoda, action="chiyoda_visible_action", target_type="t", target_id=1
        )
    client, _ = staff_client(chiyoda, "auditor")
    page = client.get("/office/audit-log/").content.decode()
    assert "chiyoda_visible_action" in page
    assert "sapporo_secret_action" not in page


def test_home_counts_only_the_own_municipality(staff_client, chiyoda, two_cities) -> None:
    client, _ = staff_client(chiyoda)
    from madoguchi.registry.models import Resident

    own = Resident.objects.filter(municipality=chiyoda, status="current").count()
    body = client.get("/office/").content.decode()
    assert f"{own} 人" in body
