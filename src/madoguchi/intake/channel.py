"""The portal's only window on the registry: narrow, audited answers from the office zone (ARCHITECTURE §1).

The portal never reads the resident registry. For prefill and for the intake checks it asks the office one
question — "what are this applicant's household facts?" — and gets back only those facts (plus, for the
long-term-care forms, the 介護保険 被保険者番号 of the applicant or of the household member the form is about,
only when the form's prefill asks for it). In `all` mode the
office side runs in-process (`madoguchi.office.answers.RegistryOfficeAnswers`, named by the setting `MADOGUCHI_OFFICE_ANSWERS`); a split deployment plugs an
implementation that calls the office's internal API into `get_office_answers`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

from django.conf import settings
from django.utils.module_loading import import_string

from madoguchi.identity.portal_session import PortalIdentity

# Facts answered only when a form's prefill names them (`office.<name>`), never by default.
OPTIONAL_FACTS = frozenset({"care_insured_number"})


@dataclass(frozen=True)
class HouseholdChild:
    """A child in the applicant's household as the registry holds it (relationship as the form's option value)."""

    name: str
    name_kana: str
    birth_date: str  # ISO date
    relationship: str  # child | adopted_child | stepchild | grandchild | sibling | other

    def as_dict(self) -> dict[str, str]:
        return {
            "name": self.name,
            "name_kana": self.name_kana,
            "birth_date": self.birth_date,
            "relationship": self.relationship,
        }


@dataclass(frozen=True)
class HouseholdFacts:
    """What the office answers about an applicant, and nothing more.

    `registry_match` says whether the given name, birth date and address match a current resident; `mismatches`
    names the attributes that do not ("name", "birth_date", "address"). The remaining facts are empty when there
    is no match. `name_kana` and `postal_code` are the applicant's own, for the forms' prefill.
    """

    registry_match: bool
    mismatches: tuple[str, ...] = ()
    is_head_of_household: bool = False
    household_head_name: str = ""
    household_head_name_kana: str = ""
    children: tuple[HouseholdChild, ...] = field(default_factory=tuple)
    name_kana: str = ""
    postal_code: str = ""
    # Only when asked for (`asks`): the applicant's 介護保険 被保険者番号 if they are insured today, else "".
    care_insured_number: str = ""

    def prefill_source(self) -> dict[str, Any]:
        """The `office.*` prefill namespace of the form engine (only facts that are known)."""
        if not self.registry_match:
            return {}
        out: dict[str, Any] = {
            "is_head_of_household": self.is_head_of_household,
            "household_children": [c.as_dict() for c in self.children],
        }
        for key in (
            "household_head_name",
            "household_head_name_kana",
            "name_kana",
            "postal_code",
            "care_insured_number",
        ):
            value = getattr(self, key)
            if value:
                out[key] = value
        return out


class OfficeAnswers(Protocol):
    """The office-zone answering service used by the portal."""

    def household_facts(
        self,
        *,
        municipality_code: str,
        applicant: PortalIdentity,
        purpose: str,
        asks: Collection[str] = (),
    ) -> HouseholdFacts:
        """Household facts of `applicant` for `purpose` (a procedure code); audited on the office side.

        `asks` names optional facts the form needs as well (`OPTIONAL_FACTS`); the office answers nothing else.
        """
        ...

    def care_insured_number(
        self,
        *,
        municipality_code: str,
        applicant: PortalIdentity,
        purpose: str,
        insured_name: str = "",
        insured_birth_date: str = "",
    ) -> str:
        """The 介護保険 被保険者番号 of the applicant, or of the member of the applicant's household with this name
        and ISO birth date; "" when that person is not insured today or is not found. Audited on the office side."""
        ...


def get_office_answers() -> OfficeAnswers:
    """The answering service for this deployment (in-process in `all` mode)."""
    if settings.MADOGUCHI_ZONE == "portal":
        raise RuntimeError(
            "MADOGUCHI_ZONE=portal has no in-process registry: configure the office answers channel "
            "(the internal API client) before enabling online applications"
        )
    # Loaded by name, not imported: the portal-side code has no static dependency on the office zone.
    factory = import_string(str(settings.MADOGUCHI_OFFICE_ANSWERS))
    return cast(OfficeAnswers, factory())
