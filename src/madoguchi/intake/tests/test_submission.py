"""Intake checks at submission: the defective corpus of 2020 (each gets the right message, nothing stored twice)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection

from madoguchi.core.models import AuditEntry
from madoguchi.intake import services
from madoguchi.intake.models import Application, ApplicationStatusEvent, Attachment, SignatureUse
from madoguchi.intake.services import IntakeRejected, submit_application
from madoguchi.office.answers import RegistryOfficeAnswers
from madoguchi.procedures.engine import canonical_json, clean_answers, get_catalogue

from .helpers import (
    EXE_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    SIGN_PIN,
    card_identity,
    certificate_pem,
    child_allowance_answers,
    make_world,
    pregnancy_answers,
    today,
)

CODE = "131016"
CHILD = "child_allowance_certification"
PREGNANCY = "pregnancy_notification"


@pytest.fixture
def world(chiyoda):
    return make_world(chiyoda)


def signed(
    card, procedure_code: str, answers: dict[str, Any], hashes: dict[str, list[str]] | None = None
) -> bytes:
    form = get_catalogue().procedures[procedure_code].form
    content = canonical_json(clean_answers(form, answers), hashes or {}, form=form)
    return card.sign(content, SIGN_PIN)


def submit(identity, card, procedure_code: str, answers: dict[str, Any], **kwargs: Any):
    signature = kwargs.pop("signature", None) or signed(
        card, procedure_code, answers, kwargs.pop("hashes", None)
    )
    return submit_application(
        identity=identity,
        municipality_code=CODE,
        procedure_code=procedure_code,
        form_version=1,
        answers=answers,
        signature=signature,
        signing_certificate_pem=certificate_pem(card),
        **kwargs,
    )


def rejected(call) -> IntakeRejected:
    with pytest.raises(IntakeRejected) as info:
        call()
    return info.value


def test_valid_child_allowance_claim_is_received_with_receipt_and_timeline(world) -> None:
    identity, card = card_identity(world.head)
    result = submit(identity, card, CHILD, child_allowance_answers(world))
    app = result.application
    assert result.created and not result.duplicate
    assert app.status == "received"
    assert app.receipt_number.endswith("-000001") and len(app.receipt_number) == 11
    assert app.procedure_code == CHILD and app.form_version == 1
    assert app.verification_reason == "ok" and app.verification_evidence["valid"] is True
    assert app.applicant_sign_serial == identity.sign_serial
    assert bytes(app.signed_content).startswith(b'{"answers":{"applicant":')
    assert [e.to_status for e in ApplicationStatusEvent.objects.filter(application=app)] == ["received"]
    assert (
        AuditEntry.objects.filter(action="intake.submit_application", target_id=app.receipt_number).count()
        == 1
    )
    assert AuditEntry.objects.filter(action="office_answer_household_facts").exists()


def test_variant_kanji_in_the_registry_is_not_a_defect(world) -> None:
    # Registry: 髙橋; the card (JIS) and the resident write 高橋 — the same person (procedures.md §5 lesson 6).
    identity, card = card_identity(world.other)
    assert identity.name.startswith("高橋")
    answers = pregnancy_answers(
        **{
            "applicant.name": "高橋　美咲",
            "applicant.name_kana": "タカハシ　ミサキ",
            "applicant.birth_date": "1992-11-03",
            "applicant.address": "東京都千代田区千代田２－３",
        }
    )
    assert submit(identity, card, PREGNANCY, answers).created


def test_name_variant_not_in_registry_is_rejected_naming_the_field(world) -> None:
    identity, card = card_identity(world.head)
    answers = child_allowance_answers(world, **{"applicant.name": "山田　太朗"})
    error = rejected(lambda: submit(identity, card, CHILD, answers))
    # The signer check and the registry check both name the 氏名 field.
    assert {p.field for p in error.problems} == {"applicant.name"}
    assert any("「氏名」" in p.message_ja for p in error.problems)
    assert Application.objects.count() == 0


def test_address_not_matching_registry_is_rejected(world) -> None:
    identity, card = card_identity(world.head)
    answers = child_allowance_answers(world, **{"applicant.address": "東京都千代田区千代田9-9"})
    error = rejected(lambda: submit(identity, card, CHILD, answers))
    assert error.codes == ["registry_mismatch"]
    assert error.problems[0].field == "applicant.address"
    assert error.problems[0].page_key == "applicant_address"
    assert "「住所」が住民票の記載と一致しません" in error.problems[0].message_ja


def test_child_not_in_household_is_rejected(world) -> None:
    identity, card = card_identity(world.head)
    answers = child_allowance_answers(world)
    answers["children"].append(
        {
            "name": "山田　次郎",
            "name_kana": "ヤマダ　ジロウ",
            "birth_date": "2024-01-05",
            "relationship": "child",
            "is_cared_for": True,
        }
    )
    error = rejected(lambda: submit(identity, card, CHILD, answers))
    assert error.codes == ["child_not_in_household"]
    assert error.problems[0].field == "children.2.name"
    assert (
        "「児童（3人目）の氏名」の山田　次郎さんは、あなたの世帯の住民票に見当たりません"
        in error.problems[0].message_ja
    )
    assert Application.objects.count() == 0


def test_non_head_applicant_is_rejected_for_head_only_procedure(world, monkeypatch) -> None:
    # No catalogue procedure is 世帯主-only today; the 2020 給付金 was. Mark one as such for this check.
    procedure = get_catalogue().procedures[PREGNANCY]
    head_only = dataclasses.replace(procedure, household_head_only=True)
    monkeypatch.setattr(services, "get_procedure", lambda municipality_code, code, **kw: head_only)
    identity, card = card_identity(world.wife)
    error = rejected(lambda: submit(identity, card, PREGNANCY, pregnancy_answers()))
    assert error.codes == ["not_head_of_household"]
    assert "世帯主の方だけが申請できます" in error.problems[0].message_ja
    assert "山田　太郎さん" in error.problems[0].message_ja
    assert Application.objects.count() == 0


def test_non_head_claiming_to_be_head_is_rejected(world) -> None:
    identity, _card = card_identity(world.wife)
    answers = {
        "applicant": {
            "role": "head_of_household",
            "name": "山田　花子",
            "name_kana": "ヤマダ　ハナコ",
            "birth_date": "1990-03-15",
            "postal_code": "100-0001",
            "address": "東京都千代田区千代田1-1",
            "phone": "0312345678",
        },
    }
    problems = services.registry_problems(
        procedure=get_catalogue().procedures["disaster_damage_certificate"],
        form=get_catalogue().procedures["disaster_damage_certificate"].form,
        answers=answers,
        identity=identity,
        municipality_code=CODE,
        office=RegistryOfficeAnswers(),
    )[0]
    assert [(p.field, p.code) for p in problems] == [("applicant.role", "not_head_of_household")]


def test_form_rule_errors_are_reported_per_field(world) -> None:
    identity, card = card_identity(world.head)
    answers = child_allowance_answers(world, **{"applicant.phone": "12345", "declaration.truthful": False})
    error = rejected(lambda: submit(identity, card, CHILD, answers))
    fields = {p.field: p.message_ja for p in error.problems}
    assert "「電話番号」は0から始まる10桁または11桁の番号" in fields["applicant.phone"]
    assert "declaration.truthful" in fields


def test_missing_attachment_is_rejected(world) -> None:
    identity, card = card_identity(world.head)
    answers = child_allowance_answers(world)
    answers["payment"] = {
        "method": "bank_account",
        "bank_account": {
            "bank_code": "0001",
            "branch_code": "001",
            "account_type": "ordinary",
            "account_number": "1234567",
            "holder_kana": "ヤマダ　タロウ",
        },
    }
    error = rejected(lambda: submit(identity, card, CHILD, answers))
    assert error.codes == ["attachment_missing"]
    assert error.problems[0].message_ja == "「振込先口座が確認できる書類の写し」を添付してください。"


def test_wrong_file_type_is_refused_by_content_not_name(world) -> None:
    identity, _card = card_identity(world.head)
    draft = services.start_draft(identity=identity, municipality_code=CODE, procedure_code=CHILD)
    error = rejected(
        lambda: services.add_attachment(
            identity=identity,
            draft=draft,
            attachment_code="account_proof",
            filename="passbook.pdf",
            content=EXE_BYTES,
        )
    )
    assert error.codes == ["file_type"]
    assert (
        error.problems[0].message_ja
        == "「振込先口座が確認できる書類の写し」はPDF・JPEG・PNG・HEICのファイルを添付してください"
    )
    too_big = PNG_BYTES + b"\x00" * (10 * 1024 * 1024)
    error = rejected(
        lambda: services.add_attachment(
            identity=identity, draft=draft, attachment_code="account_proof", filename="a.png", content=too_big
        )
    )
    assert error.codes == ["file_size"]
    ok = services.add_attachment(
        identity=identity,
        draft=draft,
        attachment_code="account_proof",
        filename="scan.bin",
        content=PDF_BYTES,
    )
    assert ok.mime_type == "application/pdf"
    assert Attachment.objects.count() == 1


def test_proxy_needs_authorization_attachment(world) -> None:
    identity, card = card_identity(world.head)
    answers = pregnancy_answers(
        **{
            "applicant.role": "proxy",
            "applicant.name": "山田　太郎",
            "applicant.name_kana": "ヤマダ　タロウ",
            "applicant.birth_date": "1985-05-10",
            "mother.name": "山田　花子",
            "mother.name_kana": "ヤマダ　ハナコ",
            "mother.birth_date": "1990-03-15",
        }
    )
    error = rejected(lambda: submit(identity, card, PREGNANCY, answers))
    assert "attachment_missing" in error.codes or "authorization_missing" in error.codes
    assert any("委任状" in p.message_ja for p in error.problems)


def test_signer_must_be_the_logged_in_resident(world) -> None:
    identity, _card = card_identity(world.head)
    _wife_identity, wife_card = card_identity(world.wife)
    error = rejected(lambda: submit(identity, wife_card, CHILD, child_allowance_answers(world)))
    assert error.codes == ["signer_not_logged_in_resident"]


def test_tampered_content_fails_signature_check(world) -> None:
    identity, card = card_identity(world.head)
    answers = child_allowance_answers(world)
    signature = signed(card, CHILD, answers)
    answers["applicant"]["phone"] = "09099999999"
    error = rejected(lambda: submit(identity, card, CHILD, answers, signature=signature))
    assert error.codes == ["signature_bad_signature"]
    assert "電子署名を確認できませんでした" in error.problems[0].message_ja


def test_double_submit_returns_the_existing_receipt(world) -> None:
    identity, card = card_identity(world.wife)
    first = submit(identity, card, PREGNANCY, pregnancy_answers())
    # Same subject, changed phone number (so a new signature): the open application is shown instead.
    again = submit(identity, card, PREGNANCY, pregnancy_answers(**{"applicant.phone": "09011112222"}))
    assert again.created is False and again.duplicate is True
    assert again.application.pk == first.application.pk
    assert Application.objects.count() == 1
    # Another subject (a different due date) is not a duplicate.
    later = (today() + dt.timedelta(days=250)).isoformat()
    other = submit(identity, card, PREGNANCY, pregnancy_answers(**{"pregnancy.due_on": later}))
    assert other.created is True
    assert Application.objects.count() == 2


def test_replayed_signature_is_rejected(world) -> None:
    identity, card = card_identity(world.head)
    answers = child_allowance_answers(world)
    signature = signed(card, CHILD, answers)
    first = submit(identity, card, CHILD, answers, signature=signature)
    services.withdraw_application(identity=identity, application=first.application)
    # The same signature bytes again (e.g. captured and replayed) are refused even though nothing is open now.
    error = rejected(lambda: submit(identity, card, CHILD, answers, signature=signature))
    assert error.codes == ["signature_replayed"]
    assert Application.objects.count() == 1
    assert SignatureUse.objects.count() == 1


def test_double_click_on_the_same_draft_stores_one_application(world) -> None:
    identity, _card = card_identity(world.wife)
    draft = services.start_draft(identity=identity, municipality_code=CODE, procedure_code=PREGNANCY)
    services.save_draft_answers(identity=identity, draft=draft, values=pregnancy_answers())
    draft.refresh_from_db()
    first = services.submit_draft_with_card(identity=identity, draft=draft, pin=SIGN_PIN)
    second = services.submit_draft_with_card(identity=identity, draft=draft, pin=SIGN_PIN)
    draft.refresh_from_db()
    third = services.submit_draft_with_card(identity=identity, draft=draft, pin=SIGN_PIN)
    assert first.created and not second.created and not third.created
    assert first.application.pk == second.application.pk == third.application.pk
    assert Application.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_submits_store_one_application(chiyoda) -> None:
    world = make_world(chiyoda)
    identity, card = card_identity(world.wife)
    answers_a = pregnancy_answers()
    answers_b = pregnancy_answers(**{"applicant.phone": "09011112222"})
    sigs = [signed(card, PREGNANCY, answers_a), signed(card, PREGNANCY, answers_b)]
    results: list[Any] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def run(answers: dict[str, Any], signature: bytes) -> None:
        try:
            barrier.wait()
            results.append(submit(identity, card, PREGNANCY, answers, signature=signature))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(a, s)) for a, s in zip((answers_a, answers_b), sigs, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(results) == 2
    assert sorted(r.created for r in results) == [False, True]
    assert len({r.application.pk for r in results}) == 1
    assert Application.objects.count() == 1
    assert SignatureUse.objects.count() == 1


def test_database_refuses_a_second_open_application_for_the_same_subject(world) -> None:
    from django.db import IntegrityError, transaction

    identity, card = card_identity(world.wife)
    app = submit(identity, card, PREGNANCY, pregnancy_answers()).application
    clone = Application.objects.get(pk=app.pk)
    clone.pk = None
    clone.receipt_number = "2099-999999"
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save(force_insert=True)
