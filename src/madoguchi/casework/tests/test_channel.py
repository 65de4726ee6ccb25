"""The pull channel: at-least-once delivery applied exactly once, an interrupted pull resumed from its cursor, the
in-process adapter reading only what residents did, and the command."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

import pytest
from django.core.management import call_command

from madoguchi.casework import services
from madoguchi.casework.channel import ItemKind, StatusRejected
from madoguchi.casework.intake_adapter import IntakeStatusSink, IntakeSubmissionSource
from madoguchi.casework.models import Case, CaseEvent, ChannelCursor, SignatureEvidence
from madoguchi.core.models import AuditEntry

from .helpers import ListSource, make_world, pull_all, submit_child_allowance

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(chiyoda):
    return make_world(chiyoda)


@pytest.fixture
def six_items(chiyoda, world):
    """Six distinct submissions (one real signed application, re-labelled as six receipts)."""
    submit_child_allowance(chiyoda, world)
    item = IntakeSubmissionSource(settle_seconds=0).fetch("", 10).items[0]
    return [
        dataclasses.replace(item, source_id=f"test:{n}", receipt_number=f"2026-90000{n}") for n in range(1, 7)
    ]


def test_interrupted_pull_resumes_without_loss_or_duplicates(six_items, monkeypatch) -> None:
    source = ListSource(six_items)
    real = services._evidence
    calls = {"n": 0}

    def failing(item, now):
        calls["n"] += 1
        if calls["n"] == 4:
            raise RuntimeError("connection lost in the middle of the batch")
        return real(item, now)

    monkeypatch.setattr(services, "_evidence", failing)
    with pytest.raises(RuntimeError):
        services.pull_submissions(source=source, limit=5)
    assert Case.objects.count() == 3
    assert ChannelCursor.objects.get(name="test-list").cursor == "3"  # stored with the third item's effect

    result = services.pull_submissions(source=source, limit=5)
    assert (result.created, result.skipped) == (3, 0)
    receipts = sorted(Case.objects.values_list("receipt_number", flat=True))
    assert receipts == [f"2026-90000{n}" for n in range(1, 7)]
    assert CaseEvent.objects.filter(kind="pulled").count() == 6
    assert SignatureEvidence.objects.count() == 6
    assert AuditEntry.objects.filter(action="casework.pull_submission").count() == 6
    cursor = ChannelCursor.objects.get(name="test-list")
    assert cursor.cursor == "6" and cursor.items_applied == 6


def test_redelivered_items_are_skipped(six_items) -> None:
    source = ListSource(six_items)
    services.pull_submissions(source=source, limit=4)
    ChannelCursor.objects.filter(name="test-list").update(cursor="")  # the source replays everything
    result = services.pull_submissions(source=source, limit=4)
    assert (result.fetched, result.created, result.skipped) == (6, 0, 6)
    assert Case.objects.count() == 6 and CaseEvent.objects.count() == 6
    # The same item twice in one batch is applied once as well.
    doubled = ListSource([six_items[0], six_items[0]])
    doubled.name = "test-doubled"
    assert services.pull_submissions(source=doubled).skipped == 2


def test_a_withdrawal_delivered_before_its_case_exists_still_ends_closed(six_items) -> None:
    withdrawn = dataclasses.replace(six_items[0], kind=ItemKind.WITHDRAWN)
    result = services.pull_submissions(source=ListSource([withdrawn, six_items[0]]))
    assert (result.withdrawn, result.skipped) == (1, 1)  # the late "submitted" finds the case already closed
    assert Case.objects.get().status == "withdrawn"
    assert [e.kind for e in CaseEvent.objects.order_by("id")] == ["pulled", "withdrawn"]


def test_adapter_reads_resident_events_only_and_holds_back_young_ones(chiyoda, world, make_staff) -> None:
    submitted = submit_child_allowance(chiyoda, world)
    assert IntakeSubmissionSource(settle_seconds=60).fetch("", 10).items == ()  # too young to be safe
    batch = IntakeSubmissionSource(settle_seconds=0).fetch("", 10)
    assert [i.kind for i in batch.items] == [ItemKind.SUBMITTED]
    item = batch.items[0]
    assert item.receipt_number == submitted.application.receipt_number and item.revision == 0
    assert item.signed_content == bytes(submitted.application.signed_content)
    pull_all()
    reviewer = make_staff(chiyoda, "reviewer")
    services.accept_case(actor=reviewer, case_id=Case.objects.get().pk)
    # The office's own push is in the portal timeline but is not an item; the cursor moves past it.
    after = IntakeSubmissionSource(settle_seconds=0).fetch(batch.next_cursor, 10)
    assert after.items == () and int(after.next_cursor) > int(batch.next_cursor)
    assert pull_all().fetched == 0


def test_sink_refuses_impossible_status_changes(chiyoda, world) -> None:
    submitted = submit_child_allowance(chiyoda, world)
    sink = IntakeStatusSink()
    with pytest.raises(StatusRejected) as info:
        sink.push(submitted.application.receipt_number, "decided", "", municipality_code="131016")
    assert "到達" in info.value.message_ja
    with pytest.raises(StatusRejected):
        sink.push("2026-999999", "accepted", "", municipality_code="131016")


def test_signature_revoked_since_submission_is_flagged(six_items, monkeypatch) -> None:
    from madoguchi.casework import services as svc

    real = svc.verify_document_signature
    item = six_items[0]

    def revoked_now(*, certificate, data, signature, at):
        verdict = real(certificate=certificate, data=data, signature=signature, at=at)
        if at != item.submitted_at:  # revoked after the resident signed (e.g. the card was lost)
            return dataclasses.replace(
                verdict, valid=False, reason="revoked", revocation_reason="keyCompromise", revoked_at=at
            )
        return verdict

    monkeypatch.setattr(svc, "verify_document_signature", revoked_now)
    services.pull_submissions(source=ListSource([item]), now=item.submitted_at + dt.timedelta(hours=1))
    case = Case.objects.get()
    evidence = SignatureEvidence.objects.get(case=case)
    assert evidence.verdict_valid and evidence.verdict_reason == "ok"
    assert evidence.revocation_status == "revoked" and evidence.revocation_reason == "keyCompromise"
    assert not case.signature_valid


def test_command_pulls_and_reports(chiyoda, world) -> None:
    submit_child_allowance(chiyoda, world)
    out = io.StringIO()
    call_command("pull_submissions", "--settle-seconds", "0", stdout=out)
    assert "1 new" in out.getvalue()
    out = io.StringIO()
    call_command("pull_submissions", "--settle-seconds", "0", stdout=out)
    assert "pulled 0 item(s)" in out.getvalue() and Case.objects.count() == 1
