"""住民票の写し (世帯連記式 / 個人票) and 住民票の除票の写し as signed PDFs (住基法 §12, registry.md §8).

Items the requester did not ask for are omitted (住基法 §12⑤): 世帯主の氏名・続柄, 住民票コード and 個人番号 are
printed only when chosen. 個人番号 additionally needs the REVEAL_INDIVIDUAL_NUMBER permission and a purpose the
番号法 allows (社会保障・税の事務); every reveal is access-logged. Every person printed is read through
`access_resident`, so each appears in the access log with the stated purpose.

Dates are printed in 和暦. Names and addresses are printed exactly as stored (IVS included) in the `.name` /
`.address` classes, which use IPAmj明朝.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from django.template.loader import render_to_string
from django.utils import timezone

from madoguchi.common.wareki import to_wareki
from madoguchi.core.access import require
from madoguchi.core.errors import BusinessRuleViolation
from madoguchi.core.models import AccessPurpose, Municipality, StaffUser
from madoguchi.core.roles import Action
from madoguchi.documents.models import DocumentKind, IssuedDocument
from madoguchi.documents.services import issue_document

from .models import Resident, ResidentStatus
from .selectors import access_individual_number, access_resident, list_household_members

__all__ = [
    "CERTIFICATE_PURPOSES",
    "INDIVIDUAL_NUMBER_PURPOSES",
    "LAYOUTS",
    "PERSONS_PER_SHEET",
    "Layout",
    "issue_residence_certificate",
]

Layout = Literal["household", "individual", "removed_record"]
LAYOUTS: dict[str, str] = {
    "household": "住民票の写し（世帯連記式）",
    "individual": "住民票の写し（個人票）",
    "removed_record": "住民票の除票の写し",
}
PERSONS_PER_SHEET = 4
"""世帯連記式: up to four persons per A4 sheet (registry.md §8)."""

CERTIFICATE_PURPOSES = frozenset({AccessPurpose.CERTIFICATE_ISSUANCE, AccessPurpose.TAX_SOCIAL_SECURITY})
"""Purposes under which a certificate may be issued (the purpose goes into the access log)."""

INDIVIDUAL_NUMBER_PURPOSES = frozenset({AccessPurpose.TAX_SOCIAL_SECURITY})
"""個人番号 may be printed only for 番号法 別表 work (社会保障・税・災害対策)."""

_REMOVAL_REASONS = {ResidentStatus.MOVED_OUT: "転出", ResidentStatus.DECEASED: "死亡"}


@dataclass
class _Person:
    number: int
    name: str
    name_kana: str
    former_family_name: str
    alias_name: str
    items: list[tuple[str, str, str]] = field(default_factory=list)
    """(label, value, CSS class) — the class is "address" for addresses so they print in IPAmj明朝."""

    @property
    def rows(self) -> list[list[tuple[str, str, str]]]:
        """The items two to a row (世帯連記式 table)."""
        return [self.items[i : i + 2] for i in range(0, len(self.items), 2)]


def _wareki(value: dt.date | None, unknown_text: str = "") -> str:
    if value is None:
        return unknown_text or "不詳"
    return to_wareki(value)


def _authority(municipality: Municipality) -> str:
    """The issuing authority as printed, e.g. 東京都千代田区長."""
    name = municipality.name
    if not name.startswith(municipality.prefecture):
        name = f"{municipality.prefecture}{name}"
    return f"{name}長"


def _municipality_label(municipality: Municipality) -> str:
    if municipality.name.startswith(municipality.prefecture):
        return municipality.name
    return f"{municipality.prefecture}{municipality.name}"


def _person(
    resident: Resident,
    number: int,
    *,
    include_relationship: bool,
    record_code: bool,
    individual_number: str,
) -> _Person:
    person = _Person(
        number=number,
        name=resident.full_name,
        name_kana=resident.full_name_kana,
        former_family_name=resident.former_family_name,
        alias_name=resident.alias_name,
    )
    items = [
        ("生年月日", _wareki(resident.birth_date, resident.birth_date_unknown_text), ""),
        ("性別", resident.get_sex_display(), ""),
    ]
    if include_relationship:
        items.append(("続柄", "世帯主" if resident.is_head else resident.relationship or "—", ""))
    items += [
        ("住民となった日", _wareki(resident.became_resident_on), ""),
        ("住所を定めた日", _wareki(resident.address_set_on), ""),
    ]
    # Address history as the standard prints it (registry.md §6, §8): 転入前住所 (from outside the municipality)
    # and 異動前住所 (before a 転居 inside it) are separate items, printed when recorded.
    for label, attribute in (("転入前住所", "moved_in_from_address"), ("異動前住所", "previous_address")):
        value = str(getattr(resident, attribute, "") or "")
        if value:
            items.append((label, value, "address"))
    if record_code:
        items.append(("住民票コード", resident.resident_record_code, ""))
    if individual_number:
        items.append(("個人番号", individual_number, ""))
    person.items = items
    return person


def _head_name(members: Sequence[Resident], resident: Resident) -> str:
    heads = [m for m in members if m.is_head]
    if heads:
        return heads[0].full_name
    return resident.full_name if resident.is_head else ""


def _rule(field_name: str, message_ja: str, message_en: str, code: str) -> BusinessRuleViolation:
    return BusinessRuleViolation(field_name, message_ja, message_en, code)


def issue_residence_certificate(
    *,
    actor: StaffUser,
    resident_id: int,
    layout: Layout | str = "household",
    members: list[int] | None = None,
    include_relationship: bool = True,
    include_record_code: bool = False,
    include_individual_number: bool = False,
    purpose: str = AccessPurpose.CERTIFICATE_ISSUANCE,
    now: dt.datetime | None = None,
) -> IssuedDocument:
    """Issue a signed 住民票の写し (household or individual layout) or 除票の写し (`removed_record`)."""
    require(actor, Action.ISSUE_CERTIFICATE)
    if layout not in LAYOUTS:
        raise _rule("layout", "様式を選んでください。", f"Unknown layout {layout!r}.", "invalid_layout")
    if purpose not in CERTIFICATE_PURPOSES:
        raise _rule(
            "purpose",
            "利用目的は「証明書の交付」または「社会保障・税の事務」を選んでください。",
            "The purpose must be certificate issuance or social security and tax work.",
            "invalid_purpose",
        )
    if include_individual_number:
        require(actor, Action.REVEAL_INDIVIDUAL_NUMBER)
        if purpose not in INDIVIDUAL_NUMBER_PURPOSES:
            raise _rule(
                "include_individual_number",
                "個人番号を記載できるのは、番号法で認められた事務（社会保障・税）に使う場合だけです。"
                "利用目的を確認してください。",
                "The individual number may only be printed for social security and tax work.",
                "individual_number_not_permitted",
            )

    resident = access_resident(actor=actor, resident_id=resident_id, purpose=purpose)
    is_current = resident.status == ResidentStatus.CURRENT
    if layout == "removed_record" and is_current:
        raise _rule(
            "layout",
            "この方は消除されていないため、除票の写しは交付できません。住民票の写しを選んでください。",
            "This resident has not been removed; issue a residence certificate instead.",
            "not_removed",
        )
    if layout != "removed_record" and not is_current:
        raise _rule(
            "layout",
            "この方の住民票は消除されています。除票の写しを選んでください。",
            "This resident record was removed; issue a removed-record certificate instead.",
            "removed",
        )

    household_members = (
        list_household_members(actor=actor, household=resident.household) if resident.household else []
    )
    if layout == "household":
        if not household_members:
            raise _rule(
                "layout",
                "世帯の記録がないため、世帯連記式では交付できません。個人票を選んでください。",
                "The resident belongs to no household; use the individual layout.",
                "no_household",
            )
        member_ids = [m.pk for m in household_members]
        chosen = member_ids if members is None else [pk for pk in member_ids if pk in set(members)]
        if members is not None and (not members or set(members) - set(member_ids)):
            raise _rule(
                "members",
                "記載する方を、この世帯の方の中から1人以上選んでください。",
                "Choose one or more members of this household.",
                "invalid_members",
            )
        # Each person printed is a read of their record: log it under the stated purpose.
        printed = [
            resident if pk == resident.pk else access_resident(actor=actor, resident_id=pk, purpose=purpose)
            for pk in chosen
        ]
    else:
        if members is not None and set(members) - {resident.pk}:
            raise _rule(
                "members",
                "個人票には、選んだ方1人だけを記載します。",
                "The individual layout prints only the chosen resident.",
                "invalid_members",
            )
        printed = [resident]

    numbers = {
        r.pk: access_individual_number(actor=actor, resident_id=r.pk, purpose=purpose)
        if include_individual_number
        else ""
        for r in printed
    }
    persons = [
        _person(
            r,
            index,
            include_relationship=include_relationship,
            record_code=include_record_code,
            individual_number=numbers[r.pk],
        )
        for index, r in enumerate(printed, start=1)
    ]
    municipality = Municipality.objects.get(code=actor.municipality_id)
    now = now or timezone.now()
    title = LAYOUTS[layout]
    omitted = [
        label
        for label, included in (
            ("世帯主の氏名及び続柄", include_relationship),
            ("住民票コード", include_record_code),
            ("個人番号", include_individual_number),
        )
        if not included
    ]
    context: dict[str, object] = {
        "title": title,
        "municipality_name": _municipality_label(municipality),
        "authority": _authority(municipality),
        "issued_on": to_wareki(timezone.localdate(now)),
        "address": resident.address,
        "head_name": _head_name(household_members, resident) if include_relationship else "",
        "omitted": omitted,
        "certification_sentence": (
            "この写しは、住民票の除票の原本と相違ないことを証明する。"
            if layout == "removed_record"
            else "この写しは、住民票の原本と相違ないことを証明する。"
        ),
    }
    if layout == "household":
        context["sheets"] = [
            {"number": n + 1, "persons": persons[i : i + PERSONS_PER_SHEET]}
            for n, i in enumerate(range(0, len(persons), PERSONS_PER_SHEET))
        ]
        html = render_to_string("registry/certificate_household.html", context)
    else:
        person = persons[0]
        if layout == "removed_record":
            person.items += [
                ("消除日", _wareki(resident.removed_on), ""),
                ("消除の事由", _REMOVAL_REASONS.get(ResidentStatus(resident.status), "消除"), ""),
            ]
            destination = str(getattr(resident, "move_out_destination", "") or "")
            if resident.status == ResidentStatus.MOVED_OUT and destination:
                person.items.append(("転出先", destination, "address"))
        context["person"] = person
        html = render_to_string("registry/certificate_individual.html", context)

    return issue_document(
        actor=actor,
        municipality=municipality,
        kind=DocumentKind.REMOVED_RECORD_CERTIFICATE
        if layout == "removed_record"
        else DocumentKind.RESIDENCE_CERTIFICATE,
        title=title,
        html=html,
        subject_type="resident",
        subject_id=resident.pk,
        purpose=purpose,
        audit_details={
            "layout": layout,
            "persons": len(printed),
            "resident_ids": [r.pk for r in printed],
            "include_relationship": include_relationship,
            "include_record_code": include_record_code,
            "include_individual_number": include_individual_number,
        },
        now=now,
    )
