"""全銀協 総合振込 (種別コード 21) file: build, parse, and account-holder name matching (payments.md).

Layout: fixed 120-byte records — header (データ区分 1), data (2) per payee, trailer (8), end (9) — in
JIS X 0201 single-byte characters (written with cp932, whose single-byte range is the same for every
character allowed here), N fields right-aligned zero-padded, C fields left-aligned space-padded.
Records are followed by CR LF or by nothing; which one is the paying bank's choice, so it is a parameter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from madoguchi.common.kana import to_halfwidth_katakana

RECORD_LENGTH = 120
TYPE_CODE = "21"  # 総合振込
CODE_DIVISION = "0"  # JIS/SJIS; 1 = EBCDIC is not produced
MAX_AMOUNT_YEN = 9_999_999_999  # 振込金額 N(10)
MAX_TOTAL_YEN = 999_999_999_999  # 合計金額 N(12)
MAX_RECORDS = 999_999  # 合計件数 N(6)
ENCODING = "cp932"
SEPARATORS = (b"\r\n", b"")

# payments.md §1: 0-9 A-Z ｱ-ﾝ ﾞ ﾟ ( ) - . / space. Small kana, ｦ, the long-vowel mark ｰ, comma and 中黒 are
# refused by many banks, so they are not accepted here either.
_HALFWIDTH_KANA = "".join(chr(cp) for cp in range(0xFF71, 0xFF9E))  # ｱ–ﾝ
ALLOWED_CHARACTERS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" + _HALFWIDTH_KANA + "ﾞﾟ()-./ ")
_VOICED_MARKS = "ﾞﾟ"
# Banks hold 口座名義 in the 全銀 character set, which has no small kana: キョウコ is held as ｷﾖｳｺ.
_SMALL_TO_LARGE = str.maketrans("ｧｨｩｪｫｬｭｮｯ", "ｱｲｳｴｵﾔﾕﾖﾂ")


class AccountType(StrEnum):
    ORDINARY = "1"  # 普通
    CURRENT = "2"  # 当座
    SAVINGS = "4"  # 貯蓄 (payee only)
    OTHER = "9"  # その他


_HEADER_ACCOUNT_TYPES = frozenset({"1", "2", "9"})
_DATA_ACCOUNT_TYPES = frozenset({"1", "2", "4", "9"})
_NEW_CODES = frozenset({"0", "1", "2"})  # 0 その他, 1 第1回振込分, 2 変更分
_DESIGNATIONS = frozenset({"0", "7", "8"})  # 7 テレ振込, 8 文書振込; 0 where the bank ignores it


class ZenginError(ValueError):
    """A field that cannot be written to (or was read wrongly from) a 全銀 file."""

    def __init__(self, field: str, message_ja: str) -> None:
        super().__init__(f"{field}: {message_ja}")
        self.field = field
        self.message_ja = message_ja


@dataclass(frozen=True)
class TransferHeader:
    """The paying municipality (振込依頼人) and its account at the 仕向銀行."""

    requester_code: str  # 振込依頼人コード (assigned by the bank), up to 10 digits
    requester_name: str  # 振込依頼人名, kana
    transfer_on: dt.date  # 振込指定日 (written as MMDD)
    bank_code: str  # 仕向銀行番号, 4 digits
    branch_code: str  # 仕向支店番号, 3 digits
    account_type: str  # 1 普通, 2 当座, 9 その他
    account_number: str  # up to 7 digits
    bank_name: str = ""
    branch_name: str = ""


@dataclass(frozen=True)
class Transfer:
    """One payee (データレコード)."""

    bank_code: str  # 被仕向銀行番号, 4 digits
    branch_code: str  # 被仕向支店番号, 3 digits
    account_type: str  # 1 普通, 2 当座, 4 貯蓄, 9 その他
    account_number: str  # up to 7 digits
    holder_name: str  # 受取人名 (kana; must match the bank's record)
    amount_yen: int
    bank_name: str = ""
    branch_name: str = ""
    new_code: str = "0"
    customer_code_1: str = ""  # up to 10 digits (e.g. case number)
    customer_code_2: str = ""
    transfer_designation: str = "7"
    edi_info: str | None = None  # when set: 識別表示 Y and this EDI情報 C(20) instead of the customer codes
    clearing_house_code: str = "0000"  # 手形交換所番号 (unused); "    " for banks that want spaces


@dataclass(frozen=True)
class TransferGroup:
    header: TransferHeader
    transfers: tuple[Transfer, ...]
    record_count: int
    total_yen: int


@dataclass(frozen=True)
class TransferFile:
    groups: tuple[TransferGroup, ...]
    record_separator: bytes


# ---------------------------------------------------------------------------------------------------------
# Field encoders


def to_zengin_kana(text: str) -> str:
    """Convert a reading to the 全銀 character set: half-width kana, small → large kana, upper-case Latin."""
    return to_halfwidth_katakana(text).translate(_SMALL_TO_LARGE).upper()


def _numeric(value: str, width: int, field: str, *, exact: bool = False) -> bytes:
    if not isinstance(value, str) or not value.isascii() or not value.isdigit():
        raise ZenginError(field, f"半角数字で入力してください（{value!r}）。")
    if len(value) > width or (exact and len(value) != width):
        expected = f"{width}桁" if exact else f"{width}桁以内"
        raise ZenginError(field, f"{expected}の数字で入力してください（{value}）。")
    return value.zfill(width).encode("ascii")


def _amount(value: int, width: int, maximum: int, field: str, *, allow_zero: bool = False) -> bytes:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ZenginError(field, "金額は整数（円）で指定してください。")
    if value < 0 or (value == 0 and not allow_zero):
        raise ZenginError(field, "金額は1円以上で指定してください。")
    if value > maximum:
        raise ZenginError(field, f"金額が桁数（{width}桁）を超えています。")
    return str(value).zfill(width).encode("ascii")


def _choice(value: str, allowed: frozenset[str], field: str) -> bytes:
    if value not in allowed:
        raise ZenginError(
            field, f"使用できないコードです（{value!r}）。使用可能: {', '.join(sorted(allowed))}"
        )
    return value.encode("ascii")


def _truncate(text: str, width: int) -> str:
    if len(text) <= width:
        return text
    cut = width
    # payments.md §1: never split ﾞ/ﾟ from its base — drop the base too and leave a pad space instead.
    if text[cut] in _VOICED_MARKS and cut > 1 and text[cut - 1] not in _VOICED_MARKS:
        cut -= 1
    return text[:cut]


def _kana(value: str, width: int, field: str, *, required: bool = False) -> bytes:
    text = to_zengin_kana(value)
    for ch in text:
        if ch not in ALLOWED_CHARACTERS:
            raise ZenginError(field, f"全銀フォーマットで使用できない文字「{ch}」が含まれています。")
    text = text.rstrip(" ")
    if required and not text:
        raise ZenginError(field, "入力してください。")
    # Every allowed character is one byte in JIS X 0201, so characters and bytes coincide here.
    encoded = _truncate(text, width).encode(ENCODING)
    return encoded.ljust(width, b" ")


def _free_text(value: str, width: int, field: str) -> bytes:
    text = to_zengin_kana(value)
    for ch in text:
        if ch not in ALLOWED_CHARACTERS:
            raise ZenginError(field, f"全銀フォーマットで使用できない文字「{ch}」が含まれています。")
    if len(text) > width:
        raise ZenginError(field, f"{width}文字以内で入力してください。")
    return text.encode(ENCODING).ljust(width, b" ")


def _record(parts: Sequence[bytes], field: str) -> bytes:
    record = b"".join(parts)
    record = record.ljust(RECORD_LENGTH, b" ")
    if len(record) != RECORD_LENGTH:  # a bug in the layout, not in the data
        raise ZenginError(field, f"レコード長が{len(record)}バイトです（120バイトであること）。")
    return record


def _header_record(header: TransferHeader) -> bytes:
    f = "header."
    return _record(
        [
            b"1",
            TYPE_CODE.encode("ascii"),
            CODE_DIVISION.encode("ascii"),
            _numeric(header.requester_code, 10, f + "requester_code"),
            _kana(header.requester_name, 40, f + "requester_name", required=True),
            header.transfer_on.strftime("%m%d").encode("ascii"),
            _numeric(header.bank_code, 4, f + "bank_code", exact=True),
            _kana(header.bank_name, 15, f + "bank_name"),
            _numeric(header.branch_code, 3, f + "branch_code", exact=True),
            _kana(header.branch_name, 15, f + "branch_name"),
            _choice(header.account_type, _HEADER_ACCOUNT_TYPES, f + "account_type"),
            _numeric(header.account_number, 7, f + "account_number"),
        ],
        "header",
    )


def _data_record(transfer: Transfer, index: int) -> bytes:
    f = f"transfers[{index}]."
    if transfer.clearing_house_code == "    ":
        clearing = b"    "
    else:
        clearing = _numeric(transfer.clearing_house_code, 4, f + "clearing_house_code", exact=True)
    if transfer.edi_info is not None:
        if transfer.customer_code_1 or transfer.customer_code_2:
            raise ZenginError(f + "edi_info", "EDI情報と顧客コードは同時に指定できません。")
        reference = _free_text(transfer.edi_info, 20, f + "edi_info")
        marker = b"Y"
    else:
        reference = _numeric(transfer.customer_code_1 or "0", 10, f + "customer_code_1") + _numeric(
            transfer.customer_code_2 or "0", 10, f + "customer_code_2"
        )
        marker = b" "
    return _record(
        [
            b"2",
            _numeric(transfer.bank_code, 4, f + "bank_code", exact=True),
            _kana(transfer.bank_name, 15, f + "bank_name"),
            _numeric(transfer.branch_code, 3, f + "branch_code", exact=True),
            _kana(transfer.branch_name, 15, f + "branch_name"),
            clearing,
            _choice(transfer.account_type, _DATA_ACCOUNT_TYPES, f + "account_type"),
            _numeric(transfer.account_number, 7, f + "account_number"),
            _kana(transfer.holder_name, 30, f + "holder_name", required=True),
            _amount(transfer.amount_yen, 10, MAX_AMOUNT_YEN, f + "amount_yen"),
            _choice(transfer.new_code, _NEW_CODES, f + "new_code"),
            reference,
            _choice(transfer.transfer_designation, _DESIGNATIONS, f + "transfer_designation"),
            marker,
        ],
        f.rstrip("."),
    )


def _trailer_record(count: int, total_yen: int) -> bytes:
    if count > MAX_RECORDS:
        raise ZenginError("trailer.record_count", "件数が上限（999,999件）を超えています。")
    return _record(
        [
            b"8",
            str(count).zfill(6).encode("ascii"),
            _amount(total_yen, 12, MAX_TOTAL_YEN, "trailer.total_yen", allow_zero=True),
        ],
        "trailer",
    )


def _end_record() -> bytes:
    return _record([b"9"], "end")


def build_transfer_groups(
    groups: Sequence[tuple[TransferHeader, Sequence[Transfer]]], *, record_separator: bytes = b"\r\n"
) -> bytes:
    """A file with several header–data–trailer groups and one end record."""
    if record_separator not in SEPARATORS:
        raise ZenginError("record_separator", "レコード区切りは CR LF または なし のみ指定できます。")
    if not groups:
        raise ZenginError("groups", "振込データがありません。")
    records: list[bytes] = []
    for header, transfers in groups:
        if not transfers:
            raise ZenginError("transfers", "振込データがありません。")
        records.append(_header_record(header))
        records.extend(_data_record(t, i) for i, t in enumerate(transfers))
        # Totals are recomputed from the data written, never taken from the caller.
        records.append(_trailer_record(len(transfers), sum(t.amount_yen for t in transfers)))
    records.append(_end_record())
    return b"".join(record + record_separator for record in records)


def build_transfer_file(
    header: TransferHeader, transfers: Sequence[Transfer], *, record_separator: bytes = b"\r\n"
) -> bytes:
    """A 総合振込 file (one group): header, one data record per transfer, trailer with totals, end record."""
    return build_transfer_groups([(header, transfers)], record_separator=record_separator)


# ---------------------------------------------------------------------------------------------------------
# Parsing


def _split_records(data: bytes) -> tuple[list[bytes], bytes]:
    data = data.removesuffix(b"\x1a")  # some systems append an EOF mark
    if len(data) >= RECORD_LENGTH + 2 and data[RECORD_LENGTH : RECORD_LENGTH + 2] == b"\r\n":
        lines = data.split(b"\r\n")
        if lines and lines[-1] == b"":
            lines.pop()
        separator = b"\r\n"
    else:
        if len(data) % RECORD_LENGTH:
            raise ZenginError("file", "ファイル長が120バイトの倍数ではありません。")
        lines = [data[i : i + RECORD_LENGTH] for i in range(0, len(data), RECORD_LENGTH)]
        separator = b""
    for number, line in enumerate(lines, start=1):
        if len(line) != RECORD_LENGTH:
            raise ZenginError(
                f"record[{number}]", f"レコード長が{len(line)}バイトです（120バイトであること）。"
            )
    return lines, separator


def _text(record: bytes, start: int, length: int) -> str:
    # Positions are 1-based as in the layout tables.
    return record[start - 1 : start - 1 + length].decode(ENCODING).rstrip(" ")


def _digits(record: bytes, start: int, length: int, field: str) -> str:
    value = record[start - 1 : start - 1 + length].decode("ascii", errors="replace")
    if not value.isdigit():
        raise ZenginError(field, f"数字項目に数字以外が含まれています（{value!r}）。")
    return value


def _parse_header(record: bytes, number: int, year: int) -> TransferHeader:
    f = f"record[{number}]."
    if record[1:3].decode("ascii", errors="replace") != TYPE_CODE:
        raise ZenginError(f + "type_code", "種別コードが21（総合振込）ではありません。")
    if record[3:4] != CODE_DIVISION.encode():
        raise ZenginError(f + "code_division", "コード区分が0（JIS）ではありません。")
    mmdd = _digits(record, 55, 4, f + "transfer_on")
    try:
        transfer_on = dt.date(year, int(mmdd[:2]), int(mmdd[2:]))
    except ValueError:
        raise ZenginError(f + "transfer_on", f"振込指定日が不正です（{mmdd}）。") from None
    return TransferHeader(
        requester_code=_digits(record, 5, 10, f + "requester_code"),
        requester_name=_text(record, 15, 40),
        transfer_on=transfer_on,
        bank_code=_digits(record, 59, 4, f + "bank_code"),
        bank_name=_text(record, 63, 15),
        branch_code=_digits(record, 78, 3, f + "branch_code"),
        branch_name=_text(record, 81, 15),
        account_type=_digits(record, 96, 1, f + "account_type"),
        account_number=_digits(record, 97, 7, f + "account_number"),
    )


def _parse_data(record: bytes, number: int) -> Transfer:
    f = f"record[{number}]."
    edi = record[112:113] == b"Y"
    clearing = record[38:42].decode("ascii", errors="replace")
    if clearing != "    ":
        clearing = _digits(record, 39, 4, f + "clearing_house_code")
    return Transfer(
        bank_code=_digits(record, 2, 4, f + "bank_code"),
        bank_name=_text(record, 6, 15),
        branch_code=_digits(record, 21, 3, f + "branch_code"),
        branch_name=_text(record, 24, 15),
        clearing_house_code=clearing,
        account_type=_digits(record, 43, 1, f + "account_type"),
        account_number=_digits(record, 44, 7, f + "account_number"),
        holder_name=_text(record, 51, 30),
        amount_yen=int(_digits(record, 81, 10, f + "amount_yen")),
        new_code=_digits(record, 91, 1, f + "new_code"),
        # The standard says N, some bank guides C: read the codes as text (payments.md §3 note).
        customer_code_1="" if edi else _text(record, 92, 10),
        customer_code_2="" if edi else _text(record, 102, 10),
        transfer_designation=record[111:112].decode("ascii", errors="replace"),
        edi_info=_text(record, 92, 20) if edi else None,
    )


def parse_transfer_file(data: bytes, *, year: int) -> TransferFile:
    """Read a 総合振込 file, checking record order and trailer totals (`year` completes the MMDD date)."""
    records, separator = _split_records(data)
    groups: list[TransferGroup] = []
    header: TransferHeader | None = None
    transfers: list[Transfer] = []
    ended = False
    for number, record in enumerate(records, start=1):
        kind = record[:1]
        if ended:
            raise ZenginError(f"record[{number}]", "エンドレコードの後にレコードがあります。")
        if kind == b"1":
            if header is not None:
                raise ZenginError(
                    f"record[{number}]", "トレーラレコードがないままヘッダーレコードがあります。"
                )
            header, transfers = _parse_header(record, number, year), []
        elif kind == b"2":
            if header is None:
                raise ZenginError(f"record[{number}]", "ヘッダーレコードの前にデータレコードがあります。")
            transfers.append(_parse_data(record, number))
        elif kind == b"8":
            if header is None:
                raise ZenginError(f"record[{number}]", "ヘッダーレコードのないトレーラレコードです。")
            count = int(_digits(record, 2, 6, f"record[{number}].record_count"))
            total = int(_digits(record, 8, 12, f"record[{number}].total_yen"))
            if count != len(transfers):
                raise ZenginError(
                    f"record[{number}].record_count", "合計件数がデータレコード数と一致しません。"
                )
            if total != sum(t.amount_yen for t in transfers):
                raise ZenginError(f"record[{number}].total_yen", "合計金額が振込金額の合計と一致しません。")
            groups.append(TransferGroup(header, tuple(transfers), count, total))
            header = None
        elif kind == b"9":
            if header is not None:
                raise ZenginError(f"record[{number}]", "トレーラレコードがないままエンドレコードがあります。")
            ended = True
        else:
            raise ZenginError(f"record[{number}]", f"データ区分が不正です（{kind!r}）。")
    if not ended:
        raise ZenginError("file", "エンドレコードがありません。")
    if not groups:
        raise ZenginError("file", "振込データがありません。")
    return TransferFile(tuple(groups), separator)


_ACCOUNT_TYPE_LABELS = {"1": "普通", "2": "当座", "4": "貯蓄", "9": "その他"}


def format_register(parsed: TransferFile) -> str:
    """A human-readable 振込明細 (one line per payee, group totals) for checking a file before sending it."""
    lines: list[str] = []
    for group in parsed.groups:
        h = group.header
        lines.append(
            f"振込依頼人 {h.requester_name}（{h.requester_code}）  振込指定日 {h.transfer_on:%m月%d日}  "
            f"仕向 {h.bank_code}-{h.branch_code} {_ACCOUNT_TYPE_LABELS.get(h.account_type, h.account_type)} "
            f"{h.account_number}"
        )
        for number, t in enumerate(group.transfers, start=1):
            reference = t.edi_info if t.edi_info is not None else f"{t.customer_code_1}/{t.customer_code_2}"
            lines.append(
                f"{number:>6}  {t.bank_code}-{t.branch_code}  "
                f"{_ACCOUNT_TYPE_LABELS.get(t.account_type, t.account_type)} {t.account_number}  "
                f"{t.holder_name:<30}  {t.amount_yen:>14,}円  {reference}"
            )
        lines.append(f"合計 {group.record_count:,}件  {group.total_yen:,}円")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------
# Name matching


def _matching_key(kana: str) -> str:
    return "".join(ch for ch in to_zengin_kana(kana) if ch not in " \u3000")


def holder_name_matches(registered_kana: str, account_holder_kana: str) -> bool:
    """Whether a resident's registered reading and a bank account holder name are the same 全銀 name.

    Width is normalized and spaces are ignored. Small kana are folded to large ones because banks keep
    account names in the 全銀 character set, which has no small kana (the bank's ｷﾖｳｺ is the resident's
    キョウコ); voiced marks stay significant (ﾊﾞ ≠ ﾊ), as the bank compares them too.
    """
    left, right = _matching_key(registered_kana), _matching_key(account_holder_kana)
    return bool(left) and left == right
