"""Writes to the resident registry. Every write is audited in the same transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from madoguchi.common.checkdigits import is_valid_individual_number, normalize_individual_number
from madoguchi.common.kana import is_katakana, kana_search_key
from madoguchi.common.names import name_search_key
from madoguchi.core.access import require, scoped
from madoguchi.core.audit import Actor, record_audit
from madoguchi.core.crypto import encrypt_individual_number, individual_number_index
from madoguchi.core.errors import BusinessRuleViolation, NotFoundInMunicipality
from madoguchi.core.models import Municipality, StaffUser
from madoguchi.core.roles import Action

from .demo import HouseholdSpec
from .models import EventKind, Household, RegistryEvent, Resident, ResidentKind, ResidentStatus, Sex

# Fields of a resident record captured in each event's `state_after` (everything a certificate or an as-of-date
# question needs; the encrypted 個人番号 is not copied into history).
STATE_FIELDS = [
    "resident_record_code", "kind", "family_name", "given_name", "family_name_kana", "given_name_kana",
    "name_romaji", "former_family_name", "former_family_name_kana", "alias_name", "alias_name_kana",
    "birth_date", "birth_date_unknown_text", "sex", "prefecture", "city", "machiaza", "machiaza_id",
    "block_number", "address_supplement", "postal_code", "moved_in_from_address", "previous_address",
    "move_out_destination", "became_resident_on", "address_set_on", "status", "removed_on", "household_id",
    "is_head", "relationship",
]  # fmt: skip


def resident_state(resident: Resident) -> dict[str, object]:
    """The JSON snapshot of a resident record stored as an event's `state_after` (dates as ISO strings)."""
    state: dict[str, object] = {}
    for name in STATE_FIELDS:
        value = getattr(resident, name)
        state[name] = value.isoformat() if hasattr(value, "isoformat") else value
    state["household_number"] = resident.household.household_number if resident.household else None
    return state


def search_keys(
    *, family_name: str, given_name: str, family_name_kana: str, given_name_kana: str
) -> dict[str, str]:
    """The folded search keys stored beside a resident's names (names themselves are stored unchanged)."""
    return {
        "name_search_key": name_search_key(family_name + given_name)[:130],
        "kana_search_key": kana_search_key(family_name_kana + given_name_kana)[:250],
    }


def load_demo_residents(
    *,
    actor: StaffUser | Actor | None,
    municipality: Municipality,
    households: Sequence[HouseholdSpec],
    batch_size: int = 2000,
    on_progress: Callable[[int], None] | None = None,
    relocation_every: int = 0,
    today: dt.date | None = None,
) -> int:
    """Bulk-load synthetic households and residents in one transaction with one audit row. System/admin only.

    With `relocation_every` = N > 0 (and `today`), every Nth household that has lived here over two years gets a
    history: it lived at another 番地 of the same 町字 first and moved (転居) halfway between then and `today`.
    """
    city = municipality.name
    prefecture = municipality.prefecture
    created = 0
    relocated: dict[
        int, tuple[dict[str, Any], dt.date]
    ] = {}  # id(Resident) → (state before the move, moved on)
    with transaction.atomic():
        for start in range(0, len(households), batch_size):
            chunk = households[start : start + batch_size]
            rows = Household.objects.bulk_create(
                [
                    Household(
                        municipality=municipality,
                        household_number=h.household_number,
                        created_on=h.created_on,
                    )
                    for h in chunk
                ]
            )
            if rows and rows[0].pk is None:  # backends without RETURNING: fetch the ids back
                ids = dict(
                    Household.objects.filter(
                        municipality=municipality, household_number__in=[h.household_number for h in chunk]
                    ).values_list("household_number", "pk")
                )
                for row in rows:
                    row.pk = ids[row.household_number]
            residents = []
            for spec, household in zip(chunk, rows, strict=True):
                for p in spec.members:
                    residents.append(
                        Resident(
                            municipality=municipality,
                            resident_record_code=p.resident_record_code,
                            family_name=p.family_name,
                            given_name=p.given_name,
                            family_name_kana=p.family_name_kana,
                            given_name_kana=p.given_name_kana,
                            name_romaji=p.name_romaji,
                            birth_date=p.birth_date,
                            sex=p.sex,
                            individual_number_encrypted=encrypt_individual_number(p.individual_number),
                            individual_number_index=individual_number_index(p.individual_number),
                            prefecture=prefecture,
                            city=city,
                            machiaza=spec.machiaza,
                            machiaza_id=spec.machiaza_id,
                            block_number=spec.block_number,
                            address_supplement=spec.address_supplement,
                            postal_code=spec.postal_code,
                            became_resident_on=p.became_resident_on,
                            address_set_on=p.became_resident_on,
                            status=p.status,
                            removed_on=p.removed_on,
                            household=household,
                            is_head=p.is_head,
                            relationship=p.relationship,
                            **search_keys(
                                family_name=p.family_name,
                                given_name=p.given_name,
                                family_name_kana=p.family_name_kana,
                                given_name_kana=p.given_name_kana,
                            ),
                        )
                    )
            if relocation_every > 0 and today is not None:
                _plan_demo_relocations(residents, chunk, start, relocation_every, today, relocated)
            Resident.objects.bulk_create(residents, batch_size=batch_size)
            if residents and residents[0].pk is None:  # backends without RETURNING
                ids = dict(
                    Resident.objects.filter(
                        municipality=municipality,
                        resident_record_code__in=[r.resident_record_code for r in residents],
                    ).values_list("resident_record_code", "pk")
                )
                for resident in residents:
                    resident.pk = ids[resident.resident_record_code]
            now = timezone.now()
            who = Actor.of(actor)
            events = []
            for r in residents:
                state = resident_state(r)
                plan = relocated.get(id(r))
                first = {**state, **plan[0]} if plan else state
                events.append(
                    RegistryEvent(
                        municipality=municipality,
                        resident=r,
                        kind=EventKind.INITIAL_REGISTRATION,
                        effective_on=r.became_resident_on,
                        recorded_at=now,
                        household=r.household,
                        state_after=first,
                        reason="デモデータ（架空）",
                        actor_id=who.id,
                        actor_display=who.display,
                    )
                )
                if plan:
                    events.append(
                        RegistryEvent(
                            municipality=municipality,
                            resident=r,
                            kind=EventKind.RELOCATION,
                            effective_on=plan[1],
                            filed_on=plan[1] + dt.timedelta(days=3),
                            recorded_at=now,
                            household=r.household,
                            state_after=state,
                            changes={k: [first[k], v] for k, v in state.items() if first[k] != v},
                            reason="デモデータ（架空）転居",
                            actor_id=who.id,
                            actor_display=who.display,
                        )
                    )
            RegistryEvent.objects.bulk_create(events, batch_size=batch_size)
            created += len(residents)
            if on_progress:
                on_progress(len(residents))
        record_audit(
            actor=actor,
            municipality=municipality,
            action="load_demo_residents",
            target_type="municipality",
            target_id=municipality.code,
            after={"households": len(households), "residents": created, "synthetic": True},
        )
    if created >= ANALYZE_AFTER_ROWS:
        refresh_planner_statistics()
    return created


# A load this large leaves the planner's statistics stale until auto-analyze catches up.
ANALYZE_AFTER_ROWS = 10_000


def refresh_planner_statistics() -> None:
    """ANALYZE the registry tables after a large load (import, demo seed).

    Until statistics are refreshed the planner still believes the tables nearly empty and may walk a whole
    municipality's residents through another index instead of using the right one (a household's members: a
    14 ms scan of 21,000 residents instead of a 0.05 ms index probe); auto-analyze catches up only later.
    """
    with connection.cursor() as cursor:
        for model in (Household, Resident, RegistryEvent):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _plan_demo_relocations(
    residents: list[Resident],
    chunk: Sequence[HouseholdSpec],
    start: int,
    every: int,
    today: dt.date,
    relocated: dict[int, tuple[dict[str, Any], dt.date]],
) -> None:
    """Give every `every`-th household an earlier address and a 転居 halfway to `today` (demo data only)."""
    by_number: dict[str, list[Resident]] = {}
    for r in residents:
        assert r.household is not None
        by_number.setdefault(r.household.household_number, []).append(r)
    for offset, spec in enumerate(chunk):
        if (start + offset) % every or (today - spec.created_on).days < 730:
            continue
        moved_on = spec.created_on + (today - spec.created_on) / 2
        seq = int(spec.household_number) if spec.household_number.isdigit() else start + offset
        old_block = f"{seq % 29 + 1}番{seq % 17 + 1}号"
        if old_block == spec.block_number:
            old_block = f"{seq % 29 + 2}番{seq % 17 + 1}号"
        for r in by_number.get(spec.household_number, []):
            old = {"block_number": old_block, "address_supplement": "", "postal_code": r.postal_code}
            if r.removed_on is not None and r.removed_on < moved_on:
                for name, value in old.items():  # removed before the move: the record keeps the old address
                    setattr(r, name, value)
                continue
            if r.became_resident_on >= moved_on:
                continue  # born or arrived after the move: only the current address
            before = {**old, "address_set_on": r.address_set_on.isoformat(), "previous_address": ""}
            r.previous_address = f"{r.prefecture}{r.city}{r.machiaza}{old_block}"
            r.address_set_on = moved_on
            relocated[id(r)] = (before, moved_on)


# ---- registry events (異動) -------------------------------------------------------------------------------------------
# Every event service: keyword-only, actor first; one transaction; rows locked; the Resident row updated AND a
# RegistryEvent appended per affected resident (never edited); one audit row per event, in the same transaction.

# Notification deadlines (届出期間). Late filing is not refused — the 届出 is still accepted and the lateness is a
# matter for the summary court (住基法 §52②) — so it is a warning stored on the event, never a block.
FILING_DEADLINE_DAYS: dict[str, tuple[int, str]] = {
    EventKind.MOVE_IN: (14, "住民基本台帳法第22条"),
    EventKind.RELOCATION: (14, "住民基本台帳法第23条"),
    EventKind.HEAD_CHANGE: (14, "住民基本台帳法第25条"),
    EventKind.HOUSEHOLD_SPLIT: (14, "住民基本台帳法第25条"),
    EventKind.HOUSEHOLD_MERGE: (14, "住民基本台帳法第25条"),
    EventKind.BIRTH: (14, "戸籍法第49条"),
    EventKind.DEATH: (7, "戸籍法第86条"),
}

# Fields a 職権修正 may set. Household membership, 世帯主 and 住民/除票 status change only through their own events
# (世帯変更, 転出, 死亡), so that the one-head rule and the history of removals stay intact.
CORRECTABLE_FIELDS = (
    "family_name", "given_name", "family_name_kana", "given_name_kana", "name_romaji", "former_family_name",
    "former_family_name_kana", "alias_name", "alias_name_kana", "birth_date", "birth_date_unknown_text", "sex",
    "kind", "machiaza", "machiaza_id", "block_number", "address_supplement", "postal_code",
    "moved_in_from_address", "previous_address", "move_out_destination", "became_resident_on", "address_set_on",
    "relationship", "resident_record_code",
)  # fmt: skip
_NAME_FIELDS = ("family_name", "given_name", "family_name_kana", "given_name_kana")
_ADDRESS_FIELDS = (
    "prefecture",
    "city",
    "machiaza",
    "machiaza_id",
    "block_number",
    "address_supplement",
    "postal_code",
)


@dataclass
class EventOutcome:
    """What one event service recorded: the events appended (the main one first) and the warnings raised."""

    events: list[RegistryEvent]
    warnings: list[dict[str, str]]

    @property
    def event(self) -> RegistryEvent:
        return self.events[0]


def _warning(code: str, message_ja: str, message_en: str) -> dict[str, str]:
    return {"code": code, "message_ja": message_ja, "message_en": message_en}


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return str.__str__(value)  # a TextChoices member is stored as its plain value
    return value


def _fmt(d: dt.date) -> str:
    return d.isoformat()


def _violation(field: str, ja: str, en: str, code: str = "invalid") -> BusinessRuleViolation:
    return BusinessRuleViolation(field, ja, en, code)


def _lock_residents(actor: StaffUser, ids: Sequence[int], field: str) -> list[Resident]:
    """The residents, row-locked, in the actor's municipality and in the order given."""
    unique = list(dict.fromkeys(int(i) for i in ids))
    if not unique:
        raise _violation(field, "対象の住民を選んでください。", "Choose at least one resident.", "required")
    rows = {r.pk: r for r in scoped(Resident.objects.select_for_update(), actor).filter(pk__in=unique)}
    if len(rows) != len(unique):
        raise NotFoundInMunicipality("resident")
    households = _lock_households(actor, {r.household_id for r in rows.values() if r.household_id})
    for r in rows.values():
        if r.household_id:
            r.household = households[r.household_id]
    return [rows[i] for i in unique]


def _lock_households(actor: StaffUser, ids: set[int]) -> dict[int, Household]:
    found = {h.pk: h for h in scoped(Household.objects.select_for_update(), actor).filter(pk__in=ids)}
    if len(found) != len(ids):
        raise NotFoundInMunicipality("household")
    return found


def _lock_household(actor: StaffUser, household_id: int | None, field: str = "household_id") -> Household:
    if household_id is None:
        raise _violation(field, "世帯を指定してください。", "A household is required.", "required")
    return _lock_households(actor, {int(household_id)})[int(household_id)]


def _current_members(household: Household) -> list[Resident]:
    """The household's current members, row-locked, head first."""
    return list(
        Resident.objects.select_for_update()
        .filter(household_id=household.pk, status=ResidentStatus.CURRENT)
        .order_by("-is_head", "birth_date", "id")
    )


def _member_in(members: list[Resident], resident_id: int | None, field: str, ja: str, en: str) -> Resident:
    found = next((m for m in members if resident_id is not None and m.pk == int(resident_id)), None)
    if found is None:
        raise _violation(field, ja, en)
    return found


def _check_alive(resident: Resident, field: str) -> None:
    if resident.status != ResidentStatus.CURRENT:
        raise _violation(
            field,
            f"{resident.full_name}さんは{resident.get_status_display()}のため、異動を記録できません。",
            f"Resident {resident.pk} is no longer registered ({resident.status}); no event can be recorded.",
            "removed",
        )
    if resident.pending_change_on is not None:
        raise _violation(
            field,
            f"{resident.full_name}さんには{_fmt(resident.pending_change_on)}付けの転出予定が記録されています。",
            f"Resident {resident.pk} has a move-out planned for {_fmt(resident.pending_change_on)}.",
            "pending_move_out",
        )


def _latest_effective_on(resident_ids: Sequence[int]) -> dict[int, dt.date]:
    from django.db.models import Max

    rows = (
        RegistryEvent.objects.filter(resident_id__in=list(resident_ids))
        .values("resident_id")
        .annotate(latest=Max("effective_on"))
    )
    return {r["resident_id"]: r["latest"] for r in rows}


def _check_dates(
    *,
    kind: str,
    effective_on: dt.date,
    filed_on: dt.date | None,
    today: dt.date,
    residents: Sequence[Resident] = (),
    effective_field: str = "effective_on",
    filed_required: bool = True,
) -> list[dict[str, str]]:
    """Reject impossible dates; return the late-filing warnings (届出期間)."""
    if filed_on is None and filed_required:
        raise _violation("filed_on", "届出日を入力してください。", "filed_on is required.", "required")
    if filed_on is not None and filed_on > today:
        raise _violation(
            "filed_on",
            f"届出日に未来の日付（{_fmt(filed_on)}）は指定できません。",
            "filed_on cannot be in the future.",
            "future_date",
        )
    if kind != EventKind.MOVE_OUT:
        if effective_on > today:
            raise _violation(
                effective_field,
                f"異動日に未来の日付（{_fmt(effective_on)}）は指定できません。",
                f"{effective_field} cannot be in the future (only a move-out may be planned).",
                "future_date",
            )
        if filed_on is not None and effective_on > filed_on:
            raise _violation(
                effective_field,
                "異動日が届出日より後になっています。届出は異動の後に行われます（転出の予定日を除く）。",
                f"{effective_field} is after filed_on; only a move-out may be filed in advance.",
                "after_filing",
            )
    latest = _latest_effective_on([r.pk for r in residents])
    for r in residents:
        if r.birth_date and effective_on < r.birth_date:
            raise _violation(
                effective_field,
                f"異動日（{_fmt(effective_on)}）が{r.full_name}さんの生年月日より前です。",
                f"{effective_field} is before the birth date of resident {r.pk}.",
                "before_birth",
            )
        last = latest.get(r.pk)
        if last is not None and effective_on < last:
            raise _violation(
                effective_field,
                f"異動日は{r.full_name}さんの直近の異動日（{_fmt(last)}）以降にしてください。"
                "過去の記載を直すときは職権修正を使ってください。",
                f"{effective_field} is before the latest event of resident {r.pk} ({_fmt(last)}); "
                "use a correction to change the past.",
                "before_latest_event",
            )
    warnings: list[dict[str, str]] = []
    if filed_on is None:
        return warnings
    if kind == EventKind.MOVE_OUT:
        if (filed_on - effective_on).days > 14:
            warnings.append(
                _warning(
                    "late_filing",
                    f"転出届は転出の前に行うものです（住民基本台帳法第24条）。転出日から{(filed_on - effective_on).days}日後の届出です。",
                    f"A move-out is notified in advance (住基法 §24); this one is {(filed_on - effective_on).days} days late.",
                )
            )
        return warnings
    deadline = FILING_DEADLINE_DAYS.get(kind)
    if deadline is not None:
        days, basis = deadline
        late = (filed_on - effective_on).days
        if late > days:
            label = EventKind(kind).label
            warnings.append(
                _warning(
                    "late_filing",
                    f"{label}の届出期間（{days}日以内、{basis}）を過ぎています（異動日から{late}日後の届出）。"
                    "届出は受理し、期間経過として記録します。",
                    f"Filed {late} days after the event; the period is {days} days ({basis}). Accepted and recorded as late.",
                )
            )
    return warnings


def _relationship_label(code: str, field: str, *, allow_head: bool) -> str:
    from . import relationships

    if not relationships.is_valid_code(code):
        raise _violation(
            field, "続柄を一覧から選んでください。", f"Unknown relationship code {code!r}.", "relationship"
        )
    if code == relationships.HEAD_CODE and not allow_head:
        raise _violation(
            field,
            "世帯主は世帯に一人です。世帯主以外の続柄を選んでください（世帯主を替えるときは世帯主変更を使ってください）。",
            "A household has exactly one head; choose a relationship other than 世帯主.",
            "second_head",
        )
    return relationships.label_for(code)


def _check_names(values: Mapping[str, Any], *, required: bool = True) -> None:
    if required and not str(values.get("family_name", "")).strip():
        raise _violation("family_name", "氏を入力してください。", "family_name is required.", "required")
    if required and not str(values.get("family_name_kana", "")).strip():
        raise _violation(
            "family_name_kana",
            "氏（フリガナ）を入力してください。",
            "family_name_kana is required.",
            "required",
        )
    for name in ("family_name_kana", "given_name_kana", "former_family_name_kana", "alias_name_kana"):
        text = values.get(name)
        if text and not is_katakana(str(text)):
            raise _violation(
                name,
                "フリガナは全角カタカナで入力してください。",
                f"{name} must be full-width katakana.",
                "katakana",
            )


def _check_record_code(municipality_id: str, code: str, *, exclude_pk: int | None = None) -> None:
    if len(code) != 11 or not code.isascii() or not code.isdigit():
        raise _violation(
            "resident_record_code",
            "住民票コードは11桁の数字で入力してください。",
            "resident_record_code must be 11 digits.",
        )
    clash = Resident.objects.filter(municipality_id=municipality_id, resident_record_code=code)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise _violation(
            "resident_record_code",
            "この住民票コードは既に別の住民に記録されています。",
            "This resident_record_code is already recorded for another resident.",
            "duplicate",
        )


def _individual_number_values(municipality_id: str, raw: str) -> dict[str, str]:
    if not raw.strip():
        return {"individual_number_encrypted": "", "individual_number_index": ""}
    if not is_valid_individual_number(raw):
        # Never echo the number: it is 特定個人情報.
        raise _violation(
            "individual_number",
            "個人番号は12桁の数字で、最後の検査用数字が正しいものを入力してください。",
            "individual_number must be 12 digits with a correct check digit.",
            "check_digit",
        )
    number = normalize_individual_number(raw)
    index = individual_number_index(number)
    if Resident.objects.filter(municipality_id=municipality_id, individual_number_index=index).exists():
        raise _violation(
            "individual_number",
            "この個人番号は既に別の住民に記録されています。",
            "This individual_number is already recorded for another resident.",
            "duplicate",
        )
    return {
        "individual_number_encrypted": encrypt_individual_number(number),
        "individual_number_index": index,
    }


def _next_household_number(municipality_id: str) -> str:
    from django.db.models import Max

    top = (
        Household.objects.filter(municipality_id=municipality_id, household_number__regex=r"^[0-9]{8}$")
        .aggregate(top=Max("household_number"))
        .get("top")
    )
    n = int(top) + 1 if top else 1
    while Household.objects.filter(municipality_id=municipality_id, household_number=f"{n:08d}").exists():
        n += 1
    return f"{n:08d}"


def _new_household(actor: StaffUser, created_on: dt.date) -> Household:
    assert actor.municipality_id is not None
    return Household.objects.create(
        municipality_id=actor.municipality_id,
        household_number=_next_household_number(actor.municipality_id),
        created_on=created_on,
    )


def _address_values(resident: Resident) -> dict[str, Any]:
    return {name: getattr(resident, name) for name in _ADDRESS_FIELDS}


class _Recorder:
    """Appends the events of one service call and keeps the Resident rows in step with them."""

    def __init__(
        self,
        *,
        actor: StaffUser,
        kind: str,
        effective_on: dt.date,
        filed_on: dt.date | None,
        today: dt.date,
        reason: str = "",
        details: dict[str, Any] | None = None,
        warnings: list[dict[str, str]] | None = None,
    ) -> None:
        self.actor = actor
        self.who = Actor.of(actor)
        self.kind = kind
        self.effective_on = effective_on
        self.filed_on = filed_on
        self.today = today
        self.reason = reason
        self.details = details or {}
        self.warnings = warnings or []
        self.events: list[RegistryEvent] = []

    def _event(
        self,
        resident: Resident,
        state_after: dict[str, Any],
        changes: dict[str, list[Any]],
        kind: str,
        reason: str,
        details: dict[str, Any],
    ) -> RegistryEvent:
        event = RegistryEvent.objects.create(
            municipality_id=resident.municipality_id,
            resident=resident,
            kind=kind,
            effective_on=self.effective_on,
            filed_on=self.filed_on,
            recorded_at=timezone.now(),
            household_id=state_after.get("household_id"),
            state_after=state_after,
            changes=changes,
            reason=reason,
            warnings=self.warnings if not self.events else [],
            details=details,
            actor_id=self.who.id,
            actor_display=self.who.display,
        )
        record_audit(
            actor=self.actor,
            municipality=resident.municipality_id,
            action=f"registry.{kind}",
            target_type="resident",
            target_id=resident.pk,
            before={"fields": {k: v[0] for k, v in changes.items()}},
            after={
                "event_id": event.pk,
                "effective_on": _fmt(self.effective_on),
                "filed_on": _fmt(self.filed_on) if self.filed_on else None,
                "fields": {k: v[1] for k, v in changes.items()},
                "reason": reason,
                "warnings": [w["code"] for w in event.warnings],
            },
        )
        self.events.append(event)
        return event

    def created(
        self, resident: Resident, *, kind: str | None = None, details: dict[str, Any] | None = None
    ) -> None:
        """A record that begins with this event (転入, 出生): the event carries the whole record."""
        state = resident_state(resident)
        changes = {k: [None, v] for k, v in state.items() if v not in (None, "", False)}
        self._event(
            resident, state, changes, kind or self.kind, self.reason, {**self.details, **(details or {})}
        )

    def changed(
        self,
        resident: Resident,
        updates: Mapping[str, Any],
        *,
        kind: str | None = None,
        reason: str | None = None,
        details: dict[str, Any] | None = None,
        from_history: bool = False,
    ) -> RegistryEvent | None:
        """Append an event setting `updates` (model field → value; `household` → a Household) on a resident.

        Effective today or earlier: the row is updated now. Later (a planned 転出): the row is left as it is and
        marked with `pending_change_on`, and `apply_due_move_outs` updates it on the day. `from_history`: the event
        is back-dated (a 職権修正), so its state is built from the history as of `effective_on`.
        """
        from . import history

        base: dict[str, Any] = resident_state(resident)
        if from_history:
            past = history.resident_on(resident, self.effective_on)
            if past is not None:
                base = {**base, **past.values}
        after = dict(base)
        for name, value in updates.items():
            if name == "household":
                after["household_id"] = value.pk if value else None
                after["household_number"] = value.household_number if value else None
            else:
                after[name] = _json_value(value)
        changes = {k: [base.get(k), after[k]] for k in after if base.get(k) != after[k]}
        if not changes:
            return None
        event = self._event(
            resident,
            after,
            changes,
            kind or self.kind,
            self.reason if reason is None else reason,
            {**self.details, **(details or {})},
        )
        if self.effective_on > self.today:
            if resident.pending_change_on is None or self.effective_on < resident.pending_change_on:
                resident.pending_change_on = self.effective_on
                resident.save(update_fields=["pending_change_on"])
            return event
        if from_history:
            now = history.resident_on(resident, self.today)
            values = history.state_to_model_values(now.values) if now else dict(updates)
            fields = [k for k in changes if k not in ("household_number",)]
            for name in fields:
                setattr(resident, name, values.get(name, getattr(resident, name)))
        else:
            for name, value in updates.items():
                setattr(resident, name, value)
        if any(k in changes for k in _NAME_FIELDS):
            for key, value in search_keys(
                family_name=resident.family_name,
                given_name=resident.given_name,
                family_name_kana=resident.family_name_kana,
                given_name_kana=resident.given_name_kana,
            ).items():
                setattr(resident, key, value)
        resident.save()
        return event

    def outcome(self) -> EventOutcome:
        return EventOutcome(events=self.events, warnings=self.warnings)


def _relationship_updates(
    members: Sequence[Resident], relationships: Mapping[int, str] | None, *, head: Resident | None
) -> dict[int, dict[str, Any]]:
    """The 続柄 updates per member: the head becomes 世帯主; others get the code given for them (if any)."""
    from . import relationships as table

    given = {int(k): v for k, v in (relationships or {}).items()}
    ids = {m.pk for m in members}
    for rid in given:
        if rid not in ids:
            raise _violation(
                f"relationships.{rid}",
                "続柄を指定した方がこの世帯の世帯員ではありません。",
                f"Resident {rid} is not a member of the household.",
            )
    out: dict[int, dict[str, Any]] = {}
    for m in members:
        if head is not None and m.pk == head.pk:
            if given.get(m.pk, table.HEAD_CODE) != table.HEAD_CODE:
                raise _violation(
                    f"relationships.{m.pk}",
                    "新しい世帯主の続柄は「世帯主」です。",
                    "The new head's relationship is 世帯主.",
                )
            out[m.pk] = {"is_head": True, "relationship": table.label_for(table.HEAD_CODE)}
        elif m.pk in given:
            label = _relationship_label(given[m.pk], f"relationships.{m.pk}", allow_head=False)
            out[m.pk] = {"is_head": False, "relationship": label}
        elif m.is_head:
            out[m.pk] = {"is_head": False}
    return out


def _write_relabels(
    rec: _Recorder, members: Sequence[Resident], updates: Mapping[int, dict[str, Any]], reason: str
) -> None:
    """Append a 世帯主変更 event for each member whose head flag or 続柄 changes as a consequence."""
    for m in members:
        if m.pk in updates:
            rec.changed(m, updates[m.pk], kind=EventKind.HEAD_CHANGE, reason=reason)


def _head_after_departure(
    household: Household,
    departing: set[int],
    new_head_id: int | None,
    field: str,
    verb_ja: str,
    effective_on: dt.date,
) -> tuple[list[Resident], Resident | None]:
    """The members who stay and, when the head leaves and someone stays, the new head (required)."""
    members = _current_members(household)
    staying = [m for m in members if m.pk not in departing]
    head = next((m for m in members if m.is_head), None)
    head_leaves = head is None or head.pk in departing
    if not staying:
        if new_head_id is not None:
            raise _violation(
                field,
                "世帯に残る方がいないため、新しい世帯主は指定できません。",
                "No member stays in the household, so no new head can be named.",
            )
        return [], None
    if not head_leaves:
        if new_head_id is not None:
            raise _violation(
                field,
                "世帯主は世帯に残るため、新しい世帯主の指定は不要です。",
                "The head stays in the household; do not name a new head.",
            )
        return staying, None
    if new_head_id is None:
        raise _violation(
            field,
            f"世帯主が{verb_ja}するため、世帯に残る方から新しい世帯主を選んでください。",
            f"The head leaves the household ({verb_ja}); name a new head among the members who stay.",
            "head_required",
        )
    new_head = _member_in(
        staying,
        new_head_id,
        field,
        "新しい世帯主は、世帯に残る方から選んでください。",
        "The new head must be a member who stays in the household.",
    )
    _check_alive(new_head, field)
    last = _latest_effective_on([new_head.pk]).get(new_head.pk)
    if last is not None and effective_on < last:
        raise _violation(
            field,
            f"新しい世帯主（{new_head.full_name}さん）の直近の異動日（{_fmt(last)}）より前の日付では記録できません。",
            f"The event date is before the latest event of the new head ({_fmt(last)}).",
            "before_latest_event",
        )
    return staying, new_head


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def record_move_in(
    *,
    actor: StaffUser,
    effective_on: dt.date,
    filed_on: dt.date,
    family_name: str,
    family_name_kana: str,
    given_name: str = "",
    given_name_kana: str = "",
    birth_date: dt.date,
    sex: str,
    resident_record_code: str,
    individual_number: str = "",
    kind: str = ResidentKind.JAPANESE,
    name_romaji: str = "",
    previous_address: str,
    machiaza: str = "",
    machiaza_id: str = "",
    block_number: str = "",
    address_supplement: str = "",
    postal_code: str = "",
    household_id: int | None = None,
    relationship: str = "01",
    special_move_in: bool = False,
    today: dt.date | None = None,
) -> EventOutcome:
    """転入 (住基法 §22): a person from another municipality; a new household, or joining one with a 続柄."""
    require(actor, Action.RECORD_REGISTRY_EVENT)
    today = _today(today)
    municipality = actor.municipality
    assert municipality is not None
    with transaction.atomic():
        names = {
            "family_name": family_name.strip(),
            "given_name": given_name.strip(),
            "family_name_kana": family_name_kana.strip(),
            "given_name_kana": given_name_kana.strip(),
        }
        _check_names(names)
        if sex not in Sex.values:
            raise _violation("sex", "性別を選んでください。", "sex must be male or female.")
        if kind not in ResidentKind.values:
            raise _violation("kind", "住民種別を選んでください。", "Unknown resident kind.")
        if birth_date > effective_on:
            raise _violation(
                "birth_date",
                "生年月日が転入日より後になっています。",
                "birth_date is after the move-in date.",
                "after_event",
            )
        if not previous_address.strip():
            raise _violation(
                "previous_address",
                "転入前の住所（従前の住所）を入力してください。",
                "previous_address is required.",
                "required",
            )
        if special_move_in and not individual_number.strip():
            raise _violation(
                "individual_number",
                "特例転入（マイナンバーカードによる転入）では、カードで確認した個人番号を入力してください。",
                "A special move-in with the My Number Card needs the individual_number read from the card.",
                "required",
            )
        warnings = _check_dates(
            kind=EventKind.MOVE_IN, effective_on=effective_on, filed_on=filed_on, today=today
        )
        _check_record_code(municipality.code, resident_record_code)
        number_values = _individual_number_values(municipality.code, individual_number)
        if household_id is not None:
            household = _lock_household(actor, household_id)
            members = _current_members(household)
            head = next((m for m in members if m.is_head), None)
            if head is None:
                raise _violation(
                    "household_id",
                    "この世帯には現在の世帯員がいないため、加わることができません。",
                    "The household has no current members.",
                )
            rel_label = _relationship_label(relationship, "relationship", allow_head=False)
            address = _address_values(head)
            is_head = False
        else:
            from .relationships import HEAD_CODE, label_for

            if relationship != HEAD_CODE:
                raise _violation(
                    "relationship",
                    "新しい世帯を設ける場合、続柄は「世帯主」です。既存の世帯に加わる場合は世帯を指定してください。",
                    "A move-in that starts a new household makes the person its head (relationship 01).",
                )
            for name, value in (("machiaza", machiaza), ("block_number", block_number)):
                if not value.strip():
                    raise _violation(
                        name, "転入先の住所を入力してください。", f"{name} is required.", "required"
                    )
            household = _new_household(actor, effective_on)
            rel_label = label_for(HEAD_CODE)
            address = {
                "prefecture": municipality.prefecture,
                "city": municipality.name,
                "machiaza": machiaza.strip(),
                "machiaza_id": machiaza_id.strip(),
                "block_number": block_number.strip(),
                "address_supplement": address_supplement.strip(),
                "postal_code": postal_code.strip(),
            }
            is_head = True
        resident = Resident.objects.create(
            municipality=municipality,
            resident_record_code=resident_record_code,
            kind=kind,
            name_romaji=name_romaji.strip(),
            birth_date=birth_date,
            sex=sex,
            moved_in_from_address=previous_address.strip(),
            became_resident_on=effective_on,
            address_set_on=effective_on,
            household=household,
            is_head=is_head,
            relationship=rel_label,
            **names,
            **address,
            **number_values,
            **search_keys(**names),
        )
        rec = _Recorder(
            actor=actor,
            kind=EventKind.MOVE_IN,
            effective_on=effective_on,
            filed_on=filed_on,
            today=today,
            reason="特例転入（マイナンバーカード）" if special_move_in else "転入（転出証明書）",
            details={"special_move_in": special_move_in, "previous_address": previous_address.strip()},
            warnings=warnings,
        )
        rec.created(resident)
        return rec.outcome()


def record_move_out(
    *,
    actor: StaffUser,
    resident_ids: Sequence[int],
    effective_on: dt.date,
    filed_on: dt.date,
    destination_address: str,
    new_head_id: int | None = None,
    special_move_out: bool = False,
    today: dt.date | None = None,
) -> EventOutcome:
    """転出 (住基法 §24): removed now when the (planned) date has come, else recorded as planned."""
    require(actor, Action.RECORD_REGISTRY_EVENT)
    today = _today(today)
    with transaction.atomic():
        movers = _lock_residents(actor, resident_ids, "resident_ids")
        for r in movers:
            _check_alive(r, "resident_ids")
        household = _same_household(movers)
        if not destination_address.strip():
            raise _violation(
                "destination_address",
                "転出先の住所を入力してください。",
                "destination_address is required.",
                "required",
            )
        if (effective_on - today).days > 60:
            raise _violation(
                "effective_on",
                "転出予定日が60日より先です。転出届は転出の前、おおむね14日前から受け付けます。",
                "The planned move-out date is more than 60 days ahead.",
                "too_far_ahead",
            )
        warnings = _check_dates(
            kind=EventKind.MOVE_OUT,
            effective_on=effective_on,
            filed_on=filed_on,
            today=today,
            residents=movers,
        )
        staying, new_head = (
            _head_after_departure(
                household, {m.pk for m in movers}, new_head_id, "new_head_id", "転出", effective_on
            )
            if household
            else ([], None)
        )
        rec = _Recorder(
            actor=actor,
            kind=EventKind.MOVE_OUT,
            effective_on=effective_on,
            filed_on=filed_on,
            today=today,
            reason="特例転出（マイナンバーカード）" if special_move_out else "転出",
            details={
                "special_move_out": special_move_out,
                "destination_address": destination_address.strip(),
                "whole_household": not staying,
                "planned": effective_on > today,
            },
            warnings=warnings,
        )
        for r in movers:
            rec.changed(
                r,
                {
                    "status": ResidentStatus.MOVED_OUT,
                    "removed_on": effective_on,
                    "move_out_destination": destination_address.strip(),
                },
            )
        if new_head is not None:
            updates = _relationship_updates(staying, None, head=new_head)
            _write_relabels(rec, staying, updates, "世帯主の転出に伴う世帯主変更")
            if len(staying) > 1:
                rec.warnings.append(_relabel_warning())
        return rec.outcome()


def _same_household(residents: Sequence[Resident]) -> Household | None:
    ids = {r.household_id for r in residents}
    if len(ids) != 1:
        raise _violation(
            "resident_ids",
            "同じ世帯の方を選んでください（世帯ごとに届け出ます）。",
            "All residents of one event must belong to the same household.",
            "mixed_households",
        )
    return residents[0].household


def apply_due_move_outs(*, today: dt.date, actor: StaffUser | Actor | None = None) -> int:
    """Bring every record with a planned change due on or before `today` up to date (system job). Returns how many."""
    from . import history

    count = 0
    due = list(
        Resident.objects.filter(pending_change_on__lte=today).values_list("pk", flat=True).order_by("pk")
    )
    for pk in due:
        with transaction.atomic():
            resident = Resident.objects.select_for_update().get(pk=pk)
            if resident.pending_change_on is None or resident.pending_change_on > today:
                continue
            state = history.resident_on(resident, today)
            before = resident_state(resident)
            if state is not None:
                values = history.state_to_model_values(state.values)
                for name in STATE_FIELDS:
                    if name in values:
                        setattr(resident, name, values[name])
            later = (
                RegistryEvent.objects.filter(resident=resident, effective_on__gt=today)
                .order_by("effective_on")
                .values_list("effective_on", flat=True)
                .first()
            )
            resident.pending_change_on = later
            resident.save()
            after = resident_state(resident)
            record_audit(
                actor=actor,
                municipality=resident.municipality_id,
                action="registry.apply_due_event",
                target_type="resident",
                target_id=resident.pk,
                before={k: v for k, v in before.items() if after.get(k) != v},
                after={k: v for k, v in after.items() if before.get(k) != v},
            )
            count += 1
    return count


def record_relocation(
    *,
    actor: StaffUser,
    resident_ids: Sequence[int],
    effective_on: dt.date,
    filed_on: dt.date,
    machiaza: str,
    block_number: str,
    machiaza_id: str = "",
    address_supplement: str = "",
    postal_code: str = "",
    new_head_id: int | None = None,
    remaining_head_id: int | None = None,
    relationships: Mapping[int, str] | None = None,
    today: dt.date | None = None,
) -> EventOutcome:
    """転居 (住基法 §23): a move within the municipality; a part of a household that moves forms a new household."""
    require(actor, Action.RECORD_REGISTRY_EVENT)
    today = _today(today)
    with transaction.atomic():
        movers = _lock_residents(actor, resident_ids, "resident_ids")
        for r in movers:
            _check_alive(r, "resident_ids")
        household = _same_household(movers)
        for name, value in (("machiaza", machiaza), ("block_number", block_number)):
            if not value.strip():
                raise _violation(name, "転居先の住所を入力してください。", f"{name} is required.", "required")
        new_address = {
            "machiaza": machiaza.strip(),
            "machiaza_id": machiaza_id.strip(),
            "block_number": block_number.strip(),
            "address_supplement": address_supplement.strip(),
            "postal_code": postal_code.strip(),
        }
        first = movers[0]
        if all(
            getattr(first, k) == v
            for k, v in new_address.items()
            if k in ("machiaza", "block_number", "address_supplement")
        ):
            raise _violation(
                "block_number",
                "転居先の住所が現在の住所と同じです。",
                "The new address is the same as the current one.",
                "same_address",
            )
        warnings = _check_dates(
            kind=EventKind.RELOCATION,
            effective_on=effective_on,
            filed_on=filed_on,
            today=today,
            residents=movers,
        )
        assert household is not None
        members = _current_members(household)
        mover_ids = {m.pk for m in movers}
        whole = mover_ids >= {m.pk for m in members}
        rec = _Recorder(
            actor=actor,
            kind=EventKind.RELOCATION,
            effective_on=effective_on,
            filed_on=filed_on,
            today=today,
            reason="転居（世帯全員）" if whole else "転居（世帯の一部、新しい世帯を設ける）",
            details={"whole_household": whole},
            warnings=warnings,
        )
        previous = first.address
        moved = {**new_address, "previous_address": previous, "address_set_on": effective_on}
        if whole:
            if new_head_id is not None or remaining_head_id is not None:
                raise _violation(
                    "new_head_id",
                    "世帯全員の転居では世帯主は変わりません。世帯主の変更は世帯主変更で届け出てください。",
                    "Whole-household relocation keeps the head; do not name a new head.",
                )
            for r in movers:
                rec.changed(r, moved)
            return rec.outcome()
        staying, remaining_head = _head_after_departure(
            household, mover_ids, remaining_head_id, "remaining_head_id", "転居", effective_on
        )
        old_head_moves = any(m.is_head for m in movers)
        if new_head_id is None and (old_head_moves or len(movers) == 1):
            # The old head, or a person moving alone, heads the new household.
            head = next((m for m in movers if m.is_head), movers[0])
        else:
            head = _member_in(
                movers,
                new_head_id,
                "new_head_id",
                "一部の世帯員が転居する場合、転居後の世帯の世帯主を転居する方から選んでください。",
                "When part of a household moves, name the new household's head among the movers.",
            )
        new_household = _new_household(actor, effective_on)
        labels = _relationship_updates(movers, relationships, head=head)
        for r in movers:
            rec.changed(r, {**moved, "household": new_household, **labels.get(r.pk, {})})
        if remaining_head is not None:
            _write_relabels(
                rec,
                staying,
                _relationship_updates(staying, None, head=remaining_head),
                "世帯主の転居に伴う世帯主変更",
            )
        if (not head.is_head and len(movers) > 1 and not relationships) or (
            remaining_head and len(staying) > 1
        ):
            rec.warnings.append(_relabel_warning())
        return rec.outcome()


def _relabel_warning() -> dict[str, str]:
    return _warning(
        "check_relationships",
        "世帯主が替わりました。他の世帯員の続柄が新しい世帯主から見た続柄になっているか確認し、必要なら続柄を届け出てください。",
        "The head changed; check that the other members' relationships are relative to the new head.",
    )


def record_birth(
    *,
    actor: StaffUser,
    household_id: int | None,
    birth_date: dt.date,
    filed_on: dt.date,
    family_name: str,
    family_name_kana: str,
    given_name: str,
    given_name_kana: str,
    sex: str,
    resident_record_code: str,
    individual_number: str = "",
    relationship: str = "10",
    today: dt.date | None = None,
) -> EventOutcome:
    """出生 (職権記載 on the 出生届, 戸籍法 §49): the newborn joins an existing household from the birth date."""
    require(actor, Action.RECORD_REGISTRY_EVENT)
    today = _today(today)
    municipality = actor.municipality
    assert municipality is not None
    with transaction.atomic():
        if household_id is None:
            raise _violation(
                "household_id",
                "出生の記録には、出生子が入る世帯（既存の世帯）を指定してください。",
                "A birth needs an existing household.",
                "required",
            )
        household = _lock_household(actor, household_id)
        members = _current_members(household)
        head = next((m for m in members if m.is_head), None)
        if head is None:
            raise _violation(
                "household_id",
                "この世帯には現在の世帯員がいません。出生子が入る世帯を指定してください。",
                "The household has no current members.",
            )
        names = {
            "family_name": family_name.strip(),
            "given_name": given_name.strip(),
            "family_name_kana": family_name_kana.strip(),
            "given_name_kana": given_name_kana.strip(),
        }
        _check_names(names)
        if not names["given_name"]:
            raise _violation("given_name", "名を入力してください。", "given_name is required.", "required")
        if sex not in Sex.values:
            raise _violation("sex", "性別を選んでください。", "sex must be male or female.")
        warnings = _check_dates(
            kind=EventKind.BIRTH,
            effective_on=birth_date,
            filed_on=filed_on,
            today=today,
            effective_field="birth_date",
        )
        rel_label = _relationship_label(relationship, "relationship", allow_head=False)
        _check_record_code(municipality.code, resident_record_code)
        number_values = _individual_number_values(municipality.code, individual_number)
        resident = Resident.objects.create(
            municipality=municipality,
            resident_record_code=resident_record_code,
            birth_date=birth_date,
            sex=sex,
            became_resident_on=birth_date,
            address_set_on=birth_date,
            household=household,
            is_head=False,
            relationship=rel_label,
            **names,
            **_address_values(head),
            **number_values,
            **search_keys(**names),
        )
        rec = _Recorder(
            actor=actor,
            kind=EventKind.BIRTH,
            effective_on=birth_date,
            filed_on=filed_on,
            today=today,
            reason="出生届による職権記載",
            warnings=warnings,
        )
        rec.created(resident)
        return rec.outcome()


def record_death(
    *,
    actor: StaffUser,
    resident_id: int,
    effective_on: dt.date,
    filed_on: dt.date,
    new_head_id: int | None = None,
    relationships: Mapping[int, str] | None = None,
    today: dt.date | None = None,
) -> EventOutcome:
    """死亡 (職権消除 on the 死亡届): the record is removed from the date of death."""
    require(actor, Action.RECORD_REGISTRY_EVENT)
    today = _today(today)
    with transaction.atomic():
        (resident,) = _lock_residents(actor, [resident_id], "resident_id")
        _check_alive(resident, "resident_id")
        warnings = _check_dates(
            kind=EventKind.DEATH,
            effective_on=effective_on,
            filed_on=filed_on,
            today=today,
            residents=[resident],
        )
        staying, new_head = (
            _head_after_departure(
                resident.household, {resident.pk}, new_head_id, "new_head_id", "死亡", effective_on
            )
            if resident.household
            else ([], None)
        )
        rec = _Recorder(
            actor=actor,
            kind=EventKind.DEATH,
            effective_on=effective_on,
            filed_on=filed_on,
            today=today,
            reason="死亡届による職権消除",
            warnings=warnings,
        )
        rec.changed(resident, {"status": ResidentStatus.DECEASED, "removed_on": effective_on})
        if new_head is not None:
            updates = _relationship_updates(staying, relationships, head=new_head)
            _write_relabels(rec, staying, updates, "世帯主の死亡に伴う世帯主変更")
            if not relationships and len(staying) > 1:
                rec.warnings.append(_relabel_warning())
        return rec.outcome()


def record_head_change(
    *,
    actor: StaffUser,
    household_id: int,
    new_head_id: int,
    effective_on: dt.date,
    filed_on: dt.date,
    relationships: Mapping[int, str],
    today: dt.date | None = None,
) -> EventOutcome:
    """世帯主変更 (住基法 §25): another member becomes the head; the former head gets a 続柄 (required)."""
    require(actor, Action.RECORD_REGISTRY_EVENT)
    today = _today(today)
    with transaction.atomic():
        household = _lock_household(actor, household_id)
        members = _current_members(household)
        new_head = _member_in(
            members,
            new_head_id,
            "new_head_id",
            "新しい世帯主は、この世帯の世帯員から選んでください。",
            "The new head must be a current member of the household.",
        )
        for m in members:
            _check_alive(m, "household_id")
        old_head = next((m for m in members if m.is_head), None)
        if old_head is not None and old_head.pk == new_head.pk:
            raise _violation(
                "new_head_id",
                "選んだ方は既に世帯主です。",
                "The chosen resident is already the head.",
                "no_change",
            )
        given = {int(k): v for k, v in (relationships or {}).items()}
        if old_head is not None and old_head.pk not in given:
            raise _violation(
                f"relationships.{old_head.pk}",
                f"これまでの世帯主（{old_head.full_name}さん）の、新しい世帯主から見た続柄を選んでください。",
                f"Give the former head's (resident {old_head.pk}) relationship to the new head.",
                "required",
            )
        warnings = _check_dates(
            kind=EventKind.HEAD_CHANGE,
            effective_on=effective_on,
            filed_on=filed_on,
            today=today,
            residents=members,
        )
        rec = _Recorder(
            actor=actor,
            kind=EventKind.HEAD_CHANGE,
            effective_on=effective_on,
            filed_on=filed_on,
            today=today,
            reason="世帯主変更届",
            warnings=warnings,
        )
        updates = _relationship_updates(members, given, head=new_head)
        for m in members:
            if m.pk in updates:
                rec.changed(m, updates[m.pk])
        if len(given) < len(members) - 1:
            rec.warnings.append(_relabel_warning())
        return rec.outcome()


def record_household_split(
    *,
    actor: StaffUser,
    resident_ids: Sequence[int],
    new_head_id: int,
    effective_on: dt.date,
    filed_on: dt.date,
    relationships: Mapping[int, str] | None = None,
    remaining_head_id: int | None = None,
    today: dt.date | None = None,
) -> EventOutcome:
    """世帯分離 (住基法 §25): some members form a new household at the same address."""
    require(actor, Action.RECORD_REGISTRY_EVENT)
    today = _today(today)
    with transaction.atomic():
        movers = _lock_residents(actor, resident_ids, "resident_ids")
        for r in movers:
            _check_alive(r, "resident_ids")
        household = _same_household(movers)
        assert household is not None
        members = _current_members(household)
        mover_ids = {m.pk for m in movers}
        if mover_ids >= {m.pk for m in members}:
            raise _violation(
                "resident_ids",
                "世帯全員を分離することはできません。元の世帯に残る方がいるように選んでください。",
                "A split must leave at least one member in the original household.",
                "whole_household",
            )
        new_head = _member_in(
            movers,
            new_head_id,
            "new_head_id",
            "新しい世帯の世帯主は、分離する方から選んでください。",
            "The new household's head must be one of the residents who split off.",
        )
        warnings = _check_dates(
            kind=EventKind.HOUSEHOLD_SPLIT,
            effective_on=effective_on,
            filed_on=filed_on,
            today=today,
            residents=movers,
        )
        staying, remaining_head = _head_after_departure(
            household, mover_ids, remaining_head_id, "remaining_head_id", "世帯分離", effective_on
        )
        rec = _Recorder(
            actor=actor,
            kind=EventKind.HOUSEHOLD_SPLIT,
            effective_on=effective_on,
            filed_on=filed_on,
            today=today,
            reason="世帯変更届（世帯分離）",
            details={"from_household": household.household_number},
            warnings=warnings,
        )
        new_household = _new_household(actor, effective_on)
        labels = _relationship_updates(movers, relationships, head=new_head)
        for r in movers:
            rec.changed(r, {"household": new_household, **labels.get(r.pk, {})})
        if remaining_head is not None:
            _write_relabels(
                rec,
                staying,
                _relationship_updates(staying, None, head=remaining_head),
                "世帯分離に伴う世帯主変更",
            )
        if len(movers) > 1 and not relationships:
            rec.warnings.append(_relabel_warning())
        return rec.outcome()


def record_household_merge(
    *,
    actor: StaffUser,
    household_id: int,
    target_household_id: int,
    effective_on: dt.date,
    filed_on: dt.date,
    relationships: Mapping[int, str],
    today: dt.date | None = None,
) -> EventOutcome:
    """世帯合併 (住基法 §25): every member of a household joins another household at the same address."""
    require(actor, Action.RECORD_REGISTRY_EVENT)
    today = _today(today)
    with transaction.atomic():
        if int(household_id) == int(target_household_id):
            raise _violation(
                "target_household_id",
                "合併先には別の世帯を指定してください。",
                "The target household must differ from the household being merged.",
            )
        households = _lock_households(actor, {int(household_id), int(target_household_id)})
        source, target = households[int(household_id)], households[int(target_household_id)]
        incoming = _current_members(source)
        hosts = _current_members(target)
        if not incoming or not hosts:
            raise _violation(
                "target_household_id" if not hosts else "household_id",
                "現在の世帯員がいない世帯とは合併できません。",
                "Both households need current members.",
            )
        target_head = next((m for m in hosts if m.is_head), hosts[0])
        if any(
            getattr(incoming[0], k) != getattr(target_head, k)
            for k in ("machiaza", "block_number", "address_supplement")
        ):
            raise _violation(
                "target_household_id",
                "住所が異なる世帯とは合併できません。先に転居を届け出てください。",
                "The households are at different addresses; record a relocation first.",
                "different_address",
            )
        for m in incoming:
            _check_alive(m, "household_id")
        given = {int(k): v for k, v in (relationships or {}).items()}
        for m in incoming:
            if m.pk not in given:
                raise _violation(
                    f"relationships.{m.pk}",
                    f"{m.full_name}さんの、合併先の世帯主から見た続柄を選んでください。",
                    f"Give resident {m.pk}'s relationship to the head of the target household.",
                    "required",
                )
        warnings = _check_dates(
            kind=EventKind.HOUSEHOLD_MERGE,
            effective_on=effective_on,
            filed_on=filed_on,
            today=today,
            residents=incoming,
        )
        rec = _Recorder(
            actor=actor,
            kind=EventKind.HOUSEHOLD_MERGE,
            effective_on=effective_on,
            filed_on=filed_on,
            today=today,
            reason="世帯変更届（世帯合併）",
            details={"from_household": source.household_number, "to_household": target.household_number},
            warnings=warnings,
        )
        for m in incoming:
            label = _relationship_label(given[m.pk], f"relationships.{m.pk}", allow_head=False)
            rec.changed(m, {"household": target, "is_head": False, "relationship": label})
        return rec.outcome()


def record_name_change(
    *,
    actor: StaffUser,
    resident_id: int,
    effective_on: dt.date,
    family_name: str,
    family_name_kana: str,
    given_name: str = "",
    given_name_kana: str = "",
    filed_on: dt.date | None = None,
    reason: str = "",
    record_former_name: bool = False,
    today: dt.date | None = None,
) -> EventOutcome:
    """氏名変更 (職権記載 on a 戸籍 notice: 婚姻, 離婚, 養子縁組 …); optionally records the former surname (旧氏)."""
    require(actor, Action.RECORD_REGISTRY_EVENT)
    today = _today(today)
    with transaction.atomic():
        (resident,) = _lock_residents(actor, [resident_id], "resident_id")
        _check_alive(resident, "resident_id")
        names = {
            "family_name": family_name.strip(),
            "given_name": given_name.strip(),
            "family_name_kana": family_name_kana.strip(),
            "given_name_kana": given_name_kana.strip(),
        }
        _check_names(names)
        if all(getattr(resident, k) == v for k, v in names.items()):
            raise _violation(
                "family_name",
                "氏名が現在の記載と同じです。変更後の氏名を入力してください。",
                "No change of name.",
                "no_change",
            )
        warnings = _check_dates(
            kind=EventKind.NAME_CHANGE,
            effective_on=effective_on,
            filed_on=filed_on,
            today=today,
            residents=[resident],
            filed_required=False,
        )
        updates: dict[str, Any] = dict(names)
        if record_former_name and names["family_name"] != resident.family_name:
            updates["former_family_name"] = resident.family_name
            updates["former_family_name_kana"] = resident.family_name_kana
        rec = _Recorder(
            actor=actor,
            kind=EventKind.NAME_CHANGE,
            effective_on=effective_on,
            filed_on=filed_on,
            today=today,
            reason=reason.strip() or "氏名変更",
            warnings=warnings,
        )
        rec.changed(resident, updates)
        return rec.outcome()


def _correction_value(name: str, value: Any, municipality_id: str, resident: Resident) -> Any:
    if name in ("birth_date", "became_resident_on", "address_set_on"):
        if value in (None, ""):
            if name == "birth_date":
                return None
            raise _violation(name, "日付を入力してください。", f"{name} is required.", "required")
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError as exc:
                raise _violation(
                    name, "日付は年-月-日で入力してください。", f"{name} must be YYYY-MM-DD."
                ) from exc
        if not isinstance(value, dt.date):
            raise _violation(name, "日付を入力してください。", f"{name} must be a date.")
        return value
    text = "" if value is None else str(value).strip()
    if name == "sex" and text not in Sex.values:
        raise _violation(name, "性別を選んでください。", "sex must be male or female.")
    if name == "kind" and text not in ResidentKind.values:
        raise _violation(name, "住民種別を選んでください。", "Unknown resident kind.")
    if name == "relationship":
        return (
            _relationship_label(text, name, allow_head=resident.is_head)
            if not resident.is_head
            else _head_label(text)
        )
    if name == "resident_record_code":
        _check_record_code(municipality_id, text, exclude_pk=resident.pk)
    if name == "family_name" and not text:
        raise _violation(name, "氏を入力してください。", "family_name is required.", "required")
    return text


def _head_label(code: str) -> str:
    from .relationships import HEAD_CODE, label_for

    if code != HEAD_CODE:
        raise _violation(
            "relationship",
            "世帯主の続柄は「世帯主」です。世帯主を替えるときは世帯主変更を使ってください。",
            "The head's relationship is 世帯主; use a head change to change the head.",
        )
    return label_for(code)


def record_correction(
    *,
    actor: StaffUser,
    resident_id: int,
    values: Mapping[str, Any],
    effective_on: dt.date,
    reason: str,
    today: dt.date | None = None,
) -> EventOutcome:
    """職権修正 (住基法 §8): correct any item of a record (also a 除票), from `effective_on`, with a stated reason."""
    require(actor, Action.CORRECT_REGISTRY)
    today = _today(today)
    with transaction.atomic():
        (resident,) = _lock_residents(actor, [resident_id], "resident_id")
        if not reason.strip():
            raise _violation(
                "reason", "職権修正の理由を入力してください。", "A correction needs a reason.", "required"
            )
        if not values:
            raise _violation(
                "values",
                "修正する項目を入力してください。",
                "Give at least one field to correct.",
                "required",
            )
        for name in values:
            if name not in CORRECTABLE_FIELDS:
                raise _violation(
                    name,
                    "この項目は職権修正では変更できません（世帯・世帯主・住民の状態はそれぞれの異動で届け出てください）。",
                    f"{name} cannot be corrected directly; use the matching event.",
                    "not_correctable",
                )
        if effective_on > today:
            raise _violation(
                "effective_on",
                "修正の効力日に未来の日付は指定できません。",
                "effective_on cannot be in the future.",
            )
        first = (
            RegistryEvent.objects.filter(resident=resident)
            .order_by("effective_on")
            .values_list("effective_on", flat=True)
            .first()
        )
        if first is not None and effective_on < first:
            raise _violation(
                "effective_on",
                f"修正の効力日は記録の始まり（{_fmt(first)}）以降にしてください。",
                f"effective_on is before the first event of the record ({_fmt(first)}).",
                "before_record",
            )
        assert actor.municipality_id is not None
        updates = {
            name: _correction_value(name, v, actor.municipality_id, resident) for name, v in values.items()
        }
        _check_names({k: v for k, v in updates.items() if isinstance(v, str)}, required=False)
        birth = updates.get("birth_date", resident.birth_date)
        if birth and effective_on < birth and "birth_date" not in updates:
            raise _violation(
                "effective_on", "修正の効力日が生年月日より前です。", "effective_on is before birth."
            )
        rec = _Recorder(
            actor=actor,
            kind=EventKind.CORRECTION,
            effective_on=effective_on,
            filed_on=None,
            today=today,
            reason=reason.strip(),
        )
        if rec.changed(resident, updates, from_history=True) is None:
            raise _violation(
                next(iter(values)),
                "修正後の値が現在の記載と同じです。",
                "The corrected values equal the record.",
                "no_change",
            )
        return rec.outcome()


@dataclass
class EventPreview:
    """What an event would record, computed by running the service and rolling it back (for the confirm step)."""

    events: list[dict[str, Any]]
    warnings: list[dict[str, str]]


class _Rollback(Exception):
    pass


def preview_event(service: Callable[..., EventOutcome], /, **kwargs: Any) -> EventPreview:
    """Run an event service with every rule and roll it back; BusinessRuleViolation propagates as in the real call."""
    from .history import describe_changes

    result: list[EventPreview] = []
    try:
        with transaction.atomic():
            outcome = service(**kwargs)
            result.append(
                EventPreview(
                    events=[
                        {
                            "resident_id": e.resident_id,
                            "resident_name": e.resident.full_name,
                            "kind": e.kind,
                            "kind_label": EventKind(e.kind).label,
                            "effective_on": e.effective_on,
                            "reason": e.reason,
                            "changes": describe_changes(e.changes),
                        }
                        for e in outcome.events
                    ],
                    warnings=list(outcome.warnings),
                )
            )
            raise _Rollback
    except _Rollback:
        pass
    return result[0]
