"""Locality helpers for the certificate subject."""

from __future__ import annotations

import pytest

from madoguchi.identity.jpki.localities import (
    municipality_check_digit,
    prefecture_of,
    split_locality,
    validate_municipality_code,
)


@pytest.mark.parametrize(
    ("code5", "digit"),
    [("13101", 6), ("01100", 2), ("01213", 1), ("14150", 0)],  # registry.md §12 worked examples
)
def test_check_digit(code5: str, digit: int) -> None:
    assert municipality_check_digit(code5) == digit


@pytest.mark.parametrize("bad", ["131017", "13101", "1310160", "99999x", "481001"])
def test_invalid_municipality_codes(bad: str) -> None:
    with pytest.raises(ValueError):
        validate_municipality_code(bad)


def test_prefecture_of() -> None:
    assert prefecture_of("131016") == "東京都"
    assert prefecture_of("011002") == "北海道"


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("東京都千代田区千代田１－１", ("東京都", "千代田区")),
        ("東京都町田市森野２丁目", ("東京都", "町田市")),
        ("東京都西多摩郡瑞穂町大字箱根ケ崎", ("東京都", "西多摩郡瑞穂町")),
        ("三重県四日市市諏訪町１－５", ("三重県", "四日市市")),
        ("千葉県市川市八幡１丁目", ("千葉県", "市川市")),
        ("奈良県大和郡山市北郡山町２４８", ("奈良県", "大和郡山市")),
        ("福島県郡山市朝日１丁目", ("福島県", "郡山市")),
        ("神奈川県横浜市中区日本大通１", ("神奈川県", "横浜市中区")),
        ("北海道札幌市中央区北１条西２丁目", ("北海道", "札幌市中央区")),
        ("東京都大島町元町１丁目", ("東京都", "大島町")),
        ("長野県北佐久郡軽井沢町大字軽井沢", ("長野県", "北佐久郡軽井沢町")),
    ],
)
def test_split_locality(address: str, expected: tuple[str, str]) -> None:
    assert split_locality(address) == expected


def test_split_locality_needs_a_prefecture() -> None:
    with pytest.raises(ValueError):
        split_locality("千代田区千代田１－１")
