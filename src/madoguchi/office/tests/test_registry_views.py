"""Office pages for registry events: purpose first, form → confirm (「この内容で記録します。」) → result, no JS needed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from madoguchi.core.models import AccessLogEntry
from madoguchi.registry.models import RegistryEvent, Resident
from madoguchi.registry.tests.event_helpers import family

pytestmark = pytest.mark.django_db


def iso(d: dt.date) -> str:
    return d.isoformat()


def test_timeline_asks_for_a_purpose_then_shows_events_and_as_of(staff_client, chiyoda) -> None:
    client, clerk = staff_client(chiyoda)
    f = family(clerk)
    ask = client.get(f"/office/residents/{f.head.pk}/timeline/")
    assert ask.status_code == 200 and "山田" not in ask.content.decode()
    page = client.get(
        f"/office/residents/{f.head.pk}/timeline/", {"purpose": "counter_service", "on": "2026-11-01"}
    )
    body = page.content.decode()
    assert "異動履歴" in body and "転入" in body and "丸の内" in body and "2026-11-01 時点の記載" in body
    assert "/events/relocation/" in body and "/events/correction/" not in body  # a clerk may not correct
    before = client.get(
        f"/office/residents/{f.head.pk}/timeline/", {"purpose": "counter_service", "on": "2026-10-01"}
    )
    assert "まだありません" in before.content.decode()
    assert AccessLogEntry.objects.filter(action="view_timeline", purpose="counter_service").count() == 2


def test_household_page_with_members_on_a_date(staff_client, chiyoda) -> None:
    client, clerk = staff_client(chiyoda)
    f = family(clerk)
    url = f"/office/households/{f.head.household_id}/"
    assert "山田" not in client.get(url).content.decode()
    body = client.get(url, {"purpose": "registry_maintenance", "on": "2026-11-01"}).content.decode()
    assert body.count("山田　健") >= 2 and "世帯主変更届" in body and "2026-11-01 時点の世帯員" in body
    assert client.get("/office/households/999999/", {"purpose": "audit"}).status_code == 404


def test_relocation_form_confirm_and_record(staff_client, chiyoda) -> None:
    client, clerk = staff_client(chiyoda)
    f = family(clerk)
    url = f"/office/residents/{f.head.pk}/events/relocation/"
    form = client.get(url).content.decode()
    assert "転居届" in form and 'name="resident_ids"' in form and "<fieldset" in form
    today = timezone.localdate()
    data = {
        "resident_ids": [str(f.head.pk), str(f.wife.pk), str(f.child.pk)],
        "effective_on": iso(today - dt.timedelta(days=20)),
        "filed_on": iso(today),
        "machiaza": "神田",
        "block_number": "3番",
    }
    events = RegistryEvent.objects.count()
    confirm = client.post(url, data).content.decode()
    assert "この内容で記録します。" in confirm and "丸の内" in confirm and "神田" in confirm
    assert "届出期間（14日以内" in confirm  # the late-filing warning is shown before recording
    assert RegistryEvent.objects.count() == events
    back = client.post(url, {**data, "back": "1"}).content.decode()
    assert "確認へ進む" in back and 'value="神田"' in back
    done = client.post(url, {**data, "confirm": "1"})
    assert done.status_code == 302 and "/office/registry/recorded/?ids=" in done["Location"]
    result = client.get(done["Location"]).content.decode()
    assert "3 件の異動を記録しました" in result and "届出期間" in result
    assert Resident.objects.get(pk=f.head.pk).machiaza == "神田"


def test_errors_are_summarised_and_linked_to_fields(staff_client, chiyoda) -> None:
    client, clerk = staff_client(chiyoda)
    f = family(clerk)
    url = f"/office/residents/{f.head.pk}/events/death/"
    empty = client.post(url, {"effective_on": "2026-13-01"})
    body = empty.content.decode()
    assert empty.status_code == 400 and 'class="error-summary"' in body
    assert 'href="#id_effective_on"' in body and 'href="#id_filed_on"' in body and "例: 2026-04-01" in body
    today = iso(timezone.localdate())
    rule = client.post(url, {"effective_on": today, "filed_on": today})
    text = rule.content.decode()
    assert (
        rule.status_code == 400
        and 'href="#id_new_head_id"' in text
        and "新しい世帯主を選んでください" in text
    )


def test_merge_with_unknown_household_number(staff_client, chiyoda) -> None:
    client, clerk = staff_client(chiyoda)
    f = family(clerk)
    today = iso(timezone.localdate())
    data = {"target_household_number": "99999999", "effective_on": today, "filed_on": today}
    data.update({f"rel_{m.pk}": "61" for m in (f.head, f.wife, f.child)})
    response = client.post(f"/office/households/{f.head.household_id}/events/merge/", data)
    assert response.status_code == 400 and "この世帯番号の世帯は見つかりません" in response.content.decode()


def test_correction_page_needs_the_correct_registry_role(staff_client, chiyoda) -> None:
    client, clerk = staff_client(chiyoda, "counter_clerk")
    f = family(clerk)
    assert client.get(f"/office/residents/{f.head.pk}/events/correction/").status_code == 403
    reviewer_client, _ = staff_client(chiyoda, "reviewer")
    url = f"/office/residents/{f.head.pk}/events/correction/"
    data = {"field": "given_name", "value": "太朗", "effective_on": "2026-11-01", "reason": "誤記の訂正"}
    assert "この内容で記録します。" in reviewer_client.post(url, data).content.decode()
    assert reviewer_client.post(url, {**data, "confirm": "1"}).status_code == 302
    assert Resident.objects.get(pk=f.head.pk).given_name == "太朗"
    auditor_client, _ = staff_client(chiyoda, "auditor")
    assert auditor_client.get(f"/office/residents/{f.head.pk}/events/relocation/").status_code == 403


def test_move_in_new_household_and_birth_pages(staff_client, chiyoda) -> None:
    client, _clerk = staff_client(chiyoda)
    today = iso(timezone.localdate())
    data = {
        "family_name": "鈴木",
        "family_name_kana": "スズキ",
        "given_name": "一",
        "given_name_kana": "ハジメ",
        "birth_date": "1985-01-01",
        "sex": "male",
        "kind": "japanese",
        "resident_record_code": "50000000001",
        "previous_address": "神奈川県横浜市中区本町1丁目",
        "effective_on": today,
        "filed_on": today,
        "machiaza": "神田",
        "block_number": "1番",
        "confirm": "1",
    }
    done = client.post("/office/registry/move-in/", data)
    assert done.status_code == 302, done.content.decode()[:2000]
    head = Resident.objects.get(resident_record_code="50000000001")
    birth_url = f"/office/households/{head.household_id}/events/birth/"
    assert 'value="鈴木"' in client.get(birth_url).content.decode()  # the surname is prefilled from the head
    born = client.post(
        birth_url,
        {
            "family_name": "鈴木",
            "family_name_kana": "スズキ",
            "given_name": "葵",
            "given_name_kana": "アオイ",
            "birth_date": today,
            "sex": "female",
            "relationship": "10",
            "filed_on": today,
            "resident_record_code": "50000000002",
            "confirm": "1",
        },
    )
    assert born.status_code == 302
    assert Resident.objects.get(resident_record_code="50000000002").household_id == head.household_id


def test_unknown_event_kind_is_404(staff_client, chiyoda) -> None:
    client, clerk = staff_client(chiyoda)
    f = family(clerk)
    assert client.get(f"/office/residents/{f.head.pk}/events/nothing/").status_code == 404
