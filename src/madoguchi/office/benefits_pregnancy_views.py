"""Office pages for 妊娠の届出: records, 母子健康手帳の交付を記録, and the 妊婦支援給付金 requests (支給決定).

Thin adapters over benefits.pregnancy_services / pregnancy_selectors; the detail page is access-logged (給付事務).
"""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from madoguchi.benefits import pregnancy_selectors as selectors
from madoguchi.benefits import pregnancy_services as services
from madoguchi.benefits.models_pregnancy import SupportPayment, SupportRequestStatus
from madoguchi.core.errors import BusinessRuleViolation, NotFoundInMunicipality
from madoguchi.core.models import AccessPurpose
from madoguchi.core.views import staff_required

from .benefits_pregnancy_forms import HandbookIssueForm, SecondPaymentForm
from .views import _actor


@staff_required
def pregnancy_list(request: HttpRequest) -> HttpResponse:
    """妊娠の届出の一覧 (newest first)."""
    records = selectors.list_pregnancies(actor=_actor(request))
    return render(request, "office/benefits/pregnancy/list.html", {"records": records[:200]})


def _page(
    request: HttpRequest,
    pregnancy_id: int,
    *,
    issue_form: HandbookIssueForm | None = None,
    second_form: SecondPaymentForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    view = selectors.access_pregnancy(
        actor=_actor(request), pregnancy_id=pregnancy_id, purpose=AccessPurpose.BENEFIT_ADMINISTRATION
    )
    today = timezone.localdate()
    payments = {r.payment: r for r in view.requests}
    first = payments.get(SupportPayment.FIRST)
    can_request_second = (
        first is not None
        and first.status == SupportRequestStatus.APPROVED
        and SupportPayment.SECOND not in payments
    )
    return render(
        request,
        "office/benefits/pregnancy/detail.html",
        {
            "view": view,
            "record": view.record,
            "issue_form": issue_form or HandbookIssueForm(initial={"issued_on": today}),
            "second_form": second_form
            or SecondPaymentForm(initial={"fetus_count": view.record.fetus_count, "notified_on": today}),
            "can_request_second": can_request_second,
            "error": error,
            "done": request.GET.get("done", ""),
        },
        status=status,
    )


@staff_required
def pregnancy_detail(request: HttpRequest, pregnancy_id: int) -> HttpResponse:
    """One pregnancy: the notification, the handbooks issued, and the support-benefit requests."""
    return _page(request, pregnancy_id)


def _done(pregnancy_id: int, what: str) -> HttpResponse:
    return redirect(reverse("office:benefits:pregnancy_detail", args=[pregnancy_id]) + f"?done={what}")


def _field_error(form: forms.Form, exc: BusinessRuleViolation) -> bool:
    if exc.field in form.fields:
        form.add_error(exc.field, exc.message)
        return True
    return False


@staff_required
@require_POST
def issue_handbooks(request: HttpRequest, pregnancy_id: int) -> HttpResponse:
    """交付を記録: the handbooks for the pregnancy (one per fetus), issued by the logged-in staff member."""
    form = HandbookIssueForm(request.POST)
    if not form.is_valid():
        return _page(request, pregnancy_id, issue_form=form, status=400)
    try:
        services.record_handbook_issuance(
            actor=_actor(request), pregnancy_id=pregnancy_id, issued_on=form.cleaned_data["issued_on"]
        )
    except BusinessRuleViolation as exc:
        if _field_error(form, exc):
            return _page(request, pregnancy_id, issue_form=form, status=400)
        return _page(request, pregnancy_id, error=exc.message, status=409)
    return _done(pregnancy_id, "handbooks")


@staff_required
@require_POST
def second_payment(request: HttpRequest, pregnancy_id: int) -> HttpResponse:
    """胎児の数の届出: the 2nd-payment request."""
    form = SecondPaymentForm(request.POST)
    if not form.is_valid():
        return _page(request, pregnancy_id, second_form=form, status=400)
    try:
        services.request_second_payment(
            actor=_actor(request),
            pregnancy_id=pregnancy_id,
            fetus_count=form.cleaned_data["fetus_count"],
            notified_on=form.cleaned_data["notified_on"],
        )
    except BusinessRuleViolation as exc:
        if _field_error(form, exc):
            return _page(request, pregnancy_id, second_form=form, status=400)
        return _page(request, pregnancy_id, error=exc.message, status=409)
    return _done(pregnancy_id, "second")


@staff_required
@require_POST
def approve_request(request: HttpRequest, pregnancy_id: int, request_id: int) -> HttpResponse:
    """支給決定 of one request (it becomes payable)."""
    view = selectors.access_pregnancy(
        actor=_actor(request), pregnancy_id=pregnancy_id, purpose=AccessPurpose.BENEFIT_ADMINISTRATION
    )
    if request_id not in {r.pk for r in view.requests}:
        raise NotFoundInMunicipality("pregnancy support request")
    try:
        services.approve_support_request(actor=_actor(request), request_id=request_id)
    except BusinessRuleViolation as exc:
        return _page(request, pregnancy_id, error=exc.message, status=409)
    return _done(pregnancy_id, "approved")
