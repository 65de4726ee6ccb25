"""The standard resident CSV layout (住民記録 標準CSV): columns, encodings and the per-row checks.

One row per person; the rows of one household (世帯) are consecutive and exactly one of them is the head.
The file carries 個人番号 in plain text, so the file itself is 特定個人情報 (番号法 §2⑧): see
docs/formats/residents-csv.md for the handling rules. Column names follow the item names of the standard 住基 feeds
(registry.md §1.1) where one exists.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from madoguchi.common.checkdigits import individual_number_check_digit, normalize_individual_number
from madoguchi.core.errors import BusinessRuleViolation

from .demo import HouseholdSpec
from .models import Household, Resident, ResidentKind, ResidentStatus, Sex


@dataclass(frozen=True)
class Column:
    """One column of the layout: Japanese header, model attribute, kind of value and whether it is required."""

    header: str
    key: str
    kind: str  # text | kana | digits | date | choice | flag | individual_number | postal_code
    required: bool
    description: str


COLUMNS: tuple[Column, ...] = (
    Column("世帯番号", "household_number", "text", True, "世帯を識別する番号（市区町村内で一意）"),
    Column("世帯主区分", "is_head", "flag", True, "1 = 世帯主、0 = 世帯員"),
    Column("続柄", "relationship", "text", True, "世帯主との続柄（世帯主の行は「世帯主」）"),
    Column("住民票コード", "resident_record_code", "digits", True, "11桁の数字"),
    Column("住民種別", "kind", "choice", True, "日本人 / 外国人"),
    Column("住民状態", "status", "choice", True, "住民 / 転出 / 死亡"),
    Column("氏", "family_name", "text", True, "氏（外国人住民は氏名のローマ字または漢字）"),
    Column("名", "given_name", "text", False, "名"),
    Column("氏_フリガナ", "family_name_kana", "kana", True, "全角カタカナ"),
    Column("名_フリガナ", "given_name_kana", "kana", False, "全角カタカナ"),
    Column("氏名_ローマ字", "name_romaji", "text", False, "外国人住民の氏名（在留カードの表記）"),
    Column("旧氏", "former_family_name", "text", False, "旧氏併記の申出がある場合"),
    Column("旧氏_フリガナ", "former_family_name_kana", "kana", False, "全角カタカナ"),
    Column("通称", "alias_name", "text", False, "外国人住民の通称"),
    Column("通称_フリガナ", "alias_name_kana", "kana", False, "全角カタカナ"),
    Column("生年月日", "birth_date", "date", False, "YYYY-MM-DD（不詳の場合は空欄にして不詳表記を記載）"),
    Column("生年月日_不詳表記", "birth_date_unknown_text", "text", False, "例: 昭和年月日不詳"),
    Column("性別", "sex", "choice", True, "男 / 女（1 / 2 も可）"),
    Column("個人番号", "individual_number", "individual_number", False, "12桁の数字（検査用数字を確認）"),
    Column("住所_都道府県", "prefecture", "text", False, "空欄は取込先の都道府県"),
    Column("住所_市区町村", "city", "text", False, "空欄は取込先の市区町村"),
    Column("住所_町字", "machiaza", "text", True, "大字・町の名称（丁目は番地号表記に含める）"),
    Column("住所_町字ID", "machiaza_id", "digits", False, "アドレス・ベース・レジストリの町字ID（7桁）"),
    Column("住所_番地号表記", "block_number", "text", True, "例: 1丁目2番3号"),
    Column("住所_方書", "address_supplement", "text", False, "建物名・部屋番号"),
    Column("住所_郵便番号", "postal_code", "postal_code", False, "NNN-NNNN（NNNNNNN も可）"),
    Column("転入前住所", "moved_in_from_address", "text", False, "市区町村の外から転入した人の従前の住所"),
    Column("転居前住所", "previous_address", "text", False, "市区町村の中で転居した人の従前の住所"),
    Column("転出先住所", "move_out_destination", "text", False, "転出した人の転出先"),
    Column("住民となった年月日", "became_resident_on", "date", True, "YYYY-MM-DD"),
    Column("住所を定めた年月日", "address_set_on", "date", False, "YYYY-MM-DD（空欄は住民となった年月日）"),
    Column("消除年月日", "removed_on", "date", False, "住民状態が転出・死亡の場合は必須"),
    Column(
        "世帯を設けた年月日",
        "household_created_on",
        "date",
        False,
        "空欄は世帯員の住民となった年月日の最も早い日",
    ),
)
HEADERS: tuple[str, ...] = tuple(c.header for c in COLUMNS)
COLUMN_BY_KEY: dict[str, Column] = {c.key: c for c in COLUMNS}

# Labels written on export and accepted on import (codes accepted as aliases: 1/2 as in JIS X 0303 for sex).
KIND_LABELS = {ResidentKind.JAPANESE: "日本人", ResidentKind.FOREIGN: "外国人"}
STATUS_LABELS = {
    ResidentStatus.CURRENT: "住民",
    ResidentStatus.MOVED_OUT: "転出",
    ResidentStatus.DECEASED: "死亡",
}
SEX_LABELS = {Sex.MALE: "男", Sex.FEMALE: "女"}
CHOICES: dict[str, dict[str, str]] = {
    "kind": {
        **{label: str(value) for value, label in KIND_LABELS.items()},
        "japanese": "japanese",
        "foreign": "foreign",
    },
    "status": {
        **{label: str(value) for value, label in STATUS_LABELS.items()},
        "current": "current",
        "moved_out": "moved_out",
        "deceased": "deceased",
    },
    "sex": {
        **{label: str(value) for value, label in SEX_LABELS.items()},
        "1": "male",
        "2": "female",
        "male": "male",
        "female": "female",
    },
}
HEAD_RELATIONSHIPS = frozenset({"世帯主", "本人"})
DATE_KEYS = frozenset(c.key for c in COLUMNS if c.kind == "date")
_DATE_SLASH = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")
_DATE_DASH = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_POSTAL = re.compile(r"^(\d{3})-?(\d{4})$")
SUPPORTED_ENCODINGS = ("utf-8-sig", "utf-8", "cp932")


def _max_lengths() -> dict[str, int]:
    lengths = {"household_number": Household._meta.get_field("household_number").max_length or 0}
    for column in COLUMNS:
        if column.key in ("household_number", "individual_number", "household_created_on"):
            continue
        length = getattr(Resident._meta.get_field(column.key), "max_length", None)
        if length:
            lengths[column.key] = int(length)
    return lengths


MAX_LENGTHS = _max_lengths()


@dataclass(frozen=True)
class RowError:
    """Why one row (or one of its cells) was rejected, in Japanese for staff and English for logs/API."""

    line: int
    column: str
    code: str
    message_ja: str
    message_en: str


class CsvFileError(BusinessRuleViolation):
    """The file as a whole cannot be read (encoding, header); nothing is imported."""


# --- encodings -------------------------------------------------------------------------------------------------
def _strict_decode_error(raw: IO[bytes], encoding: str) -> tuple[int, int] | None:
    """Decode the whole stream strictly; None if it decodes, else (line, byte offset) of the first bad byte."""
    raw.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    consumed = 0
    newlines = 0
    while True:
        chunk = raw.read(1 << 20)
        try:
            decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            # The error offset is relative to this chunk plus what the decoder still buffered from the previous one.
            buffered = len(decoder.getstate()[0]) if hasattr(decoder, "getstate") else 0
            at = max(0, exc.start - buffered)
            return newlines + chunk[:at].count(b"\n") + 1, consumed + at
        if not chunk:
            return None
        newlines += chunk.count(b"\n")
        consumed += len(chunk)


def detect_encoding(raw: IO[bytes]) -> str:
    """The encoding of a resident CSV: UTF-8 with BOM, UTF-8 or cp932 (Shift_JIS), tried strictly in that order."""
    raw.seek(0)
    if raw.read(3) == codecs.BOM_UTF8:
        failure = _strict_decode_error(raw, "utf-8")
        if failure is None:
            return "utf-8-sig"
        attempts = {"UTF-8 (BOM付き)": failure}
    else:
        attempts = {}
        for encoding, label in (("utf-8", "UTF-8"), ("cp932", "Shift_JIS (cp932)")):
            failure = _strict_decode_error(raw, encoding)
            if failure is None:
                return encoding
            attempts[label] = failure
    raw.seek(0)
    sample = raw.read(1 << 16)
    guess = ""
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(sample).best()
        guess = best.encoding if best is not None else ""
    except Exception:
        guess = ""
    where_ja = "、".join(f"{name} は {line} 行目で読めません" for name, (line, _o) in attempts.items())
    where_en = "; ".join(f"{name} fails at line {line}" for name, (line, _o) in attempts.items())
    hint_ja = f"（文字コードは {guess} と推定されます）" if guess else ""
    hint_en = f" (it looks like {guess})" if guess else ""
    raise CsvFileError(
        "file",
        f"文字コードを判別できません: {where_ja}{hint_ja}。UTF-8 または Shift_JIS（cp932）で保存し直してください。",
        f"Unsupported encoding: {where_en}{hint_en}. Save the file as UTF-8 or Shift_JIS (cp932).",
        "unsupported_encoding",
    )


def open_csv_text(stream: IO[bytes]) -> tuple[io.TextIOWrapper, str]:
    """Detect the encoding of a binary stream and return it as text (strict decoding) with the encoding's name."""
    raw: IO[bytes] = stream
    if not (hasattr(stream, "seekable") and stream.seekable()):
        raw = io.BytesIO(stream.read())
    encoding = detect_encoding(raw)
    raw.seek(0)
    text = io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline="")
    return text, encoding


def header_positions(header: list[str], encoding: str = "") -> dict[str, int]:
    """Map each column key to its position in the file's header row; CsvFileError on unknown/missing columns."""
    cleaned = [h.strip().lstrip("\ufeff") for h in header]
    by_header = {c.header: c for c in COLUMNS}
    unknown = [h for h in cleaned if h not in by_header]
    duplicated = sorted({h for h in cleaned if cleaned.count(h) > 1})
    missing = [c.header for c in COLUMNS if c.required and c.header not in cleaned]
    problems_ja, problems_en = [], []
    if unknown:
        problems_ja.append("不明な列: " + "、".join(unknown))
        problems_en.append("unknown columns: " + ", ".join(unknown))
    if duplicated:
        problems_ja.append("重複した列: " + "、".join(duplicated))
        problems_en.append("duplicated columns: " + ", ".join(duplicated))
    if missing:
        problems_ja.append("必須の列がありません: " + "、".join(missing))
        problems_en.append("missing required columns: " + ", ".join(missing))
    if problems_ja and encoding and not set(cleaned) & set(by_header):
        # Not one header matches: most likely a file in another encoding that happened to decode (e.g. EUC-JP as cp932).
        problems_ja.append(
            f"文字コードを {encoding} と判定しましたが、別の文字コード（EUC-JP など）の可能性があります"
        )
        problems_en.append(f"the file was read as {encoding}; it may be in another encoding such as EUC-JP")
    if problems_ja:
        raise CsvFileError(
            "header",
            "1行目（見出し行）が住民CSVの様式と一致しません。" + " / ".join(problems_ja),
            "The header row does not match the resident CSV layout: " + "; ".join(problems_en),
            "invalid_header",
        )
    return {by_header[h].key: i for i, h in enumerate(cleaned)}


# --- rows ------------------------------------------------------------------------------------------------------
# The same letters as madoguchi.common.kana.is_katakana (ァ–ヺ, ー, ・, ヽヾ, ㇰ–ㇿ, spaces between), as one regex:
# the per-character loop is too slow for a million rows. A test keeps the two in agreement.
_KATAKANA = re.compile(
    r"^[ \u3000]*[\u30a1-\u30fa\u30fb\u30fc\u30fd\u30fe\u31f0-\u31ff][ \u3000\u30a1-\u30fe\u31f0-\u31ff]*$"
)


def _required(line: int, header: str, key: str) -> RowError:
    return RowError(line, header, "required", f"{header}は必須です", f"{key} is required")


def _too_long(line: int, header: str, key: str, raw: str, limit: int) -> RowError:
    return RowError(
        line,
        header,
        "too_long",
        f"{header}が長すぎます（{len(raw)} 文字、上限 {limit} 文字）",
        f"{key} is too long ({len(raw)} characters, at most {limit})",
    )


def parse_date(value: str) -> dt.date:
    """YYYY-MM-DD (or YYYY/MM/DD); ValueError('format') or ValueError('impossible') otherwise."""
    match = _DATE_DASH.match(value) or _DATE_SLASH.match(value)
    if match is None:
        raise ValueError("format")
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise ValueError("impossible") from None


class RowParser:
    """Checks one CSV row and turns it into model values (a dict keyed by Resident attribute names).

    Written for throughput (a million rows per import): columns are grouped by kind once, and the common case (a
    valid cell) takes the shortest path.
    """

    def __init__(self, positions: dict[str, int], *, prefecture: str, city: str, today: dt.date) -> None:
        self.positions = positions
        self.width = max(positions.values()) + 1
        self.prefecture = prefecture
        self.city = city
        self.today = today
        present = [c for c in COLUMNS if c.key in positions]
        self.absent = {
            c.key: (None if c.kind in ("date", "flag") else "") for c in COLUMNS if c.key not in positions
        }

        def spec(c: Column) -> tuple[str, int, int, bool, str]:
            return c.key, positions[c.key], MAX_LENGTHS.get(c.key, 10**6), c.required, c.header

        self.text = [spec(c) for c in present if c.kind == "text"]
        self.kana = [spec(c) for c in present if c.kind == "kana"]
        self.dates = [spec(c) for c in present if c.kind == "date"]
        self.others = [c for c in present if c.kind not in ("text", "kana", "date")]

    def parse(self, line: int, cells: list[str]) -> tuple[dict[str, Any] | None, list[RowError]]:
        """(values, []) for a good row, (None, errors) otherwise. Never echoes a 個人番号 into a message."""
        if len(cells) < self.width:
            return None, [
                RowError(
                    line,
                    "",
                    "wrong_column_count",
                    f"列の数が足りません（{len(cells)} 列、必要 {self.width} 列）",
                    f"too few columns ({len(cells)}, expected {self.width})",
                )
            ]
        errors: list[RowError] = []
        values: dict[str, Any] = dict(self.absent)
        for key, position, limit, required, header in self.text:
            raw = cells[position].strip()
            if raw:
                if len(raw) > limit:
                    errors.append(_too_long(line, header, key, raw, limit))
                values[key] = raw
            else:
                if required:
                    errors.append(_required(line, header, key))
                values[key] = ""
        for key, position, limit, required, header in self.kana:
            raw = cells[position].strip()
            if raw:
                if len(raw) > limit:
                    errors.append(_too_long(line, header, key, raw, limit))
                elif _KATAKANA.match(raw) is None:
                    errors.append(
                        RowError(
                            line,
                            header,
                            "invalid_kana",
                            f"{header}「{raw}」は全角カタカナで記載してください（ひらがな・半角カナ・漢字は不可）",
                            f"{key} {raw!r} must be full-width katakana",
                        )
                    )
                values[key] = raw
            else:
                if required:
                    errors.append(_required(line, header, key))
                values[key] = ""
        for key, position, _limit, required, header in self.dates:
            raw = cells[position].strip()
            if not raw:
                if required:
                    errors.append(_required(line, header, key))
                values[key] = None
                continue
            try:
                values[key] = (
                    dt.date.fromisoformat(raw)
                    if len(raw) == 10 and raw[4] == "-" and raw[7] == "-"
                    else parse_date(raw)
                )
            except ValueError:
                try:
                    parse_date(raw)
                    code = "invalid_date"  # pragma: no cover - fromisoformat and parse_date agree
                except ValueError as exc:
                    code = "impossible_date" if str(exc) == "impossible" else "invalid_date"
                if code == "impossible_date":
                    errors.append(
                        RowError(
                            line,
                            header,
                            code,
                            f"{header}「{raw}」は存在しない日付です",
                            f"{key} {raw!r} is not a real calendar date",
                        )
                    )
                else:
                    errors.append(
                        RowError(
                            line,
                            header,
                            code,
                            f"{header}「{raw}」は YYYY-MM-DD の形で記載してください",
                            f"{key} {raw!r} must be written as YYYY-MM-DD",
                        )
                    )
        for column in self.others:
            self._other(line, column, cells[self.positions[column.key]].strip(), values, errors)
        if not errors:
            errors.extend(self._cross_checks(line, values))
        return (None, errors) if errors else (values, [])

    def _other(
        self, line: int, column: Column, raw: str, values: dict[str, Any], errors: list[RowError]
    ) -> None:
        key, header, kind = column.key, column.header, column.kind
        if not raw:
            if column.required:
                errors.append(_required(line, header, key))
            values[key] = None if kind == "flag" else ""
            return
        if kind == "digits":
            length = 11 if key == "resident_record_code" else 7
            if len(raw) != length or not raw.isascii() or not raw.isdigit():
                errors.append(
                    RowError(
                        line,
                        header,
                        "invalid_digits",
                        f"{header}は{length}桁の半角数字で記載してください",
                        f"{key} must be exactly {length} ASCII digits",
                    )
                )
            values[key] = raw
        elif kind == "choice":
            value = CHOICES[key].get(raw)
            if value is None:
                allowed = " / ".join(k for k in CHOICES[key] if not k.isascii())
                errors.append(
                    RowError(
                        line,
                        header,
                        "invalid_choice",
                        f"{header}「{raw}」は {allowed} のいずれかで記載してください",
                        f"{key} {raw!r} is not one of the allowed values",
                    )
                )
            values[key] = value
        elif kind == "flag":
            if raw not in ("0", "1"):
                errors.append(
                    RowError(
                        line,
                        header,
                        "invalid_flag",
                        f"{header}は 1（世帯主）または 0 で記載してください",
                        f"{key} must be 1 or 0",
                    )
                )
            values[key] = raw == "1"
        elif kind == "individual_number":
            values[key] = ""
            try:
                number = normalize_individual_number(raw)
            except ValueError:
                errors.append(
                    RowError(
                        line,
                        header,
                        "invalid_individual_number",
                        f"{header}は12桁の数字で記載してください",
                        f"{key} must be 12 digits",
                    )
                )
                return
            if individual_number_check_digit(number[:11]) != int(number[11]):
                errors.append(
                    RowError(
                        line,
                        header,
                        "individual_number_check_digit",
                        f"{header}の検査用数字が正しくありません",
                        f"{key} has a wrong check digit",
                    )
                )
            values[key] = number
        elif kind == "postal_code":
            match = _POSTAL.match(raw)
            if match is None:
                errors.append(
                    RowError(
                        line,
                        header,
                        "invalid_postal_code",
                        f"{header}は NNN-NNNN の形で記載してください",
                        f"{key} must look like NNN-NNNN",
                    )
                )
                values[key] = raw
            else:
                values[key] = f"{match[1]}-{match[2]}"

    def _cross_checks(self, line: int, v: dict[str, Any]) -> list[RowError]:
        errors: list[RowError] = []

        def err(key: str, code: str, ja: str, en: str) -> None:
            errors.append(RowError(line, COLUMN_BY_KEY[key].header, code, ja, en))

        birth = v["birth_date"]
        if birth is None and not v["birth_date_unknown_text"]:
            err(
                "birth_date",
                "required",
                "生年月日は必須です（不詳の場合は生年月日_不詳表記を記載してください）",
                "birth_date is required unless birth_date_unknown_text says it is unknown",
            )
        if birth is not None and birth > self.today:
            err("birth_date", "future_date", "生年月日が未来の日付です", "birth_date is in the future")
        became = v["became_resident_on"]
        if became > self.today:
            err(
                "became_resident_on",
                "future_date",
                "住民となった年月日が未来の日付です",
                "became_resident_on is in the future",
            )
        if birth is not None and became < birth:
            err(
                "became_resident_on",
                "date_order",
                "住民となった年月日が生年月日より前です",
                "became_resident_on is before birth_date",
            )
        if v["address_set_on"] is None:
            v["address_set_on"] = became
        removed = v["removed_on"]
        if v["status"] != ResidentStatus.CURRENT and removed is None:
            err(
                "removed_on",
                "required",
                "住民状態が転出・死亡の場合は消除年月日が必須です",
                "removed_on is required when status is moved_out or deceased",
            )
        if v["status"] == ResidentStatus.CURRENT and removed is not None:
            err(
                "removed_on",
                "unexpected",
                "住民状態が「住民」の行に消除年月日は記載できません",
                "removed_on must be empty for a current resident",
            )
        if removed is not None and removed < became:
            err(
                "removed_on",
                "date_order",
                "消除年月日が住民となった年月日より前です",
                "removed_on is before became_resident_on",
            )
        if removed is not None and removed > self.today:
            err("removed_on", "future_date", "消除年月日が未来の日付です", "removed_on is in the future")
        if v["is_head"] and v["relationship"] not in HEAD_RELATIONSHIPS:
            err(
                "relationship",
                "head_relationship",
                "世帯主の行の続柄は「世帯主」と記載してください",
                "the head's relationship must be 世帯主",
            )
        if not v["is_head"] and v["relationship"] in HEAD_RELATIONSHIPS:
            err(
                "relationship",
                "member_relationship",
                "世帯主区分が 0 の行の続柄に「世帯主」は記載できません",
                "a member who is not the head cannot have the relationship 世帯主",
            )
        v["prefecture"] = v["prefecture"] or self.prefecture
        v["city"] = v["city"] or self.city
        return errors


def _date_text(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def resident_row(resident: Resident, *, individual_number: str) -> list[str]:
    """One CSV row (in HEADERS order) for a resident; `individual_number` is the decrypted number or ""."""
    household = resident.household
    values: dict[str, str] = {
        "household_number": household.household_number if household else "",
        "is_head": "1" if resident.is_head else "0",
        "relationship": resident.relationship,
        "resident_record_code": resident.resident_record_code,
        "kind": KIND_LABELS.get(resident.kind, resident.kind),  # type: ignore[call-overload]
        "status": STATUS_LABELS.get(resident.status, resident.status),  # type: ignore[call-overload]
        "sex": SEX_LABELS.get(resident.sex, resident.sex),  # type: ignore[call-overload]
        "individual_number": individual_number,
        "household_created_on": _date_text(household.created_on) if household else "",
    }
    for column in COLUMNS:
        if column.key in values:
            continue
        value = getattr(resident, column.key)
        values[column.key] = _date_text(value) if column.kind == "date" else str(value or "")
    return [values[c.key] for c in COLUMNS]


def layout_rows() -> Iterable[tuple[str, str, str, str]]:
    """(header, attribute, required, description) for each column — used by the format document's test."""
    for c in COLUMNS:
        yield c.header, c.key, "必須" if c.required else "任意", c.description


def spec_rows(households: Iterable[HouseholdSpec], *, prefecture: str, city: str) -> Iterator[list[str]]:
    """CSV rows (HEADERS order) for synthetic households from `registry.demo.generate` (tests and benchmarks)."""
    for h in households:
        for p in h.members:
            values = {
                "household_number": h.household_number,
                "is_head": "1" if p.is_head else "0",
                "relationship": p.relationship,
                "resident_record_code": p.resident_record_code,
                "kind": "日本人",
                "status": STATUS_LABELS[ResidentStatus(p.status)],
                "family_name": p.family_name,
                "given_name": p.given_name,
                "family_name_kana": p.family_name_kana,
                "given_name_kana": p.given_name_kana,
                "name_romaji": p.name_romaji,
                "birth_date": p.birth_date.isoformat(),
                "sex": SEX_LABELS[Sex(p.sex)],
                "individual_number": p.individual_number,
                "prefecture": prefecture,
                "city": city,
                "machiaza": h.machiaza,
                "machiaza_id": h.machiaza_id,
                "block_number": h.block_number,
                "address_supplement": h.address_supplement,
                "postal_code": h.postal_code,
                "became_resident_on": p.became_resident_on.isoformat(),
                "address_set_on": p.became_resident_on.isoformat(),
                "removed_on": p.removed_on.isoformat() if p.removed_on else "",
                "household_created_on": h.created_on.isoformat(),
            }
            yield [values.get(c.key, "") for c in COLUMNS]


def write_csv(rows: Iterable[list[str]], stream: IO[bytes], *, encoding: str = "utf-8") -> int:
    """Write the header and `rows` to a binary stream in `encoding`; returns the number of data rows."""
    text = io.TextIOWrapper(stream, encoding=encoding, newline="", write_through=False)
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(HEADERS)
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    text.flush()
    text.detach()
    return count
