"""Office answers (narrow, audited), name/address matching and content-based file types."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from madoguchi.core.models import AuditEntry
from madoguchi.identity.portal_session import PortalIdentity
from madoguchi.intake.files import detect_mime_type
from madoguchi.intake.matching import texts_match
from madoguchi.office.answers import RegistryOfficeAnswers

from .helpers import PDF_BYTES, PNG_BYTES, make_world


@pytest.mark.parametrize(
    ("registry", "given", "expected"),
    [
        ("髙橋　美咲", "高橋 美咲", True),  # 異体字 and spacing
        ("山田　太郎", "山田太郎", True),
        ("東京都千代田区千代田1-1", "東京都千代田区千代田１－１", True),  # width and hyphen forms
        ("𠮷田　一", "〓田　一", True),  # the card's substitute character
        ("山田　太郎", "山田　太朗", False),
        ("東京都千代田区千代田1-1", "東京都千代田区千代田1-2", False),
        ("", "", False),
    ],
)
def test_texts_match(registry: str, given: str, expected: bool) -> None:
    assert texts_match(registry, given) is expected


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (PDF_BYTES, "application/pdf"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (PNG_BYTES, "image/png"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "image/heic"),
        (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic", "image/heic"),
        (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1avif", "image/heif"),
        (b"MZ\x90\x00", ""),
        (b"GIF89a", ""),
        (b"", ""),
    ],
)
def test_detect_mime_type(content: bytes, expected: str) -> None:
    assert detect_mime_type(content) == expected


def identity(name: str, birth: str, address: str) -> PortalIdentity:
    return PortalIdentity(
        method="jpki_card",
        auth_serial="0ABC12",
        authenticated_at=timezone.now().isoformat(),
        name=name,
        birth_date=birth,
        address=address,
    )


def test_household_facts_for_the_head_are_narrow_and_audited(chiyoda) -> None:
    make_world(chiyoda)
    office = RegistryOfficeAnswers(today=dt.date(2026, 11, 26))
    facts = office.household_facts(
        municipality_code="131016",
        applicant=identity("山田 太郎", "1985-05-10", "東京都千代田区千代田１－１"),
        purpose="child_allowance_certification",
    )
    assert facts.registry_match and facts.is_head_of_household
    assert facts.household_head_name == "山田　太郎"
    assert [(c.name, c.birth_date, c.relationship) for c in facts.children] == [
        ("山田　一郎", "2020-06-01", "child"),
        ("山田　桜子", "2023-09-20", "child"),
    ]
    assert facts.name_kana == "ヤマダ　タロウ" and facts.postal_code == "100-0001"
    entry = AuditEntry.objects.get(action="office_answer_household_facts")
    assert entry.actor_id == "system:office_answers"
    assert entry.after["registry_match"] is True and entry.after["children_count"] == 2
    assert entry.after["purpose"] == "child_allowance_certification"
    assert "山田" not in str(entry.after)  # no names cross into the log either


def test_household_facts_name_which_attribute_differs(chiyoda) -> None:
    make_world(chiyoda)
    office = RegistryOfficeAnswers()
    wrong_birth = office.household_facts(
        municipality_code="131016",
        applicant=identity("山田 花子", "1990-03-16", "東京都千代田区千代田1-1"),
        purpose="x",
    )
    assert not wrong_birth.registry_match and wrong_birth.mismatches == ("birth_date",)
    assert wrong_birth.children == () and wrong_birth.household_head_name == ""
    nobody = office.household_facts(
        municipality_code="131016", applicant=identity("佐藤 一", "1970-01-01", "北海道"), purpose="x"
    )
    assert nobody.mismatches == ("name", "birth_date", "address")


def test_children_seen_from_the_spouse(chiyoda) -> None:
    world = make_world(chiyoda)
    facts = RegistryOfficeAnswers().household_facts(
        municipality_code="131016",
        applicant=identity(world.wife.full_name, "1990-03-15", "東京都千代田区千代田1-1"),
        purpose="x",
    )
    assert facts.registry_match and not facts.is_head_of_household
    assert {c.relationship for c in facts.children} == {"child"}
