"""Derived-register pages: form, preview, CSV download, access log with purpose, permission."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client

from madoguchi.core.models import AccessLogEntry, Municipality, StaffUser
from madoguchi.registry.tests.test_search import make_resident


@pytest.mark.django_db
def test_electoral_roll_page_and_csv(
    chiyoda: Municipality, staff_client: Callable[..., tuple[Client, StaffUser]]
) -> None:
    make_resident(chiyoda, "選挙", "太郎", "センキョ", "タロウ", birth=dt.date(1990, 1, 1))
    make_resident(chiyoda, "未成年", "次郎", "ミセイネン", "ジロウ", birth=dt.date(2015, 1, 1))
    client, user = staff_client(chiyoda)
    page = client.get("/office/registers/")
    assert page.status_code == 200 and "選挙人名簿" in page.content.decode()
    form = client.get("/office/registers/electoral-roll/")
    assert form.status_code == 200 and AccessLogEntry.objects.count() == 0
    shown = client.get(
        "/office/registers/electoral-roll/", {"base_on": "2026-12-01", "purpose": "registry_maintenance"}
    )
    text = shown.content.decode()
    assert shown.status_code == 200 and "選挙　太郎" in text and "未成年" not in text
    download = client.get(
        "/office/registers/electoral-roll/",
        {"base_on": "2026-12-01", "purpose": "registry_maintenance", "format": "csv"},
    )
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    assert "electoral-roll-2026-12-01.csv" in download["Content-Disposition"]
    body = b"".join(download.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert body.count("\r\n") == 2 and "選挙　太郎" in body
    assert list(AccessLogEntry.objects.order_by("id").values_list("actor_id", "action", "purpose")) == [
        (user.pk, "view", "registry_maintenance"),
        (user.pk, "export", "registry_maintenance"),
    ]


@pytest.mark.django_db
def test_school_register_page(
    chiyoda: Municipality, staff_client: Callable[..., tuple[Client, StaffUser]]
) -> None:
    make_resident(chiyoda, "学齢", "一年", "ガクレイ", "イチネン", birth=dt.date(2021, 4, 1))
    client, _user = staff_client(chiyoda)
    shown = client.get(
        "/office/registers/school-age/",
        {"entry_year": "2027", "level": "elementary", "purpose": "registry_maintenance"},
    )
    text = shown.content.decode()
    assert "学齢　一年" in text and "2020-04-02" in text and "2021-04-01" in text
    csv_response = client.get(
        "/office/registers/school-age/",
        {"entry_year": "2027", "level": "elementary", "purpose": "registry_maintenance", "format": "csv"},
    )
    assert "学齢　一年" in b"".join(csv_response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert AccessLogEntry.objects.filter(subject_type="school_age_register", action="export").count() == 1


@pytest.mark.django_db
def test_errors_name_the_field(
    chiyoda: Municipality, staff_client: Callable[..., tuple[Client, StaffUser]]
) -> None:
    client, _user = staff_client(chiyoda)
    response = client.get(
        "/office/registers/electoral-roll/", {"base_on": "2026-13-01", "purpose": "registry_maintenance"}
    )
    assert response.status_code == 200
    assert "基準日: 基準日は年-月-日の形で入力してください" in response.content.decode()
    response = client.get(
        "/office/registers/school-age/", {"entry_year": "abc", "level": "elementary", "purpose": "audit"}
    )
    assert "入学年（4月1日の年）: 入学年は西暦の数字で入力してください" in response.content.decode()
    assert AccessLogEntry.objects.count() == 0


@pytest.mark.django_db
def test_auditor_is_refused(
    chiyoda: Municipality, staff_client: Callable[..., tuple[Client, StaffUser]]
) -> None:
    client, _user = staff_client(chiyoda, "auditor")
    assert client.get("/office/registers/electoral-roll/").status_code == 403
    response = client.get(
        "/office/registers/electoral-roll/", {"base_on": "2026-12-01", "purpose": "audit", "format": "csv"}
    )
    assert response.status_code == 403
