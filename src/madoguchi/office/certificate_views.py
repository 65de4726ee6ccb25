"""Office pages for issuing certificates: choose layout, members and options, then download the signed PDF.

Views parse input, call one selector/service and render.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from madoguchi.core.access import require
from madoguchi.core.errors import BusinessRuleViolation
from madoguchi.core.models import AccessPurpose, StaffUser
from madoguchi.core.roles import Action
from madoguchi.office.views import staff_required
from madoguchi.registry import relationships
from madoguchi.registry import selectors as registry
from madoguchi.registry.certificates import issue_residence_certificate

from .certificate_forms import CertificateIssueForm


def _actor(request: HttpRequest) -> StaffUser:
    assert isinstance(request.user, StaffUser)
    return request.user


@staff_required
@require_http_methods(["GET", "POST"])
def issue_certificate(request: HttpRequest, resident_id: int) -> HttpResponse:
    """Form (GET) and issuance (POST → the signed PDF as a download) of a 住民票の写し / 除票の写し."""
    actor = _actor(request)
    require(actor, Action.ISSUE_CERTIFICATE)
    # Opening this page reads the record (names of the household) for issuing a certificate: log it so.
    resident = registry.access_resident(
        actor=actor, resident_id=resident_id, purpose=AccessPurpose.CERTIFICATE_ISSUANCE
    )
    members = (
        registry.list_household_members(actor=actor, household=resident.household)
        if resident.household and resident.status == "current"
        else []
    )
    removed = resident.status != "current"
    form = CertificateIssueForm(
        request.POST if request.method == "POST" else None,
        member_choices=[
            (m.pk, f"{m.full_name}（{relationships.display(m.relationship) or '—'}）") for m in members
        ],
        allow_individual_number=actor.can(Action.REVEAL_INDIVIDUAL_NUMBER),
        removed=removed,
        initial={
            "layout": "removed_record" if removed else "household" if members else "individual",
            "include_relationship": True,
            "purpose": AccessPurpose.CERTIFICATE_ISSUANCE,
        },
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                document = issue_residence_certificate(
                    actor=actor,
                    resident_id=resident.pk,
                    layout=data["layout"],
                    members=(data.get("members") or None) if data["layout"] == "household" else None,
                    include_relationship=data["include_relationship"],
                    include_record_code=data["include_record_code"],
                    include_individual_number=data.get("include_individual_number", False),
                    purpose=data["purpose"],
                )
            except BusinessRuleViolation as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                response = HttpResponse(bytes(document.pdf), content_type="application/pdf")
                response["Content-Disposition"] = (
                    f'attachment; filename="certificate-{document.public_id}.pdf"'
                )
                # A certificate is full of personal data: never keep it in a browser or proxy cache.
                response["Cache-Control"] = "no-store"
                return response
        status = 400
    return render(
        request,
        "office/certificates/issue.html",
        {"resident": resident, "form": form, "removed": removed},
        status=status,
    )
