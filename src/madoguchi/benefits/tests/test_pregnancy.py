"""妊婦のための支援給付 and 妊娠の届出 (benefits.md §4)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from madoguchi.benefits.rules import pregnancy as pg

D = dt.date


def test_first_payment():
    assert pg.first_payment_yen(D(2025, 4, 1)) == 50_000
    with pytest.raises(ValueError, match="2025-04-01"):
        pg.first_payment_yen(D(2025, 3, 31))


@pytest.mark.parametrize(("fetuses", "amount"), [(1, 50_000), (2, 100_000), (3, 150_000)])
def test_second_payment_per_fetus(fetuses, amount):
    assert pg.second_payment_yen(fetuses, D(2025, 10, 1)) == amount
    assert pg.maternal_handbooks_to_issue(fetuses) == fetuses


def test_second_payment_needs_a_fetus():
    with pytest.raises(ValueError):
        pg.second_payment_yen(0, D(2025, 10, 1))


def _notification(**changes):
    base: dict[str, Any] = {
        "filed_on": D(2025, 5, 1),
        "name": "窓口 花子",
        "age": 30,
        "occupation": "会社員",
        "address": "窓口市本町1-1",
        "pregnancy_months": 3,
        "examiner_name": "医師 太郎",
        "std_tb_checkup_done": True,
    }
    base.update(changes)
    return pg.PregnancyNotification(**base)


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({}, set()),
        ({"examiner_name": None}, set()),
        ({"pregnancy_months": 0}, {"pregnancy_months"}),
        ({"pregnancy_months": 11}, {"pregnancy_months"}),
        ({"filed_on": D(2025, 5, 2)}, {"filed_on"}),
        ({"name": " "}, {"name"}),
        ({"std_tb_checkup_done": None}, {"std_tb_checkup_done"}),
    ],
)
def test_validate_notification(changes, fields):
    assert set(pg.validate_notification(_notification(**changes), today=D(2025, 5, 1))) == fields
