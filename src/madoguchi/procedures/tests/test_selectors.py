"""Selectors: filters, kana/width-insensitive search, municipal settings, procedure pages."""

from __future__ import annotations

import pytest

from madoguchi.core.errors import NotFoundInMunicipality
from madoguchi.procedures import selectors
from madoguchi.procedures.models import MunicipalProcedureSetting

pytestmark = pytest.mark.django_db

CHIYODA = "131016"


def codes(**kwargs: object) -> list[str]:
    return [r.code for r in selectors.list_procedures(municipality_code=CHIYODA, **kwargs)]  # type: ignore[arg-type]


def test_unfiltered_list_is_the_31_priority_procedures_in_order(chiyoda) -> None:
    rows = selectors.list_procedures(municipality_code=CHIYODA)
    assert [r.number for r in rows] == list(range(1, 32))
    assert rows[0].code == "child_allowance_certification"
    assert rows[0].name == "児童手当等の受給資格及び児童手当の額についての認定請求"
    assert [r.is_referral for r in rows].count(True) == 4
    assert all(r.online_available for r in rows if not r.is_referral)
    assert not any(r.online_available for r in rows if r.is_referral)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"life_situation": "pregnancy"}, ["pregnancy_notification"]),
        ({"life_situation": "disaster"}, ["disaster_damage_certificate"]),
        (
            {"life_situation": "birth"},
            [
                "child_allowance_certification",
                "child_allowance_amount_revision",
                "childcare_eligibility_certification",
                "childcare_placement_application",
            ],
        ),
        (
            {"life_situation": "moving_in"},
            [
                "child_allowance_certification",
                "childcare_eligibility_certification",
                "childcare_placement_application",
                "care_needs_after_move",
                "vehicle_tax_address_change",
                "vehicle_parking_certificate",
            ],
        ),
        ({"category": "disaster"}, ["disaster_damage_certificate"]),
        (
            {"category": "vehicle"},
            [
                "vehicle_tax_environmental_performance",
                "vehicle_tax_annual_declaration",
                "vehicle_tax_address_change",
                "vehicle_parking_certificate",
            ],
        ),
        ({"life_situation": "moving_in", "category": "long_term_care"}, ["care_needs_after_move"]),
        ({"life_situation": "no_such_thing"}, []),
    ],
)
def test_filters(chiyoda, filters: dict[str, str], expected: list[str]) -> None:
    assert codes(**filters) == expected


def test_category_counts(chiyoda) -> None:
    assert len(codes(category="child_rearing")) == 15
    assert len(codes(category="long_term_care")) == 11


@pytest.mark.parametrize(
    ("query", "expected_first"),
    [
        ("妊娠", "pregnancy_notification"),
        ("にんしん", "pregnancy_notification"),  # hiragana via the reading table and the やさしい日本語 text
        ("ニンシン", "pregnancy_notification"),  # katakana
        ("ﾆﾝｼﾝ", "pregnancy_notification"),  # half-width katakana
        ("罹災", "disaster_damage_certificate"),
        ("りさい", "disaster_damage_certificate"),
        ("ｼﾞﾄﾞｳﾌﾖｳﾃｱﾃ", "child_rearing_allowance_status_report"),
        ("ＰＲＥＧＮＡＮＣＹ", "pregnancy_notification"),  # full-width Latin, case-insensitive
        ("pregnancy notification", "pregnancy_notification"),  # every term must match
        ("住宅改修", "home_modification"),
    ],
)
def test_search_is_kana_and_width_insensitive(chiyoda, query: str, expected_first: str) -> None:
    found = codes(query=query)
    assert found, query
    assert found[0] == expected_first


def test_search_hiragana_finds_kanji_names(chiyoda) -> None:
    hoiku = codes(query="ほいく")
    assert "childcare_eligibility_certification" in hoiku
    assert "childcare_placement_application" in hoiku
    assert "care_needs_certification" not in hoiku
    assert set(codes(query="かいご")) >= {"care_needs_certification", "home_modification"}


def test_search_without_match_and_with_filters(chiyoda) -> None:
    assert codes(query="存在しない手続ｘｙｚ") == []
    assert codes(query="じどうしゃ", category="vehicle") == [
        "vehicle_tax_environmental_performance",
        "vehicle_tax_annual_declaration",
        "vehicle_tax_address_change",
        "vehicle_parking_certificate",
    ]
    assert codes(query="児童手当", life_situation="death") == ["child_allowance_unpaid_claim"]


def test_english_listing(chiyoda) -> None:
    row = selectors.list_procedures(municipality_code=CHIYODA, life_situation="pregnancy", lang="en")[0]
    assert row.name == "Pregnancy notification"
    assert row.name_ja == "妊娠の届出"
    assert row.summary.startswith("Notify the municipality")


def test_disabled_procedure_is_listed_but_not_online(chiyoda, sapporo) -> None:
    MunicipalProcedureSetting.objects.create(
        municipality=chiyoda, procedure_code="pregnancy_notification", enabled=False
    )
    [row] = selectors.list_procedures(municipality_code=CHIYODA, life_situation="pregnancy")
    assert row.enabled is False
    assert row.online_available is False
    assert selectors.is_enabled(CHIYODA, "pregnancy_notification") is False
    # another municipality is unaffected
    assert selectors.is_enabled(sapporo.code, "pregnancy_notification") is True


def test_is_enabled_defaults_and_unknown(chiyoda) -> None:
    assert selectors.is_enabled(CHIYODA, "child_allowance_certification") is True
    assert (
        selectors.is_enabled(CHIYODA, "vehicle_parking_certificate") is False
    )  # referral: never online here
    assert selectors.is_enabled(CHIYODA, "no_such_procedure") is False


def test_procedure_page_defaults(chiyoda) -> None:
    page = selectors.get_procedure_page(municipality_code=CHIYODA, code="care_needs_certification")
    assert page.procedure is not None and page.referral is None
    assert page.online_available is True
    assert page.setting.configured is False
    assert page.setting.section("ja") == "介護保険課"
    assert page.setting.section("en") == "Long-Term Care Insurance Section"
    assert page.setting.hours("ja").startswith("平日 8時30分")
    assert page.setting.phone == ""


def test_procedure_page_with_local_setting(chiyoda) -> None:
    MunicipalProcedureSetting.objects.create(
        municipality=chiyoda,
        procedure_code="care_needs_certification",
        enabled=True,
        local_note_ja="年末年始は受付が遅れます。",
        contact_section_ja="高齢介護課 介護認定係",
        contact_phone="03-1111-2222",
        contact_hours_ja="平日 9時から17時まで",
    )
    page = selectors.get_procedure_page(municipality_code=CHIYODA, code="care_needs_certification")
    assert page.setting.configured is True
    assert page.setting.note("ja") == "年末年始は受付が遅れます。"
    assert page.setting.note("en") == "年末年始は受付が遅れます。"  # no translation given: Japanese shown
    assert page.setting.section("ja") == "高齢介護課 介護認定係"
    assert page.setting.section("en") == "高齢介護課 介護認定係"
    assert page.setting.phone == "03-1111-2222"
    assert page.setting.hours("en") == "平日 9時から17時まで"


def test_referral_page_and_unknown_code(chiyoda) -> None:
    page = selectors.get_procedure_page(municipality_code=CHIYODA, code="vehicle_parking_certificate")
    assert page.is_referral and page.referral is not None
    assert page.referral.url == "https://www.oss.mlit.go.jp/"
    assert page.online_available is False
    with pytest.raises(NotFoundInMunicipality):
        selectors.get_procedure_page(municipality_code=CHIYODA, code="no_such_procedure")


def test_life_situation_counts() -> None:
    counts = selectors.life_situation_counts()
    assert counts["childcare"] == 14
    assert counts["care"] == 11
    assert counts["vehicle"] == 4
    assert counts["moving_in"] == 6
