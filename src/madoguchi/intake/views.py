"""Resident journey (portal zone): start → one question per page → attachments → check answers → sign → receipt
→ my applications / status (timeline, withdrawal, correction). Works without JavaScript; keeps every answer."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods, require_POST

from madoguchi.core.errors import NotFoundInMunicipality
from madoguchi.core.i18n import local_date
from madoguchi.identity.portal_session import PortalIdentity, get_portal_identity
from madoguchi.procedures.engine import (
    FieldError,
    FormDefinition,
    Page,
    clean_answers,
    validate_page,
    visible_pages,
)
from madoguchi.procedures.i18n import message_text, text_of
from madoguchi.procedures.texts import SourceMessage, gettext_noop

from . import selectors, services, signing
from .forms import display_value, dom_id, get_path, item_label, page_widgets, read_page
from .models import DRAFT_RETENTION_DAYS, Application, ApplicationStatus, Draft
from .signing import SigningFailed

View = Callable[..., HttpResponse]


def municipality_code(request: HttpRequest) -> str:
    """The municipality this portal serves (the demo municipality in `all` mode)."""
    return str(settings.MADOGUCHI_DEMO_MUNICIPALITY)


def resident_required(view: View) -> View:
    """Send residents who are not logged in to the portal login (or say so when no login page is installed)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        identity = get_portal_identity(request)
        if identity is None:
            try:
                login = reverse("portal:login")
            except NoReverseMatch:
                return render(request, "intake/login_needed.html", status=401)
            return HttpResponseRedirect(f"{login}?{urlencode({'next': request.get_full_path()})}")
        try:
            return view(request, identity, *args, **kwargs)
        except NotFoundInMunicipality as exc:
            raise Http404(str(exc)) from exc

    return wrapper


def _draft(request: HttpRequest, identity: PortalIdentity, draft_id: str) -> Draft:
    return services.get_draft(
        identity=identity, municipality_code=municipality_code(request), public_id=draft_id
    )


def _form(draft: Draft) -> tuple[Any, FormDefinition]:
    procedure = services.get_procedure(draft.municipality_id, draft.procedure_code, require_enabled=False)
    return procedure, services.get_form(procedure, draft.form_version)


def _progress(pages: list[Page], page: Page) -> tuple[int, int]:
    keys = [p.key for p in pages]
    return (keys.index(page.key) + 1 if page.key in keys else 1, len(keys))


def _after_pages_url(draft: Draft, form: FormDefinition) -> str:
    if form.attachments:
        return reverse("intake:attachments", args=[draft.public_id])
    return reverse("intake:review", args=[draft.public_id])


@resident_required
def my_applications(request: HttpRequest, identity: PortalIdentity) -> HttpResponse:
    """「申請の一覧」: drafts (with how long they are kept) and submitted applications with their status."""
    code = municipality_code(request)
    return render(
        request,
        "intake/my_applications.html",
        {
            "drafts": selectors.list_my_drafts(identity=identity, municipality_code=code),
            "applications": selectors.list_my_applications(identity=identity, municipality_code=code),
            "retention_days": DRAFT_RETENTION_DAYS,
        },
    )


@resident_required
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, identity: PortalIdentity, code: str) -> HttpResponse:
    """What the procedure needs and how long it takes; POST starts (or resumes) the prefilled draft."""
    mcode = municipality_code(request)
    procedure = services.get_procedure(mcode, code)
    existing = services.find_open_draft(identity=identity, municipality_code=mcode, procedure_code=code)
    if request.method == "POST":
        draft = services.start_draft(identity=identity, municipality_code=mcode, procedure_code=code)
        page_key = draft.current_page or procedure.form.pages[0].key
        return redirect("intake:page", draft.public_id, page_key)
    open_applications = [
        a
        for a in selectors.list_my_applications(identity=identity, municipality_code=mcode)
        if a.procedure_code == code and a.is_open
    ]
    return render(
        request,
        "intake/start.html",
        {
            "procedure": procedure,
            "existing": existing,
            "open_applications": open_applications,
            "retention_days": DRAFT_RETENTION_DAYS,
        },
    )


@resident_required
@require_http_methods(["GET", "POST"])
def page(request: HttpRequest, identity: PortalIdentity, draft_id: str, page_key: str) -> HttpResponse:
    """One question (or small group) per page; Back and 「途中で保存」 keep every answer."""
    draft = _draft(request, identity, draft_id)
    procedure, form = _form(draft)
    try:
        current = form.page(page_key)
    except KeyError as exc:
        raise Http404("page") from exc
    back_to_review = request.GET.get("return") == "review"
    errors: dict[str, Any] = {}
    if request.method == "POST":
        action = request.POST.get("action", "next")
        upload_errors = _upload_page_files(request, identity, draft, current)
        draft.refresh_from_db()
        values = read_page(form, current, request.POST, draft.answers)
        if action.startswith("add:") or action.startswith("remove:"):
            values = _change_group(form, current, action, values, draft.answers)
        draft = services.save_draft_answers(
            identity=identity, draft=draft, values=values, current_page=current.key
        )
        if action == "save":
            expires_on = local_date(draft.expires_at)
            messages.success(
                request, _("途中まで保存しました。%(date)sまで保存されます。") % {"date": expires_on}
            )
            return redirect("intake:my_applications")
        pages = visible_pages(form, draft.answers)
        keys = [p.key for p in pages]
        if action == "back":
            position = keys.index(current.key) if current.key in keys else 0
            if position == 0:
                return redirect("intake:start", draft.procedure_code)
            return redirect("intake:page", draft.public_id, keys[position - 1])
        if action.startswith(("add:", "remove:")):
            suffix = "?return=review" if back_to_review else ""
            return HttpResponseRedirect(reverse("intake:page", args=[draft.public_id, current.key]) + suffix)
        errors = validate_page(form, current.key, draft.answers)
        for path, problems in upload_errors.items():
            errors[path] = problems + errors.get(path, [])
        if not errors:
            if back_to_review:
                return redirect("intake:review", draft.public_id)
            later = keys[keys.index(current.key) + 1 :] if current.key in keys else keys
            if later:
                return redirect("intake:page", draft.public_id, later[0])
            return HttpResponseRedirect(_after_pages_url(draft, form))
    pages = visible_pages(form, draft.answers)
    number, total = _progress(pages, current)
    widgets = page_widgets(form, current, draft.answers, errors, draft.prefilled)
    uploads = {a.public_id: a for a in draft.attachments.all()}
    for w in widgets:
        if w.type == "file":
            w.value = [uploads[ref] for ref in (get_path(draft.answers, w.path) or []) if ref in uploads]
    error_list = [(dom_id(path), message_text(e)) for path, errs in errors.items() for e in errs]
    return render(
        request,
        "intake/page.html",
        {
            "draft": draft,
            "procedure": procedure,
            "page": current,
            "widgets": widgets,
            "errors": error_list,
            "number": number,
            "total": total,
            "back_to_review": back_to_review,
            "has_file": any(w.type == "file" for w in widgets),
        },
        status=400 if errors else 200,
    )


def _upload_page_files(
    request: HttpRequest, identity: PortalIdentity, draft: Draft, page_def: Page
) -> dict[str, list[FieldError]]:
    """Store files chosen in the page's file fields; problems (type by content, size) keyed by field path."""
    errors: dict[str, list[FieldError]] = {}
    for f in page_def.fields:
        if f.type != "file" or not f.attachment:
            continue
        for upload in request.FILES.getlist(f.path):
            try:
                services.add_attachment(
                    identity=identity,
                    draft=draft,
                    attachment_code=f.attachment,
                    filename=upload.name or "",
                    content=upload.read(),
                )
            except services.IntakeRejected as exc:
                errors.setdefault(f.path, []).extend(
                    FieldError(p.code, p.message_ja, p.message_en) for p in exc.problems
                )
    return errors


def _change_group(
    form: FormDefinition, page_def: Page, action: str, values: dict[str, Any], answers: dict[str, Any]
) -> dict[str, Any]:
    parts = action.split(":")
    group_path = parts[1] if len(parts) > 1 else ""
    if group_path not in [f.path for f in page_def.fields if f.is_group]:
        return values
    items = list(values.get(group_path, get_path(answers, group_path) or []))
    group = form.field(group_path)
    if parts[0] == "add" and len(items) < group.repeat_max:
        items.append({})
    elif parts[0] == "remove" and len(parts) == 3 and parts[2].isdigit() and int(parts[2]) < len(items):
        items.pop(int(parts[2]))
    values[group_path] = items
    return values


@resident_required
@require_http_methods(["GET", "POST"])
def attachments(request: HttpRequest, identity: PortalIdentity, draft_id: str) -> HttpResponse:
    """Upload the documents the answers require (type checked from the content, size limit shown)."""
    draft = _draft(request, identity, draft_id)
    procedure, form = _form(draft)
    problems: list[services.IntakeProblem] = []
    if request.method == "POST":
        if "remove" in request.POST:
            services.remove_attachment(
                identity=identity, draft=draft, attachment_public_id=request.POST["remove"]
            )
            return redirect("intake:attachments", draft.public_id)
        if request.POST.get("action") == "next":
            return redirect("intake:review", draft.public_id)
        code = request.POST.get("attachment_code", "")
        upload = request.FILES.get("file")
        if upload is None:
            problems.append(
                services.IntakeProblem(
                    f"attachments.{code}",
                    "file_missing",
                    SourceMessage(gettext_noop("添付するファイルを選んでください。")),
                    "Choose a file.",
                    "",
                )
            )
        else:
            try:
                services.add_attachment(
                    identity=identity,
                    draft=draft,
                    attachment_code=code,
                    filename=upload.name or "",
                    content=upload.read(),
                )
                return redirect("intake:attachments", draft.public_id)
            except services.IntakeRejected as exc:
                problems = exc.problems
    cleaned = clean_answers(form, draft.answers)
    required = {a.code for a in services.required_attachments(procedure, cleaned, version=form.version)}
    uploaded = list(draft.attachments.all())
    rows = [
        {
            "rule": rule,
            "required": rule.code in required,
            "files": [a for a in uploaded if a.attachment_code == rule.code],
            "max_mb": rule.max_size_bytes // (1024 * 1024),
            "types": "・".join(
                dict.fromkeys(
                    {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}.get(m, "HEIC")
                    for m in rule.mime_types
                )
            ),
        }
        for rule in form.attachments
        if rule.code in required or rule.optional or rule.required_when is None
    ]
    return render(
        request,
        "intake/attachments.html",
        {"draft": draft, "procedure": procedure, "rows": rows, "problems": problems},
        status=400 if problems else 200,
    )


def _review_sections(form: FormDefinition, draft: Draft) -> list[dict[str, Any]]:
    cleaned = clean_answers(form, draft.answers)
    sections = []
    for p in visible_pages(form, draft.answers):
        rows = []
        for f in p.fields:
            if f.when is not None and get_path(cleaned, f.path) is None and not f.is_group:
                continue
            if f.is_group:
                items = get_path(cleaned, f.path) or []
                if not items:
                    rows.append({"label": text_of(f, "label"), "value": _("（なし）")})
                for index, item in enumerate(items):
                    text = pgettext("list separator", "、").join(
                        _("%(label)s：%(value)s")
                        % {"label": text_of(sub, "label"), "value": display_value(sub, item.get(sub.key))}
                        for sub in f.fields
                        if sub.key in item
                    )
                    rows.append({"label": item_label(f, index), "value": text})
                continue
            rows.append({"label": text_of(f, "label"), "value": display_value(f, get_path(cleaned, f.path))})
        sections.append({"page": p, "rows": rows})
    return sections


def _problem_links(draft: Draft, problems: list[services.IntakeProblem]) -> list[dict[str, str]]:
    out = []
    for p in problems:
        if p.page_key == "attachments":
            url = reverse("intake:attachments", args=[draft.public_id])
        elif p.page_key:
            url = reverse("intake:page", args=[draft.public_id, p.page_key]) + "?return=review"
        else:
            url = ""
        out.append({"message": message_text(p), "url": url})
    return out


@resident_required
def review(request: HttpRequest, identity: PortalIdentity, draft_id: str) -> HttpResponse:
    """Check your answers: every answer with a 変更 link; the intake checks run here, before signing."""
    draft = _draft(request, identity, draft_id)
    procedure, form = _form(draft)
    problems = services.precheck(
        identity=identity,
        municipality_code=draft.municipality_id,
        procedure=procedure,
        form=form,
        answers=draft.answers,
        attachments=list(draft.attachments.all()),
    )
    return render(
        request,
        "intake/review.html",
        {
            "draft": draft,
            "procedure": procedure,
            "sections": _review_sections(form, draft),
            "attachments": list(draft.attachments.all()),
            "has_attachments": bool(form.attachments),
            "problems": _problem_links(draft, problems),
        },
    )


@resident_required
@require_http_methods(["GET", "POST"])
def sign(request: HttpRequest, identity: PortalIdentity, draft_id: str) -> HttpResponse:
    """Explain what is signed and with which PIN, then sign and submit: with the test card (POST pin), or through
    the デジタル認証アプリ (POST method=app → sign transaction → the app → back here by GET with the verified
    result, which is submitted exactly like a card signature)."""
    code = municipality_code(request)
    try:
        draft = _draft(request, identity, draft_id)
    except NotFoundInMunicipality:
        # A second click after a successful submit: show the receipt that already exists.
        done = selectors.find_submitted_draft(identity=identity, municipality_code=code, public_id=draft_id)
        if done is None:
            raise
        return redirect("intake:receipt", done.receipt_number)
    if draft.submitted_application_id is not None:
        return redirect("intake:receipt", draft.submitted_application.receipt_number)  # type: ignore[union-attr]
    procedure, form_def = _form(draft)
    content = services.draft_signing_content(draft)
    error: Any = ""
    error_field = "pin"
    problems: list[dict[str, str]] = []
    result: services.SubmissionResult | None = None
    try:
        if request.method == "POST" and request.POST.get("method") == "app":
            error_field = "app"
            found = services.precheck(
                identity=identity,
                municipality_code=draft.municipality_id,
                procedure=procedure,
                form=form_def,
                answers=draft.answers,
                attachments=list(draft.attachments.all()),
            )
            if found:  # never ask for a signature on an application that would be refused
                problems = _problem_links(draft, found)
            else:
                return HttpResponseRedirect(
                    signing.start_app_signing(
                        request.session,
                        content=content,
                        reference=draft.public_id,
                        return_path=reverse("intake:sign", args=[draft.public_id]),
                    )
                )
        elif request.method == "POST":
            result = services.submit_draft_with_card(
                identity=identity, draft=draft, pin=request.POST.get("pin", "")
            )
        else:
            error_field = "app"
            made = signing.take_app_signature(request.session, reference=draft.public_id, content=content)
            if made is not None:
                result = services.submit_application(
                    identity=identity,
                    municipality_code=draft.municipality_id,
                    procedure_code=draft.procedure_code,
                    form_version=draft.form_version,
                    answers=draft.answers,
                    signature=made.signature,
                    signing_certificate_pem=made.certificate_pem,
                    draft=draft,
                )
    except SigningFailed as exc:
        error = exc.message_ja
    except services.IntakeRejected as exc:
        problems = _problem_links(draft, exc.problems)
    if result is not None:
        if result.duplicate:
            messages.info(
                request,
                _(
                    "同じ内容の申請がすでに受け付けられています。"
                    "新しい申請は作成せず、受付済みの申請を表示しています。"
                ),
            )
            return redirect("intake:status", result.application.receipt_number)
        return redirect("intake:receipt", result.application.receipt_number)
    return render(
        request,
        "intake/sign.html",
        {
            "draft": draft,
            "procedure": procedure,
            "error": error,
            "error_field": error_field,
            "problems": problems,
            "content_sha256": hashlib.sha256(content).hexdigest(),
            "content_size": len(content),
        },
        status=400 if (error or problems) else 200,
    )


@resident_required
@require_POST
def delete_draft(request: HttpRequest, identity: PortalIdentity, draft_id: str) -> HttpResponse:
    """Delete a draft (「一時保存を削除」)."""
    services.delete_draft(identity=identity, draft=_draft(request, identity, draft_id))
    messages.success(request, _("一時保存していた申請を削除しました。"))
    return redirect("intake:my_applications")


def _application(request: HttpRequest, identity: PortalIdentity, receipt_number: str) -> Application:
    return services.get_application(
        identity=identity, municipality_code=municipality_code(request), receipt_number=receipt_number
    )


@resident_required
def receipt(request: HttpRequest, identity: PortalIdentity, receipt_number: str) -> HttpResponse:
    """Confirmation: big receipt number, what happens next and when, the PDF receipt."""
    application = _application(request, identity, receipt_number)
    return render(request, "intake/receipt.html", {"application": application})


@resident_required
def receipt_pdf(request: HttpRequest, identity: PortalIdentity, receipt_number: str) -> HttpResponse:
    """The signed PDF 受付票."""
    application = _application(request, identity, receipt_number)
    pdf = services.issue_receipt_document(identity=identity, application=application)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{application.receipt_number}.pdf"'
    return response


@resident_required
def status(request: HttpRequest, identity: PortalIdentity, receipt_number: str) -> HttpResponse:
    """The application's status page: timeline, what the city needs (correction), withdrawal."""
    application = _application(request, identity, receipt_number)
    events = list(application.events.order_by("at", "id"))
    correction_message = ""
    if application.needs_correction:
        correction_message = next(
            (
                e.message_ja
                for e in reversed(events)
                if e.to_status == ApplicationStatus.RETURNED_FOR_CORRECTION
            ),
            "",
        )
    return render(
        request,
        "intake/status.html",
        {"application": application, "events": events, "correction_message": correction_message},
    )


@resident_required
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, identity: PortalIdentity, receipt_number: str) -> HttpResponse:
    """取下げ: confirm, then withdraw an application before its decision."""
    application = _application(request, identity, receipt_number)
    if request.method == "POST":
        try:
            services.withdraw_application(identity=identity, application=application)
        except services.IntakeRejected as exc:
            messages.error(request, message_text(exc.problems[0]))
        else:
            messages.success(request, _("申請を取り下げました。"))
        return redirect("intake:status", application.receipt_number)
    return render(request, "intake/withdraw.html", {"application": application})


@resident_required
@require_POST
def correct(request: HttpRequest, identity: PortalIdentity, receipt_number: str) -> HttpResponse:
    """補正: open a draft with the application's answers; it is resubmitted into the same application."""
    application = _application(request, identity, receipt_number)
    try:
        draft = services.start_correction(identity=identity, application=application)
    except services.IntakeRejected as exc:
        messages.error(request, message_text(exc.problems[0]))
        return redirect("intake:status", application.receipt_number)
    return redirect("intake:review", draft.public_id)
