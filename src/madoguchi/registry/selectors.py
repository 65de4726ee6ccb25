"""Reads of the resident registry. Single-person reads go through `access_*` (authorized + access-logged)."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from madoguchi.common.checkdigits import mask_individual_number
from madoguchi.common.kana import is_katakana, kana_search_key
from madoguchi.common.names import name_search_key
from madoguchi.core.access import log_access, require, scoped
from madoguchi.core.crypto import decrypt_individual_number
from madoguchi.core.errors import NotFoundInMunicipality
from madoguchi.core.models import StaffUser
from madoguchi.core.roles import Action

from .models import Household, Resident

SEARCH_LIMIT = 50


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
    """Staff search by name (kanji or kana; width/kana/異体字-insensitive), birth date, address or 住民票コード."""
    require(actor, Action.SEARCH_RESIDENTS)
    qs: QuerySet[Resident] = scoped(Resident.objects.all(), actor)
    if not any([name.strip(), birth_date, address.strip(), resident_record_code.strip()]):
        return []
    if not include_removed:
        qs = qs.filter(status="current")
    text = name.replace(" ", "").replace("　", "")
    if text:
        if is_katakana(text) or all("\u3041" <= ch <= "\u309f" or ch == "ー" for ch in text):
            qs = qs.filter(kana_search_key__startswith=kana_search_key(text))
        else:
            qs = qs.filter(name_search_key__startswith=name_search_key(text))
    if birth_date:
        qs = qs.filter(birth_date=birth_date)
    if address.strip():
        qs = qs.filter(machiaza__contains=address.strip()) | qs.filter(block_number__contains=address.strip())
    if resident_record_code.strip():
        qs = qs.filter(resident_record_code=resident_record_code.strip())
    return list(qs.order_by("kana_search_key", "birth_date", "id")[:limit])


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
    return list(
        household.members.filter(status="current").order_by("-is_head", "birth_date", "id")
    )


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
