"""The registry as of a date, derived from events: late filings, back-dated corrections, households over time."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from madoguchi.registry import services as s
from madoguchi.registry.history import household_members_on, merge_events, resident_on, residents_on
from madoguchi.registry.models import Resident
from madoguchi.registry.tests.event_helpers import TODAY, family, move_in

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def clerk(chiyoda, make_staff):
    return make_staff(chiyoda, "counter_clerk")


@pytest.fixture
def reviewer(chiyoda, make_staff):
    return make_staff(chiyoda, "reviewer")


@pytest.fixture
def history(clerk, reviewer):
    """One resident with a recorded life, entered in an order that differs from the order things happened.

    Recorded (record time) — happened (valid time):
      1. 2026-11-05  転入 effective 2026-01-10 (at 丸の内), filed late
      2. 2026-11-06  氏名変更 effective 2026-06-01 (山田 → 佐藤)
      3. 2026-11-07  転居 effective 2026-09-15 (→ 神田), filed late
      4. 2026-11-08  職権修正 effective 2026-01-10: the given name was always 太朗, not 太郎 (changes the past)
    """
    with time_machine.travel(dt.datetime(2026, 11, 5, 9, 0), tick=False):
        r = move_in(
            clerk, "40000000001", effective_on=D(2026, 1, 10), filed_on=D(2026, 11, 5), today=D(2026, 11, 5)
        )
    with time_machine.travel(dt.datetime(2026, 11, 6, 9, 0), tick=False):
        s.record_name_change(
            actor=clerk,
            resident_id=r.pk,
            effective_on=D(2026, 6, 1),
            family_name="佐藤",
            family_name_kana="サトウ",
            given_name="太郎",
            given_name_kana="タロウ",
            reason="養子縁組",
            today=D(2026, 11, 6),
        )
    with time_machine.travel(dt.datetime(2026, 11, 7, 9, 0), tick=False):
        s.record_relocation(
            actor=clerk,
            resident_ids=[r.pk],
            effective_on=D(2026, 9, 15),
            filed_on=D(2026, 11, 7),
            machiaza="神田",
            block_number="2番",
            today=D(2026, 11, 7),
        )
    with time_machine.travel(dt.datetime(2026, 11, 8, 9, 0), tick=False):
        s.record_correction(
            actor=reviewer,
            resident_id=r.pk,
            values={"given_name": "太朗"},
            effective_on=D(2026, 1, 10),
            reason="戸籍との照合による誤記訂正",
            today=D(2026, 11, 8),
        )
    return Resident.objects.get(pk=r.pk)


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (D(2026, 1, 9), None),  # before the record began
        (
            D(2026, 1, 10),
            ("山田", "太朗", "丸の内", "2026-01-10"),
        ),  # the correction reaches back to the start
        (D(2026, 5, 31), ("山田", "太朗", "丸の内", "2026-01-10")),
        (
            D(2026, 6, 1),
            ("佐藤", "太朗", "丸の内", "2026-01-10"),
        ),  # the name change; the correction still holds
        (D(2026, 9, 14), ("佐藤", "太朗", "丸の内", "2026-01-10")),
        (D(2026, 9, 15), ("佐藤", "太朗", "神田", "2026-09-15")),  # the late-filed relocation
        (D(2026, 11, 20), ("佐藤", "太朗", "神田", "2026-09-15")),
    ],
)
def test_resident_on_a_date(history, on, expected) -> None:
    state = resident_on(history, on)
    if expected is None:
        assert state is None
        return
    assert state is not None
    v = state.values
    assert (v["family_name"], v["given_name"], v["machiaza"], v["address_set_on"]) == expected
    assert state.is_resident and state.on == on


def test_current_row_equals_history_today(history) -> None:
    state = resident_on(history, TODAY)
    assert state is not None
    row = s.resident_state(history)
    assert {k: state.values[k] for k in row} == row
    assert (
        history.name_search_key
        == s.search_keys(
            family_name="佐藤", given_name="太朗", family_name_kana="サトウ", given_name_kana="タロウ"
        )["name_search_key"]
    )


def test_late_filing_changes_what_the_past_looks_like_only_from_its_record_time(history) -> None:
    """Before the relocation was recorded, the registry said 丸の内 for 2026-10-01; now it says 神田 for that day."""
    from madoguchi.registry.models import RegistryEvent

    rows = list(
        RegistryEvent.objects.filter(resident=history).values(
            "id", "resident_id", "kind", "effective_on", "recorded_at", "state_after", "changes"
        )
    )
    known_on_nov_6 = [r for r in rows if r["recorded_at"] < dt.datetime(2026, 11, 7, tzinfo=dt.UTC)]
    then = merge_events(known_on_nov_6, D(2026, 10, 1))
    now = merge_events(rows, D(2026, 10, 1))
    assert then is not None and now is not None
    assert (then.values["machiaza"], then.values["given_name"]) == ("丸の内", "太郎")
    assert (now.values["machiaza"], now.values["given_name"]) == ("神田", "太朗")


def test_same_day_events_are_ordered_by_record_time(clerk) -> None:
    r = move_in(clerk, "40000000002")
    for name, kana in (("佐藤", "サトウ"), ("鈴木", "スズキ")):
        s.record_name_change(
            actor=clerk, resident_id=r.pk, effective_on=D(2026, 11, 10), family_name=name, family_name_kana=kana,
            given_name="太郎", given_name_kana="タロウ", today=TODAY,
        )  # fmt: skip
    state = resident_on(r, D(2026, 11, 10))
    assert state is not None and state.values["family_name"] == "鈴木"


def test_household_members_over_time(clerk, django_assert_num_queries) -> None:
    f = family(clerk)  # all moved in 2026-11-01
    household = f.head.household_id
    s.record_birth(
        actor=clerk, household_id=household, birth_date=D(2026, 11, 10), filed_on=D(2026, 11, 12),
        family_name="山田", family_name_kana="ヤマダ", given_name="陽", given_name_kana="ハル", sex="female",
        resident_record_code="40000000009", today=TODAY,
    )  # fmt: skip
    s.record_household_split(
        actor=clerk, resident_ids=[f.child.pk], new_head_id=f.child.pk, effective_on=D(2026, 11, 12),
        filed_on=D(2026, 11, 12), today=TODAY,
    )  # fmt: skip
    s.record_death(
        actor=clerk, resident_id=f.head.pk, effective_on=D(2026, 11, 15), filed_on=D(2026, 11, 16),
        new_head_id=f.wife.pk, today=TODAY,
    )  # fmt: skip
    table = [
        (D(2026, 10, 31), []),
        (D(2026, 11, 1), ["太郎", "花子", "健"]),
        (D(2026, 11, 10), ["太郎", "花子", "健", "陽"]),
        (D(2026, 11, 12), ["太郎", "花子", "陽"]),
        (D(2026, 11, 15), ["花子", "陽"]),
    ]
    for on, names in table:
        with django_assert_num_queries(1):
            members = household_members_on(household, on)
        assert [m.values["given_name"] for m in members] == names, on
    assert household_members_on(household, D(2026, 11, 15))[0].is_head  # 花子 became the head, listed first
    new_household = Resident.objects.get(pk=f.child.pk).household_id
    assert [m.values["given_name"] for m in household_members_on(new_household, D(2026, 11, 12))] == ["健"]
    assert household_members_on(new_household, D(2026, 11, 11)) == []
    with django_assert_num_queries(1):
        states = residents_on([f.head.pk, f.wife.pk, f.child.pk], D(2026, 11, 16))
    assert states[f.head.pk].status == "deceased" and not states[f.head.pk].is_resident


def test_removed_and_planned_states(clerk) -> None:
    f = family(clerk)
    s.record_move_out(
        actor=clerk, resident_ids=[f.child.pk], effective_on=D(2026, 12, 1), filed_on=TODAY,
        destination_address="札幌市", today=TODAY,
    )  # fmt: skip
    before, after = resident_on(f.child, D(2026, 11, 30)), resident_on(f.child, D(2026, 12, 1))
    assert before is not None and before.is_resident
    assert after is not None and (after.status, after.date("removed_on")) == ("moved_out", D(2026, 12, 1))
    assert [m.values["given_name"] for m in household_members_on(f.head.household_id, D(2026, 12, 1))] == [
        "太郎",
        "花子",
    ]


def test_demo_history_relocations_are_consistent(chiyoda) -> None:
    from madoguchi.registry.demo import generate
    from madoguchi.registry.models import RegistryEvent

    demo_today = D(2026, 11, 1)
    households = generate(municipality_code=chiyoda.code, count=60, seed=3, today=demo_today)
    s.load_demo_residents(
        actor=None, municipality=chiyoda, households=households, relocation_every=3, today=demo_today
    )
    moves = list(RegistryEvent.objects.filter(kind="relocation").select_related("resident"))
    assert moves, "some demo households should have moved"
    for event in moves:
        r = event.resident
        first = resident_on(r, r.became_resident_on)
        now = resident_on(r, demo_today)
        assert first is not None and now is not None
        assert first.values["block_number"] != r.block_number and now.values["block_number"] == r.block_number
        assert {k: now.values[k] for k in s.resident_state(r)} == s.resident_state(r)
        assert r.address_set_on == event.effective_on and r.previous_address.endswith(
            first.values["block_number"]
        )
    plain = Resident.objects.exclude(pk__in=[e.resident_id for e in moves]).first()
    assert plain is not None and RegistryEvent.objects.filter(resident=plain).count() == 1


def _planner_resident_count() -> int | None:
    """How many residents the planner's statistics say registry_resident holds (None: never analyzed)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'registry_resident'")
            tuples = cursor.fetchone()[0]
            return int(tuples) if tuples >= 0 else None
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return None
        cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = 'registry_resident' LIMIT 1")
        row = cursor.fetchone()
        return int(row[0].split()[0]) if row else None


def test_a_large_demo_load_refreshes_the_planner_statistics(chiyoda, monkeypatch) -> None:
    """Stale statistics after a bulk load made a household lookup walk every resident (see the intake bench)."""
    from madoguchi.registry.demo import generate

    households = generate(municipality_code=chiyoda.code, count=30, seed=4, today=D(2026, 11, 1))
    monkeypatch.setattr(s, "ANALYZE_AFTER_ROWS", 5)
    s.load_demo_residents(actor=None, municipality=chiyoda, households=households)
    # ANALYZE counts the rows this (test) transaction wrote: the statistics describe the table as it is now.
    assert _planner_resident_count() == Resident.objects.count() > 0
