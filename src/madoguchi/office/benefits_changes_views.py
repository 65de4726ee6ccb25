"""Office pages for 児童手当 change proposals: the list with the review scan button, one proposal to approve/reject.

Thin adapters: the scan, the rules, the permission checks and the audit rows live in
benefits.child_allowance_review and benefits.child_allowance_review_selectors.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from madoguchi.benefits import child_allowance_review as review
from madoguchi.benefits import child_allowance_review_selectors as selectors
from madoguchi.benefits.models_child_allowance_changes import ProposalKind, ProposalStatus
from madoguchi.core.errors import BusinessRuleViolation
from madoguchi.core.models import AccessPurpose

from .benefits_changes_forms import ApproveForm, RejectForm
from .views import _actor, staff_required


@staff_required
def proposal_list(request: HttpRequest) -> HttpResponse:
    """変更の提案の一覧 (確認待ち first), with the button that runs the review scan."""
    status = request.GET.get("status", ProposalStatus.PENDING)
    proposals = selectors.list_proposals(actor=_actor(request), status=status)
    return render(
        request,
        "office/benefits/changes/proposal_list.html",
        {
            "proposals": proposals[:200],
            "status": status,
            "statuses": ProposalStatus.choices,
            "created": request.GET.get("created", ""),
        },
    )


@staff_required
@require_POST
def review_run(request: HttpRequest) -> HttpResponse:
    """Run the review scan for the clerk's municipality (idempotent) and show how many proposals it added."""
    result = review.run_child_allowance_review(actor=_actor(request))
    return redirect(reverse("office:benefits:change_proposals") + f"?created={len(result.created)}")


def _detail(
    request: HttpRequest, proposal_id: int, approve: ApproveForm, reject: RejectForm, error: str, status: int
) -> HttpResponse:
    view = selectors.access_proposal(
        actor=_actor(request),
        proposal_id=proposal_id,
        purpose=AccessPurpose.BENEFIT_ADMINISTRATION,
        today=timezone.localdate(),
    )
    return render(
        request,
        "office/benefits/changes/proposal_detail.html",
        {
            "view": view,
            "p": view.proposal,
            "approve_form": approve,
            "reject_form": reject,
            "error": error,
            "pending": view.proposal.status == ProposalStatus.PENDING,
            "is_birth": view.proposal.kind == ProposalKind.BIRTH_IN_HOUSEHOLD,
        },
        status=status,
    )


@staff_required
def proposal_detail(request: HttpRequest, proposal_id: int) -> HttpResponse:
    """One proposal: the reason, old/new monthly total, the children in force and the revisions so far."""
    return _detail(request, proposal_id, ApproveForm(), RejectForm(), "", 200)


@staff_required
@require_POST
def proposal_approve(request: HttpRequest, proposal_id: int) -> HttpResponse:
    form = ApproveForm(request.POST)
    if not form.is_valid():
        return _detail(request, proposal_id, form, RejectForm(), "", 400)
    try:
        review.approve_proposal(
            actor=_actor(request), proposal_id=proposal_id, claimed_on=form.cleaned_data.get("claimed_on")
        )
    except BusinessRuleViolation as exc:
        if exc.field in form.fields:
            form.add_error(exc.field, exc.message)
            return _detail(request, proposal_id, form, RejectForm(), "", 400)
        return _detail(request, proposal_id, form, RejectForm(), exc.message, 409)
    return redirect(reverse("office:benefits:change_proposal", args=[proposal_id]))


@staff_required
@require_POST
def proposal_reject(request: HttpRequest, proposal_id: int) -> HttpResponse:
    form = RejectForm(request.POST)
    if not form.is_valid():
        return _detail(request, proposal_id, ApproveForm(), form, "", 400)
    try:
        review.reject_proposal(
            actor=_actor(request), proposal_id=proposal_id, reason=form.cleaned_data["reason"]
        )
    except BusinessRuleViolation as exc:
        if exc.field in form.fields:
            form.add_error(exc.field, exc.message)
            return _detail(request, proposal_id, ApproveForm(), form, "", 400)
        return _detail(request, proposal_id, ApproveForm(), form, exc.message, 409)
    return redirect(reverse("office:benefits:change_proposal", args=[proposal_id]))
