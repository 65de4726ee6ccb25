"""介護保険 被保険者番号 (insured person number) format of this system — pure functions, no Django.

The number is 10 digits and each insurer (保険者 = the municipality) chooses its own numbering; Madoguchi uses

    SSSSSSSSSC   S = 9-digit serial, assigned in order within the municipality (000000001, 000000002, …)
                 C = check digit, modulus 11 with weights 2, 3, 4, 5, 6, 7, 2, 3, 4 from the rightmost serial digit;
                     11 − (Σ mod 11), where a result of 10 or 11 becomes 0

so a mistyped digit or two swapped neighbouring digits are caught before the number reaches a form or a case.
The number identifies the person within the municipality only; the insurer is identified by its own 保険者番号.
"""

from __future__ import annotations

INSURED_NUMBER_LENGTH = 10
_WEIGHTS = (2, 3, 4, 5, 6, 7, 2, 3, 4)
MAX_SERIAL = 999_999_999


def insured_number_check_digit(serial9: str) -> int:
    """The check digit of a 9-digit serial."""
    if len(serial9) != 9 or not serial9.isascii() or not serial9.isdigit():
        raise ValueError("the serial must be 9 ASCII digits")
    total = sum(int(d) * w for d, w in zip(reversed(serial9), _WEIGHTS, strict=True))
    remainder = 11 - total % 11
    return 0 if remainder >= 10 else remainder


def format_insured_number(serial: int) -> str:
    """The 10-digit insured number for serial 1 … 999,999,999."""
    if not 1 <= serial <= MAX_SERIAL:
        raise ValueError("the serial must be between 1 and 999,999,999")
    serial9 = f"{serial:09d}"
    return f"{serial9}{insured_number_check_digit(serial9)}"


def is_valid_insured_number(number: str) -> bool:
    """Whether `number` is 10 ASCII digits with a correct check digit and a serial of at least 1."""
    if len(number) != INSURED_NUMBER_LENGTH or not number.isascii() or not number.isdigit():
        return False
    return int(number[:9]) >= 1 and insured_number_check_digit(number[:9]) == int(number[9])


def serial_of(number: str) -> int:
    """The serial part of a valid insured number."""
    if not is_valid_insured_number(number):
        raise ValueError("not a valid insured number")
    return int(number[:9])
