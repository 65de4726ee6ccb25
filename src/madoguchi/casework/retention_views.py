"""Office pages for retention and disposal (保存期間と廃棄): the cases past retention, proposals and their approval.

Views parse input, call one selector/service of `casework.retention` and render; forms post without JavaScript.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from madoguchi.core.errors import ActionNotPermitted, BusinessRuleViolation, NotFoundInMunicipality
from madoguchi.core.models import StaffUser
from madoguchi.core.roles import Action
from madoguchi.core.views import staff_required

from . import retention
from .retention_forms import DecideDisposalForm, ProposeDisposalForm


def _actor(request: HttpRequest) -> StaffUser:
    assert isinstance(request.user, StaffUser)
    retention.require_disposal_view(request.user)
    return request.user


@staff_required
@require_http_methods(["GET", "POST"])
def retention_list(request: HttpRequest) -> HttpResponse:
    """Cases past their retention period, the proposal form, open and decided proposals, the latest tombstones."""
    actor = _actor(request)
    today = timezone.localdate()
    due = retention.list_due(actor=actor, today=today)
    choices = [(a.case.receipt_number, a.case.receipt_number) for a in due]
    form = ProposeDisposalForm(request.POST if request.method == "POST" else None, due=choices)
    error = ""
    if request.method == "POST":
        if not actor.can(Action.REVIEW_CASE):
            raise ActionNotPermitted(Action.REVIEW_CASE)
        if form.is_valid():
            try:
                proposal = retention.propose_disposal(
                    actor=actor,
                    receipt_numbers=form.cleaned_data["receipt_numbers"],
                    reason=form.cleaned_data["reason"],
                )
            except BusinessRuleViolation as exc:
                error = exc.message
            else:
                return redirect(f"{reverse('office:casework:disposal', args=[proposal.pk])}?done=proposed")
    return render(
        request,
        "casework/retention_list.html",
        {
            "due": due,
            "form": form,
            "error": error,
            "can_propose": actor.can(Action.REVIEW_CASE),
            "requests": list(retention.list_requests(actor=actor)[:50]),
            "tombstones": retention.list_tombstones(actor=actor, limit=50),
            "today": today,
        },
        status=400 if request.method == "POST" else 200,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def disposal(request: HttpRequest, request_id: int) -> HttpResponse:
    """One disposal proposal: what it covers, and (for another approver) approve or reject it."""
    actor = _actor(request)
    try:
        proposal = retention.get_request(actor=actor, request_id=request_id)
    except NotFoundInMunicipality as exc:
        raise Http404("disposal request") from exc
    can_decide = (
        actor.can(Action.DECIDE_CASE)
        and proposal.status == "proposed"
        and proposal.proposed_by_id != actor.pk
    )
    form = DecideDisposalForm(request.POST if request.method == "POST" else None)
    error = ""
    if request.method == "POST":
        if not actor.can(Action.DECIDE_CASE):
            raise ActionNotPermitted(Action.DECIDE_CASE)
        if form.is_valid():
            try:
                if form.cleaned_data["decision"] == "approve":
                    retention.approve_disposal(
                        actor=actor, request_id=proposal.pk, reason=form.cleaned_data["reason"]
                    )
                else:
                    retention.reject_disposal(
                        actor=actor, request_id=proposal.pk, reason=form.cleaned_data["reason"]
                    )
            except BusinessRuleViolation as exc:
                if exc.field in form.fields:
                    form.add_error(exc.field, exc.message)
                else:
                    error = exc.message
            else:
                return redirect(f"{reverse('office:casework:disposal', args=[proposal.pk])}?done=decided")
    archives = {
        a.case.receipt_number: a
        for a in retention.due_archives(today=timezone.localdate(), municipality_code=actor.municipality_id)
    }
    rows = [{"receipt_number": n, "archive": archives.get(n)} for n in proposal.receipt_numbers]
    return render(
        request,
        "casework/disposal.html",
        {
            "proposal": proposal,
            "rows": rows,
            "tombstones": list(proposal.tombstones.all()),
            "form": form,
            "error": error,
            "can_decide": can_decide,
            "is_proposer": proposal.proposed_by_id == actor.pk,
            "done": request.GET.get("done", ""),
        },
        status=400 if request.method == "POST" else 200,
    )
