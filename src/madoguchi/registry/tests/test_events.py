"""Registry event services (異動): happy paths, every rule a registry clerk checks, permissions, audit, append-only."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from madoguchi.core.audit import verify_chain
from madoguchi.core.crypto import decrypt_individual_number
from madoguchi.core.errors import ActionNotPermitted, BusinessRuleViolation, NotFoundInMunicipality
from madoguchi.core.models import AuditEntry
from madoguchi.registry import relationships
from madoguchi.registry import services as s
from madoguchi.registry.models import Household, RegistryEvent, Resident
from madoguchi.registry.tests.event_helpers import TODAY, family, move_in, my_number

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def clerk(chiyoda, make_staff):
    return make_staff(chiyoda, "counter_clerk")


@pytest.fixture
def reviewer(chiyoda, make_staff):
    return make_staff(chiyoda, "reviewer")


def violation(fn: Any, **kwargs: Any) -> BusinessRuleViolation:
    with pytest.raises(BusinessRuleViolation) as info:
        fn(**kwargs)
    return info.value


def snapshot_events() -> dict[int, tuple[Any, ...]]:
    return {
        e.pk: (e.kind, e.effective_on, e.state_after, e.changes, e.recorded_at)
        for e in RegistryEvent.objects.all()
    }


def fresh(r: Resident) -> Resident:
    return Resident.objects.get(pk=r.pk)


# ---- 転入 ------------------------------------------------------------------------------------------------------------


def test_move_in_new_household_writes_row_event_and_audit(clerk, chiyoda) -> None:
    audits = AuditEntry.objects.count()
    out = s.record_move_in(
        actor=clerk,
        effective_on=D(2026, 11, 1),
        filed_on=D(2026, 11, 5),
        family_name="髙橋",
        given_name="一郎",
        family_name_kana="タカハシ",
        given_name_kana="イチロウ",
        birth_date=D(1990, 4, 1),
        sex="male",
        resident_record_code="20000000001",
        individual_number="9832 0567 3214",
        previous_address="大阪府大阪市北区梅田一丁目1番1号",
        machiaza="丸の内",
        block_number="1丁目1番1号",
        special_move_in=True,
        today=TODAY,
    )
    r = Resident.objects.get(pk=out.event.resident_id)
    assert (r.family_name, r.is_head, r.relationship, r.status) == ("髙橋", True, "世帯主", "current")
    assert (r.became_resident_on, r.address_set_on) == (D(2026, 11, 1), D(2026, 11, 1))
    assert (r.prefecture, r.city, r.moved_in_from_address) == (
        "東京都",
        "千代田区",
        "大阪府大阪市北区梅田一丁目1番1号",
    )
    assert decrypt_individual_number(r.individual_number_encrypted) == "983205673214"
    assert (
        r.name_search_key
        == s.search_keys(
            family_name="髙橋", given_name="一郎", family_name_kana="タカハシ", given_name_kana="イチロウ"
        )["name_search_key"]
    )
    e = out.event
    assert (e.kind, e.effective_on, e.filed_on, e.household_id) == (
        "move_in",
        D(2026, 11, 1),
        D(2026, 11, 5),
        r.household_id,
    )
    assert e.state_after == s.resident_state(r)
    assert e.changes["family_name"] == [None, "髙橋"]
    assert e.details["special_move_in"] is True and out.warnings == []
    assert "983205673214" not in str(e.state_after) + str(e.changes)
    assert AuditEntry.objects.count() == audits + 1
    audit = AuditEntry.objects.order_by("-sequence").first()
    assert audit is not None and (audit.action, audit.target_id) == ("registry.move_in", str(r.pk))
    assert "983205673214" not in str(audit.after)
    assert verify_chain(chiyoda.code)[1] == []
    assert Household.objects.get(pk=r.household_id).household_number == "00000001"


def test_move_in_joining_a_household_takes_its_address(clerk) -> None:
    f = family(clerk)
    assert (f.wife.household_id, f.wife.is_head, f.wife.relationship) == (f.head.household_id, False, "妻")
    assert f.child.address == f.head.address


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"individual_number": "983205673215"}, "individual_number", "check_digit"),
        ({"special_move_in": True}, "individual_number", "required"),
        ({"family_name_kana": "やまだ"}, "family_name_kana", "katakana"),
        ({"effective_on": D(2026, 11, 10), "filed_on": D(2026, 11, 5)}, "effective_on", "after_filing"),
        ({"filed_on": D(2026, 11, 21)}, "filed_on", "future_date"),
        ({"effective_on": D(2026, 11, 21), "filed_on": D(2026, 11, 20)}, "effective_on", "future_date"),
        ({"birth_date": D(2026, 11, 2)}, "birth_date", "after_event"),
        ({"relationship": "10"}, "relationship", "invalid"),
        ({"previous_address": " "}, "previous_address", "required"),
        ({"machiaza": ""}, "machiaza", "required"),
        ({"sex": "x"}, "sex", "invalid"),
        ({"resident_record_code": "123"}, "resident_record_code", "invalid"),
    ],
)
def test_move_in_rules(clerk, overrides, field, code) -> None:
    with pytest.raises(BusinessRuleViolation) as info:
        move_in(clerk, "20000000009", **overrides)
    assert (info.value.field, info.value.code) == (field, code)
    assert not Resident.objects.exists() and not RegistryEvent.objects.exists()


def test_move_in_duplicates_and_relationship_table(clerk) -> None:
    f = family(clerk)
    dup_number = violation(move_in, actor=clerk, code="20000000001", individual_number=my_number(12345678901))
    assert (dup_number.field, dup_number.code) == ("individual_number", "duplicate")
    dup_code = violation(move_in, actor=clerk, code="10000000001")
    assert (dup_code.field, dup_code.code) == ("resident_record_code", "duplicate")
    second_head = violation(
        move_in, actor=clerk, code="20000000002", household_id=f.head.household_id, relationship="01"
    )
    assert (second_head.field, second_head.code) == ("relationship", "second_head")
    unknown = violation(
        move_in, actor=clerk, code="20000000003", household_id=f.head.household_id, relationship="99"
    )
    assert (unknown.field, unknown.code) == ("relationship", "relationship")


def test_late_move_in_is_a_warning_stored_on_the_event(clerk) -> None:
    r = move_in(clerk, "20000000001", effective_on=D(2026, 10, 1), filed_on=D(2026, 10, 16))
    event = RegistryEvent.objects.get(resident=r)
    assert [w["code"] for w in event.warnings] == ["late_filing"]
    assert "14日以内" in event.warnings[0]["message_ja"] and "15日後" in event.warnings[0]["message_ja"]
    on_time = move_in(clerk, "20000000002", effective_on=D(2026, 10, 1), filed_on=D(2026, 10, 15))
    assert RegistryEvent.objects.get(resident=on_time).warnings == []


@pytest.mark.parametrize("role", ["administrator", "auditor"])
def test_roles_without_registry_work_are_refused(chiyoda, make_staff, role) -> None:
    with pytest.raises(ActionNotPermitted):
        move_in(make_staff(chiyoda, role), "20000000001")
    assert not RegistryEvent.objects.exists()


def test_other_municipality_cannot_touch_a_resident(clerk, sapporo, make_staff) -> None:
    f = family(clerk)
    outsider = make_staff(sapporo, "counter_clerk")
    with pytest.raises(NotFoundInMunicipality):
        s.record_death(actor=outsider, resident_id=f.head.pk, effective_on=TODAY, filed_on=TODAY, today=TODAY)


# ---- 転出 ------------------------------------------------------------------------------------------------------------


def test_move_out_today_removes_the_record(clerk) -> None:
    f = family(clerk)
    out = s.record_move_out(
        actor=clerk,
        resident_ids=[f.child.pk],
        effective_on=D(2026, 11, 15),
        filed_on=D(2026, 11, 10),
        destination_address="北海道札幌市中央区北1条西2丁目",
        today=TODAY,
    )
    child = fresh(f.child)
    assert (child.status, child.removed_on, child.move_out_destination) == (
        "moved_out",
        D(2026, 11, 15),
        "北海道札幌市中央区北1条西2丁目",
    )
    assert out.event.changes["status"] == ["current", "moved_out"]
    again = violation(
        s.record_relocation,
        actor=clerk,
        resident_ids=[f.child.pk],
        effective_on=TODAY,
        filed_on=TODAY,
        machiaza="神田",
        block_number="1番",
        today=TODAY,
    )
    assert (again.field, again.code) == ("resident_ids", "removed")


def test_planned_move_out_is_applied_when_the_date_comes(clerk, chiyoda) -> None:
    f = family(clerk)
    out = s.record_move_out(
        actor=clerk,
        resident_ids=[f.head.pk],
        effective_on=D(2026, 12, 1),
        filed_on=TODAY,
        destination_address="北海道札幌市",
        new_head_id=f.wife.pk,
        today=TODAY,
    )
    assert [e.kind for e in out.events] == ["move_out", "head_change"]
    assert [w["code"] for w in out.warnings] == ["check_relationships"]
    head, wife = fresh(f.head), fresh(f.wife)
    assert (head.status, head.pending_change_on, wife.is_head, wife.pending_change_on) == (
        "current",
        D(2026, 12, 1),
        False,
        D(2026, 12, 1),
    )
    blocked = violation(
        s.record_name_change,
        actor=clerk,
        resident_id=f.head.pk,
        effective_on=TODAY,
        family_name="佐藤",
        family_name_kana="サトウ",
        today=TODAY,
    )
    assert blocked.code == "pending_move_out"
    assert s.apply_due_move_outs(today=D(2026, 11, 30)) == 0
    stdout = StringIO()
    call_command("apply_move_outs", "--today", "2026-12-01", stdout=stdout)
    assert "2 record(s)" in stdout.getvalue()
    head, wife = fresh(f.head), fresh(f.wife)
    assert (head.status, head.removed_on, head.pending_change_on) == ("moved_out", D(2026, 12, 1), None)
    assert (wife.is_head, wife.relationship, wife.pending_change_on) == (True, "世帯主", None)
    assert AuditEntry.objects.filter(action="registry.apply_due_event").count() == 2
    assert s.apply_due_move_outs(today=D(2026, 12, 2)) == 0
    assert verify_chain(chiyoda.code)[1] == []


def test_head_moving_out_needs_a_new_head(clerk) -> None:
    f = family(clerk)
    base = {
        "actor": clerk,
        "effective_on": TODAY,
        "filed_on": TODAY,
        "destination_address": "札幌市",
        "today": TODAY,
    }
    missing = violation(s.record_move_out, resident_ids=[f.head.pk], **base)
    assert (missing.field, missing.code) == ("new_head_id", "head_required")
    assert "新しい世帯主" in missing.message_ja
    wrong = violation(s.record_move_out, resident_ids=[f.head.pk], new_head_id=f.head.pk, **base)
    assert wrong.field == "new_head_id"
    needless = violation(s.record_move_out, resident_ids=[f.child.pk], new_head_id=f.wife.pk, **base)
    assert needless.field == "new_head_id"
    whole = s.record_move_out(resident_ids=[f.head.pk, f.wife.pk, f.child.pk], **base)
    assert whole.event.details["whole_household"] is True and len(whole.events) == 3
    assert not Resident.objects.filter(status="current").exists()


def test_move_out_date_rules(clerk, sapporo, make_staff) -> None:
    f = family(clerk)
    base = {"actor": clerk, "resident_ids": [f.child.pk], "destination_address": "札幌市", "today": TODAY}
    far = violation(s.record_move_out, effective_on=D(2027, 3, 1), filed_on=TODAY, **base)
    assert (far.field, far.code) == ("effective_on", "too_far_ahead")
    before_latest = violation(s.record_move_out, effective_on=D(2026, 10, 31), filed_on=TODAY, **base)
    assert before_latest.code == "before_latest_event"
    late = s.record_move_out(effective_on=D(2026, 11, 2), filed_on=TODAY, **base)
    assert [w["code"] for w in late.warnings] == ["late_filing"]
    other = move_in(clerk, "20000000001", machiaza="神田", block_number="2番")
    mixed = violation(
        s.record_move_out,
        actor=clerk,
        resident_ids=[f.wife.pk, other.pk],
        effective_on=TODAY,
        filed_on=TODAY,
        destination_address="札幌市",
        today=TODAY,
    )
    assert mixed.code == "mixed_households"


# ---- 転居 ------------------------------------------------------------------------------------------------------------


def test_whole_household_relocation(clerk) -> None:
    f = family(clerk)
    out = s.record_relocation(
        actor=clerk,
        resident_ids=[f.head.pk, f.wife.pk, f.child.pk],
        effective_on=D(2026, 11, 15),
        filed_on=D(2026, 11, 18),
        machiaza="神田",
        block_number="2番3号",
        postal_code="101-0047",
        today=TODAY,
    )
    assert len(out.events) == 3 and out.warnings == []
    head = fresh(f.head)
    assert (head.machiaza, head.block_number, head.address_set_on, head.household_id) == (
        "神田",
        "2番3号",
        D(2026, 11, 15),
        f.head.household_id,
    )
    assert head.previous_address == "東京都千代田区丸の内1丁目1番1号"
    assert head.became_resident_on == D(2026, 11, 1)


def test_part_of_household_relocates_into_a_new_household(clerk) -> None:
    f = family(clerk)
    base = {
        "actor": clerk,
        "effective_on": TODAY,
        "filed_on": TODAY,
        "machiaza": "神田",
        "block_number": "5番",
        "today": TODAY,
    }
    no_head = violation(s.record_relocation, resident_ids=[f.wife.pk, f.child.pk], **base)
    assert no_head.field == "new_head_id"
    out = s.record_relocation(
        resident_ids=[f.wife.pk, f.child.pk], new_head_id=f.wife.pk, relationships={f.child.pk: "10"}, **base
    )
    wife, child, head = fresh(f.wife), fresh(f.child), fresh(f.head)
    assert wife.household_id == child.household_id != head.household_id
    assert (wife.is_head, wife.relationship, child.relationship, head.is_head) == (True, "世帯主", "子", True)
    assert out.warnings == []
    # The head is now alone in the old household: moving him is a whole-household 転居 (same household).
    alone = s.record_relocation(resident_ids=[f.head.pk], **{**base, "block_number": "9番"})
    assert (
        alone.event.details["whole_household"] is True and fresh(f.head).household_id == f.head.household_id
    )


def test_relocation_rules(clerk) -> None:
    f = family(clerk)
    ids = [f.head.pk, f.wife.pk, f.child.pk]
    same = violation(
        s.record_relocation,
        actor=clerk,
        resident_ids=ids,
        effective_on=TODAY,
        filed_on=TODAY,
        machiaza="丸の内",
        block_number="1丁目1番1号",
        today=TODAY,
    )
    assert same.code == "same_address"
    late = s.record_relocation(
        actor=clerk,
        resident_ids=ids,
        effective_on=D(2026, 11, 2),
        filed_on=D(2026, 11, 20),
        machiaza="神田",
        block_number="1番",
        today=TODAY,
    )
    assert "住民基本台帳法第23条" in late.warnings[0]["message_ja"]
    assert late.event.warnings == late.warnings and late.events[1].warnings == []


# ---- 出生・死亡 -------------------------------------------------------------------------------------------------------


def test_birth_needs_a_household_and_starts_on_the_birth_date(clerk) -> None:
    f = family(clerk)
    base = {
        "actor": clerk,
        "birth_date": D(2026, 11, 10),
        "filed_on": D(2026, 11, 18),
        "family_name": "山田",
        "family_name_kana": "ヤマダ",
        "given_name": "陽",
        "given_name_kana": "ハル",
        "sex": "female",
        "resident_record_code": "30000000001",
        "today": TODAY,
    }
    missing = violation(s.record_birth, household_id=None, **base)
    assert (missing.field, missing.code) == ("household_id", "required")
    with pytest.raises(NotFoundInMunicipality):
        s.record_birth(household_id=99999, **base)
    out = s.record_birth(household_id=f.head.household_id, **base)
    baby = Resident.objects.get(pk=out.event.resident_id)
    assert (baby.became_resident_on, baby.relationship, baby.address, out.event.kind) == (
        D(2026, 11, 10),
        "子",
        f.head.address,
        "birth",
    )
    late = s.record_birth(
        household_id=f.head.household_id,
        **{**base, "resident_record_code": "30000000002", "birth_date": D(2026, 11, 1), "given_name": "空"},
    )
    assert "戸籍法第49条" in late.warnings[0]["message_ja"]


def test_death_of_the_head(clerk) -> None:
    f = family(clerk)
    base = {"actor": clerk, "effective_on": D(2026, 11, 15), "filed_on": D(2026, 11, 16), "today": TODAY}
    missing = violation(s.record_death, resident_id=f.head.pk, **base)
    assert (missing.field, missing.code) == ("new_head_id", "head_required")
    out = s.record_death(
        resident_id=f.head.pk, new_head_id=f.wife.pk, relationships={f.child.pk: "10"}, **base
    )
    assert [(e.kind, e.resident_id) for e in out.events] == [("death", f.head.pk), ("head_change", f.wife.pk)]
    head, wife = fresh(f.head), fresh(f.wife)
    assert (head.status, head.removed_on, wife.is_head, wife.relationship) == (
        "deceased",
        D(2026, 11, 15),
        True,
        "世帯主",
    )
    dead_again = violation(s.record_death, resident_id=f.head.pk, **base)
    assert dead_again.code == "removed"
    late = s.record_death(
        actor=clerk,
        resident_id=f.child.pk,
        effective_on=D(2026, 11, 2),
        filed_on=D(2026, 11, 16),
        today=TODAY,
    )
    assert "戸籍法第86条" in late.warnings[0]["message_ja"]


# ---- 世帯変更 ---------------------------------------------------------------------------------------------------------


def test_head_change(clerk) -> None:
    f = family(clerk)
    base = {
        "actor": clerk,
        "household_id": f.head.household_id,
        "effective_on": TODAY,
        "filed_on": TODAY,
        "today": TODAY,
    }
    no_label = violation(s.record_head_change, new_head_id=f.wife.pk, relationships={}, **base)
    assert no_label.field == f"relationships.{f.head.pk}"
    same = violation(s.record_head_change, new_head_id=f.head.pk, relationships={}, **base)
    assert same.code == "no_change"
    out = s.record_head_change(
        new_head_id=f.wife.pk, relationships={f.head.pk: "03", f.child.pk: "10"}, **base
    )
    assert {e.resident_id: e.kind for e in out.events} == {f.head.pk: "head_change", f.wife.pk: "head_change"}
    head, wife = fresh(f.head), fresh(f.wife)
    assert (head.is_head, head.relationship, wife.is_head, wife.relationship) == (False, "夫", True, "世帯主")
    assert Resident.objects.filter(household_id=f.head.household_id, is_head=True).count() == 1


def test_household_split_and_merge(clerk) -> None:
    f = family(clerk)
    base = {"actor": clerk, "effective_on": TODAY, "filed_on": TODAY, "today": TODAY}
    whole = violation(
        s.record_household_split,
        resident_ids=[f.head.pk, f.wife.pk, f.child.pk],
        new_head_id=f.wife.pk,
        **base,
    )
    assert whole.code == "whole_household"
    split = s.record_household_split(resident_ids=[f.child.pk], new_head_id=f.child.pk, **base)
    child = fresh(f.child)
    assert child.household_id != f.head.household_id and child.is_head and child.address == f.head.address
    assert split.event.details["from_household"] == f.head.household.household_number

    mixed = violation(
        s.record_household_merge,
        household_id=child.household_id,
        target_household_id=f.head.household_id,
        relationships={},
        **base,
    )
    assert mixed.field == f"relationships.{child.pk}"
    s.record_household_merge(
        household_id=child.household_id,
        target_household_id=f.head.household_id,
        relationships={child.pk: "10"},
        **base,
    )
    child = fresh(f.child)
    assert (child.household_id, child.is_head, child.relationship) == (f.head.household_id, False, "子")

    elsewhere = move_in(clerk, "20000000001", machiaza="神田", block_number="2番")
    far = violation(
        s.record_household_merge,
        household_id=elsewhere.household_id,
        target_household_id=f.head.household_id,
        relationships={elsewhere.pk: "61"},
        **base,
    )
    assert (far.field, far.code) == ("target_household_id", "different_address")


def test_split_of_the_head_needs_a_remaining_head(clerk) -> None:
    f = family(clerk)
    base = {"actor": clerk, "effective_on": TODAY, "filed_on": TODAY, "today": TODAY}
    missing = violation(s.record_household_split, resident_ids=[f.head.pk], new_head_id=f.head.pk, **base)
    assert missing.field == "remaining_head_id"
    s.record_household_split(
        resident_ids=[f.head.pk], new_head_id=f.head.pk, remaining_head_id=f.wife.pk, **base
    )
    assert fresh(f.wife).is_head and fresh(f.head).is_head
    assert fresh(f.wife).household_id != fresh(f.head).household_id


# ---- 氏名変更・職権修正 ----------------------------------------------------------------------------------------------


def test_name_change_updates_search_keys_and_former_name(clerk) -> None:
    f = family(clerk)
    s.record_name_change(
        actor=clerk,
        resident_id=f.wife.pk,
        effective_on=D(2026, 11, 10),
        family_name="佐藤",
        family_name_kana="サトウ",
        given_name="花子",
        given_name_kana="ハナコ",
        reason="離婚",
        record_former_name=True,
        today=TODAY,
    )
    wife = fresh(f.wife)
    assert (wife.family_name, wife.former_family_name, wife.former_family_name_kana) == (
        "佐藤",
        "山田",
        "ヤマダ",
    )
    assert wife.kana_search_key.startswith("サトウ") or wife.kana_search_key.startswith("サト")
    no_change = violation(
        s.record_name_change,
        actor=clerk,
        resident_id=f.wife.pk,
        effective_on=TODAY,
        family_name="佐藤",
        family_name_kana="サトウ",
        given_name="花子",
        given_name_kana="ハナコ",
        today=TODAY,
    )
    assert no_change.code == "no_change"


def test_correction_needs_the_right_role_and_a_reason(clerk, reviewer) -> None:
    f = family(clerk)
    with pytest.raises(ActionNotPermitted):
        s.record_correction(
            actor=clerk,
            resident_id=f.head.pk,
            values={"given_name": "太朗"},
            effective_on=TODAY,
            reason="誤記",
            today=TODAY,
        )
    base = {"actor": reviewer, "resident_id": f.head.pk, "effective_on": D(2026, 11, 1), "today": TODAY}
    assert violation(s.record_correction, values={"given_name": "太朗"}, reason=" ", **base).field == "reason"
    assert (
        violation(s.record_correction, values={"status": "deceased"}, reason="x", **base).code
        == "not_correctable"
    )
    assert (
        violation(s.record_correction, values={"relationship": "10"}, reason="x", **base).field
        == "relationship"
    )
    too_early = violation(
        s.record_correction,
        values={"given_name": "太朗"},
        reason="x",
        **{**base, "effective_on": D(2026, 10, 31)},
    )
    assert too_early.code == "before_record"
    out = s.record_correction(
        values={"given_name": "太朗", "given_name_kana": "タロウ"},
        reason="戸籍との照合による誤記訂正",
        **base,
    )
    assert out.event.changes == {"given_name": ["太郎", "太朗"]}
    assert (out.event.kind, out.event.filed_on, out.event.reason) == (
        "correction",
        None,
        "戸籍との照合による誤記訂正",
    )
    assert fresh(f.head).given_name == "太朗"
    child = s.record_correction(
        values={"relationship": "15"}, reason="続柄の誤り", **{**base, "resident_id": f.child.pk}
    )
    assert fresh(f.child).relationship == "子の子" and child.event.changes["relationship"] == ["子", "子の子"]


def test_events_are_appended_never_edited(clerk, reviewer) -> None:
    f = family(clerk)
    before = snapshot_events()
    s.record_relocation(
        actor=clerk,
        resident_ids=[f.head.pk, f.wife.pk, f.child.pk],
        effective_on=D(2026, 11, 15),
        filed_on=D(2026, 11, 15),
        machiaza="神田",
        block_number="1番",
        today=TODAY,
    )
    s.record_correction(
        actor=reviewer,
        resident_id=f.head.pk,
        values={"family_name": "山﨑"},
        effective_on=D(2026, 11, 1),
        reason="誤記",
        today=TODAY,
    )
    after = snapshot_events()
    assert {k: after[k] for k in before} == before
    assert len(after) == len(before) + 4


def test_preview_rolls_everything_back(clerk) -> None:
    f = family(clerk)
    events, audits = RegistryEvent.objects.count(), AuditEntry.objects.count()
    preview = s.preview_event(
        s.record_death,
        actor=clerk,
        resident_id=f.head.pk,
        effective_on=TODAY,
        filed_on=TODAY,
        new_head_id=f.wife.pk,
        today=TODAY,
    )
    assert [e["kind"] for e in preview.events] == ["death", "head_change"]
    assert preview.events[0]["changes"][0] == {
        "field": "status",
        "label": "状態",
        "before": "住民",
        "after": "死亡（除票）",
    }
    assert (RegistryEvent.objects.count(), AuditEntry.objects.count()) == (events, audits)
    assert fresh(f.head).status == "current"
    with pytest.raises(BusinessRuleViolation):
        s.preview_event(
            s.record_death,
            actor=clerk,
            resident_id=f.head.pk,
            effective_on=TODAY,
            filed_on=TODAY,
            today=TODAY,
        )


def test_relationship_table() -> None:
    codes = [r.code for r in relationships.RELATIONSHIPS]
    assert len(codes) == len(set(codes))
    labels = {r.label for r in relationships.RELATIONSHIPS}
    for label in ["世帯主", "妻", "夫", "子", "父", "母", "子の妻", "子の夫", "子の子", "妻の子", "夫の子", "父の父", "妻の父",
                  "兄", "姉", "弟", "妹", "妻（未届）", "夫（未届）", "縁故者", "同居人"]:  # fmt: skip
        assert label in labels
    assert relationships.code_for_label("本人") == relationships.HEAD_CODE
    assert relationships.label_for("13") == "子の妻" and relationships.by_code("13").links == (
        "child",
        "wife",
    )
    assert not relationships.is_valid_code("99")
    assert ("01", "世帯主") not in relationships.choices(include_head=False)


def test_new_head_cannot_take_over_before_their_own_latest_event(clerk) -> None:
    f = family(clerk)
    s.record_name_change(
        actor=clerk,
        resident_id=f.wife.pk,
        effective_on=D(2026, 11, 15),
        family_name="佐藤",
        family_name_kana="サトウ",
        given_name="花子",
        given_name_kana="ハナコ",
        today=TODAY,
    )
    v = violation(
        s.record_death,
        actor=clerk,
        resident_id=f.head.pk,
        effective_on=D(2026, 11, 10),
        filed_on=D(2026, 11, 16),
        new_head_id=f.wife.pk,
        today=TODAY,
    )
    assert (v.field, v.code) == ("new_head_id", "before_latest_event")


def test_head_relocating_alone_leaves_a_new_head_behind(clerk) -> None:
    f = family(clerk)
    base = {
        "actor": clerk,
        "resident_ids": [f.head.pk],
        "effective_on": TODAY,
        "filed_on": TODAY,
        "machiaza": "神田",
        "block_number": "7番",
        "today": TODAY,
    }
    assert violation(s.record_relocation, **base).field == "remaining_head_id"
    out = s.record_relocation(remaining_head_id=f.wife.pk, **base)
    assert [(e.kind, e.resident_id) for e in out.events] == [
        ("relocation", f.head.pk),
        ("head_change", f.wife.pk),
    ]
    assert [w["code"] for w in out.warnings] == ["check_relationships"]
    head, wife = fresh(f.head), fresh(f.wife)
    assert head.is_head and wife.is_head and head.household_id != wife.household_id
    assert (head.machiaza, wife.machiaza) == ("神田", "丸の内")
