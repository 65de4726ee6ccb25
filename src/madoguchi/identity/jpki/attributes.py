"""基本4情報 (basic four attributes) in the signing certificate: encoding, decoding, 代替文字 handling.

Each attribute is an `otherName { type-id OID, value [0] EXPLICIT UTF8String }` in subjectAltName (jpki.md §3.2).
The UTF8String is DER-encoded by asn1crypto so long addresses (up to 200 full-width characters ≈ 600 bytes) get a
correct long-form length; cryptography's `OtherName` adds the `[0] EXPLICIT` wrapper.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import unicodedata
from collections.abc import Iterable, Mapping

from asn1crypto import core
from cryptography import x509

from .constants import (
    OID_ADDRESS,
    OID_ADDRESS_SUBSTITUTIONS,
    OID_BIRTH_DATE,
    OID_NAME,
    OID_NAME_KANA_SIMULATION,
    OID_NAME_SUBSTITUTIONS,
    OID_SEX,
)

MAX_ADDRESS_CHARS = 200
# 〓 (げた記号) stands in for a character that has neither a JIS form nor a known near-equivalent.
GETA = "\u3013"


class Sex(enum.StrEnum):
    """性別 codes as written in the certificate (1 男, 2 女, 3 不明)."""

    MALE = "1"
    FEMALE = "2"
    UNKNOWN = "3"

    @property
    def label_ja(self) -> str:
        """Japanese label."""
        return {"1": "男", "2": "女", "3": "不明"}[self.value]


class AttributeFormatError(ValueError):
    """A certificate attribute value is not in the JPKI format."""


# --- Era (元号) digit of the EYYYYMMDD birth-date format --------------------------------------------------------
# First Gregorian day of each era (明治 from the 改元 of 1868, applied retroactively from 明治元年1月1日).
ERA_STARTS: tuple[tuple[int, dt.date], ...] = (
    (5, dt.date(2019, 5, 1)),  # 令和
    (4, dt.date(1989, 1, 8)),  # 平成
    (3, dt.date(1926, 12, 25)),  # 昭和
    (2, dt.date(1912, 7, 30)),  # 大正
    (1, dt.date(1868, 1, 25)),  # 明治
)
UNKNOWN_BIRTH_DATE = "000000000"


def era_digit(day: dt.date) -> int:
    """JPKI era digit for a Gregorian date: 1 明治, 2 大正, 3 昭和, 4 平成, 5 令和, 0 before 明治."""
    for digit, start in ERA_STARTS:
        if day >= start:
            return digit
    return 0


def encode_birth_date(day: dt.date | None) -> str:
    """`EYYYYMMDD` (era digit + Gregorian date), e.g. 1980-02-17 → 319800217; unknown → 000000000."""
    if day is None:
        return UNKNOWN_BIRTH_DATE
    return f"{era_digit(day)}{day:%Y%m%d}"


def decode_birth_date(raw: str) -> dt.date | None:
    """Gregorian date of an `EYYYYMMDD` value; None for unknown or partial dates (route those to a manual check)."""
    if len(raw) != 9 or not raw.isascii() or not raw.isdigit():
        raise AttributeFormatError(f"birth date is not EYYYYMMDD: {raw!r}")
    try:
        return dt.date(int(raw[1:5]), int(raw[5:7]), int(raw[7:9]))
    except ValueError:  # 0000, 00 month/day: 不詳
        return None


# --- 代替文字 (substitute characters) ---------------------------------------------------------------------------
# Microsoft-mapped code points of JIS X 0208 characters: they are JIS characters, only the Unicode mapping differs.
_JIS_ALIASES = frozenset("\uff0d\uff5e\u2225\uffe0\uffe1\uffe2")
# Common 異体字 with no JIS X 0208/0212 form and their everyday equivalent (a municipality picks the actual
# substitute; these are the usual ones).
SUBSTITUTES: dict[str, str] = {
    "\u9ad9": "\u9ad8",  # 髙 → 高
    "\ufa11": "\u5d0e",  # 﨑 → 崎
    "\U00020bb7": "\u5409",  # 𠮷 → 吉
    "\U0002123d": "\u571f",  # 𡈽 → 土
    "\u5fb7": "\u5fb3",  # 德 → 徳
    "\u6801": "\u67f3",  # 栁 → 柳
}


def _is_variation_selector(ch: str) -> bool:
    code = ord(ch)
    return 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF


def graphemes(text: str) -> list[str]:
    """Split into characters, keeping a base character together with its variation selectors (IVS/SVS)."""
    units: list[str] = []
    for ch in text:
        if units and _is_variation_selector(ch):
            units[-1] += ch
        else:
            units.append(ch)
    return units


def is_jis_representable(ch: str) -> bool:
    """True if `ch` is in JIS X 0208 (levels 1/2) or JIS X 0212 (補助漢字) — the card's character repertoire."""
    if len(ch) != 1:
        return False
    if ch in _JIS_ALIASES:
        return True
    try:
        encoded = ch.encode("euc_jp")
    except UnicodeEncodeError:
        return False
    return not encoded.startswith(b"\x8e")  # half-width katakana are not allowed in the certificate


def to_full_width(text: str) -> str:
    """Full-width form for the certificate: ASCII → 全角, space → U+3000, half-width katakana → full-width."""
    out: list[str] = []
    half_width_run: list[str] = []
    for ch in text + "\0":
        code = ord(ch)
        if 0xFF61 <= code <= 0xFF9F:
            half_width_run.append(ch)
            continue
        if half_width_run:  # NFKC joins ｶ + ﾞ into ガ
            out.append(unicodedata.normalize("NFKC", "".join(half_width_run)))
            half_width_run.clear()
        if ch == " ":
            out.append("\u3000")
        elif 0x21 <= code <= 0x7E:
            out.append(chr(code + 0xFEE0))
        elif code:
            out.append(ch)
    return "".join(out)


def substitute_character(unit: str) -> str:
    """The certificate character for one grapheme that is not JIS-representable (or carries an IVS)."""
    base = unit[0]
    if unit in SUBSTITUTES:
        return SUBSTITUTES[unit]
    if base in SUBSTITUTES:
        return SUBSTITUTES[base]
    if is_jis_representable(base):  # an IVS variant of a JIS character degrades to the base glyph
        return base
    folded = unicodedata.normalize("NFKC", base)
    if len(folded) == 1 and is_jis_representable(folded):
        return folded
    return GETA


def certificate_form(text: str) -> tuple[str, str]:
    """(certificate text, position flags) for a registry string: non-JIS/IVS characters substituted and flagged `1`."""
    chars: list[str] = []
    flags: list[str] = []
    for unit in graphemes(to_full_width(text)):
        if len(unit) == 1 and is_jis_representable(unit):
            chars.append(unit)
            flags.append("0")
        else:
            chars.append(substitute_character(unit))
            flags.append("1")
    return "".join(chars), "".join(flags)


def matches_with_substitutions(registry_text: str, certificate_text: str, flags: str) -> bool:
    """Variant-aware comparison: equal except that flagged positions accept the registry's 異体字 there."""
    units = graphemes(to_full_width(registry_text))
    if len(units) != len(certificate_text) or len(flags) != len(certificate_text):
        return False
    for unit, cert_ch, flag in zip(units, certificate_text, flags, strict=True):
        if unit == cert_ch:
            continue
        if flag != "1":
            return False
        if cert_ch not in (GETA, substitute_character(unit)) and cert_ch != unit[0]:
            return False
    return True


# --- The attribute set ------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True, slots=True)
class BasicFourAttributes:
    """基本4情報 as held in a signing certificate (certificate forms, after substitution).

    `name_substitutions` / `address_substitutions` are the 代替文字の使用位置情報 strings: one `0`/`1` per
    character of `name` / `address`, `1` where the certificate holds a substitute glyph. `birth_date` is None for
    unknown or partial dates; `birth_date_raw` keeps the EYYYYMMDD value for a manual check.
    """

    name: str
    address: str
    birth_date: dt.date | None
    sex: Sex
    name_substitutions: str = ""
    address_substitutions: str = ""
    birth_date_raw: str = ""
    name_kana: str | None = None

    @property
    def has_substitutions(self) -> bool:
        """True when the name or address contains a substitute character."""
        return "1" in self.name_substitutions or "1" in self.address_substitutions

    @property
    def name_substituted_positions(self) -> tuple[int, ...]:
        """0-based positions of substitute characters in `name`."""
        return tuple(i for i, flag in enumerate(self.name_substitutions) if flag == "1")

    @property
    def address_substituted_positions(self) -> tuple[int, ...]:
        """0-based positions of substitute characters in `address`."""
        return tuple(i for i, flag in enumerate(self.address_substitutions) if flag == "1")

    @classmethod
    def from_registry(
        cls,
        *,
        name: str,
        address: str,
        birth_date: dt.date | None,
        sex: Sex | str,
        name_kana: str | None = None,
    ) -> BasicFourAttributes:
        """Build the certificate form of registry values (full-width, 代替文字 substituted and flagged)."""
        cert_name, name_flags = certificate_form(name)
        cert_address, address_flags = certificate_form(address)
        if not cert_name.strip("\u3000"):
            raise AttributeFormatError("name is empty")
        if not cert_address:
            raise AttributeFormatError("address is empty")
        if len(cert_address) > MAX_ADDRESS_CHARS:
            raise AttributeFormatError(f"address is longer than {MAX_ADDRESS_CHARS} characters")
        return cls(
            name=cert_name,
            address=cert_address,
            birth_date=birth_date,
            sex=Sex(sex),
            name_substitutions=name_flags,
            address_substitutions=address_flags,
            birth_date_raw=encode_birth_date(birth_date),
            name_kana=to_full_width(name_kana) if name_kana else None,
        )

    def to_json(self) -> dict[str, object]:
        """JSON-able dict (dates as ISO strings)."""
        return {
            "name": self.name,
            "name_kana": self.name_kana,
            "address": self.address,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "birth_date_raw": self.birth_date_raw,
            "sex": self.sex.value,
            "name_substitutions": self.name_substitutions,
            "address_substitutions": self.address_substitutions,
        }


def der_utf8(value: str) -> bytes:
    """DER UTF8String TLV (tag 0x0C, definite DER length — long form above 127 bytes)."""
    return core.UTF8String(value).dump(force=True)


def encode_subject_alt_names(attributes: BasicFourAttributes) -> list[x509.GeneralName]:
    """The six JPKI otherNames (plus the simulation's reading, when present) in OID order."""
    birth_raw = attributes.birth_date_raw or encode_birth_date(attributes.birth_date)
    name_flags = attributes.name_substitutions or "0" * len(attributes.name)
    address_flags = attributes.address_substitutions or "0" * len(attributes.address)
    values = [
        (OID_NAME, attributes.name),
        (OID_NAME_SUBSTITUTIONS, name_flags),
        (OID_SEX, Sex(attributes.sex).value),
        (OID_BIRTH_DATE, birth_raw),
        (OID_ADDRESS, attributes.address),
        (OID_ADDRESS_SUBSTITUTIONS, address_flags),
    ]
    if attributes.name_kana:
        values.append((OID_NAME_KANA_SIMULATION, attributes.name_kana))
    return [x509.OtherName(x509.ObjectIdentifier(oid), der_utf8(text)) for oid, text in values]


# Accepted string tags: UTF8String (the JPKI form); PrintableString / IA5String tolerated for ASCII values.
_STRING_CODECS: Mapping[int, str] = {0x0C: "utf-8", 0x13: "ascii", 0x16: "ascii"}


def decode_other_name_value(value: bytes) -> str:
    """Text of an otherName value: one DER string TLV with a minimal definite length and nothing after it.

    A small strict reader (instead of a general ASN.1 parser) because this runs on every verification.
    """
    if len(value) < 2 or value[0] not in _STRING_CODECS:
        raise AttributeFormatError("otherName value is not a DER string")
    first = value[1]
    if first < 0x80:
        length, offset = first, 2
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or len(value) < 2 + count:
            raise AttributeFormatError("otherName value has a bad DER length")
        length = int.from_bytes(value[2 : 2 + count], "big")
        offset = 2 + count
        if value[2] == 0 or length < 0x80:  # DER: shortest form only
            raise AttributeFormatError("otherName value length is not minimal DER")
    if len(value) != offset + length:
        raise AttributeFormatError("otherName value length does not match its content")
    try:
        return value[offset:].decode(_STRING_CODECS[value[0]])
    except UnicodeDecodeError as exc:
        raise AttributeFormatError("otherName value is not valid text") from exc


_JPKI_ATTRIBUTE_OIDS = frozenset(
    {OID_NAME, OID_NAME_SUBSTITUTIONS, OID_SEX, OID_BIRTH_DATE, OID_ADDRESS, OID_ADDRESS_SUBSTITUTIONS}
)


def other_name_texts(names: Iterable[x509.GeneralName]) -> dict[str, str]:
    """OID → text for the otherNames we understand; unknown OIDs are kept, non-string values skipped."""
    found: dict[str, str] = {}
    for general_name in names:
        if not isinstance(general_name, x509.OtherName):
            continue
        oid = general_name.type_id.dotted_string
        try:
            found[oid] = decode_other_name_value(general_name.value)
        except AttributeFormatError:
            if oid in _JPKI_ATTRIBUTE_OIDS:
                raise
    return found


def decode_subject_alt_names(names: Iterable[x509.GeneralName]) -> BasicFourAttributes:
    """Parse the 基本4情報 otherNames of a signing certificate; AttributeFormatError when required ones are missing/bad."""
    texts = other_name_texts(names)
    missing = [oid for oid in (OID_NAME, OID_SEX, OID_BIRTH_DATE, OID_ADDRESS) if oid not in texts]
    if missing:
        raise AttributeFormatError(f"subjectAltName lacks {', '.join(missing)}")
    name = texts[OID_NAME]
    address = texts[OID_ADDRESS]
    name_flags = texts.get(OID_NAME_SUBSTITUTIONS, "")
    address_flags = texts.get(OID_ADDRESS_SUBSTITUTIONS, "")
    for flags in (name_flags, address_flags):
        if flags.strip("01"):
            raise AttributeFormatError("substitution position string holds other than 0/1")
    try:
        sex = Sex(texts[OID_SEX])
    except ValueError as exc:
        raise AttributeFormatError(f"unknown sex code {texts[OID_SEX]!r}") from exc
    raw_birth = texts[OID_BIRTH_DATE]
    return BasicFourAttributes(
        name=name,
        address=address,
        birth_date=decode_birth_date(raw_birth),
        sex=sex,
        name_substitutions=name_flags,
        address_substitutions=address_flags,
        birth_date_raw=raw_birth,
        name_kana=texts.get(OID_NAME_KANA_SIMULATION),
    )
