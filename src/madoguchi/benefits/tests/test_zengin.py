"""全銀 総合振込 file: byte-level tests against payments.md §5 and the layout tables."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from madoguchi.benefits import zengin as zg
from madoguchi.benefits.zengin import Transfer, TransferHeader, ZenginError

HEADER = TransferHeader(
    requester_code="1234567890",
    requester_name="マドグチシ",
    transfer_on=dt.date(2025, 6, 10),
    bank_code="0001",
    branch_code="001",
    account_type="1",
    account_number="1234567",
    bank_name="ミズホ",
    branch_name="トウキョウエイギョウブ",  # small ョ → ﾖ
)
TRANSFER = Transfer(
    bank_code="0009",
    branch_code="123",
    account_type="1",
    account_number="7654321",
    holder_name="ヤマダ タロウ",
    amount_yen=20_000,
    bank_name="ミツイスミトモ",
    branch_name="シンジュク",  # small ュ → ﾕ
    customer_code_1="123456",
    customer_code_2="1",
)

# payments.md §5, "Resulting records" (trailing spaces to 120 bytes omitted there).
EXPECTED_LINES = [
    "12101234567890ﾏﾄﾞｸﾞﾁｼ                                 06100001ﾐｽﾞﾎ           001ﾄｳｷﾖｳｴｲｷﾞﾖｳﾌﾞ  11234567",
    "20009ﾐﾂｲｽﾐﾄﾓ        123ｼﾝｼﾞﾕｸ         000017654321ﾔﾏﾀﾞ ﾀﾛｳ                      "
    "00000200000000012345600000000017",
    "8000001000000020000",
    "9",
]


def _records(data: bytes, separator: bytes = b"\r\n") -> list[bytes]:
    if separator:
        assert data.endswith(separator)
        return data[: -len(separator)].split(separator)
    return [data[i : i + 120] for i in range(0, len(data), 120)]


def test_worked_example_byte_for_byte():
    expected = b"".join(line.encode("cp932").ljust(120, b" ") + b"\r\n" for line in EXPECTED_LINES)
    data = zg.build_transfer_file(HEADER, [TRANSFER])
    assert data == expected
    assert len(data) == 4 * 122
    # Spot checks against the layout table positions (1-based).
    header, record, trailer, end = _records(data)
    assert header[14:54] == "ﾏﾄﾞｸﾞﾁｼ".encode("cp932") + b" " * 33
    assert header[54:58] == b"0610"
    assert header[103:120] == b" " * 17
    # The field table in payments.md §5 says "9 bytes + 21 spaces", but ﾔﾏﾀﾞ ﾀﾛｳ is 8 bytes; the record line
    # there (and the 30-byte field ending at position 80) has 22 spaces, which is what is written.
    assert record[50:80] == "ﾔﾏﾀﾞ ﾀﾛｳ".encode("cp932") + b" " * 22
    assert record[80:90] == b"0000020000"
    assert record[112:113] == b" "
    assert trailer[1:19] == b"000001000000020000"
    assert end == b"9" + b" " * 119
    assert hashlib.sha256(data).hexdigest() == hashlib.sha256(expected).hexdigest()


def test_no_separator():
    data = zg.build_transfer_file(HEADER, [TRANSFER], record_separator=b"")
    assert len(data) == 480
    assert b"\r" not in data and b"\n" not in data
    assert [r.rstrip(b" ") for r in _records(data, b"")] == [line.encode("cp932") for line in EXPECTED_LINES]


def test_rejects_other_separators():
    with pytest.raises(ZenginError) as err:
        zg.build_transfer_file(HEADER, [TRANSFER], record_separator=b"\n")
    assert err.value.field == "record_separator"


def _transfer(i: int, amount: int) -> Transfer:
    return Transfer(
        bank_code="0005",
        branch_code=f"{i:03d}",
        account_type="1" if i % 2 else "2",
        account_number=str(1000 + i),
        holder_name=f"ｶﾅ ﾀﾛｳ{i}",
        amount_yen=amount,
        customer_code_1=str(i),
    )


def test_trailer_totals_and_record_lengths():
    amounts = [1, 15_000, 9_999_999_999, 70_000]
    data = zg.build_transfer_file(HEADER, [_transfer(i, a) for i, a in enumerate(amounts)])
    records = _records(data)
    assert all(len(r) == 120 for r in records)
    assert [r[:1] for r in records] == [b"1", b"2", b"2", b"2", b"2", b"8", b"9"]
    trailer = records[-2]
    assert trailer[1:7] == b"000004"
    assert trailer[7:19] == str(sum(amounts)).zfill(12).encode()
    assert records[2][43:50] == b"0001001"  # account number zero-padded
    assert records[1][91:101] == b"0000000000"


def test_round_trip_and_register():
    groups = [
        (HEADER, [TRANSFER, _transfer(1, 30_000)]),
        (HEADER, [_transfer(2, 5_000)]),
    ]
    data = zg.build_transfer_groups(groups)
    parsed = zg.parse_transfer_file(data, year=2025)
    assert [(g.record_count, g.total_yen) for g in parsed.groups] == [(2, 50_000), (1, 5_000)]
    assert parsed.groups[0].transfers[0].holder_name == "ﾔﾏﾀﾞ ﾀﾛｳ"
    assert parsed.groups[0].header.transfer_on == dt.date(2025, 6, 10)
    rebuilt = zg.build_transfer_groups([(g.header, g.transfers) for g in parsed.groups])
    assert rebuilt == data
    register = zg.format_register(parsed)
    assert "ﾔﾏﾀﾞ ﾀﾛｳ" in register
    assert "合計 2件  50,000円" in register
    # Files without separators parse the same.
    flat = zg.build_transfer_groups(groups, record_separator=b"")
    assert zg.parse_transfer_file(flat, year=2025).groups == parsed.groups


def test_edi_info():
    transfer = Transfer("0009", "123", "1", "7654321", "ﾔﾏﾀﾞ ﾀﾛｳ", 1_000, edi_info="INV-2025/0001")
    record = _records(zg.build_transfer_file(HEADER, [transfer]))[1]
    assert record[91:111] == b"INV-2025/0001".ljust(20)
    assert record[112:113] == b"Y"
    parsed = zg.parse_transfer_file(zg.build_transfer_file(HEADER, [transfer]), year=2025)
    assert parsed.groups[0].transfers[0].edi_info == "INV-2025/0001"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"bank_code": "009"}, "transfers[0].bank_code"),
        ({"bank_code": "00O9"}, "transfers[0].bank_code"),
        ({"bank_code": "０００９"}, "transfers[0].bank_code"),  # full-width digits are not N
        ({"branch_code": "1234"}, "transfers[0].branch_code"),
        ({"account_type": "3"}, "transfers[0].account_type"),
        ({"account_number": "12345678"}, "transfers[0].account_number"),
        ({"account_number": ""}, "transfers[0].account_number"),
        ({"holder_name": "山田 太郎"}, "transfers[0].holder_name"),
        ({"holder_name": "ヤマダー"}, "transfers[0].holder_name"),  # long-vowel mark
        ({"holder_name": "ヤマダ・タロウ"}, "transfers[0].holder_name"),  # 中黒
        ({"holder_name": "ヲダ"}, "transfers[0].holder_name"),
        ({"holder_name": "   "}, "transfers[0].holder_name"),
        ({"bank_name": "みずほ銀行"}, "transfers[0].bank_name"),
        ({"amount_yen": 0}, "transfers[0].amount_yen"),
        ({"amount_yen": -1}, "transfers[0].amount_yen"),
        ({"amount_yen": 10_000_000_000}, "transfers[0].amount_yen"),
        ({"amount_yen": True}, "transfers[0].amount_yen"),
        ({"new_code": "3"}, "transfers[0].new_code"),
        ({"customer_code_1": "A1"}, "transfers[0].customer_code_1"),
        ({"customer_code_2": "12345678901"}, "transfers[0].customer_code_2"),
        ({"transfer_designation": "9"}, "transfers[0].transfer_designation"),
        ({"clearing_house_code": "12"}, "transfers[0].clearing_house_code"),
        ({"edi_info": "X" * 21, "customer_code_1": "", "customer_code_2": ""}, "transfers[0].edi_info"),
        ({"edi_info": "X"}, "transfers[0].edi_info"),  # with customer codes set
    ],
)
def test_transfer_field_validation(changes, field):
    from dataclasses import replace

    with pytest.raises(ZenginError) as err:
        zg.build_transfer_file(HEADER, [replace(TRANSFER, **changes)])
    assert err.value.field == field
    assert err.value.message_ja


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"requester_code": "12345678901"}, "header.requester_code"),
        ({"requester_name": ""}, "header.requester_name"),
        ({"bank_code": "1"}, "header.bank_code"),
        ({"branch_code": "01"}, "header.branch_code"),
        ({"account_type": "4"}, "header.account_type"),  # 貯蓄 is payee-only
        ({"account_number": "x"}, "header.account_number"),
    ],
)
def test_header_field_validation(changes, field):
    from dataclasses import replace

    with pytest.raises(ZenginError) as err:
        zg.build_transfer_file(replace(HEADER, **changes), [TRANSFER])
    assert err.value.field == field


def test_empty_transfers_rejected():
    with pytest.raises(ZenginError):
        zg.build_transfer_file(HEADER, [])


def test_second_transfer_error_names_its_index():
    from dataclasses import replace

    with pytest.raises(ZenginError) as err:
        zg.build_transfer_file(HEADER, [TRANSFER, replace(TRANSFER, account_number="ABC")])
    assert err.value.field == "transfers[1].account_number"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("キョウコ", "ｷﾖｳｺ"),
        ("シンジュク", "ｼﾝｼﾞﾕｸ"),
        ("やまだ　はなこ", "ﾔﾏﾀﾞ ﾊﾅｺ"),
        ("ｶ)abc", "ｶ)ABC"),
        ("（カ", "(ｶ"),
        ("ポッター", "ﾎﾟﾂﾀｰ"),  # ｰ survives conversion but is then rejected by validation
        ("ヴァイオリン", "ｳﾞｱｲｵﾘﾝ"),
    ],
)
def test_to_zengin_kana(text, expected):
    assert zg.to_zengin_kana(text) == expected


def test_long_names_truncated_by_bytes_without_splitting_voiced_marks():
    # 29 plain letters then ﾀﾞ: the 30-byte cut would fall between ﾀ and ﾞ, so ﾀ goes too.
    name = "ｱ" * 29 + "ﾀﾞ"
    record = _records(zg.build_transfer_file(HEADER, [Transfer("0009", "123", "1", "1", name, 1)]))[1]
    assert record[50:80] == ("ｱ" * 29).encode("cp932") + b" "
    name = "ｱ" * 28 + "ﾀﾞｲ"
    record = _records(zg.build_transfer_file(HEADER, [Transfer("0009", "123", "1", "1", name, 1)]))[1]
    assert record[50:80] == ("ｱ" * 28 + "ﾀﾞ").encode("cp932")


def _tamper(data: bytes, offset: int, new: bytes) -> bytes:
    return data[:offset] + new + data[offset + len(new) :]


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: _tamper(d, 2 * 122 + 7, b"000000020001"), "record[3].total_yen"),
        (lambda d: _tamper(d, 2 * 122 + 1, b"000002"), "record[3].record_count"),
        (lambda d: _tamper(d, 1, b"11"), "record[1].type_code"),
        (lambda d: _tamper(d, 3, b"1"), "record[1].code_division"),
        (lambda d: _tamper(d, 122 + 80, b"00000X0000"), "record[2].amount_yen"),
        (lambda d: d[: 3 * 122], "file"),  # end record missing
        (lambda d: d[:-5] + b"\r\n", "record[4]"),  # short record
        (lambda d: _tamper(d, 3 * 122, b"7"), "record[4]"),
    ],
)
def test_parse_rejects_broken_files(mutate, field):
    data = zg.build_transfer_file(HEADER, [TRANSFER])
    with pytest.raises(ZenginError) as err:
        zg.parse_transfer_file(mutate(data), year=2025)
    assert err.value.field == field


def test_parse_accepts_eof_mark():
    data = zg.build_transfer_file(HEADER, [TRANSFER]) + b"\x1a"
    assert zg.parse_transfer_file(data, year=2025).groups[0].total_yen == 20_000


@pytest.mark.parametrize(
    ("registered", "account", "matches"),
    [
        ("ヤマダ キョウコ", "ﾔﾏﾀﾞ ｷﾖｳｺ", True),  # bank keeps large kana
        ("ヤマダキョウコ", "ﾔﾏﾀﾞ ｷｮｳｺ", True),  # spaces ignored, small kana folded on both sides
        ("やまだ　きょうこ", "ﾔﾏﾀﾞｷﾖｳｺ", True),
        ("ヤマダ タロウ", "ﾔﾏﾀ ﾀﾛｳ", False),  # voiced mark matters
        ("ヤマダ タロウ", "ﾔﾏﾀﾞ ｼﾞﾛｳ", False),
        ("ＪＯＨＮ スミス", "JOHN ｽﾐｽ", True),
        ("", "", False),
    ],
)
def test_holder_name_matches(registered, account, matches):
    assert zg.holder_name_matches(registered, account) is matches
