"""基本4情報 encoding: EYYYYMMDD, full-width, 代替文字 flags, DER lengths, SAN round trip (property-based)."""

from __future__ import annotations

import datetime as dt

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from madoguchi.identity.jpki.attributes import (
    GETA,
    AttributeFormatError,
    BasicFourAttributes,
    Sex,
    certificate_form,
    decode_birth_date,
    decode_other_name_value,
    decode_subject_alt_names,
    der_utf8,
    encode_birth_date,
    encode_subject_alt_names,
    era_digit,
    graphemes,
    is_jis_representable,
    matches_with_substitutions,
    to_full_width,
)
from madoguchi.identity.jpki.constants import OID_ADDRESS, OID_BIRTH_DATE, OID_NAME, OID_SEX

IVS = "\U000e0100"  # VARIATION SELECTOR-17


@pytest.mark.parametrize(
    ("day", "era"),
    [
        (dt.date(1868, 1, 25), 1),  # 明治元年1月1日
        (dt.date(1912, 7, 29), 1),  # 明治 last day
        (dt.date(1912, 7, 30), 2),  # 大正
        (dt.date(1926, 12, 24), 2),
        (dt.date(1926, 12, 25), 3),  # 昭和
        (dt.date(1989, 1, 7), 3),
        (dt.date(1989, 1, 8), 4),  # 平成
        (dt.date(2019, 4, 30), 4),
        (dt.date(2019, 5, 1), 5),  # 令和
        (dt.date(1850, 1, 1), 0),
    ],
)
def test_era_digit_at_era_boundaries(day: dt.date, era: int) -> None:
    assert era_digit(day) == era


@pytest.mark.parametrize(
    ("day", "encoded"),
    [
        (dt.date(1980, 2, 17), "319800217"),  # jpki.md §3.2 worked example
        (dt.date(1989, 1, 8), "419890108"),
        (dt.date(2020, 2, 29), "520200229"),
        (dt.date(1920, 3, 1), "219200301"),
        (None, "000000000"),
    ],
)
def test_birth_date_encoding_round_trip(day: dt.date | None, encoded: str) -> None:
    assert encode_birth_date(day) == encoded
    assert decode_birth_date(encoded) == day


@pytest.mark.parametrize("partial", ["319800000", "319800200", "000000000", "319801332"])
def test_partial_or_unknown_birth_dates_decode_to_none(partial: str) -> None:
    assert decode_birth_date(partial) is None


@pytest.mark.parametrize("bad", ["31980021", "3198002177", "3198O0217", "", "３19800217"])
def test_malformed_birth_date_is_rejected(bad: str) -> None:
    with pytest.raises(AttributeFormatError):
        decode_birth_date(bad)


@pytest.mark.parametrize(
    ("raw", "full"),
    [
        ("東京都千代田区千代田1-1", "東京都千代田区千代田１－１"),
        ("山田 花子", "山田\u3000花子"),
        ("ﾔﾏﾀﾞ ﾊﾅｺ", "ヤマダ\u3000ハナコ"),
        ("Aパート101号", "Ａパート１０１号"),
        ("既に全角", "既に全角"),
    ],
)
def test_to_full_width(raw: str, full: str) -> None:
    assert to_full_width(raw) == full


def test_substitution_flags_mark_non_jis_characters() -> None:
    # 髙 (IBM extension) and 𠮷 (outside BMP) are not in JIS X 0208/0212; 邊 and 濵 are (0208 / 0212).
    cert, flags = certificate_form("髙橋 𠮷男")
    assert cert == "高橋\u3000吉男"
    assert flags == "10010"
    cert, flags = certificate_form("渡邊 濵子")
    assert (cert, flags) == ("渡邊\u3000濵子", "00000")


def test_ivs_sequence_is_one_character_and_flagged() -> None:
    name = "葛" + IVS + "飾 太郎"  # 葛 with an IVS (a registry 異体字) counts as one character
    assert len(graphemes(name)) == 5
    cert, flags = certificate_form(name)
    assert cert == "葛飾\u3000太郎"
    assert flags == "10000"


def test_unknown_glyph_becomes_geta() -> None:
    cert, flags = certificate_form("\U0002a6b2子")  # a CJK Extension B character without a known equivalent
    assert cert == GETA + "子"
    assert flags == "10"


def test_variant_aware_match() -> None:
    cert, flags = certificate_form("髙橋 一郎")
    assert matches_with_substitutions("髙橋 一郎", cert, flags)
    assert matches_with_substitutions("高橋 一郎", cert, flags)  # registry holds the plain form
    assert not matches_with_substitutions("髙橋 次郎", cert, flags)  # unflagged position differs
    assert not matches_with_substitutions("髙橋 一", cert, flags)


@pytest.mark.parametrize(
    ("chars", "length_bytes"),
    [
        (42, bytes([126])),  # 42 × 3 bytes: short form
        (43, bytes([0x81, 129])),  # first long-form length (the classic one-byte-length bug)
        (85, bytes([0x81, 255])),
        (86, bytes([0x82, 0x01, 0x02])),  # 258 bytes
        (200, bytes([0x82, 0x02, 0x58])),  # the 200-character maximum: 600 bytes
    ],
)
def test_der_utf8_lengths(chars: int, length_bytes: bytes) -> None:
    encoded = der_utf8("町" * chars)
    assert encoded[0] == 0x0C
    assert encoded[1 : 1 + len(length_bytes)] == length_bytes
    assert len(encoded) == 1 + len(length_bytes) + 3 * chars


def test_address_over_200_characters_is_refused() -> None:
    with pytest.raises(AttributeFormatError):
        BasicFourAttributes.from_registry(
            name="山田 花子", address="東京都" + "あ" * 198, birth_date=None, sex="2"
        )


def test_missing_required_attribute_is_malformed() -> None:
    names = [
        n
        for n in encode_subject_alt_names(
            BasicFourAttributes.from_registry(name="山田 花子", address="東京都", birth_date=None, sex="1")
        )
        if isinstance(n, x509.OtherName) and n.type_id.dotted_string != OID_ADDRESS
    ]
    with pytest.raises(AttributeFormatError):
        decode_subject_alt_names(names)


def test_unknown_other_names_are_ignored() -> None:
    attributes = BasicFourAttributes.from_registry(
        name="山田 花子", address="東京都港区", birth_date=dt.date(1980, 2, 17), sex="2"
    )
    names = [
        *encode_subject_alt_names(attributes),
        x509.OtherName(x509.ObjectIdentifier("1.2.392.200149.8.5.5.9"), der_utf8("旧氏")),
        x509.OtherName(x509.ObjectIdentifier("1.2.3.4"), b"\x02\x01\x05"),  # an INTEGER
        x509.RFC822Name("someone@example.jp"),
    ]
    assert decode_subject_alt_names(names) == attributes


# --- property-based ---------------------------------------------------------------------------------------------
JIS_KANJI = "山田川村高橋佐藤鈴木渡邊辺斎藤齋齊葛飾区町丁目番地号花子太郎一郎東京都大阪府北海道"
VARIANTS = ["髙", "﨑", "𠮷", "德", "栁", "葛" + IVS, "辻" + IVS, "\U0002a6b2"]
KANA = "あいうえおかきくけこアイウエオカキクケコャュョッー"
DIGITS = "0123456789１２３４５６７８９０-－"

grapheme = st.one_of(
    st.sampled_from(list(JIS_KANJI)),
    st.sampled_from(VARIANTS),
    st.sampled_from(list(KANA)),
    st.sampled_from(list(DIGITS)),
)
registry_text = st.lists(grapheme, min_size=1, max_size=200).map("".join)
address_text = st.lists(grapheme, min_size=43, max_size=197).map(lambda parts: "東京都" + "".join(parts))
any_text = st.text(st.characters(codec="utf-8"), min_size=1, max_size=400)


@given(registry_text)
def test_certificate_form_invariants(text: str) -> None:
    cert, flags = certificate_form(text)
    units = graphemes(to_full_width(text))
    assert len(cert) == len(flags) == len(units)
    assert all(is_jis_representable(ch) for ch in cert)
    for unit, ch, flag in zip(units, cert, flags, strict=True):
        assert (flag == "0") == (unit == ch)
    assert matches_with_substitutions(text, cert, flags)


@given(any_text, any_text, st.sampled_from(list(Sex)), st.one_of(st.none(), st.dates()))
def test_san_round_trip_of_arbitrary_text(name: str, address: str, sex: Sex, birth: dt.date | None) -> None:
    attributes = BasicFourAttributes(
        name=name,
        address=address,
        birth_date=birth if birth is None or birth.year >= 1000 else None,
        sex=sex,
        name_substitutions="0" * len(name),
        address_substitutions="1" * len(address),
        birth_date_raw=encode_birth_date(birth if birth is None or birth.year >= 1000 else None),
    )
    assert decode_subject_alt_names(encode_subject_alt_names(attributes)) == attributes


@pytest.fixture(scope="module")
def signer(key_pool: list[rsa.RSAPrivateKey]) -> rsa.RSAPrivateKey:
    return key_pool[-1]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(registry_text, address_text, st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2030, 1, 1)))
def test_san_round_trip_through_a_der_certificate(
    signer: rsa.RSAPrivateKey, name: str, address: str, birth: dt.date
) -> None:
    """Encode → certificate DER → parse (cryptography) and cross-check with asn1crypto's independent parser."""
    attributes = BasicFourAttributes.from_registry(name=name, address=address, birth_date=birth, sex="1")
    subject = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "t")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(signer.public_key())
        .serial_number(1)
        .not_valid_before(dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
        .add_extension(x509.SubjectAlternativeName(encode_subject_alt_names(attributes)), critical=False)
        .sign(signer, hashes.SHA256())
    )
    der = certificate.public_bytes(serialization.Encoding.DER)
    parsed = x509.load_der_x509_certificate(der)
    san = parsed.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert decode_subject_alt_names(san) == attributes

    independent = asn1_x509.Certificate.load(der)
    texts = {
        general_name.chosen["type_id"].dotted: general_name.chosen["value"].native
        for general_name in independent.subject_alt_name_value
    }
    assert texts[OID_NAME] == attributes.name
    assert texts[OID_ADDRESS] == attributes.address
    assert texts[OID_SEX] == "1"
    assert texts[OID_BIRTH_DATE] == encode_birth_date(birth)
    assert len(attributes.address.encode()) > 127


@pytest.mark.parametrize(
    "value",
    [
        b"\x0c\x81\x03abc",  # long form where the short form fits: not DER
        b"\x0c\x82\x00\x81" + b"a" * 129,  # leading zero length octet
        b"\x0c\x03abcd",  # trailing byte
        b"\x0c\x05abc",  # content shorter than the length
        b"\x04\x03abc",  # OCTET STRING, not a string type
        b"\x0c\x02\xff\xfe",  # not UTF-8
        b"\x0c",
        b"",
    ],
)
def test_other_name_value_decoding_is_strict(value: bytes) -> None:
    with pytest.raises(AttributeFormatError):
        decode_other_name_value(value)


def test_other_name_value_decoding_accepts_der_forms() -> None:
    assert decode_other_name_value(der_utf8("町" * 43)) == "町" * 43
    assert decode_other_name_value(b"\x13\x09319800217") == "319800217"  # PrintableString tolerated
