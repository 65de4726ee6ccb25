"""Office pages for 児童扶養手当: the 受給者 register, one recipient with the reviews per year, and the review with
the income form. Thin adapters over benefits.child_rearing_services / child_rearing_selectors; the detail pages are
access-logged (給付事務)."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from madoguchi.benefits import child_rearing_selectors as selectors
from madoguchi.benefits import child_rearing_services as services
from madoguchi.core.errors import BusinessRuleViolation
from madoguchi.core.models import AccessPurpose
from madoguchi.core.views import staff_required

from .benefits_child_rearing_forms import IncomeForm, RecipientForm
from .views import _actor


def _list_page(request: HttpRequest, *, form: RecipientForm | None = None, status: int = 200) -> HttpResponse:
    recipients = selectors.list_recipients(actor=_actor(request))
    return render(
        request,
        "office/benefits/child_rearing/recipient_list.html",
        {"recipients": recipients[:200], "form": form or RecipientForm()},
        status=status,
    )


@staff_required
def recipient_list(request: HttpRequest) -> HttpResponse:
    """児童扶養手当の受給者の一覧 and the registration form."""
    return _list_page(request)


def _field_error(form: forms.Form, exc: BusinessRuleViolation) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@staff_required
@require_POST
def register_recipient(request: HttpRequest) -> HttpResponse:
    """受給者の登録 (an existing recipient certified by the 認定請求)."""
    form = RecipientForm(request.POST)
    if not form.is_valid():
        return _list_page(request, form=form, status=400)
    try:
        recipient = services.register_recipient(actor=_actor(request), **form.cleaned_data)
    except BusinessRuleViolation as exc:
        _field_error(form, exc)
        return _list_page(request, form=form, status=400)
    return redirect(
        reverse("office:benefits:child_rearing_recipient_detail", args=[recipient.pk]) + "?done=registered"
    )


@staff_required
def recipient_detail(request: HttpRequest, recipient_id: int) -> HttpResponse:
    """One recipient with the annual reviews (現況届) per year."""
    view = selectors.access_recipient(
        actor=_actor(request), recipient_id=recipient_id, purpose=AccessPurpose.BENEFIT_ADMINISTRATION
    )
    return render(
        request,
        "office/benefits/child_rearing/recipient_detail.html",
        {"view": view, "recipient": view.recipient, "done": request.GET.get("done", "")},
    )


def _review_page(
    request: HttpRequest, review_id: int, *, form: IncomeForm | None = None, status: int = 200
) -> HttpResponse:
    view = selectors.access_review(
        actor=_actor(request), review_id=review_id, purpose=AccessPurpose.BENEFIT_ADMINISTRATION
    )
    review = view.review
    current = view.current
    initial = {
        "child_support_yen": review.child_support_yen,
        "deductions_yen": 0,
        "source": "tax_ledger",
    }
    if current is not None:
        initial.update(
            income_yen=current.income_yen,
            child_support_yen=current.child_support_yen,
            deductions_yen=current.deductions_yen,
            dependents=current.dependents,
            source=current.source,
            source_note=current.source_note,
        )
    return render(
        request,
        "office/benefits/child_rearing/review_detail.html",
        {
            "view": view,
            "review": review,
            "current": current,
            "form": form or IncomeForm(initial=initial),
            "done": request.GET.get("done", ""),
        },
        status=status,
    )


@staff_required
def review_detail(request: HttpRequest, review_id: int) -> HttpResponse:
    """One annual review: the 現況届 facts, the confirmed results (revisions) and the income form."""
    return _review_page(request, review_id)


@staff_required
@require_POST
def confirm_income(request: HttpRequest, review_id: int) -> HttpResponse:
    """所得の確認: compute and record the year's result (a new revision when correcting)."""
    form = IncomeForm(request.POST)
    if not form.is_valid():
        return _review_page(request, review_id, form=form, status=400)
    try:
        services.confirm_income(actor=_actor(request), review_id=review_id, **form.cleaned_data)
    except BusinessRuleViolation as exc:
        _field_error(form, exc)
        return _review_page(request, review_id, form=form, status=400)
    return redirect(
        reverse("office:benefits:child_rearing_review_detail", args=[review_id]) + "?done=confirmed"
    )
