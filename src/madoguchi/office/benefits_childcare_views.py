"""Office pages for 保育: 支給認定 and 利用申込 with the 利用調整 outcome (内定 at a ranked facility, or 保留).

Thin adapters over benefits.childcare_services / childcare_selectors (permissions, rules and audit rows live there).
The detail page is a personal-data read and is access-logged with the 給付事務 purpose.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from madoguchi.benefits import childcare_selectors as selectors
from madoguchi.benefits import childcare_services as services
from madoguchi.benefits.models_childcare import PlacementStatus
from madoguchi.core.errors import BusinessRuleViolation
from madoguchi.core.models import AccessPurpose
from madoguchi.core.views import staff_required

from .benefits_childcare_forms import NoteForm, OutcomeForm
from .views import _actor


@staff_required
def certification_list(request: HttpRequest) -> HttpResponse:
    """支給認定の一覧 (newest certificate number first)."""
    certifications = selectors.list_childcare_certifications(actor=_actor(request))
    return render(
        request,
        "office/benefits/childcare/certification_list.html",
        {"certifications": certifications[:200]},
    )


@staff_required
def placement_list(request: HttpRequest) -> HttpResponse:
    """利用申込の一覧 (optionally one status)."""
    status = request.GET.get("status", "")
    if status not in PlacementStatus.values:
        status = ""
    applications = selectors.list_placement_applications(actor=_actor(request), status=status or None)
    return render(
        request,
        "office/benefits/childcare/placement_list.html",
        {"applications": applications[:200], "status": status, "statuses": PlacementStatus.choices},
    )


def _detail_page(
    request: HttpRequest,
    application_id: int,
    *,
    form: OutcomeForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    view = selectors.access_placement_application(
        actor=_actor(request),
        application_id=application_id,
        purpose=AccessPurpose.BENEFIT_ADMINISTRATION,
    )
    return render(
        request,
        "office/benefits/childcare/placement_detail.html",
        {
            "view": view,
            "application": view.application,
            "form": form or OutcomeForm(preferences=view.preferences),
            "note_form": NoteForm(),
            "error": error,
            "done": request.GET.get("done", ""),
            "can_screen": PlacementStatus.SCREENING in view.next_statuses,
            "can_confirm": PlacementStatus.PLACED in view.next_statuses,
            "can_withdraw": PlacementStatus.DECLINED in view.next_statuses,
        },
        status=status,
    )


@staff_required
def placement_detail(request: HttpRequest, application_id: int) -> HttpResponse:
    """One 利用申込: the child, ranked preferences, status, and the actions its status allows."""
    return _detail_page(request, application_id)


def _done(application_id: int, what: str) -> HttpResponse:
    return redirect(
        reverse("office:benefits:childcare_placement_detail", args=[application_id]) + f"?done={what}"
    )


@staff_required
@require_POST
def placement_screening(request: HttpRequest, application_id: int) -> HttpResponse:
    try:
        services.start_screening(actor=_actor(request), application_id=application_id)
    except BusinessRuleViolation as exc:
        return _detail_page(request, application_id, error=exc.message, status=409)
    return _done(application_id, "screening")


@staff_required
@require_POST
def placement_outcome(request: HttpRequest, application_id: int) -> HttpResponse:
    """Record the 利用調整 outcome: 内定 at one of the ranked facilities, or 保留（待機）."""
    view = selectors.access_placement_application(
        actor=_actor(request),
        application_id=application_id,
        purpose=AccessPurpose.BENEFIT_ADMINISTRATION,
    )
    form = OutcomeForm(request.POST, preferences=view.preferences)
    if not form.is_valid():
        return _detail_page(request, application_id, form=form, status=400)
    try:
        services.record_outcome(
            actor=_actor(request),
            application_id=application_id,
            facility_id=form.facility_id(),
            note=form.cleaned_data["note"],
        )
    except BusinessRuleViolation as exc:
        return _detail_page(request, application_id, form=form, error=exc.message, status=409)
    return _done(application_id, "outcome")


@staff_required
@require_POST
def placement_confirm(request: HttpRequest, application_id: int) -> HttpResponse:
    try:
        services.confirm_placement(actor=_actor(request), application_id=application_id)
    except BusinessRuleViolation as exc:
        return _detail_page(request, application_id, error=exc.message, status=409)
    return _done(application_id, "placed")


@staff_required
@require_POST
def placement_withdraw(request: HttpRequest, application_id: int) -> HttpResponse:
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.withdraw(actor=_actor(request), application_id=application_id, note=note)
    except BusinessRuleViolation as exc:
        return _detail_page(request, application_id, error=exc.message, status=409)
    return _done(application_id, "declined")
