"""PULL API for core business systems (基幹システム連携): signed requests, tenant isolation, the procedure filter,
cursor paging across new decisions (nothing lost, nothing twice), the access log, and the management commands."""

from __future__ import annotations

import datetime as dt
import io
import secrets
import threading
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from madoguchi.casework import core_systems, counter, services
from madoguchi.casework.models import (
    Case,
    CaseStatus,
    CoreSystem,
    DecidedCaseFeedEntry,
    DecidedCaseFeedHead,
)
from madoguchi.core.models import AccessLogEntry, AuditEntry, Municipality
from madoguchi.intake.tests.helpers import pregnancy_answers

from .helpers import CHILD, make_world, pull_all, submit_child_allowance

pytestmark = pytest.mark.django_db

URL = "/api/v1/office/core-systems/decided-cases"
PREGNANCY = "pregnancy_notification"


@pytest.fixture
def world(chiyoda):
    return make_world(chiyoda)


@pytest.fixture
def staff(chiyoda, make_staff) -> dict[str, Any]:
    return {
        "clerk": make_staff(chiyoda, "counter_clerk"),
        "reviewer": make_staff(chiyoda, "reviewer"),
        "approver": make_staff(chiyoda, "approver"),
    }


def register(municipality: Municipality, *procedures: str, name: str = "児童手当システム"):
    return core_systems.register_core_system(
        municipality_code=municipality.code, name=name, procedures=list(procedures)
    )


def signed_get(
    issued_or_pair: Any,
    params: dict[str, Any],
    *,
    nonce: str | None = None,
    timestamp: int | None = None,
    secret: str | None = None,
    sign_query: str | None = None,
    client: APIClient | None = None,
) -> Any:
    """A GET signed the way a core system signs it (overrides make it wrong on purpose)."""
    client_id = issued_or_pair.system.client_id
    key = secret if secret is not None else issued_or_pair.secret
    query = urlencode(params)
    ts = str(timestamp if timestamp is not None else int(time.time()))
    nonce = nonce or secrets.token_urlsafe(18)
    signature = core_systems.sign_request(
        secret=key,
        method="GET",
        path=URL,
        query_string=sign_query if sign_query is not None else query,
        timestamp=ts,
        nonce=nonce,
        client_id=client_id,
    )
    return (client or APIClient()).get(
        f"{URL}?{query}",
        HTTP_X_MADOGUCHI_CLIENT=client_id,
        HTTP_X_MADOGUCHI_TIMESTAMP=ts,
        HTTP_X_MADOGUCHI_NONCE=nonce,
        HTTP_X_MADOGUCHI_SIGNATURE=signature,
    )


_seq = {"n": 0}


def make_case(municipality: Municipality, procedure: str = PREGNANCY, *, decide: bool = True) -> Case:
    """A case row as the office holds it after a decision (the feed mechanics without the whole workflow)."""
    _seq["n"] += 1
    n = _seq["n"]
    now = timezone.now()
    case = Case.objects.create(
        municipality=municipality,
        receipt_number=f"T{municipality.code}{n:06d}"[:20],
        procedure_code=procedure,
        form_version=1,
        procedure_name="試験の手続",
        applicant_name=f"試験　太郎{n}",
        status=CaseStatus.IN_REVIEW,
        queue="test",
        received_at=now,
        source_id=f"test:{municipality.code}:{n}",
        answers={"applicant": {"name": f"試験　太郎{n}"}, "n": n},
        attachments=[],
        created_at=now,
        updated_at=now,
    )
    if decide:
        decide_case(case)
    return case


def decide_case(case: Case) -> None:
    with transaction.atomic():
        case.status = CaseStatus.NOTICE_ISSUED
        case.decision_outcome = "grant"
        case.decided_at = timezone.now()
        case.save()
        core_systems.publish_decided_case(case, at=case.decided_at)


def receipts(response: Any) -> list[str]:
    return [item["receipt_number"] for item in response.json()["items"]]


# ---------------------------------------------------------------------------------------------------------------
# The data of real decided cases


def test_decided_signed_application_with_everything_a_core_system_needs(chiyoda, world, staff) -> None:
    submit_child_allowance(chiyoda, world)
    pull_all()
    case = Case.objects.get()
    reviewer, approver = staff["reviewer"], staff["approver"]
    services.accept_case(actor=reviewer, case_id=case.pk)
    services.claim_case(actor=reviewer, case_id=case.pk)
    services.start_review(actor=reviewer, case_id=case.pk)
    services.propose_decision(actor=reviewer, case_id=case.pk, outcome="grant", reason="要件を満たす。")
    issued = register(chiyoda, CHILD)
    assert signed_get(issued, {"procedure": CHILD}).json()["items"] == []  # not decided yet
    services.approve_step(actor=approver, case_id=case.pk)
    case.refresh_from_db()

    response = signed_get(issued, {"procedure": CHILD})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["has_more"] is False
    [item] = body["items"]
    assert item["receipt_number"] == case.receipt_number
    assert item["procedure_code"] == CHILD and item["form_version"] == 1
    assert item["status"] == "notice_issued"
    assert item["decision"]["outcome"] == "grant"
    assert item["decision"]["reason"] == "要件を満たす。"
    assert item["decision"]["decided_on"] == timezone.localdate(case.decided_at).isoformat()
    assert item["notice"]["document_id"] == case.notice.document.public_id
    assert item["applicant"]["resident_id"] == world.head.pk
    assert item["applicant"]["resident_record_code"] == world.head.resident_record_code
    assert item["applicant"]["identified_by"] == "sign_certificate_serial"
    assert item["applicant"]["sign_certificate_serial"] == case.applicant_sign_serial
    assert item["answers"] == case.answers and "applicant" in item["answers"]
    assert [a["sha256"] for a in item["attachments"]] == [a["sha256"] for a in case.attachments]
    assert body["next_cursor"] == item["cursor"]

    # Every case returned and the resident it names are in the access log, read by the system's own account.
    logs = AccessLogEntry.objects.filter(actor=issued.system.service_account)
    assert {(e.subject_type, e.subject_id, e.purpose) for e in logs} == {
        ("case", case.receipt_number, "core_system_integration"),
        ("resident", str(world.head.pk), "core_system_integration"),
    }
    assert all(e.municipality_id == chiyoda.code for e in logs)


def decide_counter_case(world, staff, outcome: str = "deny") -> Case:
    """A counter 妊娠の届出 taken, examined and decided (notice issued)."""
    clerk, reviewer, approver = staff["clerk"], staff["reviewer"], staff["approver"]
    session = counter.start_counter_application(
        actor=clerk, resident_id=world.wife.pk, procedure_code=PREGNANCY
    )
    counter.save_counter_answers(actor=clerk, public_id=session.public_id, values=dict(pregnancy_answers()))
    counter.confirm_identity(actor=clerk, public_id=session.public_id, method="my_number_card")
    counter.issue_confirmation_sheet(actor=clerk, public_id=session.public_id, sections=[])
    case = counter.submit_counter_application(actor=clerk, public_id=session.public_id).case
    assert case is not None
    services.accept_case(actor=reviewer, case_id=case.pk)
    services.claim_case(actor=reviewer, case_id=case.pk)
    services.start_review(actor=reviewer, case_id=case.pk)
    services.propose_decision(actor=reviewer, case_id=case.pk, outcome=outcome, reason="重複した届出のため。")
    services.approve_step(actor=approver, case_id=case.pk)
    case.refresh_from_db()
    return case


def test_counter_application_names_the_resident_the_clerk_picked(chiyoda, world, staff) -> None:
    decide_counter_case(world, staff)
    [item] = signed_get(register(chiyoda, PREGNANCY), {"procedure": PREGNANCY}).json()["items"]
    assert item["is_assisted"] is True
    assert item["applicant"]["identified_by"] == "counter"
    assert item["applicant"]["resident_record_code"] == world.wife.resident_record_code
    assert item["decision"]["outcome"] == "deny"
    assert item["status"] == "notice_issued"


# ---------------------------------------------------------------------------------------------------------------
# Authentication


def test_missing_credential_is_401_problem_json(chiyoda) -> None:
    register(chiyoda, PREGNANCY)
    response = APIClient().get(URL, {"procedure": PREGNANCY})
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")
    assert "X-Madoguchi-Client" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("MADOGUCHI-HMAC-SHA256")


def test_staff_session_is_not_a_core_system_credential(chiyoda, staff_api) -> None:
    client, _user = staff_api(chiyoda, "administrator")
    assert client.get(URL, {"procedure": PREGNANCY}).status_code == 401


@pytest.mark.parametrize(
    "wrong",
    ["secret", "stale", "future", "nonce_format", "query_tampered", "client_unknown"],
)
def test_wrong_signatures_are_401(chiyoda, wrong: str) -> None:
    issued = register(chiyoda, PREGNANCY)
    make_case(chiyoda)
    kwargs: dict[str, Any] = {}
    if wrong == "secret":
        kwargs["secret"] = issued.secret + "x"
    elif wrong == "stale":
        kwargs["timestamp"] = int(time.time()) - core_systems.CLOCK_SKEW_SECONDS - 5
    elif wrong == "future":
        kwargs["timestamp"] = int(time.time()) + core_systems.CLOCK_SKEW_SECONDS + 5
    elif wrong == "nonce_format":
        kwargs["nonce"] = "short"
    elif wrong == "query_tampered":
        kwargs["sign_query"] = urlencode({"procedure": "child_allowance_certification"})
    elif wrong == "client_unknown":
        issued = core_systems.IssuedCredential(CoreSystem(client_id="cs_unknown"), issued.secret)
    response = signed_get(issued, {"procedure": PREGNANCY}, **kwargs)
    assert response.status_code == 401, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert not AccessLogEntry.objects.filter(purpose="core_system_integration").exists()


def test_replayed_request_is_refused(chiyoda) -> None:
    issued = register(chiyoda, PREGNANCY)
    nonce = secrets.token_urlsafe(18)
    assert signed_get(issued, {"procedure": PREGNANCY}, nonce=nonce).status_code == 200
    replay = signed_get(issued, {"procedure": PREGNANCY}, nonce=nonce)
    assert replay.status_code == 401
    assert "already used" in replay.json()["detail"]


def test_revoke_and_rotate(chiyoda) -> None:
    issued = register(chiyoda, PREGNANCY)
    core_systems.revoke_credential(client_id=issued.system.client_id)
    response = signed_get(issued, {"procedure": PREGNANCY})
    assert response.status_code == 401 and "revoked" in response.json()["detail"]
    rotated = core_systems.rotate_credential(client_id=issued.system.client_id)
    assert signed_get(issued, {"procedure": PREGNANCY}).status_code == 401  # the old key is dead
    assert signed_get(rotated, {"procedure": PREGNANCY}).status_code == 200
    actions = list(
        AuditEntry.objects.filter(target_type="core_system", target_id=issued.system.client_id)
        .order_by("sequence")
        .values_list("action", flat=True)
    )
    assert actions == [
        "casework.core_system_register",
        "casework.core_system_revoke",
        "casework.core_system_rotate",
    ]
    # The key is never stored in the clear.
    stored = CoreSystem.objects.get(pk=issued.system.pk)
    assert rotated.secret not in stored.secret_encrypted and rotated.secret not in str(
        AuditEntry.objects.filter(target_type="core_system").values_list("after", flat=True)
    )


def test_old_nonces_are_pruned(chiyoda) -> None:
    from madoguchi.casework.models import CoreSystemNonce

    issued = register(chiyoda, PREGNANCY)
    CoreSystemNonce.objects.create(
        system=issued.system, nonce="o" * 20, seen_at=timezone.now() - dt.timedelta(hours=1)
    )
    assert signed_get(issued, {"procedure": PREGNANCY}).status_code == 200
    assert list(CoreSystemNonce.objects.filter(system=issued.system).values_list("nonce", flat=True)) != [
        "o" * 20
    ]
    assert not CoreSystemNonce.objects.filter(nonce="o" * 20).exists()


# ---------------------------------------------------------------------------------------------------------------
# Scope: municipality and procedures


def test_other_municipalities_are_never_visible(chiyoda, sapporo) -> None:
    ours = [make_case(chiyoda) for _ in range(2)]
    theirs = [make_case(sapporo) for _ in range(3)]
    chiyoda_system = register(chiyoda, PREGNANCY)
    sapporo_system = register(sapporo, PREGNANCY)
    assert receipts(signed_get(chiyoda_system, {"procedure": PREGNANCY})) == [c.receipt_number for c in ours]
    assert receipts(signed_get(sapporo_system, {"procedure": PREGNANCY})) == [
        c.receipt_number for c in theirs
    ]
    # A cursor taken from the other municipality's feed does not open its cases either.
    far = signed_get(sapporo_system, {"procedure": PREGNANCY})
    assert (
        receipts(signed_get(chiyoda_system, {"procedure": PREGNANCY, "cursor": far.json()["next_cursor"]}))
        == []
    )
    assert not AccessLogEntry.objects.filter(
        actor=chiyoda_system.system.service_account, municipality_id=sapporo.code
    ).exists()


def test_only_allowed_procedures(chiyoda) -> None:
    pregnancy = [make_case(chiyoda, PREGNANCY) for _ in range(2)]
    make_case(chiyoda, CHILD)
    issued = register(chiyoda, PREGNANCY, name="母子保健システム")
    assert receipts(signed_get(issued, {"procedure": PREGNANCY})) == [c.receipt_number for c in pregnancy]
    refused = signed_get(issued, {"procedure": CHILD})
    assert refused.status_code == 403
    assert refused["Content-Type"].startswith("application/problem+json")
    assert refused.json()["procedure"] == CHILD
    core_systems.set_procedures(client_id=issued.system.client_id, procedures=[PREGNANCY, CHILD])
    assert len(receipts(signed_get(issued, {"procedure": CHILD}))) == 1


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({}, "procedure"),
        ({"procedure": PREGNANCY, "limit": "0"}, "limit"),
        ({"procedure": PREGNANCY, "limit": "201"}, "limit"),
        ({"procedure": PREGNANCY, "limit": "ten"}, "limit"),
        ({"procedure": PREGNANCY, "cursor": "not a cursor!"}, "cursor"),
        ({"procedure": PREGNANCY, "cursor": "Zm9vYmFy"}, "cursor"),
        ({"procedure": PREGNANCY, "cursor": core_systems.encode_cursor(CHILD, 3)}, "cursor"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(chiyoda, params, parameter) -> None:
    issued = register(chiyoda, PREGNANCY)
    response = signed_get(issued, params)
    assert response.status_code == 400, response.content
    body = response.json()
    assert response["Content-Type"].startswith("application/problem+json")
    assert body["parameter"] == parameter and body["detail"].startswith(f"{parameter}:")


# ---------------------------------------------------------------------------------------------------------------
# Cursor paging


def test_paging_across_new_decisions_loses_nothing_and_repeats_nothing(chiyoda) -> None:
    issued = register(chiyoda, PREGNANCY)
    # Made first (lowest id) but decided last, while the consumer is paging: an id cursor would skip it.
    early = make_case(chiyoda, decide=False)
    first = [make_case(chiyoda) for _ in range(5)]
    seen: list[str] = []
    page = signed_get(issued, {"procedure": PREGNANCY, "limit": 2}).json()
    seen += [i["receipt_number"] for i in page["items"]]
    assert page["has_more"] is True
    decide_case(early)
    late = make_case(chiyoda)
    cursor = page["next_cursor"]
    # At-least-once: asking again with the same cursor (the consumer crashed before storing it) repeats the page.
    again = signed_get(issued, {"procedure": PREGNANCY, "limit": 2, "cursor": cursor}).json()
    while True:
        page = signed_get(issued, {"procedure": PREGNANCY, "limit": 2, "cursor": cursor}).json()
        seen += [i["receipt_number"] for i in page["items"]]
        assert (
            page["next_cursor"]
            and page["next_cursor"] != ""
            and (page["items"] or page["next_cursor"] == cursor)
        )
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert again["items"][0]["receipt_number"] == first[2].receipt_number
    expected = [c.receipt_number for c in first] + [early.receipt_number, late.receipt_number]
    assert seen == expected  # every case once, in decision order
    # Nothing new: an empty page and the same cursor.
    idle = signed_get(issued, {"procedure": PREGNANCY, "cursor": cursor}).json()
    assert idle == {"items": [], "next_cursor": cursor, "has_more": False}


def test_publish_is_idempotent_and_sequences_are_per_municipality(chiyoda, sapporo) -> None:
    a = make_case(chiyoda)
    b = make_case(sapporo)
    with transaction.atomic():
        assert core_systems.publish_decided_case(a, at=timezone.now()).sequence == 1
    assert DecidedCaseFeedEntry.objects.filter(case=a).count() == 1
    assert DecidedCaseFeedEntry.objects.get(case=b).sequence == 1
    assert DecidedCaseFeedHead.objects.get(municipality=chiyoda).last_sequence == 1


def test_disposed_cases_drop_out_of_the_feed(chiyoda) -> None:
    issued = register(chiyoda, PREGNANCY)
    kept, gone = make_case(chiyoda), make_case(chiyoda)
    Case.objects.filter(pk=gone.pk).delete()  # what disposal after the retention period does at the end
    assert receipts(signed_get(issued, {"procedure": PREGNANCY})) == [kept.receipt_number]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections (PostgreSQL)")
def test_a_decision_still_uncommitted_is_never_overtaken(chiyoda) -> None:
    """Two decisions at once: the second waits for the first to commit, so the number a reader has passed is never
    given to a case that becomes visible later (sequence order is commit order)."""
    slow, fast = make_case(chiyoda, decide=False), make_case(chiyoda, decide=False)
    issued = register(chiyoda, PREGNANCY)
    first_published = threading.Event()
    release_first = threading.Event()
    second_done = threading.Event()
    errors: list[BaseException] = []

    def decide_slowly() -> None:
        try:
            with transaction.atomic():
                core_systems.publish_decided_case(Case.objects.get(pk=slow.pk), at=timezone.now())
                first_published.set()
                release_first.wait(10)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    def decide_fast() -> None:
        try:
            first_published.wait(10)
            decide_case(Case.objects.get(pk=fast.pk))
            second_done.set()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=decide_slowly), threading.Thread(target=decide_fast)]
    for thread in threads:
        thread.start()
    assert first_published.wait(10)
    # The fast decision is blocked behind the slow one; a reader sees neither yet, and its cursor stays put.
    assert not second_done.wait(0.5)
    empty = signed_get(issued, {"procedure": PREGNANCY}).json()
    assert empty["items"] == []
    release_first.set()
    for thread in threads:
        thread.join(10)
    assert not errors, errors
    page = signed_get(issued, {"procedure": PREGNANCY, "cursor": empty["next_cursor"]}).json()
    assert receipts_of(page) == [slow.receipt_number, fast.receipt_number]


def receipts_of(page: dict[str, Any]) -> list[str]:
    return [item["receipt_number"] for item in page["items"]]


# ---------------------------------------------------------------------------------------------------------------
# Management commands


def test_commands_register_rotate_revoke(chiyoda) -> None:
    out = io.StringIO()
    call_command(
        "core_system_register",
        municipality=chiyoda.code,
        name="介護保険システム",
        procedure=[PREGNANCY],
        stdout=out,
    )
    text = out.getvalue()
    system = CoreSystem.objects.get(name="介護保険システム")
    assert system.client_id in text
    secret = text.split("signing key (shown once, store it now): ")[1].strip()
    assert (
        signed_get(core_systems.IssuedCredential(system, secret), {"procedure": PREGNANCY}).status_code == 200
    )
    assert system.service_account.is_active is False and not system.service_account.has_usable_password()

    out = io.StringIO()
    call_command("core_system_credential", system.client_id, "--rotate", stdout=out)
    new_secret = out.getvalue().split("store it now): ")[1].split()[0]
    assert new_secret != secret
    call_command("core_system_credential", system.client_id, "--revoke", stdout=io.StringIO())
    assert (
        signed_get(core_systems.IssuedCredential(system, new_secret), {"procedure": PREGNANCY}).status_code
        == 401
    )

    with pytest.raises(CommandError, match="procedures: Unknown procedure"):
        call_command(
            "core_system_register",
            municipality=chiyoda.code,
            name="X",
            procedure=["nope"],
            stdout=io.StringIO(),
        )
    with pytest.raises(CommandError, match="name: A core system named"):
        call_command(
            "core_system_register",
            municipality=chiyoda.code,
            name="介護保険システム",
            procedure=[PREGNANCY],
            stdout=io.StringIO(),
        )
    with pytest.raises(CommandError, match="client_id"):
        call_command("core_system_credential", "cs_missing", "--revoke", stdout=io.StringIO())


def test_a_page_costs_a_fixed_number_of_queries(chiyoda, django_assert_max_num_queries) -> None:
    """No query per case for the feed, notices, decision reasons or the access log (counter and unsigned cases)."""
    issued = register(chiyoda, PREGNANCY)
    for _ in range(30):
        make_case(chiyoda)
    with django_assert_max_num_queries(10):
        response = signed_get(issued, {"procedure": PREGNANCY, "limit": 30})
    assert len(response.json()["items"]) == 30


def test_migration_backfills_cases_decided_before_the_feed(chiyoda, world, staff) -> None:
    import importlib

    from django.apps import apps

    migration = importlib.import_module("madoguchi.casework.migrations.0004_core_systems_decided_case_feed")
    case = decide_counter_case(world, staff, outcome="grant")
    DecidedCaseFeedEntry.objects.all().delete()
    DecidedCaseFeedHead.objects.all().delete()
    migration.backfill_feed(apps, None)
    entry = DecidedCaseFeedEntry.objects.get()
    assert (entry.case_id, entry.sequence, entry.procedure_code) == (case.pk, 1, PREGNANCY)
    assert DecidedCaseFeedHead.objects.get(municipality=chiyoda).last_sequence == 1
    # New decisions continue after the backfilled ones.
    later = make_case(chiyoda)
    assert DecidedCaseFeedEntry.objects.get(case=later).sequence == 2
