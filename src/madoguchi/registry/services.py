"""Writes to the resident registry. Every write is audited in the same transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.db import transaction
from django.utils import timezone

from madoguchi.common.kana import kana_search_key
from madoguchi.common.names import name_search_key
from madoguchi.core.audit import Actor, record_audit
from madoguchi.core.crypto import encrypt_individual_number, individual_number_index
from madoguchi.core.models import Municipality, StaffUser

from .demo import HouseholdSpec
from .models import EventKind, Household, RegistryEvent, Resident

# Fields of a resident record captured in each event's `state_after` (everything a certificate or an as-of-date
# question needs; the encrypted 個人番号 is not copied into history).
STATE_FIELDS = [
    "resident_record_code", "kind", "family_name", "given_name", "family_name_kana", "given_name_kana",
    "name_romaji", "former_family_name", "former_family_name_kana", "alias_name", "alias_name_kana",
    "birth_date", "birth_date_unknown_text", "sex", "prefecture", "city", "machiaza", "machiaza_id",
    "block_number", "address_supplement", "postal_code", "became_resident_on", "address_set_on", "status",
    "removed_on", "household_id", "is_head", "relationship",
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
) -> int:
    """Bulk-load synthetic households and residents in one transaction with one audit row. System/admin only."""
    city = municipality.name
    prefecture = municipality.prefecture
    created = 0
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
            RegistryEvent.objects.bulk_create(
                [
                    RegistryEvent(
                        municipality=municipality,
                        resident=r,
                        kind=EventKind.INITIAL_REGISTRATION,
                        effective_on=r.became_resident_on,
                        recorded_at=now,
                        household=r.household,
                        state_after=resident_state(r),
                        reason="デモデータ（架空）",
                        actor_id=who.id,
                        actor_display=who.display,
                    )
                    for r in residents
                ],
                batch_size=batch_size,
            )
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
    return created
