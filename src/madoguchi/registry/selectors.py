"""Reads of the resident registry. Single-person reads go through `access_*` (authorized + access-logged)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from madoguchi.common.checkdigits import mask_individual_number
from madoguchi.common.kana import hiragana_to_katakana, is_katakana, kana_search_key
from madoguchi.common.names import name_search_key
from madoguchi.core.access import log_access, require, scoped
from madoguchi.core.crypto import decrypt_individual_number
from madoguchi.core.errors import NotFoundInMunicipality
from madoguchi.core.models import StaffUser
from madoguchi.core.roles import Action

from .history import ResidentState, household_members_on, resident_on
from .models import Household, RegistryEvent, Resident

SEARCH_LIMIT = 50


def _prefix(field: str, prefix: str) -> Q:
    """`field` starts with `prefix`, in a form the database can answer from a B-tree index.

    PostgreSQL: LIKE 'prefix%' served by the varchar_pattern_ops indexes (registry_search_indexes). SQLite does not
    use an index for Django's LIKE … ESCAPE, so the same condition is written as a range on the (binary-collated)
    column: every string that starts with `prefix` sorts between `prefix` and `prefix` + U+10FFFF.
    """
    from django.db import connection

    if connection.vendor == "postgresql":
        return Q(**{f"{field}__startswith": prefix})
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + "\U0010ffff"})


def _search_text(name: str) -> tuple[str, str]:
    """('kana', key) or ('name', key) for the name box: kana input (hiragana, katakana, half-width) → kana key."""
    text = "".join(ch for ch in unicodedata.normalize("NFKC", name) if not ch.isspace())
    if not text:
        return "", ""
    katakana = hiragana_to_katakana(text)
    if is_katakana(katakana):
        return "kana", kana_search_key(katakana)
    return "name", name_search_key(text)


def _address_filter(address: str, actor: StaffUser) -> Q:
    """Address search as a prefix of 町字 + 番地・号 (both indexed), never a scan with LIKE '%…%'.

    The input may start with the prefecture and municipality name ("東京都千代田区丸の内1丁目"); the rest must start
    with the 町字. Each way of splitting the rest into 町字 + the start of 番地・号 is one index range (at most 60).
    """
    text = "".join(ch for ch in unicodedata.normalize("NFKC", address) if not ch.isspace())
    municipality = actor.municipality
    if municipality is not None:
        for head in (municipality.prefecture + municipality.name, municipality.name):
            if text.startswith(head) and len(text) > len(head):
                text = text[len(head) :]
                break
    condition = _prefix("machiaza", text)
    for split in range(1, len(text)):
        condition |= Q(machiaza=text[:split]) & _prefix("block_number", text[split:])
    return condition


def search_residents(
    *,
    actor: StaffUser,
    name: str = "",
    birth_date: dt.date | None = None,
    address: str = "",
    resident_record_code: str = "",
    include_removed: bool = False,
    limit: int = SEARCH_LIMIT,
) -> list[Resident]:
    """Staff search by name (kanji or kana; width/kana/異体字-insensitive), birth date, address or 住民票コード.

    Every criterion is answered from an index on (municipality, …): name and kana are prefixes of the folded search
    keys, the address a prefix of 町字 + 番地・号 (after the municipality's own name). Results come in 50音 order
    of the reading, then birth date, at most `limit` of them.
    """
    require(actor, Action.SEARCH_RESIDENTS)
    code = resident_record_code.strip()
    kind, key = _search_text(name)
    address = address.strip()
    if not any([key, birth_date, address, code]):
        return []
    qs: QuerySet[Resident] = scoped(Resident.objects.all(), actor)
    if not include_removed:
        qs = qs.filter(status="current")
    if kind == "kana":
        qs = qs.filter(_prefix("kana_search_key", key))
    elif kind == "name":
        qs = qs.filter(_prefix("name_search_key", key))
    if birth_date:
        qs = qs.filter(birth_date=birth_date)
    if address:
        qs = qs.filter(_address_filter(address, actor))
    if code:
        qs = qs.filter(resident_record_code=code)
    # Two steps: the ids in order from a covering index (no row is read to sort a common surname), then the rows.
    ids = list(qs.order_by("kana_search_key", "birth_date", "id").values_list("id", flat=True)[:limit])
    rows = Resident.objects.in_bulk(ids)
    return [rows[pk] for pk in ids]


def access_resident(*, actor: StaffUser, resident_id: int, purpose: str) -> Resident:
    """One resident record, for a stated purpose; logs the read. NotFoundInMunicipality outside the actor's tenant."""
    require(actor, Action.VIEW_RESIDENT)
    resident = scoped(Resident.objects.select_related("household"), actor).filter(pk=resident_id).first()
    if resident is None:
        raise NotFoundInMunicipality("resident")
    log_access(actor=actor, subject_type="resident", subject_id=resident.pk, purpose=purpose)
    return resident


def list_household_members(*, actor: StaffUser, household: Household) -> list[Resident]:
    """Current members of a household (already opened through access_resident), head first."""
    require(actor, Action.VIEW_RESIDENT)
    if household.municipality_id != actor.municipality_id:
        raise NotFoundInMunicipality("household")
    return list(household.members.filter(status="current").order_by("-is_head", "birth_date", "id"))


def masked_individual_number(resident: Resident) -> str:
    """The masked 個人番号 shown on every screen (no decryption needed beyond the last 4 digits)."""
    if not resident.individual_number_encrypted:
        return ""
    return mask_individual_number(decrypt_individual_number(resident.individual_number_encrypted))


def access_individual_number(*, actor: StaffUser, resident_id: int, purpose: str) -> str:
    """Reveal a resident's full 個人番号 for a permitted purpose; the reveal itself is access-logged."""
    require(actor, Action.REVEAL_INDIVIDUAL_NUMBER)
    resident = scoped(Resident.objects.all(), actor).filter(pk=resident_id).first()
    if resident is None:
        raise NotFoundInMunicipality("resident")
    log_access(
        actor=actor,
        subject_type="resident",
        subject_id=resident.pk,
        purpose=purpose,
        action="reveal_individual_number",
    )
    return (
        decrypt_individual_number(resident.individual_number_encrypted)
        if resident.individual_number_encrypted
        else ""
    )


def check_resident_exists(*, actor: StaffUser, resident_id: int) -> None:
    """Raise NotFoundInMunicipality unless the resident is in the actor's municipality (reads no personal data)."""
    require(actor, Action.VIEW_RESIDENT)
    if not scoped(Resident.objects.all(), actor).filter(pk=resident_id).exists():
        raise NotFoundInMunicipality("resident")


def get_registry_summary(*, actor: StaffUser) -> dict[str, int]:
    """Counts for the office home page (aggregate, no personal data)."""
    residents = scoped(Resident.objects.all(), actor)
    return {
        "current": residents.filter(status="current").count(),
        "removed": residents.exclude(status="current").count(),
        "households": scoped(Household.objects.all(), actor).count(),
    }


# ---- registry events: timelines and households as of a date ---------------------------------------------------------


@dataclass
class ResidentTimeline:
    """A resident's record and every event of it, in valid-time order (異動日, then 処理日時)."""

    resident: Resident
    events: list[RegistryEvent]


def access_resident_timeline(*, actor: StaffUser, resident_id: int, purpose: str) -> ResidentTimeline:
    """A resident's event history (異動履歴), for a stated purpose; the read is access-logged."""
    require(actor, Action.VIEW_RESIDENT)
    resident = scoped(Resident.objects.select_related("household"), actor).filter(pk=resident_id).first()
    if resident is None:
        raise NotFoundInMunicipality("resident")
    log_access(
        actor=actor, subject_type="resident", subject_id=resident.pk, purpose=purpose, action="view_timeline"
    )
    events = list(
        RegistryEvent.objects.filter(resident=resident)
        .select_related("household")
        .order_by("effective_on", "recorded_at", "id")
    )
    return ResidentTimeline(resident=resident, events=events)


def access_resident_on(
    *, actor: StaffUser, resident_id: int, on: dt.date, purpose: str
) -> ResidentState | None:
    """A resident's record as it stood on a date (None before the record began); access-logged."""
    require(actor, Action.VIEW_RESIDENT)
    check_resident_exists(actor=actor, resident_id=resident_id)
    log_access(
        actor=actor, subject_type="resident", subject_id=resident_id, purpose=purpose, action="view_as_of"
    )
    return resident_on(resident_id, on)


@dataclass
class HouseholdView:
    """A household: its current members and its members on a chosen date."""

    household: Household
    members: list[Resident]
    on: dt.date | None
    members_on: list[ResidentState]


def access_household(
    *, actor: StaffUser, household_id: int, purpose: str, on: dt.date | None = None
) -> HouseholdView:
    """A household's members now (and on `on`, from the event history), for a stated purpose; access-logged."""
    require(actor, Action.VIEW_RESIDENT)
    household = scoped(Household.objects.all(), actor).filter(pk=household_id).first()
    if household is None:
        raise NotFoundInMunicipality("household")
    log_access(actor=actor, subject_type="household", subject_id=household.pk, purpose=purpose)
    members = list(household.members.filter(status="current").order_by("-is_head", "birth_date", "id"))
    return HouseholdView(
        household=household,
        members=members,
        on=on,
        members_on=household_members_on(household, on) if on else [],
    )


def find_household(*, actor: StaffUser, household_number: str) -> Household | None:
    """A household of the actor's municipality by its 世帯番号 (no personal data)."""
    require(actor, Action.VIEW_RESIDENT)
    return scoped(Household.objects.all(), actor).filter(household_number=household_number.strip()).first()


def get_event(*, actor: StaffUser, event_id: int) -> RegistryEvent:
    """One registry event of the actor's municipality (its resident is read via access_* by the caller)."""
    require(actor, Action.VIEW_RESIDENT)
    event = (
        scoped(RegistryEvent.objects.select_related("resident", "household"), actor)
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        raise NotFoundInMunicipality("event")
    return event


def find_household_by_id(*, actor: StaffUser, household_id: int) -> Household | None:
    """A household of the actor's municipality by id (no personal data; for existence checks)."""
    require(actor, Action.VIEW_RESIDENT)
    return scoped(Household.objects.all(), actor).filter(pk=household_id).first()
