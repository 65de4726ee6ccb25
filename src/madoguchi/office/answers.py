"""Office side of the portal's answers channel: narrow, audited household facts for one applicant.

The portal never reads the registry (ARCHITECTURE §1). It asks here, once per prefill or submission, and gets
back only: whether the applicant's 基本4情報 match a current resident (and which attribute does not), whether
they are the 世帯主, the head's name, the applicant's own reading and postal code, and the children of the
household; and, only when the form asks for it, the 介護保険 被保険者番号 in force today (benefits app) of the
applicant or of a member of the applicant's own household. Every answer writes an audit row (actions
"office_answer_household_facts", "office_answer_care_insured_number") in its own transaction, like an access-log
entry for a system reader.

The resident is found by the signing/auth certificate serial through the identity app's link table when the
serial is linked (申請管理 標準仕様: シリアル番号による申請者特定), otherwise by the basic four attributes, tolerant of
異体字, width and the card's substitute characters (〓).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable

from django.db import transaction
from django.utils import timezone

from madoguchi.benefits.selectors import get_active_care_qualification
from madoguchi.common.ages import fiscal_year_end_on_or_after, reach_date
from madoguchi.common.names import name_search_key
from madoguchi.core.audit import Actor, record_audit
from madoguchi.identity.portal_session import PortalIdentity
from madoguchi.intake.channel import OPTIONAL_FACTS, HouseholdChild, HouseholdFacts
from madoguchi.intake.matching import texts_match
from madoguchi.registry.models import Resident, ResidentStatus

OFFICE_ANSWERS_ACTOR = Actor(id="system:office_answers", display="庁内回答（世帯情報の照会）")
_SPOUSES = {"妻", "夫", "妻（未届）", "夫（未届）"}


def _birth_date(identity: PortalIdentity) -> dt.date | None:
    try:
        return identity.birth_date_on
    except ValueError:
        return None


def _linked_resident(municipality_code: str, identity: PortalIdentity) -> Resident | None:
    """The resident the identity's certificate serials are linked to (identity app's link table), if any."""
    try:
        from madoguchi.identity.selectors import resolve_resident_by_serial
    except ImportError:  # the identity app's link table is optional
        return None
    for serial, purpose in ((identity.sign_serial, "sign"), (identity.auth_serial, "auth")):
        if not serial:
            continue
        resident = resolve_resident_by_serial(serial, purpose, municipality=municipality_code)
        if resident is not None:
            return resident
    return None


def _mismatches(resident: Resident, identity: PortalIdentity) -> list[str]:
    out = []
    if not texts_match(resident.full_name, identity.name):
        out.append("name")
    if resident.birth_date is None or resident.birth_date != _birth_date(identity):
        out.append("birth_date")
    # The resident may leave out the 方書 (building and room); the registry address is compared with and without.
    base_address = "".join([resident.prefecture, resident.city, resident.machiaza, resident.block_number])
    if not (texts_match(resident.address, identity.address) or texts_match(base_address, identity.address)):
        out.append("address")
    return out


def _find_by_attributes(
    municipality_code: str, identity: PortalIdentity
) -> tuple[Resident | None, list[str]]:
    """Best registry candidate for the 4 attributes and the attributes that differ (all three when none)."""
    current = Resident.objects.filter(municipality_id=municipality_code, status=ResidentStatus.CURRENT)
    birth = _birth_date(identity)
    candidates: list[Resident] = []
    if birth is not None:
        candidates = list(current.filter(birth_date=birth)[:500])
    name_key = name_search_key(identity.name)
    if name_key:
        candidates += list(current.filter(name_search_key=name_key[:130]).exclude(birth_date=birth)[:50])
    best: tuple[Resident | None, list[str]] = (None, ["name", "birth_date", "address"])
    for resident in candidates:
        differing = _mismatches(resident, identity)
        # Only a candidate that agrees on at least two attributes is "this person with one wrong attribute".
        if len(differing) <= 1 and len(differing) < len(best[1]):
            best = (resident, differing)
            if not differing:
                break
    return best


def _is_under_child_age(birth_date: dt.date | None, today: dt.date) -> bool:
    # 児童手当法 §3: 18歳に達する日以後の最初の3月31日までの間にある者.
    if birth_date is None or birth_date > today:
        return False
    return today <= fiscal_year_end_on_or_after(reach_date(birth_date, 18))


def _relationship_to_applicant(applicant: Resident, member: Resident) -> str:
    """The form's relationship option for `member` seen from `applicant` (the registry's 続柄 is seen from the head)."""
    mine, theirs = applicant.relationship, member.relationship
    if applicant.is_head:
        return {
            "子": "child",
            "妻の子": "stepchild",
            "夫の子": "stepchild",
            "子の子": "grandchild",
            "弟": "sibling",
            "妹": "sibling",
        }.get(theirs, "other")
    if mine in _SPOUSES:
        if theirs == "子":
            return "child"
        if theirs in ("妻の子", "夫の子"):
            own = (theirs == "妻の子" and mine.startswith("妻")) or (
                theirs == "夫の子" and mine.startswith("夫")
            )
            return "child" if own else "stepchild"
        if theirs == "子の子":
            return "grandchild"
        return "other"
    if mine == "子" and theirs == "子の子":
        return "child"
    if mine == "子" and theirs == "子":
        return "sibling"
    return "other"


def _children(applicant: Resident, members: Iterable[Resident], today: dt.date) -> tuple[HouseholdChild, ...]:
    out = []
    for member in members:
        if member.pk == applicant.pk or member.is_head or member.relationship in _SPOUSES:
            continue
        if not _is_under_child_age(member.birth_date, today):
            continue
        assert member.birth_date is not None
        out.append(
            HouseholdChild(
                name=member.full_name,
                name_kana=member.full_name_kana,
                birth_date=member.birth_date.isoformat(),
                relationship=_relationship_to_applicant(applicant, member),
            )
        )
    return tuple(out)


class RegistryOfficeAnswers:
    """In-process implementation of `madoguchi.intake.channel.OfficeAnswers` (MADOGUCHI_ZONE=all)."""

    def __init__(self, *, today: dt.date | None = None) -> None:
        self.today = today

    def _resolve(
        self, municipality_code: str, applicant: PortalIdentity
    ) -> tuple[Resident | None, list[str], str]:
        """The current resident the applicant is (by serial, else by the 4 attributes), the differing attributes,
        and how they were found."""
        resident = _linked_resident(municipality_code, applicant)
        if resident is not None and resident.status == ResidentStatus.CURRENT:
            return resident, _mismatches(resident, applicant), "serial"
        resident, mismatches = _find_by_attributes(municipality_code, applicant)
        return resident, mismatches, "attributes" if resident is not None else "none"

    def _care_number(self, municipality_code: str, resident: Resident, today: dt.date) -> str:
        qualification = get_active_care_qualification(
            municipality_code=municipality_code, resident_id=resident.pk, on=today
        )
        return qualification.insured_number if qualification is not None else ""

    def household_facts(
        self,
        *,
        municipality_code: str,
        applicant: PortalIdentity,
        purpose: str,
        asks: Collection[str] = (),
    ) -> HouseholdFacts:
        """Answer the household facts of `applicant`; writes one audit row (system actor, own transaction)."""
        today = self.today or timezone.localdate()
        unknown = set(asks) - OPTIONAL_FACTS
        if unknown:
            raise ValueError(f"the office does not answer {sorted(unknown)}")
        resident, mismatches, found_by = self._resolve(municipality_code, applicant)
        facts = HouseholdFacts(registry_match=False, mismatches=tuple(mismatches))
        if resident is not None and not mismatches:
            members: list[Resident] = []
            head: Resident | None = None
            if resident.household_id is not None:
                members = list(
                    Resident.objects.filter(
                        municipality_id=municipality_code,
                        household_id=resident.household_id,
                        status=ResidentStatus.CURRENT,
                    ).order_by("birth_date", "id")
                )
                head = next((m for m in members if m.is_head), None)
            facts = HouseholdFacts(
                registry_match=True,
                is_head_of_household=resident.is_head,
                household_head_name=head.full_name if head else "",
                household_head_name_kana=head.full_name_kana if head else "",
                children=_children(resident, members, today),
                name_kana=resident.full_name_kana,
                postal_code=resident.postal_code,
                care_insured_number=(
                    self._care_number(municipality_code, resident, today)
                    if "care_insured_number" in asks
                    else ""
                ),
            )
        after = {
            "purpose": purpose,
            "applicant_auth_serial": applicant.auth_serial,
            "found_by": found_by,
            "registry_match": facts.registry_match,
            "mismatches": list(facts.mismatches),
            "children_count": len(facts.children),
        }
        if asks:
            # Whether the number was given, never the number itself (like the names, it stays out of the log).
            after["asked"] = sorted(asks)
            after["care_insured_number_answered"] = bool(facts.care_insured_number)
        with transaction.atomic():
            record_audit(
                actor=OFFICE_ANSWERS_ACTOR,
                municipality=municipality_code,
                action="office_answer_household_facts",
                target_type="resident",
                target_id=resident.pk if resident is not None and not mismatches else "",
                after=after,
            )
        return facts

    def care_insured_number(
        self,
        *,
        municipality_code: str,
        applicant: PortalIdentity,
        purpose: str,
        insured_name: str = "",
        insured_birth_date: str = "",
    ) -> str:
        """The insured number of the applicant (no insured person given) or of the member of the applicant's
        household with that name and birth date; "" otherwise. Writes one audit row (system actor, own transaction).

        Only the applicant's own household is searched: a relative living elsewhere is not looked up, so the
        channel cannot be used to learn anyone's number from a name and a birth date.
        """
        today = self.today or timezone.localdate()
        resident, mismatches, found_by = self._resolve(municipality_code, applicant)
        subject: Resident | None = None
        if resident is not None and not mismatches:
            if not insured_name and not insured_birth_date:
                subject = resident
            elif resident.household_id is not None:
                try:
                    birth = dt.date.fromisoformat(insured_birth_date)
                except ValueError:
                    birth = None
                members = Resident.objects.filter(
                    municipality_id=municipality_code,
                    household_id=resident.household_id,
                    status=ResidentStatus.CURRENT,
                    birth_date=birth,
                ).order_by("id")
                subject = next((m for m in members if birth and texts_match(m.full_name, insured_name)), None)
        number = self._care_number(municipality_code, subject, today) if subject is not None else ""
        with transaction.atomic():
            record_audit(
                actor=OFFICE_ANSWERS_ACTOR,
                municipality=municipality_code,
                action="office_answer_care_insured_number",
                target_type="resident",
                target_id=subject.pk if subject is not None else "",
                after={
                    "purpose": purpose,
                    "applicant_auth_serial": applicant.auth_serial,
                    "found_by": found_by,
                    "registry_match": resident is not None and not mismatches,
                    "about": "applicant" if not (insured_name or insured_birth_date) else "household_member",
                    "subject_found": subject is not None,
                    "answered": bool(number),
                },
            )
        return number
