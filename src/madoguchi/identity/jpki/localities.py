"""Prefecture / municipality helpers for the certificate subject (C=JP, L=<都道府県>, L=<市区町村>).

Kept local and dependency-free so the JPKI library stays pure; the registry owns the full municipality list.
"""

from __future__ import annotations

import re

# JIS X 0401 prefecture codes (the first two digits of a 全国地方公共団体コード).
PREFECTURES: dict[str, str] = {
    "01": "北海道",
    "02": "青森県",
    "03": "岩手県",
    "04": "宮城県",
    "05": "秋田県",
    "06": "山形県",
    "07": "福島県",
    "08": "茨城県",
    "09": "栃木県",
    "10": "群馬県",
    "11": "埼玉県",
    "12": "千葉県",
    "13": "東京都",
    "14": "神奈川県",
    "15": "新潟県",
    "16": "富山県",
    "17": "石川県",
    "18": "福井県",
    "19": "山梨県",
    "20": "長野県",
    "21": "岐阜県",
    "22": "静岡県",
    "23": "愛知県",
    "24": "三重県",
    "25": "滋賀県",
    "26": "京都府",
    "27": "大阪府",
    "28": "兵庫県",
    "29": "奈良県",
    "30": "和歌山県",
    "31": "鳥取県",
    "32": "島根県",
    "33": "岡山県",
    "34": "広島県",
    "35": "山口県",
    "36": "徳島県",
    "37": "香川県",
    "38": "愛媛県",
    "39": "高知県",
    "40": "福岡県",
    "41": "佐賀県",
    "42": "長崎県",
    "43": "熊本県",
    "44": "大分県",
    "45": "宮崎県",
    "46": "鹿児島県",
    "47": "沖縄県",
}

# The 20 designated cities (政令指定都市): their addresses continue with a ward (区) that is part of the locality.
DESIGNATED_CITIES = frozenset(
    {
        "札幌市",
        "仙台市",
        "さいたま市",
        "千葉市",
        "横浜市",
        "川崎市",
        "相模原市",
        "新潟市",
        "静岡市",
        "浜松市",
        "名古屋市",
        "京都市",
        "大阪市",
        "堺市",
        "神戸市",
        "岡山市",
        "広島市",
        "北九州市",
        "福岡市",
        "熊本市",
    }
)


def municipality_check_digit(code5: str) -> int:
    """Check digit of a 5-digit local-government code: (11 − Σ weights·digits mod 11) mod 10 (registry.md §12)."""
    if len(code5) != 5 or not code5.isascii() or not code5.isdigit():
        raise ValueError("expected 5 ASCII digits")
    total = sum(weight * int(digit) for weight, digit in zip((6, 5, 4, 3, 2), code5, strict=True))
    return (11 - total % 11) % 10


def validate_municipality_code(code: str) -> str:
    """Return `code` if it is a valid 6-digit 全国地方公共団体コード for a known prefecture, else raise ValueError."""
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        raise ValueError(f"municipality code must be 6 digits: {code!r}")
    if municipality_check_digit(code[:5]) != int(code[5]):
        raise ValueError(f"municipality code check digit is wrong: {code!r}")
    if code[:2] not in PREFECTURES:
        raise ValueError(f"unknown prefecture code in {code!r}")
    return code


def prefecture_of(code: str) -> str:
    """Prefecture name for a 6-digit municipality code."""
    return PREFECTURES[validate_municipality_code(code)[:2]]


_GUN_TOWN = re.compile(r"^([^市区町村郡]+郡)([^市区郡]+?[町村])")
_SPECIAL_WARD = re.compile(r"^([^市町村郡]+?区)")
_CITY = re.compile(r"^(.+?市)")
_WARD = re.compile(r"^([^市町村]+?区)")
_TOWN = re.compile(r"^([^市区郡]+?[町村])")


def split_locality(address: str) -> tuple[str, str]:
    """Split an address written from the prefecture into (都道府県, 市区町村); ValueError when it cannot.

    A heuristic for the certificate subject only (pass the names explicitly where the registry knows them):
    郡 + 町村, 東京都's 特別区, cities (四日市市-style doubled 市 kept whole), designated-city wards, other 町村.
    """
    prefecture = next((p for p in PREFECTURES.values() if address.startswith(p)), None)
    if prefecture is None:
        raise ValueError("address must start with the prefecture (都道府県)")
    rest = address[len(prefecture) :]
    if match := _GUN_TOWN.match(rest):
        return prefecture, match.group(1) + match.group(2)
    if prefecture == "東京都" and (match := _SPECIAL_WARD.match(rest)):
        return prefecture, match.group(1)
    if match := _CITY.match(rest):
        city = match.group(1)
        if rest[len(city) : len(city) + 1] == "市":  # 四日市市, 廿日市市, 野々市市
            city += "市"
        if city in DESIGNATED_CITIES and (ward := _WARD.match(rest[len(city) :])):
            city += ward.group(1)
        return prefecture, city
    if match := _TOWN.match(rest):
        return prefecture, match.group(1)
    raise ValueError("cannot find the municipality (市区町村) in the address; pass it explicitly")
