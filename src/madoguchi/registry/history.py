"""The registry as of any date, derived from the append-only event log (異動).

Valid time (異動日 `effective_on`) and record time (`recorded_at`) differ: a 転居 filed late, or a 職権修正 that says a
name was always spelled differently, changes what the registry says about the past without editing any row.

Rule: the state on date D is built from the events effective on or before D, taken in (effective_on, recorded_at,
id) order. The first event of a record (移行登録, 転入, 出生) carries the whole record; each later event writes the
fields listed in its `changes` — so each item holds the value of the latest event that wrote it. Without back-dated
events this is exactly "the `state_after` of the latest event effective on or before D"; with them, a correction
effective in 2020 and recorded today changes 2020–today but does not undo a later-effective 氏名変更.
Before the first event there is no record (None); a removed record (転出/死亡) is returned with its status.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .models import EventKind, Household, RegistryEvent, Resident

# Kinds whose `state_after` is the whole record (the record begins with them).
FULL_SNAPSHOT_KINDS = frozenset({EventKind.INITIAL_REGISTRATION, EventKind.MOVE_IN, EventKind.BIRTH})
_DATE_FIELDS = ("birth_date", "became_resident_on", "address_set_on", "removed_on")
_EVENT_COLUMNS = ("id", "resident_id", "kind", "effective_on", "recorded_at", "state_after", "changes")


@dataclass(frozen=True)
class ResidentState:
    """One resident record as it stood on `on` (values as stored in events: dates are ISO strings)."""

    resident_id: int
    on: dt.date
    values: Mapping[str, Any]
    last_event_id: int

    def get(self, name: str, default: Any = None) -> Any:
        """A stored value by field name (see registry.services.STATE_FIELDS)."""
        return self.values.get(name, default)

    def date(self, name: str) -> dt.date | None:
        """A date field parsed from its ISO string (None when empty)."""
        value = self.values.get(name)
        return dt.date.fromisoformat(value) if isinstance(value, str) and value else None

    @property
    def status(self) -> str:
        return str(self.values.get("status", ""))

    @property
    def is_resident(self) -> bool:
        """A member of the registry on that date (not 転出 or 死亡)."""
        return self.status == "current"

    @property
    def household_id(self) -> int | None:
        value = self.values.get("household_id")
        return int(value) if value is not None else None

    @property
    def is_head(self) -> bool:
        return bool(self.values.get("is_head"))

    @property
    def relationship(self) -> str:
        return str(self.values.get("relationship", ""))

    @property
    def birth_date(self) -> dt.date | None:
        return self.date("birth_date")

    @property
    def full_name(self) -> str:
        return f"{self.values.get('family_name', '')}　{self.values.get('given_name', '')}".strip()

    @property
    def full_name_kana(self) -> str:
        return f"{self.values.get('family_name_kana', '')}　{self.values.get('given_name_kana', '')}".strip()

    @property
    def address(self) -> str:
        v = self.values
        text = "".join(str(v.get(k, "") or "") for k in ("prefecture", "city", "machiaza", "block_number"))
        supplement = v.get("address_supplement") or ""
        return f"{text}　{supplement}" if supplement else text


def _written_fields(kind: str, state_after: Mapping[str, Any], changes: Mapping[str, Any]) -> Iterable[str]:
    if kind in FULL_SNAPSHOT_KINDS or not changes:
        return state_after.keys()
    return changes.keys()


def merge_events(rows: Iterable[Mapping[str, Any]], on: dt.date) -> ResidentState | None:
    """Fold one resident's event rows (dicts with _EVENT_COLUMNS, in any order) into the state on `on`."""
    ordered = sorted(
        (r for r in rows if r["effective_on"] <= on),
        key=lambda r: (r["effective_on"], r["recorded_at"], r["id"]),
    )
    values: dict[str, Any] = {}
    started = False
    last_id = 0
    resident_id = 0
    for row in ordered:
        state_after = row["state_after"] or {}
        if row["kind"] in FULL_SNAPSHOT_KINDS:
            started = True
        if not started:
            continue
        for name in _written_fields(row["kind"], state_after, row["changes"] or {}):
            if name in state_after:
                values[name] = state_after[name]
        last_id = row["id"]
        resident_id = row["resident_id"]
    if not started:
        return None
    return ResidentState(resident_id=resident_id, on=on, values=values, last_event_id=last_id)


def _resident_id(resident: Resident | int) -> int:
    return resident if isinstance(resident, int) else int(resident.pk)


def resident_on(resident: Resident | int, on: dt.date) -> ResidentState | None:
    """The record of one resident as it stood on `on` (None before the record began). One query."""
    rows = RegistryEvent.objects.filter(resident_id=_resident_id(resident), effective_on__lte=on).values(
        *_EVENT_COLUMNS
    )
    return merge_events(rows, on)


def residents_on(resident_ids: Iterable[int], on: dt.date) -> dict[int, ResidentState]:
    """The records of many residents on `on`, by id (those not yet recorded are absent). One query."""
    grouped: dict[int, list[dict[str, Any]]] = {}
    rows = RegistryEvent.objects.filter(resident_id__in=list(resident_ids), effective_on__lte=on).values(
        *_EVENT_COLUMNS
    )
    for row in rows:
        grouped.setdefault(row["resident_id"], []).append(row)
    out: dict[int, ResidentState] = {}
    for rid, events in grouped.items():
        state = merge_events(events, on)
        if state is not None:
            out[rid] = state
    return out


def household_members_on(household: Household | int, on: dt.date) -> list[ResidentState]:
    """The members of a household on `on` (residents only, no 除票), head first, then by birth date. One query.

    Anyone who ever belonged to the household has an event whose `household` is it (the event that put them there).
    """
    household_id = household if isinstance(household, int) else int(household.pk)
    ever = RegistryEvent.objects.filter(household_id=household_id).values("resident_id")
    grouped: dict[int, list[dict[str, Any]]] = {}
    for row in RegistryEvent.objects.filter(resident_id__in=ever, effective_on__lte=on).values(
        *_EVENT_COLUMNS
    ):
        grouped.setdefault(row["resident_id"], []).append(row)
    members = []
    for events in grouped.values():
        state = merge_events(events, on)
        if state is not None and state.is_resident and state.household_id == household_id:
            members.append(state)
    members.sort(key=lambda s: (not s.is_head, s.get("birth_date") or "9999", s.resident_id))
    return members


def state_to_model_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """Turn stored state values into model field values (ISO strings → dates; the derived household_number dropped)."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name == "household_number":
            continue
        if name in _DATE_FIELDS:
            out[name] = dt.date.fromisoformat(value) if value else None
        else:
            out[name] = value
    return out


_EXTRA_LABELS = {"household_number": "世帯番号"}
_HIDDEN = {"household_id"}


def display_value(name: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    field = _field(name)
    if field is not None and field.choices:
        return str(dict(field.choices).get(value, value))
    return str(value)


def _field(name: str) -> Any:
    try:
        return Resident._meta.get_field(name)
    except Exception:
        return None


def field_label(name: str) -> str:
    """The Japanese label of a state field (the model's verbose name)."""
    if name in _EXTRA_LABELS:
        return _EXTRA_LABELS[name]
    field = _field(name)
    return str(field.verbose_name) if field is not None else name


def describe_changes(changes: Mapping[str, Any]) -> list[dict[str, str]]:
    """An event's `changes` as rows for display: label, before and after (internal ids left out)."""
    rows = []
    for name, pair in changes.items():
        if name in _HIDDEN or not isinstance(pair, list | tuple) or len(pair) != 2:
            continue
        rows.append(
            {
                "field": name,
                "label": field_label(name),
                "before": display_value(name, pair[0]),
                "after": display_value(name, pair[1]),
            }
        )
    return rows
