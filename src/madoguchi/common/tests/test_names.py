import unicodedata

import pytest

from madoguchi.common.names import (
    VARIANT_GROUPS,
    VARIANT_TO_REPRESENTATIVE,
    kana_names_match,
    name_search_key,
    names_match,
    strip_variation_selectors,
)

IVS_1 = "\U000e0100"
IVS_2 = "\U000e0101"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("髙橋 一郎", "高橋一郎"),
        ("山﨑 花子", "山崎　花子"),
        ("山嵜", "山崎"),
        ("山碕", "山﨑"),
        ("渡邊", "渡辺"),
        ("渡邉", "渡邊"),
        ("齋藤", "斉藤"),
        ("齊藤", "斎藤"),
        ("濵田", "浜田"),
        ("濱田", "濵田"),
        ("澤田", "沢田"),
        ("德川", "徳川"),
        ("櫻井", "桜井"),
        ("廣瀨", "広瀬"),
        ("國分", "国分"),
        ("嶋田", "島田"),
        ("小嶌", "小島"),
        ("槇原", "槙原"),
        ("冨田", "富田"),
        ("大籠", "大篭"),
        ("曾根", "曽根"),
        ("眞一", "真一"),
        ("惠子", "恵子"),
        ("龍之介", "竜之介"),
        ("峯岸", "峰岸"),
        ("藏本", "蔵本"),
        ("北條", "北条"),
        ("淵上", "渕上"),
        ("渊上", "淵上"),
        ("來栖", "来栖"),
        ("壽美", "寿美"),
        ("榮一", "栄一"),
        ("實", "実"),
        ("圓山", "円山"),
        ("萬里", "万里"),
        ("與謝野", "与謝野"),
        ("禮子", "礼子"),
        ("顯", "顕"),
        ("彌生", "弥生"),
        ("兒玉", "児玉"),
        ("亞希", "亜希"),
        ("惡七", "悪七"),
        ("𠮷田", "吉田"),
        ("辻" + IVS_1, "辻"),
        ("辻" + IVS_1, "辻" + IVS_2),
        ("葛\ufe00城", "葛城"),
        ("\ufa10本", "\u585a本"),  # U+FA10 folded by NFKC
        ("ＳＭＩＴＨ　Ｊｏｈｎ", "smith john"),
        ("ｽﾐｽ ｼﾞｮﾝ", "スミスジョン"),
    ],
)
def test_names_match(a: str, b: str) -> None:
    assert names_match(a, b)
    assert name_search_key(a) == name_search_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("高橋", "高嶺"),
        ("嶺岸", "峰岸"),  # 嶺 deliberately not grouped with 峰/峯
        ("埼田", "崎田"),
        ("山田太郎", "山田次郎"),
        ("", ""),  # empty names never match
        ("　", " "),
    ],
)
def test_names_do_not_match(a: str, b: str) -> None:
    assert not names_match(a, b)


def test_nfkc_alone_is_not_enough() -> None:
    # The reason for the curated table: NFKC leaves these variants apart.
    assert unicodedata.normalize("NFKC", "髙") != "高"
    assert unicodedata.normalize("NFKC", "\ufa11") != "崎"
    assert unicodedata.normalize("NFKC", "\ufa10") == "塚"


def test_key_values() -> None:
    assert name_search_key("髙橋　一郎") == "高橋一郎"
    assert name_search_key("渡邉" + IVS_1 + " 太郎") == "渡辺太郎"


def test_stored_name_keeps_variants_and_ivs() -> None:
    stored = "渡邉" + IVS_1
    name_search_key(stored)
    assert stored.endswith(IVS_1)
    assert strip_variation_selectors(stored) == "渡邉"


def test_variant_table_is_consistent() -> None:
    seen: set[str] = set()
    for group in VARIANT_GROUPS:
        assert len(group) >= 2
        for ch in group:
            assert ch not in seen
            seen.add(ch)
            assert VARIANT_TO_REPRESENTATIVE[ch] == group[0]
            # every entry is a single code point that survives NFKC unchanged (otherwise the table is dead)
            assert len(ch) == 1
            assert unicodedata.normalize("NFKC", ch) == ch
    assert "嶺" not in seen


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("キョウコ", "キヨウコ", True),
        ("たかはし", "ﾀｶﾊｼ", True),
        ("タカハシ", "タカバシ", True),
        ("ヤマダ タロウ", "ヤマダタロウ", True),
        ("ヤマダ", "ヤマト", False),
        ("", "", False),
    ],
)
def test_kana_names_match(a: str, b: str, expected: bool) -> None:
    assert kana_names_match(a, b) is expected
