"""児童扶養手当 office pages: register a recipient, the recipient and review pages (access-logged), the income form."""

from __future__ import annotations

import pytest

from madoguchi.benefits import decisions
from madoguchi.benefits.models_child_rearing import (
    ChildRearingAssessment,
    ChildRearingRecipient,
    ChildRearingReview,
)
from madoguchi.benefits.tests.child_rearing_helpers import granted_report, make_parent, register
from madoguchi.core.models import AccessLogEntry, AuditEntry
from madoguchi.testing import login_verified

pytestmark = pytest.mark.django_db

BASE = "/office/benefits/child-rearing/"


@pytest.fixture
def approver(chiyoda, make_staff):
    return make_staff(chiyoda, "approver")


@pytest.fixture
def reviewer(chiyoda, make_staff):
    return make_staff(chiyoda, "reviewer")


def test_register_recipient_through_the_list_page(client, chiyoda, reviewer) -> None:
    parent = make_parent(chiyoda)
    login_verified(client, reviewer)
    assert "受給者を登録する" in client.get(BASE).content.decode()
    bad = client.post(
        BASE + "register/",
        {"resident_id": parent.pk, "certificate_number": "", "children_count": "0", "certified_from": "x"},
    )
    assert bad.status_code == 400
    body = bad.content.decode()
    assert "証書番号を入力してください。" in body and "対象児童の数は1人以上にしてください。" in body
    assert not ChildRearingRecipient.objects.exists()
    done = client.post(
        BASE + "register/",
        {
            "resident_id": parent.pk,
            "certificate_number": "JF-77",
            "children_count": "2",
            "certified_from": "2022-04-01",
        },
    )
    recipient = ChildRearingRecipient.objects.get()
    assert done.status_code == 302 and done["Location"].startswith(f"{BASE}{recipient.pk}/")
    again = client.post(
        BASE + "register/",
        {
            "resident_id": parent.pk,
            "certificate_number": "JF-78",
            "children_count": "1",
            "certified_from": "2022-04-01",
        },
    )
    assert (
        again.status_code == 400
        and "すでに児童扶養手当の受給者として登録されています" in again.content.decode()
    )


def test_recipient_and_review_pages_log_access_and_confirm_income(
    client, chiyoda, approver, reviewer
) -> None:
    recipient = register(approver, make_parent(chiyoda))
    decisions.apply_decision(actor=approver, case=granted_report(chiyoda, recipient.resident_id))
    review = ChildRearingReview.objects.get()
    login_verified(client, reviewer)
    before = AccessLogEntry.objects.count()
    page = client.get(f"{BASE}{recipient.pk}/")
    assert (
        page.status_code == 200
        and "2025年度" in page.content.decode()
        and "所得確認待ち" in page.content.decode()
    )
    assert AccessLogEntry.objects.count() == before + 1
    url = f"{BASE}reviews/{review.pk}/"
    detail = client.get(url)
    assert detail.status_code == 200 and "計算して確定" in detail.content.decode()
    assert AccessLogEntry.objects.count() == before + 2
    entry = AccessLogEntry.objects.latest("pk")
    assert (entry.subject_id, entry.purpose) == (str(recipient.resident_id), "benefit_administration")
    form = {
        "income_yen": "1580000",
        "child_support_yen": "0",
        "deductions_yen": "0",
        "dependents": "1",
        "source": "tax_ledger",
        "source_note": "令和7年度 住民税課税台帳",
        "correction_reason": "",
    }
    bad = client.post(url + "income/", {**form, "income_yen": "-5", "source_note": ""})
    assert bad.status_code == 400
    assert "所得（円）に負の数は入力できません。" in bad.content.decode()
    assert "確認した資料を入力してください。" in bad.content.decode()
    assert client.post(url + "income/", form).status_code == 302
    result = ChildRearingAssessment.objects.get()
    assert (result.kind, result.monthly_yen) == ("partial", 44_970)
    shown = client.get(url).content.decode()
    assert "44970" in shown and "一部支給" in shown and "訂正を確定" in shown
    no_reason = client.post(url + "income/", form)
    assert no_reason.status_code == 400 and "訂正の理由を入力してください" in no_reason.content.decode()
    assert (
        client.post(
            url + "income/", {**form, "income_yen": "600000", "correction_reason": "更正"}
        ).status_code
        == 302
    )
    assert list(ChildRearingAssessment.objects.order_by("revision").values_list("kind", flat=True)) == [
        "partial",
        "full",
    ]
    assert AuditEntry.objects.filter(action="benefits.confirm_child_rearing_income").count() == 2


def test_permissions_and_isolation(client, chiyoda, sapporo, approver, make_staff) -> None:
    recipient = register(approver, make_parent(chiyoda))
    decisions.apply_decision(actor=approver, case=granted_report(chiyoda, recipient.resident_id))
    review = ChildRearingReview.objects.get()
    assert client.get(BASE).status_code in (302, 403)  # not logged in
    login_verified(client, make_staff(chiyoda, "counter_clerk"))
    assert client.get(f"{BASE}reviews/{review.pk}/").status_code == 200
    post = client.post(
        f"{BASE}reviews/{review.pk}/income/",
        {
            "income_yen": "1",
            "child_support_yen": "0",
            "deductions_yen": "0",
            "dependents": "0",
            "source": "tax_ledger",
            "source_note": "台帳",
        },
    )
    assert post.status_code == 403 and not ChildRearingAssessment.objects.exists()
    client.logout()
    login_verified(client, make_staff(chiyoda, "auditor"))
    assert client.get(f"{BASE}{recipient.pk}/").status_code == 403
    client.logout()
    login_verified(client, make_staff(sapporo, "approver"))
    before = AccessLogEntry.objects.count()
    assert client.get(f"{BASE}{recipient.pk}/").status_code == 404
    assert client.get(f"{BASE}reviews/{review.pk}/").status_code == 404
    assert AccessLogEntry.objects.count() == before
