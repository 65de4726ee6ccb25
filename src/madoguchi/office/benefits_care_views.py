"""Office pages for 介護保険 要介護認定: the list in progress, one certification (advance the steps, record the
result) and the insured person's care page (qualifications and certifications).

Thin adapters: permissions, rules and audit rows live in benefits.care_services and benefits.care_selectors.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from madoguchi.benefits import care_selectors as selectors
from madoguchi.benefits import care_services as services
from madoguchi.benefits.models_care import CertificationState
from madoguchi.core.errors import BusinessRuleViolation
from madoguchi.core.models import AccessPurpose

from . import benefits_care_cost_views
from .benefits_care_forms import CopayShareForm, ResultForm, StepForm
from .views import _actor, staff_required


@staff_required
def certification_list(request: HttpRequest) -> HttpResponse:
    """要介護認定の一覧: in progress (earliest due first), or all with ?all=1."""
    show_all = request.GET.get("all") == "1"
    rows = selectors.list_care_certifications(actor=_actor(request), open_only=not show_all)
    return render(
        request, "office/benefits/care/certification_list.html", {"rows": rows[:200], "show_all": show_all}
    )


def _next_step_label(state: str) -> str:
    for index, (step_state, _field) in enumerate(services.STEPS):
        previous = services.STEPS[index - 1][0] if index else CertificationState.RECEIVED
        if state == previous:
            return str(CertificationState(step_state).label)
    return ""


def _detail(
    request: HttpRequest,
    certification_id: int,
    step_form: StepForm,
    result_form: ResultForm,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    cert = selectors.access_care_certification(
        actor=_actor(request), certification_id=certification_id, purpose=AccessPurpose.BENEFIT_ADMINISTRATION
    )
    context: dict[str, Any] = {
        "cert": cert,
        "next_step": _next_step_label(cert.state),
        "can_decide": cert.state == CertificationState.COMMITTEE,
        "step_form": step_form,
        "result_form": result_form,
        "error": error,
    }
    return render(request, "office/benefits/care/certification_detail.html", context, status=status)


@staff_required
def certification_detail(request: HttpRequest, certification_id: int) -> HttpResponse:
    """One 要介護認定: its steps with dates, the form for the next step or for the result."""
    return _detail(request, certification_id, StepForm(), ResultForm())


def _apply_error(form: forms.Form, exc: BusinessRuleViolation) -> str:
    if exc.field in form.fields:
        form.add_error(exc.field, exc.message)
        return ""
    return exc.message


@staff_required
@require_POST
def certification_advance(request: HttpRequest, certification_id: int) -> HttpResponse:
    """POST: record the next step with its date."""
    form = StepForm(request.POST)
    if form.is_valid():
        try:
            services.advance_certification(
                actor=_actor(request), certification_id=certification_id, on=form.cleaned_data["on"]
            )
            return redirect(reverse("office:benefits:care_certification", args=[certification_id]))
        except BusinessRuleViolation as exc:
            error = _apply_error(form, exc)
            return _detail(request, certification_id, form, ResultForm(), error, 400)
    return _detail(request, certification_id, form, ResultForm(), "", 400)


@staff_required
@require_POST
def certification_result(request: HttpRequest, certification_id: int) -> HttpResponse:
    """POST: record the 認定結果 and its validity period."""
    form = ResultForm(request.POST)
    if form.is_valid():
        try:
            services.record_certification_result(
                actor=_actor(request),
                certification_id=certification_id,
                result=form.cleaned_data["result"],
                decided_on=form.cleaned_data["decided_on"],
                months=form.cleaned_data["months"],
            )
            return redirect(reverse("office:benefits:care_certification", args=[certification_id]))
        except BusinessRuleViolation as exc:
            error = _apply_error(form, exc)
            return _detail(request, certification_id, StepForm(), form, error, 400)
    return _detail(request, certification_id, StepForm(), form, "", 400)


def _insured_page(
    request: HttpRequest, resident_id: int, form: CopayShareForm, error: str = "", status: int = 200
) -> HttpResponse:
    view = selectors.access_insured_person_care(
        actor=_actor(request),
        resident_id=resident_id,
        purpose=AccessPurpose.BENEFIT_ADMINISTRATION,
        today=timezone.localdate(),
    )
    context = {"view": view, "copay_form": form, "error": error}
    context.update(benefits_care_cost_views.insured_context(request, resident_id))  # 負担限度額・高額介護
    return render(request, "office/benefits/care/insured_person.html", context, status=status)


@staff_required
def insured_person(request: HttpRequest, resident_id: int) -> HttpResponse:
    """The insured person's 介護保険 page: certification, qualifications, 負担割合 and reimbursements with the
    limits already used."""
    return _insured_page(request, resident_id, CopayShareForm())


@staff_required
@require_POST
def copay_share_record(request: HttpRequest, resident_id: int) -> HttpResponse:
    """POST: record the 負担割合 of a period (August–July)."""
    form = CopayShareForm(request.POST)
    if form.is_valid():
        try:
            services.record_copay_share(
                actor=_actor(request),
                resident_id=resident_id,
                tenths=int(form.cleaned_data["tenths"]),
                valid_from=form.cleaned_data["valid_from"],
            )
            return redirect(reverse("office:benefits:care_insured_person", args=[resident_id]))
        except BusinessRuleViolation as exc:
            return _insured_page(request, resident_id, form, _apply_error(form, exc), 400)
    return _insured_page(request, resident_id, form, "", 400)
