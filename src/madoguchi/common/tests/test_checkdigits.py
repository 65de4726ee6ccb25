import pytest

from madoguchi.common.checkdigits import (
    individual_number_check_digit,
    is_valid_individual_number,
    is_valid_local_government_code,
    local_government_code_check_digit,
    mask_individual_number,
    normalize_individual_number,
)


# registry.md §12 worked examples (incl. the r = 0 and r = 1 edge cases)
@pytest.mark.parametrize(
    ("code5", "cd"),
    [
        ("13101", 6),  # 千代田区
        ("01100", 2),  # 札幌市
        ("01213", 1),  # 苫小牧市, r = 0
        ("14150", 0),  # 相模原市, r = 1
        ("22138", 4),  # 浜松市中央区
        ("13000", 1),  # 東京都
        ("01000", 6),  # 北海道
    ],
)
def test_local_government_check_digit(code5: str, cd: int) -> None:
    assert local_government_code_check_digit(code5) == cd
    assert is_valid_local_government_code(code5 + str(cd))
    assert not is_valid_local_government_code(code5 + str((cd + 1) % 10))


@pytest.mark.parametrize("bad", ["1310", "131016", "1310a", "１３１０１", ""])
def test_local_government_check_digit_rejects_bad_input(bad: str) -> None:
    with pytest.raises(ValueError, match="5 ASCII digits"):
        local_government_code_check_digit(bad)


@pytest.mark.parametrize("bad", ["13101", "1310166", "１３１０１６", "13101a", " 131016", "131016\n"])
def test_is_valid_local_government_code_rejects_malformed(bad: str) -> None:
    assert not is_valid_local_government_code(bad)


# registry.md §13 worked examples
@pytest.mark.parametrize(
    ("base", "check"),
    [
        ("12345678901", 8),
        ("98320567321", 4),
        ("27182818284", 0),  # r = 1
        ("00000000000", 0),  # r = 0
    ],
)
def test_individual_number_check_digit(base: str, check: int) -> None:
    assert individual_number_check_digit(base) == check


@pytest.mark.parametrize("bad", ["1234567890", "123456789012", "1234567890a", "１２３４５６７８９０１"])
def test_individual_number_check_digit_rejects_bad_input(bad: str) -> None:
    with pytest.raises(ValueError, match="11 ASCII digits"):
        individual_number_check_digit(bad)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("123456789018", "123456789018"),
        ("1234 5678 9018", "123456789018"),
        ("1234-5678-9018", "123456789018"),
        ("１２３４　５６７８　９０１８", "123456789018"),
        ("１２３４－５６７８－９０１８", "123456789018"),
        ("1234ー5678ー9018", "123456789018"),  # IME prolonged-sound mark typed for a hyphen
        (" 983205673214\n", "983205673214"),
    ],
)
def test_normalize_individual_number(raw: str, expected: str) -> None:
    assert normalize_individual_number(raw) == expected


@pytest.mark.parametrize(
    "bad", ["", "12345678901", "1234567890123", "12345678901a", "1234.5678.9018", "１２３"]
)
def test_normalize_individual_number_rejects(bad: str) -> None:
    with pytest.raises(ValueError, match="exactly 12 digits"):
        normalize_individual_number(bad)


def test_normalize_error_does_not_echo_digits() -> None:
    with pytest.raises(ValueError) as excinfo:
        normalize_individual_number("9832056732145")
    assert "983205" not in str(excinfo.value)


@pytest.mark.parametrize(
    ("raw", "valid"),
    [
        ("123456789018", True),
        ("983205673214", True),
        ("271828182840", True),
        ("9832 0567 3214", True),
        ("９８３２０５６７３２１４", True),
        ("123456789012", False),
        ("983205673215", False),
        ("271828182841", False),
        ("12345678901", False),
        ("abc", False),
    ],
)
def test_is_valid_individual_number(raw: str, valid: bool) -> None:
    assert is_valid_individual_number(raw) is valid


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("123456789012", "********9012"),
        ("1234 5678 9012", "********9012"),
        ("１２３４－５６７８－９０１２", "********9012"),
        ("1234", "****"),
        ("", ""),
    ],
)
def test_mask_individual_number(raw: str, masked: str) -> None:
    assert mask_individual_number(raw) == masked
