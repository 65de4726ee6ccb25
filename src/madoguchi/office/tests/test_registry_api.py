"""Office API for registry events: timeline and as-of reads are access-logged; POSTs call the services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from madoguchi.core.models import AccessLogEntry, AuditEntry
from madoguchi.registry.models import RegistryEvent, Resident
from madoguchi.registry.tests.event_helpers import family

pytestmark = pytest.mark.django_db
BASE = "/api/v1/office"


def today() -> str:
    return timezone.localdate().isoformat()


def test_timeline_needs_a_purpose_and_is_logged(staff_api, chiyoda) -> None:
    client, clerk = staff_api(chiyoda)
    f = family(clerk)
    missing = client.get(f"{BASE}/residents/{f.head.pk}/timeline")
    assert missing.status_code == 400 and missing["Content-Type"] == "application/problem+json"
    response = client.get(f"{BASE}/residents/{f.head.pk}/timeline", {"purpose": "registry_maintenance"})
    assert response.status_code == 200
    body = response.json()
    assert [e["kind"] for e in body["events"]] == ["move_in"]
    assert body["events"][0]["state_after"]["family_name"] == "山田"
    assert body["events"][0]["household_number"] == "00000001"
    entry = AccessLogEntry.objects.get(action="view_timeline")
    assert (entry.subject_id, entry.purpose) == (str(f.head.pk), "registry_maintenance")


def test_as_of_and_household_members(staff_api, chiyoda) -> None:
    client, clerk = staff_api(chiyoda)
    f = family(clerk)
    before = client.get(f"{BASE}/residents/{f.head.pk}/as-of", {"purpose": "audit", "on": "2026-10-31"})
    assert before.status_code == 404 and before.json()["code"] == "before_record"
    on = client.get(f"{BASE}/residents/{f.head.pk}/as-of", {"purpose": "audit", "on": "2026-11-01"}).json()
    assert on["is_resident"] and on["values"]["machiaza"] == "丸の内"
    members = client.get(
        f"{BASE}/households/{f.head.household_id}/members", {"purpose": "audit", "on": "2026-11-02"}
    ).json()
    assert [m["values"]["given_name"] for m in members["members"]] == ["太郎", "花子", "健"]
    assert AccessLogEntry.objects.filter(subject_type="household", purpose="audit").count() == 1


def test_relocation_dry_run_then_record(staff_api, chiyoda) -> None:
    client, clerk = staff_api(chiyoda)
    f = family(clerk)
    payload = {
        "resident_ids": [f.head.pk, f.wife.pk, f.child.pk],
        "effective_on": today(),
        "filed_on": today(),
        "machiaza": "神田",
        "block_number": "3番",
    }
    events = RegistryEvent.objects.count()
    dry = client.post(f"{BASE}/registry-events/relocation?dry_run=true", payload, format="json")
    assert dry.status_code == 200 and dry.json()["dry_run"] is True
    assert {c["field"] for c in dry.json()["events"][0]["changes"]} >= {"machiaza", "block_number"}
    assert RegistryEvent.objects.count() == events
    done = client.post(f"{BASE}/registry-events/relocation", payload, format="json")
    assert done.status_code == 201, done.json()
    assert [e["kind"] for e in done.json()["events"]] == ["relocation"] * 3
    assert done.json()["events"][0]["changes"]["machiaza"] == ["丸の内", "神田"]
    assert Resident.objects.get(pk=f.head.pk).machiaza == "神田"


def test_rule_violation_is_problem_json_naming_the_field(staff_api, chiyoda) -> None:
    client, clerk = staff_api(chiyoda)
    f = family(clerk)
    response = client.post(
        f"{BASE}/registry-events/death",
        {"resident_id": f.head.pk, "effective_on": today(), "filed_on": today()},
        format="json",
    )
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    assert (response.json()["field"], response.json()["code"]) == ("new_head_id", "head_required")
    bad = client.post(f"{BASE}/registry-events/death", {"resident_id": f.head.pk}, format="json")
    assert bad.status_code == 400 and "effective_on" in bad.json()["errors"]


def test_move_in_birth_and_head_change_over_the_api(staff_api, chiyoda) -> None:
    client, _clerk = staff_api(chiyoda)
    d = timezone.localdate()
    moved = client.post(
        f"{BASE}/registry-events/move-in",
        {
            "effective_on": (d - dt.timedelta(days=20)).isoformat(),
            "filed_on": d.isoformat(),
            "family_name": "鈴木",
            "family_name_kana": "スズキ",
            "given_name": "一",
            "given_name_kana": "ハジメ",
            "birth_date": "1985-01-01",
            "sex": "male",
            "resident_record_code": "50000000001",
            "previous_address": "神奈川県横浜市中区本町1丁目",
            "machiaza": "神田",
            "block_number": "1番",
        },
        format="json",
    )
    assert moved.status_code == 201, moved.json()
    assert moved.json()["warnings"][0]["code"] == "late_filing"
    head_id = moved.json()["events"][0]["resident_id"]
    household_id = Resident.objects.get(pk=head_id).household_id
    born = client.post(
        f"{BASE}/registry-events/birth",
        {
            "household_id": household_id,
            "birth_date": d.isoformat(),
            "filed_on": d.isoformat(),
            "family_name": "鈴木",
            "family_name_kana": "スズキ",
            "given_name": "葵",
            "given_name_kana": "アオイ",
            "sex": "female",
            "resident_record_code": "50000000002",
        },
        format="json",
    )
    assert born.status_code == 201, born.json()
    baby = born.json()["events"][0]["resident_id"]
    changed = client.post(
        f"{BASE}/registry-events/head-change",
        {
            "household_id": household_id,
            "new_head_id": baby,
            "effective_on": d.isoformat(),
            "filed_on": d.isoformat(),
            "relationships": {str(head_id): "20"},
        },
        format="json",
    )
    assert changed.status_code == 201, changed.json()
    assert Resident.objects.get(pk=head_id).relationship == "父"


def test_correction_is_refused_to_a_counter_clerk(staff_api, chiyoda) -> None:
    client, clerk = staff_api(chiyoda, "counter_clerk")
    f = family(clerk)
    audits = AuditEntry.objects.count()
    response = client.post(
        f"{BASE}/registry-events/correction",
        {
            "resident_id": f.head.pk,
            "values": {"given_name": "太朗"},
            "effective_on": today(),
            "reason": "誤記",
        },
        format="json",
    )
    assert response.status_code == 403 and response.json()["action"] == "correct_registry"
    assert AuditEntry.objects.count() == audits


def test_other_municipality_gets_404(staff_api, chiyoda, sapporo, make_staff) -> None:
    f = family(make_staff(chiyoda))
    client, _ = staff_api(sapporo)
    assert client.get(f"{BASE}/residents/{f.head.pk}/timeline", {"purpose": "audit"}).status_code == 404
    response = client.post(
        f"{BASE}/registry-events/name-change",
        {
            "resident_id": f.head.pk,
            "effective_on": today(),
            "family_name": "佐藤",
            "family_name_kana": "サトウ",
        },
        format="json",
    )
    assert response.status_code == 404


def test_schema_documents_the_event_endpoints() -> None:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = {op["operationId"] for path in schema["paths"].values() for op in path.values()}
    for name in ["move_in", "move_out", "relocation", "birth", "death", "head_change", "household_split",
                 "household_merge", "name_change", "correction"]:  # fmt: skip
        assert f"record_{name}" in operations
    assert {"get_resident_timeline", "get_resident_as_of", "get_household_members_as_of"} <= operations
