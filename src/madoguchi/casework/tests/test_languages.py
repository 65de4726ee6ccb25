"""Office casework pages in English: labels, consequences, errors and code-table labels are translated; the
stored Japanese stays as it is."""

from __future__ import annotations

import html

import pytest

from madoguchi.casework.models import Case
from madoguchi.registry import relationships

from .helpers import make_world, pull_all, submit_child_allowance

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(chiyoda) -> Case:
    submit_child_allowance(chiyoda, make_world(chiyoda))
    pull_all()
    return Case.objects.get()


def _english(staff_client, chiyoda):
    client, _reviewer = staff_client(chiyoda, "reviewer")
    client.cookies["django_language"] = "en"
    return client


def test_action_pages_in_english(staff_client, chiyoda, case) -> None:
    client = _english(staff_client, chiyoda)
    confirm = html.unescape(client.get(f"/office/cases/{case.pk}/accept/").content.decode())
    assert "Accept the application" in confirm
    assert f"standard processing period ({case.processing_days} business days)" in confirm
    assert "申請を正式に受け付けます" not in confirm
    client.post(f"/office/cases/{case.pk}/accept/")
    client.post(f"/office/cases/{case.pk}/claim/")
    client.post(f"/office/cases/{case.pk}/start-review/")
    empty = client.post(f"/office/cases/{case.pk}/request-correction/", {"message_ja": ""})
    text = html.unescape(empty.content.decode())
    assert empty.status_code == 400
    assert "Please fill in “What you are asking the applicant to do”." in text
    assert "「申請者へのお願いの内容」を入力してください。" not in text
    refused = html.unescape(client.post(f"/office/cases/{case.pk}/accept/").content.decode())
    assert "A case cannot move from in_review to accepted." in refused  # the rule's English message
    assert "できません" not in refused
    not_now = html.unescape(client.get(f"/office/cases/{case.pk}/approve/").content.decode())
    assert "This action is not possible for the case in its current status" in not_now


def test_case_list_columns_and_the_japanese_page_unchanged(staff_client, chiyoda, case) -> None:
    english = _english(staff_client, chiyoda).get("/office/cases/").content.decode()
    assert "Received on" in english and "到達日" not in english
    client, _reviewer = staff_client(chiyoda, "reviewer")
    japanese = client.get("/office/cases/").content.decode()
    assert "到達日" in japanese


def test_relationship_labels_follow_the_page_language() -> None:
    from django.utils import translation

    assert relationships.label_for("02") == "妻"  # stored and printed in Japanese
    with translation.override("en"):
        assert relationships.display("妻") == "Wife"
        assert dict(relationships.choices())["02"] == "Wife"
        assert relationships.display("自由記載の続柄") == "自由記載の続柄"  # unknown text is shown as stored
        assert relationships.display("") == ""
    with translation.override("ja"):
        assert relationships.display("妻") == "妻"
