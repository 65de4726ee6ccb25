"""Office pages to enter the facts a 負担限度額認定 / 高額介護サービス費 decision needs ("審査に必要な情報").

Thin adapters: permissions, rules and audit rows live in benefits.care_cost_services / care_cost_selectors.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from madoguchi.benefits import care_cost_selectors as selectors
from madoguchi.benefits import care_cost_services as services
from madoguchi.benefits.models_care_cost import COST_CEILING_PROCEDURE, HIGH_COST_PROCEDURE
from madoguchi.core.errors import BusinessRuleViolation
from madoguchi.core.models import AccessPurpose

from .benefits_care_cost_forms import CostCeilingFactsForm, HighCostFactsForm, _FactsForm
from .views import _actor, staff_required


def insured_context(request: HttpRequest, resident_id: int) -> dict[str, Any]:
    """The 負担限度額・高額介護サービス費 part of the insured person's care page (its read is logged)."""
    records = selectors.care_cost_records(
        actor=_actor(request),
        resident_id=resident_id,
        purpose=AccessPurpose.BENEFIT_ADMINISTRATION,
        action="view_care_cost_records",
    )
    return {"cost": records}


def _facts_page(
    request: HttpRequest, resident_id: int, procedure: str, form: _FactsForm, status: int = 200
) -> HttpResponse:
    records = selectors.access_cost_facts(
        actor=_actor(request), resident_id=resident_id, purpose=AccessPurpose.BENEFIT_ADMINISTRATION
    )
    title = (
        _("審査に必要な情報（負担限度額認定）")
        if procedure == COST_CEILING_PROCEDURE
        else _("審査に必要な情報（高額介護（予防）サービス費）")
    )
    context = {
        "resident": records.resident,
        "facts": [f for f in records.facts if f.procedure == procedure],
        "form": form,
        "title": title,
        "procedure": procedure,
    }
    return render(request, "office/benefits/care/cost/facts.html", context, status=status)


def _facts_view(
    request: HttpRequest, resident_id: int, procedure: str, form_class: type[_FactsForm]
) -> HttpResponse:
    if request.method != "POST":
        initial = {"case_reference": request.GET.get("receipt", "")[:40]}
        return _facts_page(request, resident_id, procedure, form_class(initial=initial))
    form = form_class(request.POST)
    if form.is_valid():
        try:
            services.record_cost_facts(
                actor=_actor(request),
                resident_id=resident_id,
                procedure=procedure,
                case_reference=form.cleaned_data["case_reference"],
                source=form.cleaned_data["source"],
                facts=form.facts(),
            )
            return redirect(
                reverse("office:benefits:care_insured_person", args=[resident_id]) + "#cost-title"
            )
        except BusinessRuleViolation as exc:
            if exc.field in form.fields:
                form.add_error(exc.field, exc.message)
            else:
                form.add_error(None, exc.message)
    return _facts_page(request, resident_id, procedure, form, 400)


@staff_required
def cost_ceiling_facts(request: HttpRequest, resident_id: int) -> HttpResponse:
    """GET/POST: the facts for a 負担限度額認定 application (課税状況・収入・預貯金等・施設と居室)."""
    return _facts_view(request, resident_id, COST_CEILING_PROCEDURE, CostCeilingFactsForm)


@staff_required
def high_cost_facts(request: HttpRequest, resident_id: int) -> HttpResponse:
    """GET/POST: the facts for a 高額介護サービス費 application (提供月・利用者負担額・所得区分)."""
    return _facts_view(request, resident_id, HIGH_COST_PROCEDURE, HighCostFactsForm)
