"""search_residents: width-, kana- and 異体字-insensitive names, indexable address prefixes, tenant isolation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from itertools import count

import pytest

from madoguchi.core.errors import ActionNotPermitted
from madoguchi.core.models import Municipality, StaffUser
from madoguchi.registry.models import Household, Resident
from madoguchi.registry.selectors import search_residents
from madoguchi.registry.services import search_keys

_codes = count(20000000000)


def make_resident(
    municipality: Municipality,
    family: str,
    given: str,
    family_kana: str,
    given_kana: str,
    *,
    birth: dt.date = dt.date(1980, 1, 1),
    machiaza: str = "丸の内",
    block: str = "1丁目2番3号",
    status: str = "current",
) -> Resident:
    code = str(next(_codes))
    household = Household.objects.create(municipality=municipality, household_number=code, created_on=birth)
    return Resident.objects.create(
        municipality=municipality,
        resident_record_code=code,
        family_name=family,
        given_name=given,
        family_name_kana=family_kana,
        given_name_kana=given_kana,
        birth_date=birth,
        sex="male",
        prefecture=municipality.prefecture,
        city=municipality.name,
        machiaza=machiaza,
        block_number=block,
        became_resident_on=birth,
        address_set_on=birth,
        status=status,
        removed_on=dt.date(2020, 1, 1) if status != "current" else None,
        household=household,
        is_head=True,
        relationship="世帯主",
        **search_keys(
            family_name=family, given_name=given, family_name_kana=family_kana, given_name_kana=given_kana
        ),
    )


@pytest.fixture
def people(chiyoda: Municipality, sapporo: Municipality) -> dict[str, Resident]:
    made = {
        "高橋": make_resident(chiyoda, "高橋", "一郎", "タカハシ", "イチロウ", birth=dt.date(1970, 4, 1)),
        "髙橋": make_resident(chiyoda, "髙橋", "花子", "タカハシ", "ハナコ", birth=dt.date(1975, 5, 5)),
        "山崎": make_resident(
            chiyoda, "山崎", "健", "ヤマザキ", "ケン", machiaza="大手町", block="2丁目1番1号"
        ),
        "山﨑": make_resident(
            chiyoda, "山﨑", "葵", "ヤマザキ", "アオイ", machiaza="大手町", block="3丁目5番1号"
        ),
        "渡辺": make_resident(chiyoda, "渡辺", "誠", "ワタナベ", "マコト"),
        "渡邊": make_resident(chiyoda, "渡邊", "恵", "ワタナベ", "メグミ"),
        "渡邉": make_resident(chiyoda, "渡邉", "学", "ワタナベ", "マナブ"),
        "斎藤": make_resident(chiyoda, "斎藤", "翔", "サイトウ", "ショウ"),
        "齋藤": make_resident(chiyoda, "齋藤", "結衣", "サイトウ", "ユイ"),
        "佐藤": make_resident(chiyoda, "佐藤", "京子", "サトウ", "キョウコ", birth=dt.date(1990, 2, 28)),
        "転出": make_resident(chiyoda, "佐藤", "転出", "サトウ", "テンシュツ", status="moved_out"),
        "札幌": make_resident(sapporo, "佐藤", "札幌", "サトウ", "サッポロ"),
    }
    return made


def names(results: list[Resident]) -> set[str]:
    return {r.family_name + r.given_name for r in results}


# (query typed by the clerk, full names expected)
NAME_CASES = [
    ("高橋", {"高橋一郎", "髙橋花子"}),
    ("髙橋", {"高橋一郎", "髙橋花子"}),
    ("髙橋　花", {"髙橋花子"}),
    ("山崎", {"山崎健", "山﨑葵"}),
    ("山﨑", {"山崎健", "山﨑葵"}),
    ("渡邊", {"渡辺誠", "渡邊恵", "渡邉学"}),
    ("渡邉", {"渡辺誠", "渡邊恵", "渡邉学"}),
    ("渡辺", {"渡辺誠", "渡邊恵", "渡邉学"}),
    ("齋藤", {"斎藤翔", "齋藤結衣"}),
    ("斎藤", {"斎藤翔", "齋藤結衣"}),
    ("ｻﾄｳ", {"佐藤京子"}),
    ("ｻﾄｳ ｷｮｳｺ", {"佐藤京子"}),
    ("さとう", {"佐藤京子"}),
    ("サトウ　キョウコ", {"佐藤京子"}),
    ("サトウキヨウコ", {"佐藤京子"}),  # legacy full-size kana for small ョ still finds the record
    ("タカハシ", {"高橋一郎", "髙橋花子"}),
    ("たかはし　は", {"髙橋花子"}),
    ("ワタナベ", {"渡辺誠", "渡邊恵", "渡邉学"}),
    ("ｻｲﾄｳ", {"斎藤翔", "齋藤結衣"}),
    ("田中", set()),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("query", "expected"), NAME_CASES, ids=[c[0] for c in NAME_CASES])
def test_name_search_is_width_kana_and_variant_insensitive(
    people: dict[str, Resident],
    make_staff: Callable[..., StaffUser],
    chiyoda: Municipality,
    query: str,
    expected: set[str],
) -> None:
    clerk = make_staff(chiyoda)
    assert names(search_residents(actor=clerk, name=query)) == expected


@pytest.mark.django_db
def test_results_are_in_reading_order_then_birth_date(
    people: dict[str, Resident], make_staff: Callable[..., StaffUser], chiyoda: Municipality
) -> None:
    clerk = make_staff(chiyoda)
    results = search_residents(actor=clerk, name="タ")
    assert [r.given_name for r in results] == ["一郎", "花子"]  # タカハシイチロウ < タカハシハナコ


# (address typed, full names expected)
ADDRESS_CASES = [
    ("大手町", {"山崎健", "山﨑葵"}),
    ("大手町2丁目", {"山崎健"}),
    ("大手町３丁目５番", {"山﨑葵"}),  # full-width digits are folded
    ("東京都千代田区大手町3丁目", {"山﨑葵"}),
    ("千代田区大手町", {"山崎健", "山﨑葵"}),
    ("大手町 2丁目1番1号", {"山崎健"}),
    ("手町", set()),  # a prefix of 町字 + 番地・号, not a substring search
    ("大手町9丁目", set()),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("query", "expected"), ADDRESS_CASES, ids=[c[0] for c in ADDRESS_CASES])
def test_address_search_is_an_indexable_prefix(
    people: dict[str, Resident],
    make_staff: Callable[..., StaffUser],
    chiyoda: Municipality,
    query: str,
    expected: set[str],
) -> None:
    clerk = make_staff(chiyoda)
    assert names(search_residents(actor=clerk, address=query)) == expected


@pytest.mark.django_db
def test_other_criteria_removed_records_and_tenant(
    people: dict[str, Resident], make_staff: Callable[..., StaffUser], chiyoda: Municipality
) -> None:
    clerk = make_staff(chiyoda)
    assert names(search_residents(actor=clerk, birth_date=dt.date(1990, 2, 28))) == {"佐藤京子"}
    code = people["髙橋"].resident_record_code
    assert names(search_residents(actor=clerk, resident_record_code=code)) == {"髙橋花子"}
    assert names(search_residents(actor=clerk, name="佐藤")) == {
        "佐藤京子"
    }  # 除票 and Sapporo's 佐藤 excluded
    assert names(search_residents(actor=clerk, name="佐藤", include_removed=True)) == {"佐藤京子", "佐藤転出"}
    assert names(search_residents(actor=clerk, name="高橋", birth_date=dt.date(1975, 5, 5))) == {"髙橋花子"}
    assert search_residents(actor=clerk, name="  ") == []
    assert len(search_residents(actor=clerk, name="タ", limit=1)) == 1
    sapporo_code = people["札幌"].resident_record_code
    assert search_residents(actor=clerk, resident_record_code=sapporo_code) == []


@pytest.mark.django_db
def test_auditor_cannot_search(
    people: dict[str, Resident], make_staff: Callable[..., StaffUser], chiyoda: Municipality
) -> None:
    with pytest.raises(ActionNotPermitted):
        search_residents(actor=make_staff(chiyoda, "auditor"), name="佐藤")
