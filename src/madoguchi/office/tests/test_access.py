"""Every read of one person's data is access-logged with its purpose; My Numbers are masked unless revealed."""

import pytest

from madoguchi.core.models import AccessLogEntry
from madoguchi.registry.models import Resident
from madoguchi.registry.tests.factories import load_residents

pytestmark = pytest.mark.django_db


def test_detail_needs_a_purpose_and_logs_it(staff_client, chiyoda) -> None:
    person = load_residents(chiyoda, 5)[0]
    client, user = staff_client(chiyoda)
    ask = client.get(f"/office/residents/{person.pk}/")
    assert ask.status_code == 200 and person.family_name not in ask.content.decode()
    assert not AccessLogEntry.objects.exists()
    shown = client.get(f"/office/residents/{person.pk}/", {"purpose": "certificate_issuance"})
    body = shown.content.decode()
    assert person.family_name in body
    entry = AccessLogEntry.objects.get()
    assert (entry.actor_id, entry.subject_id, entry.purpose) == (
        user.pk,
        str(person.pk),
        "certificate_issuance",
    )
    assert entry.request_id


def test_individual_number_is_encrypted_masked_and_reveal_is_logged(staff_client, chiyoda) -> None:
    from madoguchi.core.crypto import decrypt_individual_number

    person = load_residents(chiyoda, 5)[0]
    number = decrypt_individual_number(Resident.objects.get(pk=person.pk).individual_number_encrypted)
    assert (
        number
        not in Resident.objects.filter(pk=person.pk).values_list("individual_number_encrypted", flat=True)[0]
    )
    client, _ = staff_client(chiyoda, "counter_clerk")
    page = client.get(f"/office/residents/{person.pk}/", {"purpose": "counter_service"}).content.decode()
    assert number not in page and "********" + number[-4:] in page
    revealed = client.post(
        f"/office/residents/{person.pk}/individual-number/", {"purpose": "tax_social_security"}
    )
    assert number in revealed.content.decode()
    assert (
        AccessLogEntry.objects.filter(
            action="reveal_individual_number", purpose="tax_social_security"
        ).count()
        == 1
    )


def test_reviewer_may_not_reveal_individual_numbers(staff_client, chiyoda) -> None:
    person = load_residents(chiyoda, 5)[0]
    client, _ = staff_client(chiyoda, "reviewer")
    response = client.post(
        f"/office/residents/{person.pk}/individual-number/", {"purpose": "counter_service"}
    )
    assert response.status_code == 403
    assert "権限がありません" in response.content.decode()
    assert not AccessLogEntry.objects.filter(action="reveal_individual_number").exists()


def test_only_auditors_search_the_logs(staff_client, chiyoda) -> None:
    person = load_residents(chiyoda, 5)[0]
    clerk, _ = staff_client(chiyoda, "counter_clerk")
    clerk.get(f"/office/residents/{person.pk}/", {"purpose": "counter_service"})
    assert clerk.get("/office/access-log/").status_code == 403
    assert clerk.get("/office/audit-log/").status_code == 403
    auditor, _ = staff_client(chiyoda, "auditor")
    page = auditor.get("/office/access-log/", {"text": str(person.pk)})
    assert page.status_code == 200 and f"resident #{person.pk}" in page.content.decode()
    assert auditor.get(f"/office/residents/{person.pk}/", {"purpose": "audit"}).status_code == 403
