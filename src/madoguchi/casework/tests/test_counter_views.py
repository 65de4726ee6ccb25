"""Counter pages through the test client: search → procedure → pages → identity → sheet → confirm → done; the
review screen marks the case 「窓口申請（職員入力）」; roles without the counter permission are refused."""

from __future__ import annotations

import pytest

from madoguchi.casework.models import Case, CounterSession

from .helpers import CHILD, make_world

pytestmark = pytest.mark.django_db


def _walk_pages(client, session: CounterSession) -> str:
    """Post every page as prefilled ("次へ") until the identity page; returns the last response's URL."""
    url = f"/office/cases/counter/{session.public_id}/page/"
    response = client.get(f"/office/cases/counter/?resident={session.resident_id}")
    assert response.status_code == 200
    return url


def test_counter_journey_through_the_pages(staff_client, chiyoda) -> None:
    world = make_world(chiyoda)
    client, clerk = staff_client(chiyoda, "counter_clerk")
    search = client.get("/office/cases/counter/", {"name": "ヤマダ タロウ"})
    assert search.status_code == 200 and f"?resident={world.head.pk}" in search.content.decode()
    choose = client.get("/office/cases/counter/", {"resident": world.head.pk})
    assert "申請する手続" in choose.content.decode()
    empty = client.post("/office/cases/counter/", {"resident": world.head.pk})
    assert empty.status_code == 400 and "申請する手続を選んでください" in empty.content.decode()
    started = client.post("/office/cases/counter/", {"resident": world.head.pk, "procedure_code": CHILD})
    assert started.status_code == 302
    session = CounterSession.objects.get()
    page = client.get(started["Location"])
    body = page.content.decode()
    assert page.status_code == 200 and "窓口申請（職員入力）" in body and "山田　太郎" in body
    assert "市区町村の記録から入力済み" in body

    # Fill the rest as the resident answers (the service the page posts to), then the identity page.
    from madoguchi.casework import counter
    from madoguchi.intake.tests.helpers import child_allowance_answers

    counter.save_counter_answers(
        actor=clerk, public_id=session.public_id, values=dict(child_allowance_answers(world))
    )
    identity_url = f"/office/cases/counter/{session.public_id}/identity/"
    refused = client.post(identity_url, {"method": "other_documents", "documents": ["health_insurance"]})
    assert refused.status_code == 400 and "2点" in refused.content.decode()
    assert client.post(identity_url, {"method": "my_number_card"}).status_code == 302

    confirm_url = f"/office/cases/counter/{session.public_id}/confirm/"
    early = client.post(confirm_url, {"action": "submit"})
    assert early.status_code == 400 and "確認票が最新の内容ではありません" in early.content.decode()
    made = client.post(confirm_url, {"action": "sheet"})
    assert made.status_code == 302
    sheet = client.get(f"/office/cases/counter/{session.public_id}/sheet.pdf")
    assert sheet["Content-Type"] == "application/pdf" and sheet.content.startswith(b"%PDF")
    done = client.post(confirm_url, {"action": "submit"})
    assert done.status_code == 302 and done["Location"].endswith("/done/")
    session.refresh_from_db()
    receipt = client.get(done["Location"]).content.decode()
    assert session.receipt_number in receipt

    case = Case.objects.get(receipt_number=session.receipt_number)
    reviewer_client, _reviewer = staff_client(chiyoda, "reviewer")
    detail = reviewer_client.get(f"/office/cases/{case.pk}/").content.decode()
    assert (
        "窓口申請（職員入力）" in detail and "本人確認の記録" in detail and "電子署名はありません" in detail
    )
    listing = reviewer_client.get("/office/cases/").content.decode()
    assert "窓口申請（職員入力）" in listing


def test_auditor_cannot_open_the_counter(staff_client, chiyoda) -> None:
    client, _auditor = staff_client(chiyoda, "auditor")
    assert client.get("/office/cases/counter/").status_code == 403
