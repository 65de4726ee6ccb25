"""児童手当 payment runs: selection, the 全銀 file byte by byte, no double payment, immutability, holder names, pages."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading

import pytest
from django.db import IntegrityError, connection, transaction

from madoguchi.benefits import child_allowance_services as services
from madoguchi.benefits.models import (
    PaidMonth,
    PaymentItem,
    PaymentRun,
    PaymentRunLocked,
)
from madoguchi.benefits.zengin import RECORD_LENGTH, parse_transfer_file
from madoguchi.casework.tests.helpers import make_world
from madoguchi.core.errors import ActionNotPermitted, BusinessRuleViolation
from madoguchi.core.models import AuditEntry
from madoguchi.intake.tests.helpers import child_allowance_answers
from madoguchi.testing import login_verified

from . import child_allowance_helpers as helpers
from .child_allowance_helpers import FEB, set_settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(chiyoda):
    return make_world(chiyoda)


@pytest.fixture
def approver(chiyoda, make_staff):
    return make_staff(chiyoda, "approver")


@pytest.fixture
def reviewer(chiyoda, make_staff):
    return make_staff(chiyoda, "reviewer")


@pytest.fixture
def settings_row(reviewer):
    return set_settings(reviewer)


def certify(chiyoda, world, approver, reference: str, holder: str = "ヤマダ　タロウ", **overrides):
    return helpers.certify(chiyoda, world, approver, reference, holder, **overrides)


def wife(chiyoda, world, approver, reference: str, holder: str = "ﾔﾏﾀﾞ ﾊﾅｺ"):
    return helpers.certify_wife(chiyoda, world, approver, reference, holder)


def test_plan_counts_the_two_months_by_the_rules(chiyoda, world, approver, settings_row) -> None:
    recipient = certify(chiyoda, world, approver, "R-1")
    plan = services.plan_payment(municipality_code=chiyoda.code, payment_month=FEB)
    assert plan.covered == (dt.date(2026, 12, 1), dt.date(2027, 1, 1))
    [payment] = plan.payments
    assert payment.recipient == recipient and payment.month_amounts == (20_000, 20_000)
    assert payment.amount_yen == 40_000 and not payment.blocked
    # December pays October/November: before the start month (December) nothing is due.
    assert (
        services.plan_payment(municipality_code=chiyoda.code, payment_month=dt.date(2026, 12, 1)).payments
        == []
    )
    with pytest.raises(BusinessRuleViolation) as info:
        services.plan_payment(municipality_code=chiyoda.code, payment_month=dt.date(2027, 3, 1))
    assert info.value.field == "payment_month"


def test_export_writes_a_zengin_file_byte_for_byte(chiyoda, world, approver, reviewer, settings_row) -> None:
    certify(chiyoda, world, approver, "R-1")
    wife(chiyoda, world, approver, "R-2")
    run = services.create_payment_run(actor=reviewer, payment_month=FEB)
    assert run.transfer_on == dt.date(2027, 2, 10)  # a Wednesday
    run = services.export_payment_run(actor=reviewer, run_id=run.pk)
    data = bytes(run.transfer_file)
    assert run.file_sha256 == hashlib.sha256(data).hexdigest()
    records = data.split(b"\r\n")
    assert records[-1] == b""
    records = records[:-1]
    assert [len(r) for r in records] == [RECORD_LENGTH] * 5
    assert [r[:1] for r in records] == [b"1", b"2", b"2", b"8", b"9"]
    header, first, second, trailer, end = records
    assert header[:14] == b"1210" + b"1234567890"
    assert header[54:58] == b"0210"  # 振込指定日 MMDD
    assert first[50:80] == "ﾔﾏﾀﾞ ﾀﾛｳ".encode("cp932").ljust(30)
    assert first[80:90] == b"0000040000"
    assert second[50:80] == "ﾔﾏﾀﾞ ﾊﾅｺ".encode("cp932").ljust(30)
    assert trailer[1:7] == b"000002" and trailer[7:19] == b"000000080000"
    assert trailer[19:] == b" " * 101 and end == b"9" + b" " * 119
    parsed = parse_transfer_file(data, year=2027)
    [group] = parsed.groups
    assert group.total_yen == 80_000 and group.record_count == 2
    assert group.transfers[0].customer_code_1 == run.items.order_by("id")[0].recipient.certification_number
    assert "振込" in run.register_csv and "80000" in run.register_csv
    audit = AuditEntry.objects.get(action="benefits.export_payment_run")
    assert audit.after["sha256"] == run.file_sha256 and audit.after["total_yen"] == 80_000


def test_rerunning_a_month_never_pays_twice(chiyoda, world, approver, reviewer, settings_row) -> None:
    recipient = certify(chiyoda, world, approver, "R-1")
    run = services.create_payment_run(actor=reviewer, payment_month=FEB)
    services.export_payment_run(actor=reviewer, run_id=run.pk)
    assert set(PaidMonth.objects.values_list("allowance_month", flat=True)) == {
        dt.date(2026, 12, 1),
        dt.date(2027, 1, 1),
    }
    with pytest.raises(BusinessRuleViolation) as info:
        services.create_payment_run(actor=reviewer, payment_month=FEB)
    assert info.value.code == "nothing_due"
    # The database itself refuses a second payment of a month.
    with pytest.raises(IntegrityError), transaction.atomic():
        PaidMonth.objects.create(
            municipality_id=chiyoda.code,
            recipient=recipient,
            allowance_month=dt.date(2026, 12, 1),
            run=run,
            amount_yen=20_000,
        )
    # The next payment month carries on with the months not paid yet.
    april = services.plan_payment(municipality_code=chiyoda.code, payment_month=dt.date(2027, 4, 1))
    assert [p.months for p in april.payments] == [(dt.date(2027, 2, 1), dt.date(2027, 3, 1))]


def test_second_draft_for_a_month_is_refused(chiyoda, world, approver, reviewer, settings_row) -> None:
    certify(chiyoda, world, approver, "R-1")
    services.create_payment_run(actor=reviewer, payment_month=FEB)
    with pytest.raises(BusinessRuleViolation) as info:
        services.create_payment_run(actor=reviewer, payment_month=FEB)
    assert info.value.code == "draft_exists"
    assert PaymentRun.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections (PostgreSQL)")
def test_concurrent_creates_make_one_run(chiyoda, world, approver, reviewer, settings_row) -> None:
    certify(chiyoda, world, approver, "R-1")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def create() -> None:
        from django.db import connections

        try:
            barrier.wait()
            services.create_payment_run(actor=reviewer, payment_month=FEB)
            outcomes.append("created")
        except BusinessRuleViolation as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["created", "draft_exists"]
    assert PaymentRun.objects.count() == 1


def test_exported_run_is_immutable(chiyoda, world, approver, reviewer, settings_row) -> None:
    certify(chiyoda, world, approver, "R-1")
    run = services.create_payment_run(actor=reviewer, payment_month=FEB)
    run = services.export_payment_run(actor=reviewer, run_id=run.pk)
    for call in (
        lambda: services.export_payment_run(actor=reviewer, run_id=run.pk),
        lambda: services.discard_payment_run(actor=reviewer, run_id=run.pk),
    ):
        with pytest.raises(BusinessRuleViolation) as info:
            call()
        assert info.value.code == "exported"
    run.total_yen = 1
    with pytest.raises(PaymentRunLocked):
        run.save()
    with pytest.raises(PaymentRunLocked):
        run.delete()
    item = PaymentItem.objects.get(run=run)
    item.amount_yen = 1
    with pytest.raises(PaymentRunLocked):
        item.save()
    run.refresh_from_db()
    assert run.total_yen == 40_000 and hashlib.sha256(bytes(run.transfer_file)).hexdigest() == run.file_sha256


def test_holder_name_mismatch_blocks_the_payee_until_confirmed(
    chiyoda, world, approver, reviewer, settings_row
) -> None:
    certify(chiyoda, world, approver, "R-1", holder="ヤマダ　ハナコ")  # the head's claim, the wife's account
    wife(chiyoda, world, approver, "R-2", holder="ﾔﾏﾀﾞ ﾊﾅｺ")  # half-width, folded: matches
    run = services.create_payment_run(actor=reviewer, payment_month=FEB)
    blocked = PaymentItem.objects.get(run=run, status="blocked")
    assert blocked.recipient.resident_id == world.head.pk
    assert "一致しません" in blocked.blocked_reason
    assert run.payee_count == 1 and run.total_yen == 40_000
    with pytest.raises(BusinessRuleViolation) as info:
        services.export_payment_run(actor=reviewer, run_id=run.pk)
    assert info.value.field == "confirm_blocked"
    run = services.export_payment_run(actor=reviewer, run_id=run.pk, confirm_blocked=True)
    assert run.blocked_confirmed_by == reviewer
    [group] = parse_transfer_file(bytes(run.transfer_file), year=2027).groups
    assert [t.holder_name for t in group.transfers] == ["ﾔﾏﾀﾞ ﾊﾅｺ"]
    assert "保留" in run.register_csv
    # The blocked payee was not paid: the month is still due in the next run for February.
    plan = services.plan_payment(municipality_code=chiyoda.code, payment_month=FEB)
    assert [p.recipient.resident_id for p in plan.payments] == [world.head.pk]


def test_public_fund_account_is_blocked_with_a_reason(
    chiyoda, world, approver, reviewer, settings_row
) -> None:
    services.certify_child_allowance(
        actor=approver,
        municipality_code=chiyoda.code,
        case_reference="R-9",
        answers=child_allowance_answers(world, **{"claim.event_on": "2026-11-17"}),
        claimed_on=dt.date(2026, 11, 20),
    )
    [payment] = services.plan_payment(municipality_code=chiyoda.code, payment_month=FEB).payments
    assert "公金受取口座" in payment.blocked_reason


def test_permissions_and_settings(chiyoda, world, approver, make_staff, settings_row) -> None:
    clerk = make_staff(chiyoda, "counter_clerk")
    with pytest.raises(ActionNotPermitted):
        services.create_payment_run(actor=clerk, payment_month=FEB)
    with pytest.raises(BusinessRuleViolation) as info:
        services.set_payment_settings(
            actor=approver,
            requester_code="1",
            requester_name_kana="まどぐち・し",
            bank_code="0001",
            bank_name_kana="",
            branch_code="001",
            branch_name_kana="",
            account_type="1",
            account_number="1234567",
            payment_day=10,
        )
    assert info.value.code == "zengin"


def test_office_pages_create_export_and_download(
    client, chiyoda, world, approver, reviewer, settings_row
) -> None:
    recipient = certify(chiyoda, world, approver, "R-1")
    login_verified(client, reviewer)
    page = client.get(f"/office/benefits/recipients/{recipient.pk}/")
    assert page.status_code == 200 and "20000" in page.content.decode()
    preview = client.get("/office/benefits/payments/new/", {"payment_month": "2027-02"})
    assert preview.status_code == 200 and "40000" in preview.content.decode()
    assert not PaymentRun.objects.exists()  # the preview writes nothing
    odd = client.get("/office/benefits/payments/new/", {"payment_month": "2027-03"})
    assert odd.status_code == 400 and "偶数月" in odd.content.decode()
    created = client.post("/office/benefits/payments/new/", {"payment_month": "2027-02"})
    run = PaymentRun.objects.get()
    assert created.status_code == 302 and created["Location"].endswith(f"/payments/{run.pk}/")
    assert client.get(f"/office/benefits/payments/{run.pk}/transfer-file/").status_code == 404
    exported = client.post(f"/office/benefits/payments/{run.pk}/export/")
    assert exported.status_code == 302
    download = client.get(f"/office/benefits/payments/{run.pk}/transfer-file/")
    [group] = parse_transfer_file(download.content, year=2027).groups
    assert group.total_yen == 40_000
    register = client.get(f"/office/benefits/payments/{run.pk}/register.csv")
    assert register.status_code == 200 and "40000" in register.content.decode("utf-8-sig")
    again = client.post(f"/office/benefits/payments/{run.pk}/export/")
    assert again.status_code == 409 and "変更できません" in again.content.decode()
    assert client.get("/office/benefits/payments/").status_code == 200


def test_names_are_checked_again_at_export_and_a_draft_can_be_discarded(
    chiyoda, world, approver, reviewer, settings_row
) -> None:
    certify(chiyoda, world, approver, "R-1")
    run = services.create_payment_run(actor=reviewer, payment_month=FEB)
    assert run.payee_count == 1
    # The registry reading changes after the run was made (e.g. a corrected 振り仮名): export re-checks it.
    type(world.head).objects.filter(pk=world.head.pk).update(given_name_kana="タロ")
    with pytest.raises(BusinessRuleViolation) as info:
        services.export_payment_run(actor=reviewer, run_id=run.pk)
    assert info.value.field == "confirm_blocked"
    # The new block is kept (and audited) so the page lists it with the confirmation to give.
    item = PaymentItem.objects.get(run=run)
    assert item.status == "blocked" and item.registered_name_kana == "ヤマダ　タロ"
    run.refresh_from_db()
    assert (run.payee_count, run.total_yen) == (0, 0)
    assert AuditEntry.objects.filter(action="benefits.block_payees").exists()
    services.discard_payment_run(actor=reviewer, run_id=run.pk)
    assert not PaymentRun.objects.exists() and not PaymentItem.objects.exists()
    assert AuditEntry.objects.filter(action="benefits.discard_payment_run").exists()
    # Nothing was paid: the month can be prepared again.
    again = services.create_payment_run(actor=reviewer, payment_month=FEB)
    assert again.items.get().status == "blocked"
