"""Office pages for 児童手当: recipients (受給者) with the amounts ahead, and payment runs (全銀 総合振込).

Thin adapters: the rules, the permission checks and the audit rows live in benefits.child_allowance_services and
benefits.child_allowance_selectors. A run is created from a preview the clerk confirms (GET shows the plan, POST
creates), exported with an explicit confirmation when payees are blocked, and downloaded afterwards.
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from madoguchi.benefits import child_allowance_selectors as selectors
from madoguchi.benefits import child_allowance_services as services
from madoguchi.benefits.child_allowance_status_selectors import list_status_reports
from madoguchi.benefits.models import PaymentItemStatus, PaymentRun, PaymentRunStatus, PaymentSettings
from madoguchi.benefits.rules import child_allowance as rules
from madoguchi.benefits.rules._months import add_months, first_of_month
from madoguchi.core.access import require
from madoguchi.core.errors import BusinessRuleViolation
from madoguchi.core.models import AccessPurpose
from madoguchi.core.roles import Action

from .benefits_forms import ExportForm, PaymentMonthForm, PaymentSettingsForm
from .views import _actor, staff_required


@staff_required
def index(request: HttpRequest) -> HttpResponse:
    """給付事務: where each benefit business's records and work are."""
    require(_actor(request), Action.REVIEW_CASE)
    return render(request, "office/benefits/index.html")


@staff_required
def recipient_list(request: HttpRequest) -> HttpResponse:
    """児童手当の受給者一覧 (newest certification first)."""
    recipients = selectors.list_child_allowance_recipients(actor=_actor(request))
    return render(request, "office/benefits/recipient_list.html", {"recipients": recipients[:200]})


@staff_required
def recipient_detail(request: HttpRequest, recipient_id: int) -> HttpResponse:
    """One recipient: children with birth order and this month's amounts, and the next payments per month."""
    view = selectors.access_child_allowance_recipient(
        actor=_actor(request),
        recipient_id=recipient_id,
        purpose=AccessPurpose.BENEFIT_ADMINISTRATION,
        today=timezone.localdate(),
    )
    children = list(view.recipient.children.order_by("position"))
    rows = list(zip(children, view.current_quote.children, strict=True))
    reports = list_status_reports(actor=_actor(request), recipient=view.recipient)
    return render(
        request,
        "office/benefits/recipient_detail.html",
        {"view": view, "rows": rows, "status_reports": reports},
    )


def _next_payment_month(today: dt.date) -> dt.date:
    month = first_of_month(today)
    return add_months(month, 2 if month.month % 2 == 0 else 1)


@staff_required
def run_list(request: HttpRequest) -> HttpResponse:
    """支払の一覧: every run with its status, and the way to create the next one."""
    actor = _actor(request)
    runs = selectors.list_payment_runs(actor=actor)
    has_settings = PaymentSettings.objects.filter(municipality_id=actor.municipality_id).exists()
    return render(
        request,
        "office/benefits/run_list.html",
        {
            "runs": runs[:100],
            "has_settings": has_settings,
            "next_month": _next_payment_month(timezone.localdate()),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def run_create(request: HttpRequest) -> HttpResponse:
    """GET ?payment_month=YYYY-MM: the preview (who is paid what, who is blocked and why). POST: create the run."""
    actor = _actor(request)
    require(actor, Action.RUN_BENEFIT_PAYMENTS)
    data = request.POST if request.method == "POST" else (request.GET or None)
    initial = {"payment_month": f"{_next_payment_month(timezone.localdate()):%Y-%m}"}
    form = PaymentMonthForm(data, initial=initial)
    context: dict[str, object] = {"form": form, "error": ""}
    status = 200
    if data is not None and form.is_valid():
        month = form.cleaned_data["payment_month"]
        try:
            if request.method == "POST":
                run = services.create_payment_run(actor=actor, payment_month=month)
                return redirect(reverse("office:benefits:run_detail", args=[run.pk]))
            assert actor.municipality_id is not None
            plan = services.plan_payment(municipality_code=actor.municipality_id, payment_month=month)
            context.update({"plan": plan, "month_value": f"{month:%Y-%m}"})
        except BusinessRuleViolation as exc:
            if exc.field in form.fields:
                form.add_error(exc.field, exc.message)
            else:
                context["error"] = exc.message
            status = 400
    elif data is not None:
        status = 400
    return render(request, "office/benefits/run_create.html", context, status=status)


@staff_required
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    """One run: payees, blocked payees with their reasons, export (with confirmation) and downloads."""
    return _run_page(request, run_id, ExportForm(), "", 200)


def _run_page(request: HttpRequest, run_id: int, form: ExportForm, error: str, status: int) -> HttpResponse:
    run, items = selectors.get_payment_run(actor=_actor(request), run_id=run_id)
    included = [i for i in items if i.status == PaymentItemStatus.INCLUDED]
    blocked = [i for i in items if i.status == PaymentItemStatus.BLOCKED]
    return render(
        request,
        "office/benefits/run_detail.html",
        {
            "run": run,
            "included": included,
            "blocked": blocked,
            "form": form,
            "error": error,
            "exported": run.status == PaymentRunStatus.EXPORTED,
            "covered": rules.covered_months(run.payment_month),
            "done": request.GET.get("done", ""),
        },
        status=status,
    )


@staff_required
@require_POST
def run_export(request: HttpRequest, run_id: int) -> HttpResponse:
    """Export: write the 全銀 file and the register; the run is locked from then on."""
    form = ExportForm(request.POST)
    form.is_valid()
    try:
        services.export_payment_run(
            actor=_actor(request),
            run_id=run_id,
            confirm_blocked=bool(form.cleaned_data.get("confirm_blocked")),
        )
    except BusinessRuleViolation as exc:
        if exc.field in form.fields:
            form.add_error(exc.field, exc.message)
            return _run_page(request, run_id, form, "", 400)
        return _run_page(request, run_id, form, exc.message, 409 if exc.code == "exported" else 400)
    return redirect(reverse("office:benefits:run_detail", args=[run_id]) + "?done=exported")


@staff_required
@require_POST
def run_discard(request: HttpRequest, run_id: int) -> HttpResponse:
    """Discard a run that was not exported."""
    try:
        services.discard_payment_run(actor=_actor(request), run_id=run_id)
    except BusinessRuleViolation as exc:
        return _run_page(request, run_id, ExportForm(), exc.message, 409)
    return redirect(reverse("office:benefits:runs"))


def _download(run_id: int, request: HttpRequest) -> tuple[PaymentRun, str]:
    run, _items = selectors.get_payment_run(actor=_actor(request), run_id=run_id)
    if run.status != PaymentRunStatus.EXPORTED:
        raise Http404
    return run, f"{run.payment_month:%Y%m}-{run.pk}"


@staff_required
def run_file(request: HttpRequest, run_id: int) -> HttpResponse:
    """The exported 全銀 総合振込 file (Shift_JIS, 120-byte records), byte for byte as stored."""
    run, stem = _download(run_id, request)
    data = bytes(run.transfer_file or b"")
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="child-allowance-{stem}.txt"'
    response["X-Content-SHA256"] = run.file_sha256
    return response


@staff_required
def run_register(request: HttpRequest, run_id: int) -> HttpResponse:
    """The register (振込明細) as CSV (UTF-8 with BOM, so spreadsheet software reads the Japanese)."""
    run, stem = _download(run_id, request)
    response = HttpResponse(
        "\ufeff" + run.register_csv,
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="child-allowance-register-{stem}.csv"'
    return response


@staff_required
@require_http_methods(["GET", "POST"])
def payment_settings(request: HttpRequest) -> HttpResponse:
    """振込元の設定: the municipality's paying account written in the header of every file."""
    actor = _actor(request)
    require(actor, Action.RUN_BENEFIT_PAYMENTS)
    current = PaymentSettings.objects.filter(municipality_id=actor.municipality_id).first()
    initial = (
        {
            k: getattr(current, k)
            for k in PaymentSettingsForm.base_fields
            if current is not None and hasattr(current, k)
        }
        if current
        else {}
    )
    form = PaymentSettingsForm(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.set_payment_settings(actor=actor, **form.cleaned_data)
            except BusinessRuleViolation as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                status = 400
            else:
                return redirect(reverse("office:benefits:runs"))
        else:
            status = 400
    return render(request, "office/benefits/payment_settings.html", {"form": form}, status=status)
