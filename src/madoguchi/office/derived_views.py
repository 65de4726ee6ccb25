"""Office pages for the registers derived from the resident registry: 選挙人名簿 candidates and 学齢簿 cohorts.

Each page shows a form (date or year, purpose); the list is shown (first rows) or downloaded as CSV, and each showing
or download is one access-log entry with its purpose. Rules live in registry.derived.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from madoguchi.core.access import require
from madoguchi.core.roles import Action
from madoguchi.registry import derived

from .derived_forms import ElectoralRollForm, SchoolCohortForm
from .views import _actor, staff_required

PREVIEW_ROWS = 100


def _streamed(response: StreamingHttpResponse) -> HttpResponse:
    # The office views are typed as returning HttpResponse (views.staff_required); a streamed CSV is served the same
    # way by Django, and streaming keeps a million-row list out of memory.
    return cast(HttpResponse, response)


def _next_regular_registration(today: dt.date) -> str:
    # 定時登録 (公職選挙法 §22①): 3月・6月・9月・12月の1日. The next one on or after today.
    for year in (today.year, today.year + 1):
        for month in (3, 6, 9, 12):
            day = today.replace(year=year, month=month, day=1)
            if day >= today:
                return day.isoformat()
    return today.isoformat()  # pragma: no cover


@staff_required
def registers_index(request: HttpRequest) -> HttpResponse:
    """The list of derived registers."""
    require(_actor(request), Action.SEARCH_RESIDENTS)
    return render(request, "office/derived/index.html")


@staff_required
def electoral_roll(request: HttpRequest) -> HttpResponse:
    """選挙人名簿 candidates on a base date: summary, first rows, CSV download."""
    actor = _actor(request)
    require(actor, Action.SEARCH_RESIDENTS)
    today = timezone.localdate()
    form = ElectoralRollForm(request.GET or None, initial={"base_on": _next_regular_registration(today)})
    context: dict[str, object] = {"form": form}
    if request.GET and form.is_valid():
        base_on = form.cleaned_data["base_on"]
        purpose = form.cleaned_data["purpose"]
        if request.GET.get("format") == "csv":
            rows = derived.access_electoral_roll(
                actor=actor, base_on=base_on, purpose=purpose, action="export"
            )
            response = StreamingHttpResponse(
                derived.electoral_roll_csv(rows), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = (
                f'attachment; filename="electoral-roll-{base_on.isoformat()}.csv"'
            )
            return _streamed(response)
        rows = derived.access_electoral_roll(actor=actor, base_on=base_on, purpose=purpose)
        context.update(
            {
                "base_on": base_on,
                "total": rows.count(),
                "preview": list(rows[:PREVIEW_ROWS]),
                "preview_rows": PREVIEW_ROWS,
                "needs_review": derived.electoral_roll_needing_review(actor=actor, base_on=base_on),
                "latest_birth": derived.latest_birth_date_reaching(derived.VOTING_AGE, base_on),
                "latest_start": derived.latest_record_start(base_on),
                "csv_query": request.GET.urlencode() + "&format=csv",
            }
        )
    return render(request, "office/derived/electoral_roll.html", context)


@staff_required
def school_register(request: HttpRequest) -> HttpResponse:
    """学齢簿 cohort entering 小学校/中学校 next April: summary, first rows, CSV download."""
    actor = _actor(request)
    require(actor, Action.SEARCH_RESIDENTS)
    form = SchoolCohortForm(
        request.GET or None,
        initial={"entry_year": derived.next_school_year(timezone.localdate()), "level": derived.ELEMENTARY},
    )
    context: dict[str, object] = {"form": form}
    if request.GET and form.is_valid():
        data = form.cleaned_data
        year, level = data["entry_year"], data["level"]
        args = {
            "actor": actor,
            "entry_year": year,
            "level": level,
            "purpose": data["purpose"],
            "include_foreign": data["include_foreign"],
        }
        if request.GET.get("format") == "csv":
            rows = derived.access_school_cohort(**args, action="export")
            response = StreamingHttpResponse(
                derived.school_cohort_csv(rows, entry_year=year, level=level),
                content_type="text/csv; charset=utf-8",
            )
            response["Content-Disposition"] = f'attachment; filename="school-age-{year}-{level}.csv"'
            return _streamed(response)
        rows = derived.access_school_cohort(**args)
        preview = list(rows[:PREVIEW_ROWS])
        heads = derived.household_heads(preview)
        for resident in preview:
            resident.head_name = heads.get(resident.household_id or 0, "")  # type: ignore[attr-defined]
        first, last = derived.school_birth_range(year, level)
        context.update(
            {
                "entry_year": year,
                "level_label": derived.SCHOOL_LEVELS[level],
                "first_birth": first,
                "last_birth": last,
                "total": rows.count(),
                "preview": preview,
                "preview_rows": PREVIEW_ROWS,
                "csv_query": request.GET.urlencode() + "&format=csv",
            }
        )
    return render(request, "office/derived/school_register.html", context)
