"""Derived registers in a real browser: 選挙人名簿 candidates and 学齢簿 cohort pages, CSV download — axe on each."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import Page, expect

from madoguchi.core.models import AccessLogEntry
from madoguchi.registry.tests.test_search import make_resident

from .conftest import PHONE, assert_accessible, office_login


def test_electoral_roll_and_school_register_journey(page: Page, make_staff, chiyoda) -> None:
    make_resident(chiyoda, "選挙", "花子", "センキョ", "ハナコ", birth=dt.date(1980, 6, 1))
    make_resident(chiyoda, "学齢", "一郎", "ガクレイ", "イチロウ", birth=dt.date(2021, 4, 1))
    clerk = make_staff(chiyoda, "counter_clerk")
    office_login(page, clerk)

    page.goto("/office/registers/")
    expect(page.get_by_role("heading", level=1)).to_have_text("住民記録から作る名簿")
    assert_accessible(page)

    page.get_by_role("link", name="選挙人名簿の登録対象者（基準日を指定）").click()
    assert_accessible(page)
    page.get_by_label("基準日").fill(
        "2026-13-01"
    )  # browsers may refuse the value; send a wrong one via URL below
    # A date input cannot hold an impossible date; send one the way an edited URL would.
    page.goto("/office/registers/electoral-roll/?base_on=2026-02-30&purpose=registry_maintenance")
    expect(page.get_by_role("alert")).to_contain_text("基準日")
    assert_accessible(page)
    page.get_by_label("基準日").fill("2026-12-01")
    page.get_by_label("利用目的").select_option("registry_maintenance")
    page.get_by_role("button", name="対象者を表示する").click()
    expect(page.get_by_role("cell", name="選挙　花子")).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSVでダウンロード（全件）").click()
    download = download_info.value
    assert download.suggested_filename == "electoral-roll-2026-12-01.csv"
    with open(download.path(), encoding="utf-8-sig") as handle:
        assert "選挙　花子" in handle.read()

    page.goto("/office/registers/school-age/")
    assert_accessible(page)
    page.get_by_label("入学年（4月1日の年）").fill("2027")
    page.get_by_label("学校").select_option("elementary")
    page.get_by_role("button", name="対象者を表示する").click()
    expect(page.get_by_role("cell", name="学齢　一郎").first).to_be_visible()  # also its own 世帯主
    assert_accessible(page)
    page.set_viewport_size({"width": PHONE["width"], "height": PHONE["height"]})
    assert_accessible(page)

    actions = list(AccessLogEntry.objects.order_by("id").values_list("subject_type", "action"))
    assert actions == [
        ("electoral_roll_candidates", "view"),
        ("electoral_roll_candidates", "export"),
        ("school_age_register", "view"),
    ]
