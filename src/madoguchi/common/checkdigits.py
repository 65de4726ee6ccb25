"""Check digits for 全国地方公共団体コード and 個人番号 (My Number).

Algorithms (see shared/reference/registry.md §12, §13):
- 地方公共団体コード: 総務省 「全国地方公共団体コード」 検査数字 — weights 6,5,4,3,2 over the 5-digit code,
  cd = (11 − s mod 11) mod 10.
- 個人番号: 行政手続における特定の個人を識別するための番号の利用等に関する法律施行令 §8 →
  平成26年総務省令第85号 §5 — weights 6,5,4,3,2,7,6,5,4,3,2 (left to right) over the 11-digit base,
  r = s mod 11, check = 0 if r ≤ 1 else 11 − r.

A valid check digit does not prove that a 個人番号 exists; it only catches typing errors.
"""

from __future__ import annotations

import re

_LG_WEIGHTS = (6, 5, 4, 3, 2)
_MY_NUMBER_WEIGHTS = (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)

# Separators people type or cards print between digit groups: ASCII/ideographic spaces, NBSP, hyphen-like
# characters (ASCII hyphen-minus, full-width hyphen-minus, hyphen, non-breaking hyphen, figure/en/em dash,
# minus sign, katakana prolonged sound mark and its half-width form, which IMEs often produce instead of "-").
_SEPARATORS = re.compile("[\\s\u00a0\u3000\\-\uff0d\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\uff70]")
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_ASCII_DIGITS = re.compile(r"[0-9]+")


def _is_ascii_digits(s: str, length: int) -> bool:
    return len(s) == length and _ASCII_DIGITS.fullmatch(s) is not None


def local_government_code_check_digit(code5: str) -> int:
    """Check digit (検査数字) for a 5-digit 全国地方公共団体コード (JIS X 0402 form)."""
    if not _is_ascii_digits(code5, 5):
        raise ValueError(f"local government code must be 5 ASCII digits, got {code5!r}")
    s = sum(int(d) * w for d, w in zip(code5, _LG_WEIGHTS, strict=True))
    return (11 - s % 11) % 10


def is_valid_local_government_code(code: str) -> bool:
    """True if `code` is 6 ASCII digits whose last digit is the correct check digit."""
    if not _is_ascii_digits(code, 6):
        return False
    return local_government_code_check_digit(code[:5]) == int(code[5])


def individual_number_check_digit(base11: str) -> int:
    """Check digit (検査用数字) for the 11-digit base of a 個人番号."""
    if not _is_ascii_digits(base11, 11):
        raise ValueError(f"individual number base must be 11 ASCII digits, got {len(base11)} characters")
    s = sum(int(d) * w for d, w in zip(base11, _MY_NUMBER_WEIGHTS, strict=True))
    r = s % 11
    return 0 if r <= 1 else 11 - r


def normalize_individual_number(raw: str) -> str:
    """Strip spaces/hyphens (also full-width), fold full-width digits; ValueError unless 12 digits."""
    cleaned = _SEPARATORS.sub("", raw).translate(_FULLWIDTH_DIGITS)
    if not _is_ascii_digits(cleaned, 12):
        # Never echo the input: it may be a real 個人番号 (特定個人情報) and messages end up in logs.
        raise ValueError(
            "individual number must be exactly 12 digits after removing spaces and hyphens "
            f"(got {len(cleaned)} characters)"
        )
    return cleaned


def is_valid_individual_number(raw: str) -> bool:
    """True if `raw` normalises to 12 digits whose last digit is the correct check digit."""
    try:
        number = normalize_individual_number(raw)
    except ValueError:
        return False
    return individual_number_check_digit(number[:11]) == int(number[11])


def mask_individual_number(number: str) -> str:
    """Mask all but the last 4 digits, e.g. "********9012" (input is normalised first when possible)."""
    try:
        digits = normalize_individual_number(number)
    except ValueError:
        digits = number
    if len(digits) <= 4:
        return "*" * len(digits)
    return "*" * (len(digits) - 4) + digits[-4:]
