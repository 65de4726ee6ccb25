"""Office pages for registry events (異動): timelines, households as of a date, and event forms with a confirm step.

Each event is entered on a form, checked by running the real service and rolling it back (the confirm page shows
exactly what will be recorded, with any late-filing warning: 「この内容で記録します。」), then recorded and shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from madoguchi.core.access import require
from madoguchi.core.errors import BusinessRuleViolation
from madoguchi.core.models import AccessPurpose, StaffUser
from madoguchi.core.roles import Action
from madoguchi.registry import selectors as registry
from madoguchi.registry import services
from madoguchi.registry.history import describe_changes
from madoguchi.registry.models import EventKind, Household, Resident

from . import registry_forms as rf
from .forms import PurposeForm
from .views import staff_required

# Recording an event is 住民記録の事務; the forms read the record for that purpose (access-logged).
EVENT_PURPOSE = AccessPurpose.REGISTRY_MAINTENANCE


def _actor(request: HttpRequest) -> StaffUser:
    assert isinstance(request.user, StaffUser)
    return request.user


@dataclass(frozen=True)
class EventSpec:
    """One kind of event as offered on the office pages."""

    slug: str
    kind: str
    title: Any
    intro: Any
    service: Callable[..., services.EventOutcome]
    action: str = Action.RECORD_REGISTRY_EVENT


RESIDENT_EVENTS = {
    s.slug: s
    for s in (
        EventSpec(
            "relocation",
            EventKind.RELOCATION,
            gettext_lazy("転居届"),
            gettext_lazy("市区町村の中での住所の変更です（住民基本台帳法第23条、14日以内）。"),
            services.record_relocation,
        ),
        EventSpec(
            "move-out",
            EventKind.MOVE_OUT,
            gettext_lazy("転出届"),
            gettext_lazy(
                "ほかの市区町村への転出です（住民基本台帳法第24条）。予定日が今日より後の場合は予定として記録し、その日に除票になります。"
            ),
            services.record_move_out,
        ),
        EventSpec(
            "death",
            EventKind.DEATH,
            gettext_lazy("死亡による消除"),
            gettext_lazy("死亡届（戸籍法第86条、7日以内）にもとづき、住民票を消除します。"),
            services.record_death,
        ),
        EventSpec(
            "name-change",
            EventKind.NAME_CHANGE,
            gettext_lazy("氏名の変更"),
            gettext_lazy("婚姻・離婚・養子縁組などの戸籍の届出にもとづく氏名の変更です。"),
            services.record_name_change,
        ),
        EventSpec(
            "correction",
            EventKind.CORRECTION,
            gettext_lazy("職権修正"),
            gettext_lazy(
                "記載の誤りを職権で修正します（住民基本台帳法第8条）。理由は必ず記録されます。効力日をさかのぼると、その日以降の記載が修正されます。"
            ),
            services.record_correction,
            Action.CORRECT_REGISTRY,
        ),
    )
}

HOUSEHOLD_EVENTS = {
    s.slug: s
    for s in (
        EventSpec(
            "move-in",
            EventKind.MOVE_IN,
            gettext_lazy("転入届（この世帯に加わる）"),
            gettext_lazy(
                "ほかの市区町村から転入し、この世帯に加わります（住民基本台帳法第22条、14日以内）。"
            ),
            services.record_move_in,
        ),
        EventSpec(
            "birth",
            EventKind.BIRTH,
            gettext_lazy("出生"),
            gettext_lazy("出生届（戸籍法第49条、14日以内）にもとづき、この世帯に出生子を記載します。"),
            services.record_birth,
        ),
        EventSpec(
            "head-change",
            EventKind.HEAD_CHANGE,
            gettext_lazy("世帯主変更届"),
            gettext_lazy(
                "世帯主を替えます（住民基本台帳法第25条、14日以内）。続柄は新しい世帯主から見た続柄になります。"
            ),
            services.record_head_change,
        ),
        EventSpec(
            "split",
            EventKind.HOUSEHOLD_SPLIT,
            gettext_lazy("世帯分離"),
            gettext_lazy(
                "同じ住所のまま、一部の方が新しい世帯を設けます（住民基本台帳法第25条、14日以内）。"
            ),
            services.record_household_split,
        ),
        EventSpec(
            "merge",
            EventKind.HOUSEHOLD_MERGE,
            gettext_lazy("世帯合併"),
            gettext_lazy(
                "この世帯の全員が、同じ住所の別の世帯に加わります（住民基本台帳法第25条、14日以内）。"
            ),
            services.record_household_merge,
        ),
    )
}

NEW_MOVE_IN = EventSpec(
    "move-in",
    EventKind.MOVE_IN,
    gettext_lazy("転入届（新しい世帯）"),
    gettext_lazy(
        "ほかの市区町村から転入し、新しい世帯の世帯主になります（住民基本台帳法第22条、14日以内）。"
    ),
    services.record_move_in,
)


def _purpose_or_ask(request: HttpRequest) -> str | None:
    form = PurposeForm(request.GET if "purpose" in request.GET else None)
    return str(form.cleaned_data["purpose"]) if form.is_valid() else None


def _ask_purpose(request: HttpRequest, resident_id: int | None = None) -> HttpResponse:
    return render(
        request, "office/resident_purpose.html", {"form": PurposeForm(), "resident_id": resident_id}
    )


@staff_required
def resident_timeline(request: HttpRequest, resident_id: int) -> HttpResponse:
    """異動履歴: every event of a resident, and the record as of a chosen date."""
    actor = _actor(request)
    purpose = _purpose_or_ask(request)
    if purpose is None:
        registry.check_resident_exists(actor=actor, resident_id=resident_id)
        return _ask_purpose(request, resident_id)
    timeline = registry.access_resident_timeline(actor=actor, resident_id=resident_id, purpose=purpose)
    as_of_form = rf.AsOfForm(request.GET if "on" in request.GET else None)
    state = None
    on = None
    if as_of_form.is_valid():
        on = as_of_form.cleaned_data["on"]
        state = registry.access_resident_on(actor=actor, resident_id=resident_id, on=on, purpose=purpose)
    return render(
        request,
        "office/registry/timeline.html",
        {
            "resident": timeline.resident,
            "events": [
                {"event": e, "changes": describe_changes(e.changes), "future": e.effective_on > _today()}
                for e in reversed(timeline.events)
            ],
            "purpose": purpose,
            "purpose_label": AccessPurpose(purpose).label,
            "as_of_form": as_of_form,
            "on": on,
            "state": state,
            "resident_actions": _resident_actions(actor, timeline.resident),
        },
    )


def _today() -> Any:
    from django.utils import timezone

    return timezone.localdate()


def _resident_actions(actor: StaffUser, resident: Resident) -> list[tuple[str, str]]:
    if resident.status != "current" or resident.pending_change_on is not None:
        specs = [RESIDENT_EVENTS["correction"]]
    else:
        specs = list(RESIDENT_EVENTS.values())
    return [
        (str(s.title), reverse("office:resident_event", args=[resident.pk, s.slug]))
        for s in specs
        if actor.can(s.action)
    ]


@staff_required
def household_detail(request: HttpRequest, household_id: int) -> HttpResponse:
    """A household: members now, members on a chosen date, and the household events."""
    actor = _actor(request)
    purpose = _purpose_or_ask(request)
    if purpose is None:
        if registry.find_household_by_id(actor=actor, household_id=household_id) is None:
            return render(request, "office/not_found.html", status=404)
        return _ask_purpose(request)
    as_of_form = rf.AsOfForm(request.GET if "on" in request.GET else None)
    on = as_of_form.cleaned_data["on"] if as_of_form.is_valid() else None
    view = registry.access_household(actor=actor, household_id=household_id, purpose=purpose, on=on)
    actions = []
    if actor.can(Action.RECORD_REGISTRY_EVENT) and view.members:
        actions = [
            (str(s.title), reverse("office:household_event", args=[household_id, s.slug]))
            for s in HOUSEHOLD_EVENTS.values()
        ]
    return render(
        request,
        "office/registry/household.html",
        {
            "view": view,
            "household": view.household,
            "purpose": purpose,
            "purpose_label": AccessPurpose(purpose).label,
            "as_of_form": as_of_form,
            "actions": actions,
        },
    )


def _build_form(
    spec: EventSpec,
    data: Any,
    *,
    resident: Resident | None,
    household: Household | None,
    members: list[Resident],
) -> rf.EventForm:
    if household is None and resident is None:
        return rf.MoveInForm(data)
    if spec.slug == "move-in":
        return rf.MoveInForm(data, household=household)
    if spec.slug == "birth":
        assert household is not None
        return rf.BirthForm(data, household=household, head=next((m for m in members if m.is_head), None))
    if spec.slug == "head-change":
        assert household is not None
        return rf.HeadChangeForm(data, household=household, members=members)
    if spec.slug == "split":
        assert household is not None
        return rf.SplitForm(data, household=household, members=members)
    if spec.slug == "merge":
        assert household is not None
        return rf.MergeForm(data, household=household, members=members)
    assert resident is not None
    if spec.slug == "move-out":
        return rf.MoveOutForm(data, members=members or [resident], resident=resident)
    if spec.slug == "relocation":
        return rf.RelocationForm(data, members=members or [resident], resident=resident)
    if spec.slug == "death":
        return rf.DeathForm(data, members=members, resident=resident)
    if spec.slug == "name-change":
        return rf.NameChangeForm(data, resident=resident)
    return rf.CorrectionForm(data, resident=resident)


def _event_page(
    request: HttpRequest,
    spec: EventSpec,
    *,
    resident: Resident | None = None,
    household: Household | None = None,
    members: list[Resident] | None = None,
    back_url: str,
) -> HttpResponse:
    actor = _actor(request)
    members = members or []
    data = request.POST if request.method == "POST" else None
    form = _build_form(spec, data, resident=resident, household=household, members=members)
    context: dict[str, Any] = {
        "spec": spec,
        "form": form,
        "resident": resident,
        "household": household,
        "members": members,
        "back_url": back_url,
    }
    if data is not None and form.is_valid():
        if isinstance(form, rf.MergeForm):
            form.target = registry.find_household(
                actor=actor, household_number=form.cleaned_data["target_household_number"]
            )
            if form.target is None:
                form.add_error("target_household_number", _("この世帯番号の世帯は見つかりません。"))
        if form.is_valid() and "back" not in request.POST:
            kwargs = form.to_kwargs()
            try:
                if "confirm" in request.POST:
                    outcome = spec.service(actor=actor, **kwargs)
                    ids = ",".join(str(e.pk) for e in outcome.events)
                    return redirect(f"{reverse('office:event_result')}?ids={ids}")
                preview = services.preview_event(spec.service, actor=actor, **kwargs)
            except BusinessRuleViolation as exc:
                form.add_error(form.field_for(exc.field), exc.message)
            else:
                context["preview"] = preview
                return render(request, "office/registry/event_confirm.html", context)
    status = 400 if data is not None and form.errors else 200
    return render(request, "office/registry/event_form.html", context, status=status)


@staff_required
def resident_event(request: HttpRequest, resident_id: int, kind: str) -> HttpResponse:
    """An event for one resident (転居, 転出, 死亡, 氏名変更, 職権修正): form → confirm → record."""
    spec = RESIDENT_EVENTS.get(kind)
    if spec is None:
        raise Http404
    actor = _actor(request)
    require(actor, spec.action)
    resident = registry.access_resident(actor=actor, resident_id=resident_id, purpose=EVENT_PURPOSE)
    members = (
        registry.list_household_members(actor=actor, household=resident.household)
        if resident.household
        else []
    )
    back = f"{reverse('office:resident_timeline', args=[resident.pk])}?purpose={EVENT_PURPOSE}"
    return _event_page(
        request, spec, resident=resident, household=resident.household, members=members, back_url=back
    )


@staff_required
def household_event(request: HttpRequest, household_id: int, kind: str) -> HttpResponse:
    """An event for a household (転入して加わる, 出生, 世帯主変更, 世帯分離, 世帯合併): form → confirm → record."""
    spec = HOUSEHOLD_EVENTS.get(kind)
    if spec is None:
        raise Http404
    actor = _actor(request)
    require(actor, spec.action)
    view = registry.access_household(actor=actor, household_id=household_id, purpose=EVENT_PURPOSE)
    back = f"{reverse('office:household_detail', args=[household_id])}?purpose={EVENT_PURPOSE}"
    return _event_page(request, spec, household=view.household, members=view.members, back_url=back)


@staff_required
def move_in(request: HttpRequest) -> HttpResponse:
    """転入届 that starts a new household."""
    actor = _actor(request)
    require(actor, Action.RECORD_REGISTRY_EVENT)
    return _event_page(request, NEW_MOVE_IN, back_url=reverse("office:resident_search"))


@staff_required
def event_result(request: HttpRequest) -> HttpResponse:
    """The events just recorded, with their warnings, and links to the timeline and the household."""
    actor = _actor(request)
    try:
        ids = [int(i) for i in request.GET.get("ids", "").split(",") if i]
    except ValueError as exc:
        raise Http404 from exc
    if not ids:
        raise Http404
    events = [registry.get_event(actor=actor, event_id=i) for i in ids[:50]]
    primary = registry.access_resident(actor=actor, resident_id=events[0].resident_id, purpose=EVENT_PURPOSE)
    return render(
        request,
        "office/registry/event_result.html",
        {
            "events": [{"event": e, "changes": describe_changes(e.changes)} for e in events],
            "warnings": events[0].warnings,
            "primary": primary,
            "purpose": EVENT_PURPOSE,
        },
    )
