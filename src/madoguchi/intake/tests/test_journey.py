"""Resident journey with the Django client: prefilled pages, save & resume, review, sign, receipt, status,
withdrawal and correction; nobody sees another resident's drafts or applications."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from madoguchi.intake import services
from madoguchi.intake.models import Application, Draft

from .helpers import SIGN_PIN, card_identity, login_resident, make_world

PREGNANCY = "pregnancy_notification"


@pytest.fixture
def world(chiyoda):
    return make_world(chiyoda)


def _draft_url(response) -> str:
    return response["Location"]


def test_login_is_required(client: Client) -> None:
    response = client.get("/apply/")
    assert response.status_code in (302, 401)


def test_pregnancy_journey_from_prefill_to_status(world) -> None:
    identity, _card = card_identity(world.wife)
    client = login_resident(Client(), identity)

    start = client.get(f"/apply/{PREGNANCY}/")
    assert start.status_code == 200
    assert "署名用電子証明書の暗証番号（英数字6〜16文字）" in start.content.decode()
    response = client.post(f"/apply/{PREGNANCY}/")
    assert response.status_code == 302
    draft = Draft.objects.get()
    assert response["Location"] == f"/apply/drafts/{draft.public_id}/pages/applicant_role/"
    # Prefilled from the card and the office answers.
    assert draft.answers["applicant"]["name"] == "山田　花子"
    assert draft.answers["applicant"]["name_kana"] == "ヤマダ　ハナコ"
    assert draft.answers["applicant"]["postal_code"] == "100-0001"

    base = f"/apply/drafts/{draft.public_id}/pages"
    page = client.get(f"{base}/applicant_role/")
    assert "1 / " in page.content.decode()
    # Missing answer: error summary naming the field, status 400, nothing lost.
    page = client.post(f"{base}/applicant_role/", {"action": "next"})
    assert page.status_code == 400
    assert (
        "「届出をする方」を選んでください" in page.content.decode()
        or "選んでください" in page.content.decode()
    )
    response = client.post(f"{base}/applicant_role/", {"action": "next", "applicant.role": "self"})
    assert response["Location"] == f"{base}/applicant_name/"
    name_page = client.get(f"{base}/applicant_name/").content.decode()
    assert "マイナンバーカードから入力済み" in name_page
    assert "山田　花子" in name_page
    response = client.post(
        f"{base}/applicant_name/",
        {
            "action": "next",
            "applicant.name": "山田　花子",
            "applicant.name_kana": "ヤマダ　ハナコ",
            "applicant.birth_date": "平成2年3月15日",
        },
    )
    assert response["Location"] == f"{base}/applicant_address/"
    # Back keeps answers; 途中で保存 goes to the list with the retention date.
    client.post(f"{base}/applicant_address/", {"action": "back", "applicant.postal_code": "1000001"})
    draft.refresh_from_db()
    assert draft.answers["applicant"]["postal_code"] == "1000001"
    saved = client.post(
        f"{base}/applicant_address/", {"action": "save", "applicant.address": "東京都千代田区千代田1-1"}
    )
    assert saved["Location"] == "/apply/"
    listing = client.get("/apply/").content.decode()
    assert "妊娠の届出の続きを入力する" in listing and "まで保存" in listing

    steps = [
        (
            "applicant_address",
            {"applicant.postal_code": "100-0001", "applicant.address": "東京都千代田区千代田1-1"},
        ),
        ("applicant_contact", {"applicant.phone": "03-1234-5678"}),
        ("mother_occupation", {"mother.occupation": "employee"}),
        (
            "pregnancy",
            {"pregnancy.weeks": "9", "pregnancy.due_on": "2099-01-01", "pregnancy.fetus_count": "1"},
        ),
    ]
    for key, data in steps:
        response = client.post(f"{base}/{key}/", {"action": "next", **data})
    assert response.status_code == 400  # due date too far ahead: the page says so
    assert "「出産予定日」" in response.content.decode() or "日後までの日付" in response.content.decode()
    import datetime as dt

    due = (dt.date.today() + dt.timedelta(days=200)).isoformat()
    response = client.post(
        f"{base}/pregnancy/",
        {"action": "next", "pregnancy.weeks": "9", "pregnancy.due_on": due, "pregnancy.fetus_count": "1"},
    )
    assert response["Location"] == f"{base}/diagnosis/"
    # A conditional field on the same page appears after the answer that shows it.
    response = client.post(f"{base}/diagnosis/", {"action": "next", "diagnosis.confirmed": "true"})
    assert response.status_code == 400
    response = client.post(
        f"{base}/diagnosis/",
        {"action": "next", "diagnosis.confirmed": "true", "diagnosis.institution": "千代田クリニック"},
    )
    for key, data in [
        ("health_checks", {"health.std_tb_check": "yes"}),
        ("interview", {"interview.preference": "counter"}),
        ("declaration", {"__fields": "declaration.truthful", "declaration.truthful": "true"}),
    ]:
        response = client.post(f"{base}/{key}/", {"action": "next", **data})
    assert response["Location"] == f"/apply/drafts/{draft.public_id}/attachments/"
    review = client.get(f"/apply/drafts/{draft.public_id}/review/").content.decode()
    assert "変更" in review and "千代田クリニック" in review and "電子署名をして送信する" in review

    sign_page = client.get(f"/apply/drafts/{draft.public_id}/sign/").content.decode()
    assert "5回続けて間違えるとロック" in sign_page
    wrong = client.post(f"/apply/drafts/{draft.public_id}/sign/", {"pin": "WRONG1"})
    assert wrong.status_code == 400 and "あと4回" in wrong.content.decode()
    done = client.post(f"/apply/drafts/{draft.public_id}/sign/", {"pin": SIGN_PIN})
    application = Application.objects.get()
    assert done["Location"] == f"/apply/applications/{application.receipt_number}/done/"
    # Double click: the second POST shows the same receipt.
    again = client.post(f"/apply/drafts/{draft.public_id}/sign/", {"pin": SIGN_PIN})
    assert again["Location"] == done["Location"]
    assert Application.objects.count() == 1
    receipt = client.get(done["Location"]).content.decode()
    assert application.receipt_number in receipt and "7日" in receipt

    status = client.get(f"/apply/applications/{application.receipt_number}/").content.decode()
    assert "到達（受付番号発行済み）" in status and "この申請を取り下げる" in status

    # Correction requested by the office → resident corrects → resubmitted into the same application.
    for to in ("accepted", "in_review"):
        services.change_application_status(
            actor=None, municipality_code="131016", receipt_number=application.receipt_number, to_status=to
        )
    services.change_application_status(
        actor=None,
        municipality_code="131016",
        receipt_number=application.receipt_number,
        to_status="returned_for_correction",
        message_ja="電話番号がつながりません。連絡先を確認してください。",
    )
    status = client.get(f"/apply/applications/{application.receipt_number}/").content.decode()
    assert "電話番号がつながりません" in status
    response = client.post(f"/apply/applications/{application.receipt_number}/correct/")
    correction = Draft.objects.get(correcting=application)
    assert response["Location"] == f"/apply/drafts/{correction.public_id}/review/"
    client.post(
        f"/apply/drafts/{correction.public_id}/pages/applicant_contact/?return=review",
        {"action": "next", "applicant.phone": "090-5555-6666"},
    )
    done = client.post(f"/apply/drafts/{correction.public_id}/sign/", {"pin": SIGN_PIN})
    application.refresh_from_db()
    assert Application.objects.count() == 1
    assert application.status == "in_review" and application.resubmission_count == 1
    assert application.answers["applicant"]["phone"] == "09055556666"
    assert len(application.previous_submissions) == 1

    # Withdrawal before the decision.
    client.post(f"/apply/applications/{application.receipt_number}/withdraw/")
    application.refresh_from_db()
    assert application.status == "withdrawn"
    assert [e.to_status for e in application.events.order_by("at", "id")] == [
        "received",
        "accepted",
        "in_review",
        "returned_for_correction",
        "in_review",
        "withdrawn",
    ]


def test_other_residents_cannot_see_drafts_or_applications(world) -> None:
    identity, _card = card_identity(world.wife)
    other_identity, _other_card = card_identity(world.head)
    draft = services.start_draft(identity=identity, municipality_code="131016", procedure_code=PREGNANCY)
    other = login_resident(Client(), other_identity)
    assert other.get(f"/apply/drafts/{draft.public_id}/pages/applicant_role/").status_code == 404
    assert other.get(f"/apply/drafts/{draft.public_id}/review/").status_code == 404


def test_child_allowance_prefills_household_children(world) -> None:
    identity, _card = card_identity(world.head)
    client = login_resident(Client(), identity)
    client.post("/apply/child_allowance_certification/")
    draft = Draft.objects.get()
    assert [c["name"] for c in draft.answers["children"]] == ["山田　一郎", "山田　桜子"]
    assert draft.prefilled["children"] == "office"
    page = client.get(f"/apply/drafts/{draft.public_id}/pages/children/").content.decode()
    assert "市区町村の記録から入力済み" in page
    assert re.search(r"児童（2人目）", page)


def test_file_question_uploads_on_the_page_and_checks_the_content(world) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .helpers import EXE_BYTES, PNG_BYTES

    identity, _card = card_identity(world.head)
    client = login_resident(Client(), identity)
    client.post("/apply/disaster_damage_certificate/")
    draft = Draft.objects.get()
    url = f"/apply/drafts/{draft.public_id}/pages/photos/"
    page = client.get(url).content.decode()
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page
    # An executable renamed to .png is refused by its content.
    bad = client.post(url, {"action": "next", "damage.photos": SimpleUploadedFile("house.png", EXE_BYTES)})
    assert bad.status_code == 400
    assert "「被害の写真」はJPEG・PNG・HEICのファイルを添付してください" in bad.content.decode()
    good = client.post(url, {"action": "next", "damage.photos": SimpleUploadedFile("north.jpg", PNG_BYTES)})
    assert good.status_code == 302
    draft.refresh_from_db()
    refs = draft.answers["damage"]["photos"]
    assert len(refs) == 1 and draft.attachments.get().public_id == refs[0]
    assert draft.attachments.get().mime_type == "image/png"  # named .jpg, detected as PNG
    # Removing the file on the attachments page clears the answer again.
    client.post(f"/apply/drafts/{draft.public_id}/attachments/", {"remove": refs[0]})
    draft.refresh_from_db()
    assert "photos" not in draft.answers.get("damage", {})


def test_review_page_shows_registry_problems_before_signing(world) -> None:
    from .helpers import pregnancy_answers

    identity, _card = card_identity(world.wife)
    client = login_resident(Client(), identity)
    draft = services.start_draft(identity=identity, municipality_code="131016", procedure_code=PREGNANCY)
    services.save_draft_answers(
        identity=identity,
        draft=draft,
        values=pregnancy_answers(**{"applicant.address": "東京都千代田区千代田9-9"}),
    )
    review = client.get(f"/apply/drafts/{draft.public_id}/review/").content.decode()
    assert "「住所」が住民票の記載と一致しません" in review
    assert f"/apply/drafts/{draft.public_id}/pages/applicant_address/?return=review" in review
    assert "電子署名をして送信する" not in review
