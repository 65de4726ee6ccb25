"""妊娠の届出 services: the pregnancy record, 母子健康手帳 issuance and the 妊婦支援給付金 requests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from madoguchi.benefits import pregnancy_selectors as selectors
from madoguchi.benefits import pregnancy_services as services
from madoguchi.benefits.models import MaternalHandbook, PregnancyRecord, PregnancySupportRequest
from madoguchi.benefits.rules import pregnancy as rules
from madoguchi.core.errors import ActionNotPermitted, BusinessRuleViolation, NotFoundInMunicipality
from madoguchi.core.models import AccessLogEntry, AuditEntry
from madoguchi.registry.models import Resident

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
NOTIFIED = TODAY - dt.timedelta(days=30)


def _mother(municipality) -> Resident:
    since = dt.date(2019, 4, 1)
    return Resident.objects.create(
        municipality=municipality,
        resident_record_code="27000000001",
        family_name="妊娠",
        given_name="優子",
        family_name_kana="ニンシン",
        given_name_kana="ユウコ",
        birth_date=dt.date(1994, 8, 8),
        sex="female",
        prefecture="東京都",
        city="千代田区",
        machiaza="千代田",
        block_number="4-4",
        became_resident_on=since,
        address_set_on=since,
        status="current",
        relationship="世帯主",
        is_head=True,
    )


def answers(*, role: str = "self", fetuses: int = 1, confirmed: bool = True) -> dict[str, Any]:
    person = {"name": "妊娠 優子", "birth_date": "1994-08-08"}
    data: dict[str, Any] = {
        "applicant": {
            "role": role,
            **(person if role == "self" else {"name": "妊娠 太郎", "birth_date": "1990-01-01"}),
        },
        "pregnancy": {
            "weeks": 9,
            "due_on": (TODAY + dt.timedelta(days=200)).isoformat(),
            "fetus_count": fetuses,
        },
        "diagnosis": {"confirmed": confirmed, "institution": "まどぐちレディースクリニック"},
    }
    if role == "proxy":
        data["mother"] = person
    return data


@pytest.fixture
def mother(chiyoda) -> Resident:
    return _mother(chiyoda)


@pytest.fixture
def approver(chiyoda, make_staff):
    return make_staff(chiyoda, "approver")


@pytest.fixture
def clerk(chiyoda, make_staff):
    return make_staff(chiyoda, "counter_clerk")


@pytest.fixture
def reviewer(chiyoda, make_staff):
    return make_staff(chiyoda, "reviewer")


def record(approver, data, reference="N-1"):
    return services.record_pregnancy(
        actor=approver,
        municipality_code=approver.municipality_id,
        case_reference=reference,
        answers=data,
        notified_on=NOTIFIED,
    )


@pytest.mark.parametrize(("role", "fetuses"), [("self", 1), ("proxy", 2), ("self", 3)])
def test_record_with_handbook_count_and_first_request(approver, mother, role, fetuses) -> None:
    pregnancy = record(approver, answers(role=role, fetuses=fetuses))
    assert pregnancy.resident == mother
    assert pregnancy.fetus_count == fetuses
    assert pregnancy.handbooks_to_issue == rules.maternal_handbooks_to_issue(fetuses) == fetuses
    assert pregnancy.expected_delivery_on == TODAY + dt.timedelta(days=200)
    [first] = pregnancy.support_requests.all()
    assert first.payment == "first" and first.status == "requested"
    assert first.amount_yen == rules.first_payment_yen(NOTIFIED) == 50_000
    audit = AuditEntry.objects.get(action="benefits.record_pregnancy")
    assert audit.after["first_payment_yen"] == 50_000 and audit.after["handbooks_to_issue"] == fetuses


def test_unconfirmed_diagnosis_has_no_benefit_request_yet(approver, mother) -> None:
    pregnancy = record(approver, answers(confirmed=False))
    assert not pregnancy.support_requests.exists()


def test_before_the_benefit_existed_no_request(approver, mother) -> None:
    pregnancy = services.record_pregnancy(
        actor=approver,
        municipality_code=approver.municipality_id,
        case_reference="N-OLD",
        answers=answers(),
        notified_on=dt.date(2025, 3, 31),
    )
    assert not pregnancy.support_requests.exists()


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("pregnancy.weeks", None, "pregnancy.weeks"),
        ("pregnancy.due_on", "not a date", "pregnancy.due_on"),
        ("pregnancy.fetus_count", 0, "pregnancy.fetus_count"),
    ],
)
def test_bad_answers_are_refused(approver, mother, path, value, field) -> None:
    data = answers()
    section, key = path.split(".")
    data[section][key] = value
    with pytest.raises(BusinessRuleViolation) as info:
        record(approver, data)
    assert info.value.field == field
    assert not PregnancyRecord.objects.exists()


def test_unknown_person_duplicate_and_permission(chiyoda, approver, reviewer, mother) -> None:
    data = answers(role="proxy")
    data["mother"]["name"] = "別人 花子"
    with pytest.raises(BusinessRuleViolation) as info:
        record(approver, data)
    assert info.value.field == "mother"
    record(approver, answers())
    with pytest.raises(BusinessRuleViolation) as info:
        record(approver, answers())
    assert info.value.code == "already_recorded"
    with pytest.raises(ActionNotPermitted):
        record(reviewer, answers(), reference="N-2")
    assert PregnancyRecord.objects.count() == 1 and PregnancySupportRequest.objects.count() == 1


def test_handbook_issuance_numbers_one_per_fetus_once(approver, clerk, mother) -> None:
    twins = record(approver, answers(fetuses=2))
    single = record(approver, answers(), reference="N-2")
    books = services.record_handbook_issuance(actor=clerk, pregnancy_id=twins.pk, issued_on=TODAY)
    more = services.record_handbook_issuance(actor=clerk, pregnancy_id=single.pk, issued_on=TODAY)
    assert [b.handbook_number for b in books + more] == [f"M{TODAY.year}{n:06d}" for n in (1, 2, 3)]
    assert all(b.issued_by == clerk and b.issued_on == TODAY for b in books)
    with pytest.raises(BusinessRuleViolation) as info:
        services.record_handbook_issuance(actor=clerk, pregnancy_id=twins.pk, issued_on=TODAY)
    assert info.value.code == "already_issued"
    assert AuditEntry.objects.filter(action="benefits.issue_maternal_handbook").count() == 2


@pytest.mark.parametrize("days", [-31, 1])  # before the notification, in the future
def test_handbook_issue_date_must_be_plausible(approver, clerk, mother, days) -> None:
    pregnancy = record(approver, answers())
    with pytest.raises(BusinessRuleViolation) as info:
        services.record_handbook_issuance(
            actor=clerk, pregnancy_id=pregnancy.pk, issued_on=TODAY + dt.timedelta(days=days)
        )
    assert info.value.field == "issued_on"
    assert not MaternalHandbook.objects.exists()


def test_first_approved_then_second_by_fetus_count(approver, reviewer, clerk, mother) -> None:
    pregnancy = record(approver, answers(fetuses=2))
    first = pregnancy.support_requests.get()
    # The second payment follows an approved first one.
    with pytest.raises(BusinessRuleViolation) as info:
        services.request_second_payment(
            actor=reviewer, pregnancy_id=pregnancy.pk, fetus_count=2, notified_on=TODAY
        )
    assert info.value.code == "first_not_approved"
    with pytest.raises(ActionNotPermitted):
        services.approve_support_request(actor=reviewer, request_id=first.pk)
    approved = services.approve_support_request(actor=approver, request_id=first.pk)
    assert approved.status == "approved" and approved.approved_by == approver
    with pytest.raises(BusinessRuleViolation) as info:
        services.approve_support_request(actor=approver, request_id=first.pk)
    assert info.value.code == "already_approved"
    second = services.request_second_payment(
        actor=reviewer, pregnancy_id=pregnancy.pk, fetus_count=2, notified_on=TODAY
    )
    assert second.amount_yen == rules.second_payment_yen(2, TODAY) == 100_000
    with pytest.raises(BusinessRuleViolation) as info:
        services.request_second_payment(
            actor=reviewer, pregnancy_id=pregnancy.pk, fetus_count=2, notified_on=TODAY
        )
    assert info.value.code == "already_requested"
    assert services.approve_support_request(actor=approver, request_id=second.pk).status == "approved"
    with pytest.raises(ActionNotPermitted):
        services.request_second_payment(
            actor=clerk, pregnancy_id=pregnancy.pk, fetus_count=1, notified_on=TODAY
        )


def test_second_payment_refuses_zero_fetuses(approver, reviewer, mother) -> None:
    pregnancy = record(approver, answers())
    services.approve_support_request(actor=approver, request_id=pregnancy.support_requests.get().pk)
    with pytest.raises(BusinessRuleViolation) as info:
        services.request_second_payment(
            actor=reviewer, pregnancy_id=pregnancy.pk, fetus_count=0, notified_on=TODAY
        )
    assert info.value.field == "fetus_count"


def test_other_municipality_cannot_touch_and_reads_are_logged(sapporo, make_staff, approver, mother) -> None:
    pregnancy = record(approver, answers())
    outsider = make_staff(sapporo, "approver")
    with pytest.raises(NotFoundInMunicipality):
        services.record_handbook_issuance(actor=outsider, pregnancy_id=pregnancy.pk, issued_on=TODAY)
    with pytest.raises(NotFoundInMunicipality):
        services.approve_support_request(actor=outsider, request_id=pregnancy.support_requests.get().pk)
    with pytest.raises(NotFoundInMunicipality):
        selectors.access_pregnancy(
            actor=outsider, pregnancy_id=pregnancy.pk, purpose="benefit_administration"
        )
    view = selectors.access_pregnancy(
        actor=approver, pregnancy_id=pregnancy.pk, purpose="benefit_administration"
    )
    assert view.record == pregnancy and len(view.requests) == 1
    entry = AccessLogEntry.objects.get()
    assert entry.subject_id == str(mother.pk) and entry.purpose == "benefit_administration"
