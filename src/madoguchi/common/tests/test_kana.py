import pytest

from madoguchi.common.kana import (
    hiragana_to_katakana,
    is_katakana,
    kana_search_key,
    to_fullwidth_katakana,
    to_halfwidth_katakana,
)


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ("やまだ たろう", "ヤマダ タロウ"),
        ("きょうこ", "キョウコ"),
        ("ぱぴぷぺぽ ゔ ゕゖ ゝゞ", "パピプペポ ヴ ヵヶ ヽヾ"),
        ("山田たろう123", "山田タロウ123"),
        ("カタカナ", "カタカナ"),
        ("", ""),
    ],
)
def test_hiragana_to_katakana(src: str, expected: str) -> None:
    assert hiragana_to_katakana(src) == expected


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ タロウ"),
        ("ｷｮｳｺ", "キョウコ"),
        ("ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ", "パピプペポ"),
        ("ｳﾞｧｲｵﾘﾝ", "ヴァイオリン"),
        ("ﾜﾞｦﾞ", "ヷヺ"),
        ("ｶﾞｯｺｳｰ", "ガッコウー"),
        ("｢ｱ･ｲ｣｡､", "「ア・イ」。、"),
        ("ﾞｱ", "゛ア"),  # a mark with nothing to combine with stays visible
        ("ｱﾞ", "ア゛"),  # ア has no voiced form
        ("ﾏﾟ", "マ゜"),
        ("カ\u3099タ", "ガタ"),  # combining voiced mark composed
        ("か\u3099ﾊﾟ", "がパ"),
        ("ABC123", "ABC123"),
    ],
)
def test_to_fullwidth_katakana(src: str, expected: str) -> None:
    assert to_fullwidth_katakana(src) == expected


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ("ヤマダ　タロウ", "ﾔﾏﾀﾞ ﾀﾛｳ"),
        ("キョウコ", "ｷｮｳｺ"),
        ("パピプペポ", "ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ"),
        ("ヴァイオリン", "ｳﾞｧｲｵﾘﾝ"),
        ("ヷヺ", "ﾜﾞｦﾞ"),
        ("ラーメン・ヤ", "ﾗｰﾒﾝ･ﾔ"),
        ("「ア」。、", "｢ｱ｣｡､"),
        ("ヵヶヮヰヱ", "ｶｹﾜｲｴ"),
        ("ＡＢＣ　１２３－ｘｙｚ", "ABC 123-xyz"),
        ("がっこう", "ｶﾞｯｺｳ"),
        ("山田", "山田"),
    ],
)
def test_to_halfwidth_katakana(src: str, expected: str) -> None:
    assert to_halfwidth_katakana(src) == expected


@pytest.mark.parametrize(
    "full",
    ["ヤマダ タロウ", "キョウコ", "ヴァイオリン", "パピプペポ", "ガッコウー", "ヷヺ", "ア・イ"],
)
def test_width_round_trip(full: str) -> None:
    assert to_fullwidth_katakana(to_halfwidth_katakana(full)) == full


@pytest.mark.parametrize(
    ("src", "allow_space", "expected"),
    [
        ("ヤマダ", True, True),
        ("ヤマダ タロウ", True, True),
        ("ヤマダ　タロウ", True, True),
        ("ヤマダ　タロウ", False, False),
        ("キョウコ", True, True),
        ("ラーメン", True, True),
        ("ジョン・スミス", True, True),
        ("ヴァヵヶヷヺ", True, True),
        ("ㇰㇷ゚", True, False),  # combining U+309A is not accepted; store composed forms
        ("ㇰㇱ", True, True),
        ("やまだ", True, False),
        ("ﾔﾏﾀﾞ", True, False),
        ("ヤマダ1", True, False),
        ("山田", True, False),
        ("", True, False),
        ("   ", True, False),
        ("ヤマダ\n", True, False),
    ],
)
def test_is_katakana(src: str, allow_space: bool, expected: bool) -> None:
    assert is_katakana(src, allow_space=allow_space) is expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("キョウコ", "キヨウコ"),
        ("きょうこ", "ｷﾖｳｺ"),
        ("タカハシ", "タカバシ"),
        ("ハシ", "バシ"),
        ("ヤマダ タロウ", "ヤマダタロウ"),
        ("ジョン・スミス", "ジョン スミス"),
        ("ヴィクトル", "ウイクトル"),
        ("ポール", "ホール"),
        ("ヲノ", "オノ"),
        ("ｶﾞｯｺｳ", "カツコウ"),
    ],
)
def test_kana_search_key_matches_loosely(a: str, b: str) -> None:
    assert kana_search_key(a) == kana_search_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("キョウコ", "キョーコ"),  # long-vowel mark is kept
        ("ヤマダ", "ヤマト"),
        ("サトウ", "サイトウ"),
    ],
)
def test_kana_search_key_distinguishes(a: str, b: str) -> None:
    assert kana_search_key(a) != kana_search_key(b)


@pytest.mark.parametrize(
    ("src", "key"),
    [
        ("きょうこ", "キヨウコ"),
        ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマタタロウ"),
        ("ヤマダ・タロウ", "ヤマタタロウ"),
        ("ＳＭＩＴＨ　ジョン", "smithシヨン"),
        ("パピプペポ", "ハヒフヘホ"),
    ],
)
def test_kana_search_key_values(src: str, key: str) -> None:
    assert kana_search_key(src) == key


def test_search_key_does_not_touch_stored_reading() -> None:
    reading = "キョウコ"
    kana_search_key(reading)
    assert reading == "キョウコ"
    assert is_katakana(reading)
