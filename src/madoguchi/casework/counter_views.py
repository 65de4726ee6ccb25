"""Office pages of counter mode (書かない窓口): find the resident, choose the procedure, fill the prefilled form
page by page with the resident, record the identity check, produce the confirmation sheet, confirm and file.

Views parse input, call one service/selector of `casework.counter` and render; every page works without JavaScript.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from madoguchi.core.access import require
from madoguchi.core.errors import BusinessRuleViolation, NotFoundInMunicipality
from madoguchi.core.models import StaffUser
from madoguchi.core.roles import Action
from madoguchi.core.views import staff_required
from madoguchi.intake.forms import dom_id, get_path, page_widgets, read_page
from madoguchi.procedures.engine import (
    FormDefinition,
    Page,
    Procedure,
    get_catalogue,
    validate_page,
    visible_pages,
)
from madoguchi.procedures.i18n import message_text, text_of
from madoguchi.registry import selectors as registry

from . import counter
from .counter_forms import CounterSearchForm, IdentityForm, ProcedureChoiceForm
from .models import Case, CounterSession, CounterStatus
from .views import answer_sections


def _actor(request: HttpRequest) -> StaffUser:
    assert isinstance(request.user, StaffUser)
    require(request.user, Action.TAKE_COUNTER_APPLICATION)
    return request.user


def _session(actor: StaffUser, public_id: str) -> CounterSession:
    try:
        return counter.get_counter_session(actor=actor, public_id=public_id)
    except NotFoundInMunicipality as exc:
        raise Http404("counter session") from exc


def _open_session(actor: StaffUser, public_id: str) -> CounterSession | HttpResponse:
    session = _session(actor, public_id)
    if session.status != CounterStatus.OPEN:
        return redirect("office:casework:counter_done", session.public_id)
    return session


def _pages(session: CounterSession) -> tuple[FormDefinition, list[Page]]:
    form = counter.form_of(session)
    return form, visible_pages(form, session.answers)


@staff_required
@require_http_methods(["GET", "POST"])
def counter_start(request: HttpRequest) -> HttpResponse:
    """Find the resident (or arrive from their record), then choose the procedure to apply for."""
    actor = _actor(request)
    resident_param = request.POST.get("resident") or request.GET.get("resident", "")
    if not resident_param.isdigit():
        search = CounterSearchForm(request.GET or None)
        results = None
        if request.GET and search.is_valid():
            results = registry.search_residents(
                actor=actor,
                name=search.cleaned_data["name"] or "",
                birth_date=search.cleaned_data["birth_date"],
            )
        return render(
            request,
            "casework/counter_start.html",
            {"search": search, "results": results},
            status=400 if request.GET and search.errors else 200,
        )
    try:
        resident = counter.access_counter_resident(actor=actor, resident_id=int(resident_param))
    except NotFoundInMunicipality as exc:
        raise Http404("resident") from exc
    except BusinessRuleViolation as exc:
        return render(
            request, "casework/counter_start.html", {"search": None, "refused": exc.message}, status=409
        )
    procedures = counter.counter_procedures(actor=actor)
    choices = [(p.code, text_of(p, "name")) for p in procedures]
    form = ProcedureChoiceForm(request.POST if request.method == "POST" else None, procedures=choices)
    if request.method == "POST" and form.is_valid():
        try:
            session = counter.start_counter_application(
                actor=actor, resident_id=resident.pk, procedure_code=form.cleaned_data["procedure_code"]
            )
        except BusinessRuleViolation as exc:
            form.add_error("procedure_code", exc.message)
        else:
            _form, pages = _pages(session)
            return redirect("office:casework:counter_page", session.public_id, pages[0].key)
    return render(
        request,
        "casework/counter_start.html",
        {"resident": resident, "form": form, "search": None},
        status=400 if form.errors else 200,
    )


def _change_group(
    form: FormDefinition, page_def: Page, action: str, values: dict[str, Any], answers: Any
) -> None:
    parts = action.split(":")
    group_path = parts[1] if len(parts) > 1 else ""
    if group_path not in [f.path for f in page_def.fields if f.is_group]:
        return
    items = list(values.get(group_path, get_path(answers, group_path) or []))
    group = form.field(group_path)
    if parts[0] == "add" and len(items) < group.repeat_max:
        items.append({})
    elif parts[0] == "remove" and len(parts) == 3 and parts[2].isdigit() and int(parts[2]) < len(items):
        items.pop(int(parts[2]))
    values[group_path] = items


@staff_required
@require_http_methods(["GET", "POST"])
def counter_page(request: HttpRequest, public_id: str, page_key: str) -> HttpResponse:
    """One page of the form, prefilled from the registry; the clerk completes it with the resident."""
    actor = _actor(request)
    found = _open_session(actor, public_id)
    if isinstance(found, HttpResponse):
        return found
    session = found
    form = counter.form_of(session)
    try:
        current = form.page(page_key)
    except KeyError as exc:
        raise Http404("page") from exc
    errors: dict[str, Any] = {}
    if request.method == "POST":
        action = request.POST.get("action", "next")
        values = read_page(form, current, request.POST, session.answers)
        if action.startswith(("add:", "remove:")):
            _change_group(form, current, action, values, session.answers)
        session = counter.save_counter_answers(actor=actor, public_id=session.public_id, values=values)
        keys = [p.key for p in visible_pages(form, session.answers)]
        if action == "back":
            position = keys.index(current.key) if current.key in keys else 0
            if position == 0:
                return redirect(f"{reverse('office:casework:counter_start')}?resident={session.resident_id}")
            return redirect("office:casework:counter_page", session.public_id, keys[position - 1])
        if action.startswith(("add:", "remove:")):
            return redirect("office:casework:counter_page", session.public_id, current.key)
        errors = validate_page(form, current.key, session.answers)
        if not errors:
            later = keys[keys.index(current.key) + 1 :] if current.key in keys else keys
            if later:
                return redirect("office:casework:counter_page", session.public_id, later[0])
            return redirect("office:casework:counter_identity", session.public_id)
    pages = visible_pages(form, session.answers)
    keys = [p.key for p in pages]
    widgets = [
        w for w in page_widgets(form, current, session.answers, errors, session.prefilled) if w.type != "file"
    ]
    return render(
        request,
        "casework/counter_page.html",
        {
            "session": session,
            "procedure_name": text_of(form_procedure(session), "name"),
            "page": current,
            "widgets": widgets,
            "errors": [(dom_id(path), message_text(e)) for path, errs in errors.items() for e in errs],
            "number": keys.index(current.key) + 1 if current.key in keys else 1,
            "total": len(keys),
        },
        status=400 if errors else 200,
    )


def form_procedure(session: CounterSession) -> Procedure:
    """The catalogue procedure of a counter session."""
    return get_catalogue().procedures[session.procedure_code]


@staff_required
@require_http_methods(["GET", "POST"])
def counter_identity(request: HttpRequest, public_id: str) -> HttpResponse:
    """Record how the resident's identity was checked (the card, or documents from the list)."""
    actor = _actor(request)
    found = _open_session(actor, public_id)
    if isinstance(found, HttpResponse):
        return found
    session = found
    initial = {"method": session.identity_method, "documents": session.identity_documents}
    form = IdentityForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            counter.confirm_identity(
                actor=actor,
                public_id=session.public_id,
                method=form.cleaned_data["method"],
                documents=form.cleaned_data["documents"],
            )
        except BusinessRuleViolation as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return redirect("office:casework:counter_confirm", session.public_id)
    _form, pages = _pages(session)
    return render(
        request,
        "casework/counter_identity.html",
        {
            "session": session,
            "form": form,
            "procedure_name": text_of(form_procedure(session), "name"),
            "last_page": pages[-1].key,
        },
        status=400 if form.errors else 200,
    )


def _sections(session: CounterSession) -> list[dict[str, Any]]:
    return answer_sections(session.procedure_code, session.form_version, session.answers, skip_files=True)


@staff_required
@require_http_methods(["GET", "POST"])
def counter_confirm(request: HttpRequest, public_id: str) -> HttpResponse:
    """Check the answers with the resident, produce the confirmation sheet, and file the application."""
    actor = _actor(request)
    found = _open_session(actor, public_id)
    if isinstance(found, HttpResponse):
        return found
    session = found
    problems: list[str] = []
    duplicate: counter.CounterResult | None = None
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "sheet":
                # The sheet is a legal-style document: Japanese, whatever the page language.
                with translation.override("ja"):
                    sections = _sections(session)
                counter.issue_confirmation_sheet(actor=actor, public_id=session.public_id, sections=sections)
                return redirect(
                    f"{reverse('office:casework:counter_confirm', args=[session.public_id])}?sheet=1"
                )
            result = counter.submit_counter_application(actor=actor, public_id=session.public_id)
        except BusinessRuleViolation as exc:
            problems, status = [exc.message], 400
        except counter.CounterRejected as exc:
            problems, status = [message_text(p) for p in exc.problems], 400
        else:
            if not result.duplicate:
                return redirect("office:casework:counter_done", session.public_id)
            duplicate, status = result, 409
        session.refresh_from_db()
    _form, pages = _pages(session)
    return render(
        request,
        "casework/counter_confirm.html",
        {
            "session": session,
            "procedure_name": text_of(form_procedure(session), "name"),
            "sections": _sections(session),
            "pages": pages,
            "sheet_current": counter.sheet_is_current(session),
            "problems": problems,
            "duplicate": duplicate,
            "sheet_made": request.GET.get("sheet") == "1",
        },
        status=status,
    )


@staff_required
def counter_sheet(request: HttpRequest, public_id: str) -> HttpResponse:
    """The confirmation sheet PDF (signed by the municipality) to print or show on the counter screen."""
    actor = _actor(request)
    try:
        document = counter.get_confirmation_sheet(actor=actor, public_id=public_id)
    except NotFoundInMunicipality as exc:
        raise Http404("sheet") from exc
    response = HttpResponse(bytes(document.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="counter-sheet-{document.public_id}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@staff_required
def counter_done(request: HttpRequest, public_id: str) -> HttpResponse:
    """Filed: the receipt number for the resident and the case in the queue."""
    actor = _actor(request)
    session = _session(actor, public_id)
    if session.status != CounterStatus.SUBMITTED:
        return redirect("office:casework:counter_confirm", session.public_id)
    case = Case.objects.filter(
        municipality_id=session.municipality_id, receipt_number=session.receipt_number
    ).first()
    return render(
        request,
        "casework/counter_done.html",
        {
            "session": session,
            "case": case,
            "procedure_name": text_of(form_procedure(session), "name"),
            "can_open_case": actor.can(Action.REVIEW_CASE) or actor.can(Action.DECIDE_CASE),
            "message": gettext("申請を受け付けました。"),
        },
    )
