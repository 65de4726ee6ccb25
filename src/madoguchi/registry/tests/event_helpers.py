"""Helpers for registry event tests: a small family recorded through the real services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from madoguchi.common.checkdigits import individual_number_check_digit
from madoguchi.core.models import StaffUser
from madoguchi.registry.models import Resident
from madoguchi.registry.services import record_move_in

TODAY = dt.date(2026, 11, 20)


def my_number(base: int) -> str:
    """A valid (synthetic) 個人番号 built from an 11-digit base."""
    text = f"{base:011d}"
    return text + str(individual_number_check_digit(text))


def move_in(actor: StaffUser, code: str, **overrides: Any) -> Resident:
    """Record one 転入 with sensible synthetic defaults; returns the new resident."""
    values: dict[str, Any] = {
        "effective_on": dt.date(2026, 11, 1),
        "filed_on": dt.date(2026, 11, 5),
        "family_name": "山田",
        "family_name_kana": "ヤマダ",
        "given_name": "太郎",
        "given_name_kana": "タロウ",
        "birth_date": dt.date(1980, 5, 5),
        "sex": "male",
        "resident_record_code": code,
        "previous_address": "大阪府大阪市北区梅田一丁目1番1号",
        "machiaza": "丸の内",
        "block_number": "1丁目1番1号",
        "postal_code": "100-0005",
        "today": TODAY,
    }
    values.update(overrides)
    outcome = record_move_in(actor=actor, **values)
    return Resident.objects.get(pk=outcome.event.resident_id)


@dataclass
class Family:
    head: Resident
    wife: Resident
    child: Resident


def family(actor: StaffUser, moved_in_on: dt.date | None = None, today: dt.date = TODAY) -> Family:
    """山田 太郎 (head), 花子 (妻) and 健 (子), moved in on 2026-11-01 (or `moved_in_on`)."""
    dates: dict[str, Any] = {"today": today}
    if moved_in_on is not None:
        dates.update(effective_on=moved_in_on, filed_on=moved_in_on)
    head = move_in(actor, "10000000001", individual_number=my_number(12345678901), **dates)
    wife = move_in(
        actor,
        "10000000002",
        given_name="花子",
        given_name_kana="ハナコ",
        sex="female",
        birth_date=dt.date(1982, 3, 3),
        household_id=head.household_id,
        relationship="02",
        **dates,
    )
    child = move_in(
        actor,
        "10000000003",
        given_name="健",
        given_name_kana="ケン",
        birth_date=dt.date(2015, 7, 7),
        household_id=head.household_id,
        relationship="10",
        **dates,
    )
    return Family(head, wife, child)
