"""Office pages for casework (申請管理): the queue with "my work", the review screen, and one confirm page per action.

Every action has its own page that says what will happen (and who will be told) before the button that does it;
forms post without JavaScript. Views parse input, call one selector/service and render.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, pgettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from madoguchi.core.errors import ActionNotPermitted, BusinessRuleViolation
from madoguchi.core.models import AccessPurpose, StaffUser
from madoguchi.core.roles import Action
from madoguchi.core.views import staff_required
from madoguchi.intake.forms import display_value, get_path, item_label
from madoguchi.procedures.engine import get_catalogue, visible_pages
from madoguchi.procedures.i18n import text_of

from . import deadlines, selectors, services
from .forms import (
    ApproveForm,
    AssignForm,
    CaseFilterForm,
    ConfirmForm,
    CorrectionForm,
    NoteForm,
    ProposeForm,
    ReasonForm,
)
from .models import Case, CaseStatus, DecisionOutcome
from .policy import is_read_only, require_view

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PAGE_SIZE = 50
_URL_MARK = 987654321987  # stands for the case id in a reversed URL
PULL_BATCH = 50
View = Callable[..., HttpResponse]


def _actor(request: HttpRequest) -> StaffUser:
    assert isinstance(request.user, StaffUser)
    return request.user


def _date_style(request: HttpRequest) -> str:
    return "seireki" if request.GET.get("dates") == "seireki" else "wareki"


def _staff_choices(actor: StaffUser) -> list[tuple[str, str]]:
    # The role labels are translated once per page, not once per member of staff (get_role_display hashes the
    # lazy choices on every call).
    roles = {value: str(label) for value, label in StaffUser._meta.get_field("role").flatchoices}
    template = gettext("%(name)s（%(role)s）")
    return [
        (str(s.pk), template % {"name": s.display_name, "role": roles.get(s.role, s.role)})
        for s in selectors.assignable_staff(actor=actor)
    ]


@dataclass(frozen=True)
class Column:
    key: str
    label: StrOrPromise
    sort: str = ""


COLUMNS = (
    Column("receipt_number", _("受付番号"), "receipt_number"),
    Column("procedure", _("手続")),
    Column("applicant", _("申請者")),
    Column("status", _("状況"), "status"),
    Column("assignee", _("担当者")),
    Column("received_at", _("到達日"), "received_at"),
    Column("due_on", _("処理期限"), "due_on"),
)


@staff_required
def case_list(request: HttpRequest) -> HttpResponse:
    """The queue: "my work" counts, filters that stay in the query string, sortable columns."""
    actor = _actor(request)
    require_view(actor)
    today = timezone.localdate()
    form = CaseFilterForm(
        request.GET or None,
        statuses=selectors.status_choices(),
        queues=selectors.queue_choices(),
        procedures=selectors.procedure_choices(),
        staff=_staff_choices(actor),
    )
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    sort = request.GET.get("sort", selectors.DEFAULT_SORT)
    if sort not in selectors.SORTS:
        sort = selectors.DEFAULT_SORT
    page = selectors.case_page(
        actor=actor,
        number=request.GET.get("page"),
        size=PAGE_SIZE,
        status=filters.get("status", ""),
        queue=filters.get("queue", ""),
        search=filters.get("q", ""),
        procedure_code=filters.get("procedure", ""),
        assignee=filters.get("assignee", ""),
        overdue=bool(filters.get("overdue")),
        sort=sort,
        today=today,
    )
    # One reverse() for the page, not one per row (a {% url %} per row was a third of the page's time).
    detail_url = reverse("office:casework:detail", args=[_URL_MARK])
    soon_until = deadlines.due_soon_until(today)
    rows = [
        {
            "case": c,
            "url": detail_url.replace(str(_URL_MARK), str(c.pk)),
            "overdue": c.status in (CaseStatus.RECEIVED, CaseStatus.ACCEPTED, CaseStatus.IN_REVIEW)
            and deadlines.is_overdue(c.due_on, today),
            "due_soon": due_soon,
            # Business days are counted only where the page shows them (a deadline years ago costs a long walk).
            "days_left": deadlines.business_days_left(c.due_on, today) if due_soon and c.due_on else None,
        }
        for c in page.rows
        for due_soon in [c.is_open and c.due_on is not None and today <= c.due_on <= soon_until]
    ]
    base = request.GET.copy()
    base.pop("page", None)
    base.pop("sort", None)
    headers = []
    for col in COLUMNS:
        entry: dict[str, Any] = {"label": col.label, "url": "", "aria_sort": ""}
        if col.sort:
            current = sort.lstrip("-") == col.sort
            descending = sort.startswith("-")
            next_sort = f"-{col.sort}" if current and not descending else col.sort
            query = base.copy()
            query["sort"] = next_sort
            entry["url"] = f"?{query.urlencode()}"
            if current:
                entry["aria_sort"] = "descending" if descending else "ascending"
        headers.append(entry)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "casework/case_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "headers": headers,
            "query": query.urlencode(),
            "dates": _date_style(request),
            "work": selectors.my_work(actor=actor, today=today),
            "today": today,
            "read_only": is_read_only(actor),
            "can_pull": actor.can(Action.REVIEW_CASE),
            "pulled": request.GET.get("pulled", "") if request.GET.get("pulled", "").isdigit() else "",
            "pull_error": request.GET.get("pull_error") == "1",
        },
    )


@staff_required
@require_http_methods(["POST"])
def pull_now(request: HttpRequest) -> HttpResponse:
    """Pull what arrived at the portal now (the same idempotent pull as the `pull_submissions` command)."""
    actor = _actor(request)
    if not actor.can(Action.REVIEW_CASE):
        raise ActionNotPermitted(Action.REVIEW_CASE)
    try:
        # One batch per click keeps the request short; the command drains any backlog.
        result = services.pull_submissions(limit=PULL_BATCH, max_batches=1)
    except RuntimeError:  # a split deployment without a configured portal channel
        return redirect(f"{reverse('office:casework:list')}?pull_error=1")
    changed = result.created + result.resubmitted + result.withdrawn
    return redirect(f"{reverse('office:casework:list')}?status=open&pulled={changed}")


def _answer_sections(case: Case) -> list[dict[str, Any]]:
    """The application's answers grouped by the form's pages, labelled as on the form the resident used."""
    return answer_sections(case.procedure_code, case.form_version, case.answers)


def answer_sections(
    procedure_code: str, form_version: int, answers: dict[str, Any], *, skip_files: bool = False
) -> list[dict[str, Any]]:
    """Answers grouped by the form's pages, labelled as on the form (in the active language)."""
    try:
        form = get_catalogue().form(procedure_code, form_version)
    except KeyError:
        return [
            {
                "title": gettext("申請内容"),
                "rows": [{"label": k, "value": str(v)} for k, v in answers.items()],
            }
        ]
    sections = []
    for p in visible_pages(form, answers):
        rows = []
        for f in p.fields:
            if skip_files and f.type == "file":
                continue
            value = get_path(answers, f.path)
            if value is None and f.when is not None:
                continue
            if f.is_group:
                items = value or []
                if not items:
                    rows.append({"label": text_of(f, "label"), "value": gettext("（なし）")})
                for index, item in enumerate(items):
                    text = pgettext("list separator", "、").join(
                        gettext("%(label)s：%(value)s")
                        % {"label": text_of(sub, "label"), "value": display_value(sub, item.get(sub.key))}
                        for sub in f.fields
                        if sub.key in item
                    )
                    rows.append({"label": item_label(f, index), "value": text})
                continue
            rows.append({"label": text_of(f, "label"), "value": display_value(f, value)})
        if rows:
            sections.append({"title": text_of(p, "title"), "rows": rows})
    return sections


@staff_required
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    """The review screen: answers and the registry side by side, attachments, signature evidence, chain, history."""
    actor = _actor(request)
    read_only = is_read_only(actor)
    purpose = AccessPurpose.AUDIT if read_only else AccessPurpose.CASE_REVIEW
    case = selectors.access_case(actor=actor, case_id=case_id, purpose=purpose)
    comparison = selectors.registry_comparison(actor=actor, case=case)
    today = timezone.localdate()
    notice = getattr(case, "notice", None) if case.status == CaseStatus.NOTICE_ISSUED else None
    return render(
        request,
        "casework/case_detail.html",
        {
            "case": case,
            "sections": _answer_sections(case),
            "comparison": comparison,
            "evidence": list(case.signature_evidence.order_by("-revision")),
            "steps": list(
                case.approval_steps.select_related("actor").order_by("proposal_number", "step_index")
            ),
            "proposal": services.open_proposal(case),
            "events": list(case.events.order_by("at", "id")),
            "notes": list(case.notes.select_related("author").order_by("at", "id")),
            "actions": [ACTIONS[a] for a in selectors.available_actions(actor=actor, case=case)],
            "notice": notice,
            "dates": _date_style(request),
            "overdue": case.status in (CaseStatus.RECEIVED, CaseStatus.ACCEPTED, CaseStatus.IN_REVIEW)
            and deadlines.is_overdue(case.due_on, today),
            "days_left": deadlines.business_days_left(case.due_on, today)
            if case.due_on and case.is_open
            else None,
            "read_only": read_only,
            "done": ACTIONS[request.GET["done"]].done if request.GET.get("done") in ACTIONS else "",
        },
    )


@staff_required
def notice_pdf(request: HttpRequest, case_id: int) -> HttpResponse:
    """The signed decision notice of a case (the read is access-logged like the case itself)."""
    actor = _actor(request)
    purpose = AccessPurpose.AUDIT if is_read_only(actor) else AccessPurpose.CASE_REVIEW
    case = selectors.access_case(actor=actor, case_id=case_id, purpose=purpose)
    notice = getattr(case, "notice", None)
    if notice is None:
        raise Http404
    response = HttpResponse(bytes(notice.document.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="notice-{case.receipt_number}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------------------------------------------------------
# Actions: one confirm page each


@dataclass(frozen=True)
class CaseAction:
    slug: str
    title: StrOrPromise
    link_text: StrOrPromise
    button: StrOrPromise
    form_class: type[forms.Form]
    consequence: Callable[[Case], str]
    run: Callable[[StaffUser, Case, dict[str, Any]], Any]
    done: StrOrPromise
    danger: bool = False


def _outcome_text(case: Case) -> str:
    proposal = services.open_proposal(case)
    if proposal is None:
        return ""
    return str(DecisionOutcome(proposal.outcome).label)


def _approve_consequence(case: Case) -> str:
    proposal = services.open_proposal(case)
    if proposal is None:
        return gettext("決裁を待っている起案はありません。")
    if proposal.is_final_step:
        if proposal.outcome == DecisionOutcome.GRANT:
            return gettext(
                "最終の決裁です。承認すると申請のとおり決定し、決定通知書（電子署名付きPDF）を発行します。"
                "申請者の状況ページに「決定」「通知済み」と表示されます。取り消すことはできません。"
            )
        return gettext(
            "最終の決裁です。承認すると申請を却下し、決定通知書（電子署名付きPDF）を発行します。"
            "申請者の状況ページに「決定」「通知済み」と表示されます。取り消すことはできません。"
        )
    return gettext(
        "第%(step)s段階の承認です。承認すると、次の決裁権者（%(next)s）の決裁に回ります。申請者には通知されません。"
    ) % {"step": proposal.next_index, "next": proposal.chain[proposal.next_index + 1]}


ACTIONS: dict[str, CaseAction] = {
    a.slug: a
    for a in (
        CaseAction(
            "claim",
            _("この案件を担当する"),
            _("担当する"),
            _("担当者になる"),
            ConfirmForm,
            lambda c: gettext(
                "あなたがこの案件の担当者になります。案件の一覧の「自分」に表示されます。申請者には通知されません。"
            ),
            lambda actor, c, d: services.claim_case(actor=actor, case_id=c.pk),
            _("担当者になりました。"),
        ),
        CaseAction(
            "assign",
            _("担当者を割り当てる"),
            _("担当者を割り当てる"),
            _("割り当てる"),
            AssignForm,
            lambda c: gettext(
                "選んだ職員がこの案件の担当者になります（いまの担当者は外れます）。申請者には通知されません。"
            ),
            lambda actor, c, d: services.assign_case(
                actor=actor, case_id=c.pk, assignee_id=d["assignee_id"], reason=d.get("reason", "")
            ),
            _("担当者を割り当てました。"),
        ),
        CaseAction(
            "accept",
            _("申請を受け付ける"),
            _("受け付ける"),
            _("受け付ける"),
            ConfirmForm,
            lambda c: (
                gettext(
                    "申請を正式に受け付けます（受付）。今日が受付日となり、標準処理期間"
                    "（%(days)s開庁日）の処理期限が決まります。申請者の状況ページに「受付」と期限の目安が表示されます。"
                )
                % {"days": c.processing_days}
            ),
            lambda actor, c, d: services.accept_case(actor=actor, case_id=c.pk),
            _("申請を受け付けました。"),
        ),
        CaseAction(
            "start-review",
            _("審査を開始する"),
            _("審査を開始する"),
            _("審査を開始する"),
            ConfirmForm,
            lambda c: gettext("案件を「審査中」にします。申請者の状況ページに「審査中」と表示されます。"),
            lambda actor, c, d: services.start_review(actor=actor, case_id=c.pk),
            _("審査を開始しました。"),
        ),
        CaseAction(
            "request-correction",
            _("補正を依頼する（差し戻し）"),
            _("補正を依頼する"),
            _("補正を依頼する"),
            CorrectionForm,
            lambda c: gettext(
                "申請を申請者に差し戻し、修正をお願いします。入力した内容が申請者の状況ページにそのまま表示されます。"
                "申請者が再提出するまで処理期限は止まります。"
            ),
            lambda actor, c, d: services.request_correction(
                actor=actor, case_id=c.pk, message_ja=d["message_ja"]
            ),
            _("補正を依頼しました。申請者に通知されました。"),
            danger=True,
        ),
        CaseAction(
            "note",
            _("内部メモを書く"),
            _("内部メモを書く"),
            _("メモを保存する"),
            NoteForm,
            lambda c: gettext(
                "メモは案件の記録に残り、消せません。職員だけが読めます。申請者には表示されません。"
            ),
            lambda actor, c, d: services.add_note(actor=actor, case_id=c.pk, text=d["text"]),
            _("メモを保存しました。"),
        ),
        CaseAction(
            "propose",
            _("決定案を起案する"),
            _("決定案を起案する"),
            _("起案して決裁に回す"),
            ProposeForm,
            lambda c: gettext(
                "決定案を起案し、決裁ルートの決裁権者に回します。決裁が終わるまで、補正の依頼はできません。"
                "あなた自身はこの起案を承認できません。申請者には、決定するまで通知されません。"
            ),
            lambda actor, c, d: services.propose_decision(
                actor=actor, case_id=c.pk, outcome=d["outcome"], reason=d["reason"]
            ),
            _("起案しました。決裁権者の決裁を待っています。"),
        ),
        CaseAction(
            "approve",
            _("決裁：承認する"),
            _("承認する"),
            _("承認する"),
            ApproveForm,
            _approve_consequence,
            lambda actor, c, d: services.approve_step(actor=actor, case_id=c.pk, reason=d.get("reason", "")),
            _("承認しました。"),
        ),
        CaseAction(
            "send-back",
            _("決裁：差し戻す"),
            _("差し戻す"),
            _("起案者に差し戻す"),
            ReasonForm,
            lambda c: (
                gettext(
                    "決定案（%(outcome)s）を起案者に差し戻します。起案者は理由を読んで、起案し直します。"
                    "案件は「審査中」のままです。申請者には通知されません。"
                )
                % {"outcome": _outcome_text(c)}
            ),
            lambda actor, c, d: services.send_back(actor=actor, case_id=c.pk, reason=d["reason"]),
            _("差し戻しました。"),
            danger=True,
        ),
        CaseAction(
            "reject",
            _("決裁：不承認とする"),
            _("不承認とする"),
            _("不承認とする"),
            ReasonForm,
            lambda c: (
                gettext(
                    "決定案（%(outcome)s）を不承認とします。この起案は終わり、新しい起案が必要です。"
                    "案件は「審査中」のままです。申請者には通知されません。"
                )
                % {"outcome": _outcome_text(c)}
            ),
            lambda actor, c, d: services.reject_proposal(actor=actor, case_id=c.pk, reason=d["reason"]),
            _("不承認としました。"),
            danger=True,
        ),
    )
}


@staff_required
@require_http_methods(["GET", "POST"])
def case_action(request: HttpRequest, case_id: int, action: str) -> HttpResponse:
    """GET: the confirm page (consequence + form). POST: do it, then back to the case with a message."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    actor = _actor(request)
    if is_read_only(actor):
        raise ActionNotPermitted(
            action, gettext_noop("閲覧のみの権限のため、案件を操作することはできません。")
        )
    case = selectors.access_case(actor=actor, case_id=case_id)
    # Offered now? (The service checks again on POST: the case may have moved on meanwhile.)
    available = spec.slug in selectors.available_actions(actor=actor, case=case)
    kwargs: dict[str, Any] = {"staff": _staff_choices(actor)} if spec.form_class is AssignForm else {}
    form = spec.form_class(request.POST if request.method == "POST" else None, **kwargs)
    status = 200 if available else 409
    error = (
        ""
        if available
        else gettext("この案件は、いまの状況ではこの操作ができません。案件の画面で状況を確認してください。")
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                spec.run(actor, case, form.cleaned_data)
            except BusinessRuleViolation as exc:
                if exc.field in form.fields:
                    form.add_error(exc.field, exc.message)
                else:
                    error = exc.message
                status = 400
            else:
                # A flag in the URL rather than django.contrib.messages: base.html renders messages as
                # <li role="status">, which axe reports (a list item must keep its role).
                return redirect(f"{reverse('office:casework:detail', args=[case.pk])}?done={spec.slug}")
        else:
            status = 400
    return render(
        request,
        "casework/case_action.html",
        {
            "case": case,
            "spec": spec,
            "form": form,
            "error": error,
            "consequence": spec.consequence(case),
            "proposal": services.open_proposal(case),
            "dates": _date_style(request),
            "available": available,
        },
        status=status,
    )
