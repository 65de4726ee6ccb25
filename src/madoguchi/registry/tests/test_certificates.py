"""住民票の写し / 除票の写し: signed PDFs that verify, print what was asked for (and nothing else), and log reads."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable

import pytest
from pypdf import PdfReader

from madoguchi.common.wareki import to_wareki
from madoguchi.core.crypto import decrypt_individual_number
from madoguchi.core.errors import ActionNotPermitted, BusinessRuleViolation, NotFoundInMunicipality
from madoguchi.core.models import AccessLogEntry, AuditEntry, Municipality, StaffUser
from madoguchi.documents.keys import trust_roots_for
from madoguchi.documents.models import DocumentKind, IssuedDocument
from madoguchi.documents.verification import VerdictReason, verify_pdf
from madoguchi.registry.certificates import issue_residence_certificate
from madoguchi.registry.models import Household, Resident, ResidentStatus
from madoguchi.registry.tests.factories import load_residents

JST = dt.timezone(dt.timedelta(hours=9))
ISSUED_AT = dt.datetime(2026, 11, 26, 10, 0, tzinfo=JST)


def pdf_text(document: IssuedDocument) -> str:
    reader = PdfReader(io.BytesIO(bytes(document.pdf)))
    return "\n".join(page.extract_text() for page in reader.pages)


def compact(text: str) -> str:
    """Text without the spaces the extractor puts between letter-spaced or full-width-spaced characters."""
    return re.sub(r"[\s\u3000]", "", text)


def make_household(municipality: Municipality, size: int) -> list[Resident]:
    """A household of `size` current members (head first) built from synthetic residents, with 髙/﨑 names."""
    people = load_residents(municipality, 40)
    household = Household.objects.create(
        municipality=municipality, household_number="99000001", created_on=dt.date(2001, 4, 1)
    )
    members = [p for p in people if p.status == ResidentStatus.CURRENT][:size]
    for index, person in enumerate(members):
        person.household = household
        person.is_head = index == 0
        person.relationship = "世帯主" if index == 0 else "子"
        person.family_name = "髙﨑"
        person.save()
    members[0].given_name = "太郎"
    members[0].birth_date = dt.date(1989, 1, 8)  # 平成元年1月8日
    members[0].save()
    return members


@pytest.fixture
def clerk(chiyoda: Municipality, make_staff: Callable[..., StaffUser]) -> StaffUser:
    return make_staff(chiyoda, "counter_clerk")


def test_household_certificate_verifies_and_prints_names_and_wareki(
    chiyoda: Municipality, clerk: StaffUser
) -> None:
    members = make_household(chiyoda, 3)
    head = members[0]
    document = issue_residence_certificate(
        actor=clerk, resident_id=head.pk, layout="household", include_relationship=True, now=ISSUED_AT
    )
    assert document.kind == DocumentKind.RESIDENCE_CERTIFICATE
    assert document.title == "住民票の写し（世帯連記式）"
    assert document.page_count == 1
    verdict = verify_pdf(bytes(document.pdf), trust_roots=trust_roots_for(chiyoda.code))
    assert verdict.reason == VerdictReason.OK
    assert verdict.intact and verdict.trusted
    assert "OU=131016" in verdict.signer_subject

    text = compact(pdf_text(document))
    assert "住民票の写し（世帯連記式）" in text
    assert "髙﨑太郎" in text
    for member in members:
        assert compact(member.full_name) in text
    assert "平成元年1月8日" in text
    assert to_wareki(members[1].birth_date) in text
    assert "令和8年11月26日" in text  # issue date
    assert "東京都千代田区長" in text
    assert "この写しは、住民票の原本と相違ないことを証明する。" in text
    assert "世帯主" in text and "続柄" in text
    assert f"/verify/{document.public_id}" in text
    # Not requested: no 住民票コード, no 個人番号.
    for member in members:
        assert member.resident_record_code not in text
        assert decrypt_individual_number(member.individual_number_encrypted) not in text


def test_household_of_five_needs_two_sheets_and_members_can_be_chosen(
    chiyoda: Municipality, clerk: StaffUser
) -> None:
    members = make_household(chiyoda, 5)
    document = issue_residence_certificate(actor=clerk, resident_id=members[0].pk, layout="household")
    assert document.page_count == 2
    text = compact(pdf_text(document))
    assert "1/2枚目" in text and "2/2枚目" in text

    chosen = [members[0].pk, members[3].pk]
    partial = issue_residence_certificate(actor=clerk, resident_id=members[0].pk, members=chosen)
    assert partial.page_count == 1
    partial_text = compact(pdf_text(partial))
    assert compact(members[3].full_name) in partial_text
    assert to_wareki(members[3].birth_date) in partial_text
    # Members not chosen are not printed (their birth dates are as good as their names for this check).
    others = [m for m in members if m.pk not in chosen and m.birth_date != members[3].birth_date]
    assert all(to_wareki(m.birth_date) not in partial_text for m in others if m.birth_date)
    assert (
        AuditEntry.objects.filter(action="issue_document", target_id=partial.public_id)
        .get()
        .after["resident_ids"]
        == chosen
    )


def test_members_outside_the_household_are_refused(chiyoda: Municipality, clerk: StaffUser) -> None:
    members = make_household(chiyoda, 2)
    stranger = Resident.objects.filter(municipality=chiyoda).exclude(household=members[0].household).first()
    assert stranger is not None
    with pytest.raises(BusinessRuleViolation) as error:
        issue_residence_certificate(actor=clerk, resident_id=members[0].pk, members=[stranger.pk])
    assert error.value.field == "members"


def test_individual_layout_with_options(chiyoda: Municipality, clerk: StaffUser) -> None:
    members = make_household(chiyoda, 2)
    person = members[1]
    document = issue_residence_certificate(
        actor=clerk,
        resident_id=person.pk,
        layout="individual",
        include_relationship=False,
        include_record_code=True,
    )
    assert document.title == "住民票の写し（個人票）"
    text = compact(pdf_text(document))
    assert compact(person.full_name) in text
    assert person.resident_record_code in text
    assert "続柄子" not in text  # the 続柄 row (label + value) is gone
    assert compact(members[0].full_name) not in text  # 世帯主の氏名 omitted as well
    assert "記載を省略した事項:世帯主の氏名及び続柄、個人番号" in text
    assert verify_pdf(bytes(document.pdf), trust_roots=trust_roots_for(chiyoda.code)).ok


def test_individual_number_needs_permission_and_purpose_and_is_logged(
    chiyoda: Municipality, make_staff: Callable[..., StaffUser]
) -> None:
    members = make_household(chiyoda, 1)
    person = members[0]
    number = decrypt_individual_number(person.individual_number_encrypted)
    reviewer = make_staff(chiyoda, "reviewer")  # may issue certificates, may not reveal 個人番号
    with pytest.raises(ActionNotPermitted):
        issue_residence_certificate(
            actor=reviewer,
            resident_id=person.pk,
            layout="individual",
            include_individual_number=True,
            purpose="tax_social_security",
        )
    clerk = make_staff(chiyoda, "counter_clerk")
    with pytest.raises(BusinessRuleViolation) as error:
        issue_residence_certificate(
            actor=clerk,
            resident_id=person.pk,
            layout="individual",
            include_individual_number=True,
            purpose="certificate_issuance",
        )
    assert error.value.field == "include_individual_number"
    assert not AccessLogEntry.objects.filter(action="reveal_individual_number").exists()

    document = issue_residence_certificate(
        actor=clerk,
        resident_id=person.pk,
        layout="individual",
        include_individual_number=True,
        purpose="tax_social_security",
    )
    assert number in compact(pdf_text(document))
    reveal = AccessLogEntry.objects.get(action="reveal_individual_number", subject_id=str(person.pk))
    assert reveal.actor_id == clerk.pk
    assert reveal.purpose == "tax_social_security"
    audit = AuditEntry.objects.get(action="issue_document", target_id=document.public_id)
    assert audit.after["include_individual_number"] is True
    assert number not in str(audit.after)


def test_every_printed_person_is_access_logged(chiyoda: Municipality, clerk: StaffUser) -> None:
    members = make_household(chiyoda, 3)
    issue_residence_certificate(actor=clerk, resident_id=members[0].pk)
    logged = set(
        AccessLogEntry.objects.filter(actor=clerk, purpose="certificate_issuance").values_list(
            "subject_id", flat=True
        )
    )
    assert logged == {str(m.pk) for m in members}


def test_staff_of_another_municipality_cannot_issue(
    chiyoda: Municipality, sapporo: Municipality, make_staff: Callable[..., StaffUser]
) -> None:
    members = make_household(chiyoda, 1)
    outsider = make_staff(sapporo, "counter_clerk")
    with pytest.raises(NotFoundInMunicipality):
        issue_residence_certificate(actor=outsider, resident_id=members[0].pk, layout="individual")
    assert not IssuedDocument.objects.exists()


def test_roles_without_issue_permission_are_refused(
    chiyoda: Municipality, make_staff: Callable[..., StaffUser]
) -> None:
    members = make_household(chiyoda, 1)
    for role in ("auditor", "administrator"):
        with pytest.raises(ActionNotPermitted):
            issue_residence_certificate(actor=make_staff(chiyoda, role), resident_id=members[0].pk)


def test_removed_record_certificate(chiyoda: Municipality, clerk: StaffUser) -> None:
    load_residents(chiyoda, 40)
    person = Resident.objects.filter(municipality=chiyoda, status=ResidentStatus.CURRENT).first()
    assert person is not None
    person.status = ResidentStatus.DECEASED
    person.removed_on = dt.date(2026, 10, 3)
    person.save()
    with pytest.raises(BusinessRuleViolation) as error:
        issue_residence_certificate(actor=clerk, resident_id=person.pk, layout="individual")
    assert error.value.field == "layout"

    document = issue_residence_certificate(actor=clerk, resident_id=person.pk, layout="removed_record")
    assert document.kind == DocumentKind.REMOVED_RECORD_CERTIFICATE
    assert document.title == "住民票の除票の写し"
    text = compact(pdf_text(document))
    assert "この写しは、住民票の除票の原本と相違ないことを証明する。" in text
    assert "消除日令和8年10月3日" in text
    assert "消除の事由死亡" in text
    assert compact(person.full_name) in text
    assert verify_pdf(bytes(document.pdf), trust_roots=trust_roots_for(chiyoda.code)).ok

    current = Resident.objects.filter(municipality=chiyoda, status=ResidentStatus.CURRENT).first()
    assert current is not None
    with pytest.raises(BusinessRuleViolation):
        issue_residence_certificate(actor=clerk, resident_id=current.pk, layout="removed_record")


@pytest.mark.parametrize(
    ("purpose", "field"),
    [("counter_service", "purpose"), ("audit", "purpose")],
)
def test_certificate_purposes_are_limited(
    chiyoda: Municipality, clerk: StaffUser, purpose: str, field: str
) -> None:
    members = make_household(chiyoda, 1)
    with pytest.raises(BusinessRuleViolation) as error:
        issue_residence_certificate(actor=clerk, resident_id=members[0].pk, purpose=purpose)
    assert error.value.field == field


def test_office_form_issues_and_downloads_the_pdf(chiyoda: Municipality, staff_client) -> None:
    members = make_household(chiyoda, 2)
    client, user = staff_client(chiyoda, "counter_clerk")
    url = f"/office/certificates/residents/{members[0].pk}/"
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "世帯連記式" in body and members[1].full_name in body
    assert 'name="include_individual_number"' in body  # counter clerks may reveal 個人番号

    response = client.post(
        url,
        {
            "layout": "household",
            "members": [members[1].pk],
            "include_relationship": "on",
            "purpose": "certificate_issuance",
        },
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "no-store"
    document = IssuedDocument.objects.get()
    assert response.content == bytes(document.pdf)
    assert compact(members[1].full_name) in compact(pdf_text(document))
    assert compact(members[0].full_name) in compact(pdf_text(document))  # as 世帯主 only
    assert AuditEntry.objects.filter(action="issue_document", actor_id=f"staff:{user.pk}").count() == 1


def test_office_form_names_the_field_on_rule_errors(chiyoda: Municipality, staff_client) -> None:
    members = make_household(chiyoda, 1)
    client, _user = staff_client(chiyoda, "counter_clerk")
    response = client.post(
        f"/office/certificates/residents/{members[0].pk}/",
        {"layout": "individual", "include_individual_number": "on", "purpose": "certificate_issuance"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "個人番号を記載する" in body and "社会保障・税" in body
    assert not IssuedDocument.objects.exists()


def test_office_form_hides_other_municipalities_records(
    chiyoda: Municipality, sapporo: Municipality, staff_client
) -> None:
    members = make_household(chiyoda, 1)
    client, _user = staff_client(sapporo, "counter_clerk")
    response = client.get(f"/office/certificates/residents/{members[0].pk}/")
    assert response.status_code == 404
    assert members[0].family_name not in response.content.decode()


def test_address_history_and_move_out_destination(chiyoda: Municipality, clerk: StaffUser) -> None:
    members = make_household(chiyoda, 2)
    person = members[1]
    person.moved_in_from_address = "北海道札幌市中央区北一条西二丁目1番地"
    person.previous_address = "東京都千代田区神田駿河台1丁目1番1号"
    person.save()
    text = compact(pdf_text(issue_residence_certificate(actor=clerk, resident_id=person.pk)))
    assert "転入前住所北海道札幌市中央区北一条西二丁目1番地" in text
    assert "異動前住所東京都千代田区神田駿河台1丁目1番1号" in text

    person.status = ResidentStatus.MOVED_OUT
    person.removed_on = dt.date(2026, 11, 20)
    person.move_out_destination = "大阪府大阪市北区中之島1丁目3番20号"
    person.save()
    removed = compact(
        pdf_text(issue_residence_certificate(actor=clerk, resident_id=person.pk, layout="removed_record"))
    )
    assert "消除の事由転出" in removed
    assert "転出先大阪府大阪市北区中之島1丁目3番20号" in removed
