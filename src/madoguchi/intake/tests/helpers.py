"""Test helpers for intake: a small synthetic household, simulated cards, resident login, valid answers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.http import HttpRequest
from django.test import Client
from django.utils import timezone

from madoguchi.common.kana import kana_search_key
from madoguchi.common.names import name_search_key
from madoguchi.core.models import Municipality
from madoguchi.identity.jpki import SoftwareCard, serial_hex
from madoguchi.identity.jpki.attributes import decode_subject_alt_names
from madoguchi.identity.portal_session import PortalIdentity, login_portal_identity
from madoguchi.identity.services import issue_test_card
from madoguchi.registry.models import Household, Resident

SIGN_PIN = "ABC123"
AUTH_PIN = "1234"
ADDRESS = ("東京都", "千代田区", "千代田", "1-1")


def make_resident(
    municipality: Municipality,
    household: Household | None,
    *,
    family: str,
    given: str,
    family_kana: str,
    given_kana: str,
    birth: dt.date,
    sex: str,
    relationship: str,
    is_head: bool = False,
    code: str,
    block: str = ADDRESS[3],
) -> Resident:
    """One current resident (synthetic) written directly to the registry tables."""
    return Resident.objects.create(
        municipality=municipality,
        resident_record_code=code,
        family_name=family,
        given_name=given,
        family_name_kana=family_kana,
        given_name_kana=given_kana,
        name_search_key=name_search_key(family + given),
        kana_search_key=kana_search_key(family_kana + given_kana),
        birth_date=birth,
        sex=sex,
        prefecture=ADDRESS[0],
        city=ADDRESS[1],
        machiaza=ADDRESS[2],
        block_number=block,
        postal_code="100-0001",
        became_resident_on=dt.date(2015, 4, 1),
        address_set_on=dt.date(2015, 4, 1),
        status="current",
        household=household,
        is_head=is_head,
        relationship=relationship,
    )


@dataclass
class World:
    head: Resident
    wife: Resident
    child1: Resident
    child2: Resident
    other: Resident  # 髙橋 (異体字 in the registry), head of another household


def make_world(municipality: Municipality) -> World:
    """The Yamada household (head, wife, two children) and a neighbour whose name uses 髙."""
    household = Household.objects.create(
        municipality=municipality, household_number="H0001", created_on=dt.date(2015, 4, 1)
    )
    head = make_resident(
        municipality,
        household,
        family="山田",
        given="太郎",
        family_kana="ヤマダ",
        given_kana="タロウ",
        birth=dt.date(1985, 5, 10),
        sex="male",
        relationship="世帯主",
        is_head=True,
        code="10000000001",
    )
    wife = make_resident(
        municipality,
        household,
        family="山田",
        given="花子",
        family_kana="ヤマダ",
        given_kana="ハナコ",
        birth=dt.date(1990, 3, 15),
        sex="female",
        relationship="妻",
        code="10000000002",
    )
    child1 = make_resident(
        municipality,
        household,
        family="山田",
        given="一郎",
        family_kana="ヤマダ",
        given_kana="イチロウ",
        birth=dt.date(2020, 6, 1),
        sex="male",
        relationship="子",
        code="10000000003",
    )
    child2 = make_resident(
        municipality,
        household,
        family="山田",
        given="桜子",
        family_kana="ヤマダ",
        given_kana="サクラコ",
        birth=dt.date(2023, 9, 20),
        sex="female",
        relationship="子",
        code="10000000004",
    )
    other_household = Household.objects.create(
        municipality=municipality, household_number="H0002", created_on=dt.date(2016, 4, 1)
    )
    other = make_resident(
        municipality,
        other_household,
        family="髙橋",
        given="美咲",
        family_kana="タカハシ",
        given_kana="ミサキ",
        birth=dt.date(1992, 11, 3),
        sex="female",
        relationship="世帯主",
        is_head=True,
        code="10000000005",
        block="2-3",
    )
    return World(head, wife, child1, child2, other)


def sex_code(resident: Resident) -> str:
    return {"male": "1", "female": "2"}.get(resident.sex, "9")


def card_identity(resident: Resident) -> tuple[PortalIdentity, SoftwareCard]:
    """Issue a simulated card to `resident` and return the login identity it gives plus the card."""
    record = issue_test_card(actor=None, resident_id=resident.pk, signing_pin=SIGN_PIN, auth_pin=AUTH_PIN)
    card = SoftwareCard.from_dict(record.card_data)
    san = card.signing_certificate().extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    subject = decode_subject_alt_names(san)
    identity = PortalIdentity(
        method="jpki_card",
        auth_serial=serial_hex(card.authentication_certificate().serial_number),
        authenticated_at=timezone.now().isoformat(),
        name=subject.name,
        address=subject.address,
        birth_date=resident.birth_date.isoformat() if resident.birth_date else "",
        sex=sex_code(resident),
        sign_serial=serial_hex(card.signing_certificate().serial_number),
    )
    return identity, card


def certificate_pem(card: SoftwareCard) -> str:
    return card.signing_certificate().public_bytes(serialization.Encoding.PEM).decode("ascii")


def login_resident(client: Client, identity: PortalIdentity) -> Client:
    """Log a resident in on a test client through `login_portal_identity` (as the card login ends)."""
    engine = import_module(settings.SESSION_ENGINE)
    request = HttpRequest()
    request.session = engine.SessionStore()
    login_portal_identity(request, identity)
    request.session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = request.session.session_key
    return client


def today() -> dt.date:
    return timezone.localdate()


def child_allowance_answers(world: World, **overrides: Any) -> dict[str, Any]:
    """Complete, valid answers of 児童手当 認定請求 (v1) for the head of the Yamada household."""
    answers: dict[str, Any] = {
        "applicant": {
            "name": "山田　太郎",
            "name_kana": "ヤマダ　タロウ",
            "birth_date": "1985-05-10",
            "postal_code": "100-0001",
            "address": "東京都千代田区千代田1-1",
            "phone": "09012345678",
            "is_public_servant": False,
            "pension": "employees_pension",
        },
        "claim": {
            "reason": "moving_in",
            "event_on": (today() - dt.timedelta(days=3)).isoformat(),
            "is_main_earner": True,
        },
        "spouse": {
            "exists": True,
            "name": "山田　花子",
            "name_kana": "ヤマダ　ハナコ",
            "birth_date": "1990-03-15",
            "lives_together": True,
            "pension": "national_pension",
        },
        "children": [
            {
                "name": "山田　一郎",
                "name_kana": "ヤマダ　イチロウ",
                "birth_date": "2020-06-01",
                "relationship": "child",
                "is_cared_for": True,
            },
            {
                "name": "山田　桜子",
                "name_kana": "ヤマダ　サクラコ",
                "birth_date": "2023-09-20",
                "relationship": "child",
                "is_cared_for": True,
            },
        ],
        "children_apart_exists": False,
        "older_children_exists": False,
        "payment": {"method": "public_fund_account"},
        "declaration": {"public_records_consent": True, "truthful": True},
    }
    for path, value in overrides.items():
        node = answers
        parts = path.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return answers


def pregnancy_answers(**overrides: Any) -> dict[str, Any]:
    """Complete, valid 妊娠の届出 answers by 山田 花子 herself."""
    answers: dict[str, Any] = {
        "applicant": {
            "role": "self",
            "name": "山田　花子",
            "name_kana": "ヤマダ　ハナコ",
            "birth_date": "1990-03-15",
            "postal_code": "100-0001",
            "address": "東京都千代田区千代田1-1",
            "phone": "0312345678",
        },
        "mother": {"occupation": "employee"},
        "pregnancy": {"weeks": 9, "due_on": (today() + dt.timedelta(days=200)).isoformat(), "fetus_count": 1},
        "diagnosis": {"confirmed": True, "institution": "千代田レディースクリニック"},
        "health": {"std_tb_check": "yes"},
        "interview": {"preference": "counter"},
        "declaration": {"truthful": True},
    }
    for path, value in overrides.items():
        node = answers
        parts = path.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return answers


PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF_BYTES = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE_BYTES = b"MZ\x90\x00" + b"\x00" * 64
