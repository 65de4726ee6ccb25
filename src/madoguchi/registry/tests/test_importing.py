"""Resident CSV import/export: round trip, every rejection reason, encodings, batches, permissions, commands."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from madoguchi.common.kana import is_katakana
from madoguchi.core.audit import SYSTEM, verify_chain
from madoguchi.core.crypto import decrypt_individual_number, individual_number_index
from madoguchi.core.errors import ActionNotPermitted, BusinessRuleViolation
from madoguchi.core.models import AuditEntry, Municipality
from madoguchi.registry.csv_format import _KATAKANA, COLUMNS, HEADERS, CsvFileError, spec_rows, write_csv
from madoguchi.registry.demo import generate
from madoguchi.registry.exporting import export_residents
from madoguchi.registry.importing import ImportReport, import_residents
from madoguchi.registry.models import EventKind, Household, RegistryEvent, Resident

TODAY = dt.date(2026, 11, 1)
COL = {c.key: i for i, c in enumerate(COLUMNS)}


def demo_rows(count: int = 40, seed: int = 5) -> list[list[str]]:
    households = generate(municipality_code="131016", count=count, seed=seed, today=TODAY)
    return list(spec_rows(households, prefecture="東京都", city="千代田区"))


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> io.BytesIO:
    stream = io.BytesIO()
    write_csv(rows, stream, encoding=encoding)
    stream.seek(0)
    return stream


def run_import(municipality: Municipality, rows: list[list[str]], **kwargs: Any) -> ImportReport:
    return import_residents(
        actor=SYSTEM, municipality=municipality, stream=csv_bytes(rows), today=TODAY, **kwargs
    )


def read_csv(data: bytes, encoding: str = "utf-8") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(encoding))))


# Two households: a couple (head + wife) and a single person.
def small_rows() -> list[list[str]]:
    base = dict.fromkeys(range(len(COLUMNS)), "")

    def row(**values: str) -> list[str]:
        cells = dict(base)
        defaults = {
            "kind": "日本人",
            "status": "住民",
            "sex": "男",
            "machiaza": "丸の内",
            "block_number": "1丁目1番1号",
            "became_resident_on": "2010-04-01",
            "birth_date": "1980-05-05",
        }
        for key, value in {**defaults, **values}.items():
            cells[COL[key]] = value
        return [cells[i] for i in range(len(COLUMNS))]

    return [
        row(
            household_number="H1",
            is_head="1",
            relationship="世帯主",
            resident_record_code="10000000001",
            family_name="髙橋",
            given_name="一郎",
            family_name_kana="タカハシ",
            given_name_kana="イチロウ",
            individual_number="123456789018",
        ),
        row(
            household_number="H1",
            is_head="0",
            relationship="妻",
            resident_record_code="10000000002",
            family_name="髙橋",
            given_name="花子",
            family_name_kana="タカハシ",
            given_name_kana="ハナコ",
            sex="女",
            individual_number="983205673214",
        ),
        row(
            household_number="H2",
            is_head="1",
            relationship="世帯主",
            resident_record_code="10000000003",
            family_name="山﨑",
            given_name="次郎",
            family_name_kana="ヤマザキ",
            given_name_kana="ジロウ",
            individual_number="271828182840",
        ),
    ]


@pytest.mark.django_db
def test_round_trip_into_another_municipality_gives_identical_rows(
    chiyoda: Municipality, sapporo: Municipality
) -> None:
    rows = demo_rows(120)
    report = run_import(chiyoda, rows)
    assert report.rejected == [] and report.imported == len(rows)
    first = io.BytesIO()
    assert export_residents(actor=SYSTEM, municipality=chiyoda, stream=first) == len(rows)
    first.seek(0)
    second_report = import_residents(actor=SYSTEM, municipality=sapporo, stream=first, today=TODAY)
    assert second_report.imported == len(rows) and second_report.rejected == []
    second = io.BytesIO()
    export_residents(actor=SYSTEM, municipality=sapporo, stream=second)
    assert first.getvalue() == second.getvalue()
    exported = read_csv(first.getvalue())
    assert exported[0] == list(HEADERS)
    # The export holds exactly the rows of the original file (order: by 世帯番号, head first).
    assert sorted(map(tuple, exported[1:])) == sorted(map(tuple, rows))


@pytest.mark.django_db
def test_import_writes_events_audit_and_encrypted_numbers(chiyoda: Municipality) -> None:
    rows = small_rows()
    report = run_import(chiyoda, rows)
    assert report.imported == 3 and report.households == 2 and report.batches == 1
    head = Resident.objects.get(resident_record_code="10000000001")
    assert head.household is not None
    assert head.family_name == "髙橋" and head.is_head and head.household.household_number == "H1"
    assert head.name_search_key.startswith("高橋")  # 異体字 folded in the key, not in the name
    assert head.individual_number_encrypted and "123456789018" not in head.individual_number_encrypted
    assert decrypt_individual_number(head.individual_number_encrypted) == "123456789018"
    assert head.individual_number_index == individual_number_index("123456789018")
    assert head.prefecture == "東京都" and head.city == "千代田区"  # blank in the file → the municipality's
    assert head.address_set_on == dt.date(2010, 4, 1)
    assert Household.objects.get(household_number="H1").created_on == dt.date(2010, 4, 1)
    events = RegistryEvent.objects.filter(resident=head)
    assert [e.kind for e in events] == [EventKind.INITIAL_REGISTRATION]
    state = events[0].state_after
    assert state["family_name"] == "髙橋" and state["birth_date"] == "1980-05-05"
    assert state["household_number"] == "H1" and state["household_id"] == head.household_id
    assert RegistryEvent.objects.count() == 3
    audits = AuditEntry.objects.filter(municipality=chiyoda, action="import_residents")
    assert audits.count() == 1
    assert (audits[0].after or {})["residents"] == 3 and "髙橋" not in str(audits[0].after)  # counts only
    assert verify_chain(chiyoda.code)[1] == []


def _mutate(rows: list[list[str]], index: int, key: str, value: str) -> list[list[str]]:
    rows[index][COL[key]] = value
    return rows


# (description, change to the small file, rejected line, column header, code)
REJECTIONS = [
    (
        "impossible date",
        lambda r: _mutate(r, 2, "birth_date", "2023-02-29"),
        4,
        "生年月日",
        "impossible_date",
    ),
    (
        "month 13",
        lambda r: _mutate(r, 2, "became_resident_on", "2020-13-01"),
        4,
        "住民となった年月日",
        "impossible_date",
    ),
    ("date format", lambda r: _mutate(r, 2, "birth_date", "S55.5.5"), 4, "生年月日", "invalid_date"),
    ("future birth", lambda r: _mutate(r, 2, "birth_date", "2027-01-01"), 4, "生年月日", "future_date"),
    (
        "check digit",
        lambda r: _mutate(r, 2, "individual_number", "123456789012"),
        4,
        "個人番号",
        "individual_number_check_digit",
    ),
    (
        "11 digits",
        lambda r: _mutate(r, 2, "individual_number", "12345678901"),
        4,
        "個人番号",
        "invalid_individual_number",
    ),
    (
        "duplicate code in file",
        lambda r: _mutate(r, 2, "resident_record_code", "10000000001"),
        4,
        "住民票コード",
        "duplicate_record_code_in_file",
    ),
    (
        "hiragana kana",
        lambda r: _mutate(r, 2, "family_name_kana", "やまざき"),
        4,
        "氏_フリガナ",
        "invalid_kana",
    ),
    ("half-width kana", lambda r: _mutate(r, 2, "given_name_kana", "ｼﾞﾛｳ"), 4, "名_フリガナ", "invalid_kana"),
    ("kanji in kana", lambda r: _mutate(r, 2, "family_name_kana", "山崎"), 4, "氏_フリガナ", "invalid_kana"),
    ("missing surname", lambda r: _mutate(r, 2, "family_name", ""), 4, "氏", "required"),
    ("missing code", lambda r: _mutate(r, 2, "resident_record_code", ""), 4, "住民票コード", "required"),
    (
        "code not digits",
        lambda r: _mutate(r, 2, "resident_record_code", "1000000000X"),
        4,
        "住民票コード",
        "invalid_digits",
    ),
    ("unknown sex", lambda r: _mutate(r, 2, "sex", "不明"), 4, "性別", "invalid_choice"),
    ("removed without date", lambda r: _mutate(r, 2, "status", "転出"), 4, "消除年月日", "required"),
    (
        "moved in before birth",
        lambda r: _mutate(r, 2, "became_resident_on", "1970-01-01"),
        4,
        "住民となった年月日",
        "date_order",
    ),
    (
        "postal code",
        lambda r: _mutate(r, 2, "postal_code", "1000-05"),
        4,
        "住所_郵便番号",
        "invalid_postal_code",
    ),
    ("too long", lambda r: _mutate(r, 2, "family_name", "長" * 61), 4, "氏", "too_long"),
    (
        "two heads",
        lambda r: _mutate(_mutate(r, 1, "is_head", "1"), 1, "relationship", "世帯主"),
        2,
        "世帯主区分",
        "household_head_count",
    ),
    (
        "no head",
        lambda r: _mutate(_mutate(r, 0, "is_head", "0"), 0, "relationship", "子"),
        2,
        "世帯主区分",
        "household_head_count",
    ),
    ("head relationship", lambda r: _mutate(r, 2, "relationship", "子"), 4, "続柄", "head_relationship"),
    ("not consecutive", lambda r: [r[0], r[2], r[1]], 4, "世帯番号", "household_not_consecutive"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("description", "change", "line", "column", "code"), REJECTIONS, ids=[r[0] for r in REJECTIONS]
)
def test_rejected_rows_are_reported_with_line_column_and_reason(
    chiyoda: Municipality, description: str, change: object, line: int, column: str, code: str
) -> None:
    rows = change(small_rows())  # type: ignore[operator]
    report = run_import(chiyoda, rows)
    hits = [e for e in report.rejected if e.line == line and e.code == code]
    assert hits, report.rejected
    assert hits[0].column == column
    assert hits[0].message_ja and hits[0].message_en
    assert "123456789012" not in hits[0].message_ja + hits[0].message_en  # a 個人番号 is never echoed
    # The other household still loads; the rejected row's household does not load without it.
    imported_codes = set(Resident.objects.values_list("resident_record_code", flat=True))
    assert report.imported == len(imported_codes)
    rejected_lines = {e.line for e in report.rejected}
    assert report.imported + len(rejected_lines) == 3
    for household in Household.objects.all():
        assert household.members.filter(is_head=True).count() == 1


@pytest.mark.django_db
def test_a_rejected_member_takes_its_household_with_it(chiyoda: Municipality) -> None:
    rows = _mutate(small_rows(), 1, "birth_date", "2023-02-30")
    report = run_import(chiyoda, rows)
    assert {(e.line, e.code) for e in report.rejected} == {(3, "impossible_date"), (2, "household_rejected")}
    assert list(Resident.objects.values_list("resident_record_code", flat=True)) == ["10000000003"]


@pytest.mark.django_db
def test_duplicates_against_the_database(chiyoda: Municipality) -> None:
    run_import(chiyoda, small_rows()[2:])  # H2 is already there
    rows = small_rows()
    rows[1][COL["individual_number"]] = "271828182840"  # H2's number, on a new person
    rows[2][COL["household_number"]] = "H3"
    rows[2][COL["individual_number"]] = ""  # optional; the 住民票コード still clashes
    report = run_import(chiyoda, rows)
    codes = {(e.line, e.code) for e in report.rejected}
    assert (4, "duplicate_record_code_in_database") in codes
    assert (3, "duplicate_individual_number_in_database") in codes
    assert (2, "household_rejected") in codes
    assert report.imported == 0
    rows = small_rows()[2:]
    report = run_import(chiyoda, rows)
    assert {e.code for e in report.rejected} == {"household_exists"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("encoding", "expected"), [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp932", "cp932")]
)
def test_encodings_are_detected(chiyoda: Municipality, encoding: str, expected: str) -> None:
    report = import_residents(
        actor=SYSTEM, municipality=chiyoda, stream=csv_bytes(small_rows(), encoding), today=TODAY
    )
    assert report.encoding == expected and report.imported == 3
    assert Resident.objects.get(resident_record_code="10000000003").family_name == "山﨑"


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["utf-16", "euc_jp"])
def test_unsupported_encoding_is_a_clear_error(chiyoda: Municipality, encoding: str) -> None:
    rows = [[cell.replace("髙", "高").replace("﨑", "崎") for cell in row] for row in small_rows()]
    with pytest.raises(CsvFileError) as caught:
        import_residents(actor=SYSTEM, municipality=chiyoda, stream=csv_bytes(rows, encoding), today=TODAY)
    assert caught.value.code in ("unsupported_encoding", "invalid_header")
    assert "UTF-8" in caught.value.message_ja or "見出し" in caught.value.message_ja
    assert Resident.objects.count() == 0


@pytest.mark.django_db
def test_wrong_header_is_rejected_before_any_row(chiyoda: Municipality) -> None:
    data = io.BytesIO("氏名,生年月日\n山田太郎,1980-01-01\n".encode())
    with pytest.raises(CsvFileError) as caught:
        import_residents(actor=SYSTEM, municipality=chiyoda, stream=data, today=TODAY)
    assert caught.value.code == "invalid_header" and "世帯番号" in caught.value.message_ja


@pytest.mark.django_db
def test_batches_commit_separately_with_one_audit_row_each(chiyoda: Municipality) -> None:
    rows = demo_rows(60)
    report = run_import(chiyoda, rows, batch_size=20)
    assert report.imported == len(rows) and report.batches >= 3
    audits = AuditEntry.objects.filter(municipality=chiyoda, action="import_residents").order_by("sequence")
    assert audits.count() == report.batches
    assert sum((a.after or {})["residents"] for a in audits) == len(rows)
    assert all((a.after or {})["residents"] >= 20 for a in list(audits)[:-1])  # households are never split


@pytest.mark.django_db
def test_dry_run_writes_nothing(chiyoda: Municipality) -> None:
    rows = _mutate(small_rows(), 2, "birth_date", "2023-02-29")
    report = run_import(chiyoda, rows, dry_run=True)
    assert report.imported == 2 and report.rejected_rows == 1
    assert Resident.objects.count() == 0 and RegistryEvent.objects.count() == 0
    assert not AuditEntry.objects.filter(action="import_residents").exists()


@pytest.mark.django_db
def test_staff_need_the_import_and_export_actions(
    chiyoda: Municipality, sapporo: Municipality, make_staff
) -> None:
    clerk = make_staff(chiyoda, "counter_clerk")
    with pytest.raises(ActionNotPermitted):
        import_residents(actor=clerk, municipality=chiyoda, stream=csv_bytes(small_rows()), today=TODAY)
    with pytest.raises(ActionNotPermitted):
        export_residents(actor=clerk, municipality=chiyoda, stream=io.BytesIO())
    other_admin = make_staff(sapporo, "administrator")
    with pytest.raises(ActionNotPermitted):
        import_residents(actor=other_admin, municipality=chiyoda, stream=csv_bytes(small_rows()), today=TODAY)
    admin = make_staff(chiyoda, "administrator")
    report = import_residents(actor=admin, municipality=chiyoda, stream=csv_bytes(small_rows()), today=TODAY)
    assert report.imported == 3
    entry = AuditEntry.objects.get(action="import_residents")
    assert entry.actor_id == f"staff:{admin.pk}"
    out = io.BytesIO()
    assert export_residents(actor=admin, municipality=chiyoda, stream=out) == 3
    assert AuditEntry.objects.filter(action="export_residents", actor_id=f"staff:{admin.pk}").count() == 1


@pytest.mark.django_db
def test_cp932_export_names_the_character_it_cannot_write(chiyoda: Municipality) -> None:
    rows = small_rows()
    rows[2][COL["family_name"]] = "葛\U000e0100城"  # 葛 with an IVS selector: not representable in cp932
    run_import(chiyoda, rows)
    out = io.BytesIO()
    with pytest.raises(BusinessRuleViolation) as caught:
        export_residents(actor=SYSTEM, municipality=chiyoda, stream=out, encoding="cp932")
    assert caught.value.field == "氏" and "UTF-8" in caught.value.message_ja
    utf8 = io.BytesIO()
    export_residents(actor=SYSTEM, municipality=chiyoda, stream=utf8)
    assert "葛\U000e0100城" in utf8.getvalue().decode()


@pytest.mark.django_db
def test_cp932_export_round_trips(chiyoda: Municipality, sapporo: Municipality) -> None:
    run_import(chiyoda, small_rows())
    out = io.BytesIO()
    export_residents(actor=SYSTEM, municipality=chiyoda, stream=out, encoding="cp932")
    out.seek(0)
    report = import_residents(actor=SYSTEM, municipality=sapporo, stream=out, today=TODAY)
    assert report.encoding == "cp932" and report.imported == 3
    assert (
        Resident.objects.get(municipality=sapporo, resident_record_code="10000000001").family_name == "髙橋"
    )


@pytest.mark.django_db
def test_commands(chiyoda: Municipality, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    rows = _mutate(small_rows(), 2, "individual_number", "123456789012")
    with source.open("wb") as handle:
        write_csv(rows, handle, encoding="cp932")
    out = io.StringIO()
    report_path = tmp_path / "rejected.csv"
    call_command(
        "import_residents", str(source), "--municipality", "131016", "--report", str(report_path), stdout=out
    )
    text = out.getvalue()
    assert "imported 2 residents in 1 households from 3 rows (cp932)" in text
    assert "1 rows rejected" in text
    rejected = list(csv.reader(report_path.open(encoding="utf-8-sig")))
    assert rejected[1][:3] == ["4", "個人番号", "individual_number_check_digit"]
    target = tmp_path / "out.csv"
    call_command(
        "export_residents",
        str(target),
        "--municipality",
        "131016",
        "--encoding",
        "utf-8",
        stdout=io.StringIO(),
    )
    exported = read_csv(target.read_bytes())
    assert len(exported) == 3 and exported[1][COL["individual_number"]] == "123456789018"
    assert (target.stat().st_mode & 0o777) == 0o600  # 特定個人情報: owner-only
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_residents", str(tmp_path / "missing.csv"), stdout=io.StringIO())


@pytest.mark.parametrize(
    "text",
    [
        "タカハシ",
        "ヴァイオレット",
        "ー",
        "ア　イ",
        "ｱ",
        "あ",
        "A",
        "・",
        "ヷ",
        "ㇰ",
        "カ゛",
        " ア",
        "漢字",
        "ヿ",
        "ヽヾ",
    ],
)
def test_kana_regex_agrees_with_is_katakana(text: str) -> None:
    assert (_KATAKANA.match(text) is not None) == is_katakana(text)


DOC = Path(__file__).resolve().parents[4] / "docs" / "formats" / "residents-csv.md"


@pytest.mark.django_db
def test_documented_layout_and_example_match_the_code(chiyoda: Municipality) -> None:
    text = DOC.read_text(encoding="utf-8")
    for column in COLUMNS:
        assert f"| {column.header} |" in text, column.header
    example = text.split("```csv\n", 1)[1].split("```", 1)[0]
    assert example.splitlines()[0].split(",") == list(HEADERS)
    report = import_residents(
        actor=SYSTEM, municipality=chiyoda, stream=io.BytesIO(example.encode()), today=TODAY
    )
    assert report.rejected == [] and report.imported == 5 and report.households == 3
    smith = Resident.objects.get(resident_record_code="10000000003")
    assert smith.kind == "foreign" and smith.alias_name == "山田太郎"
    assert (
        Resident.objects.get(resident_record_code="10000000004").birth_date_unknown_text == "昭和年月日不詳"
    )
