"""Office zone (庁内): staff login with TOTP, home, resident search and record, audit/access log search.

Views parse input, call one selector/service and render; rules and logging live in services and selectors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import authenticate, login, logout, user_login_failed
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import match_token

from madoguchi.casework import selectors as casework
from madoguchi.casework.policy import can_view_cases
from madoguchi.core.models import AccessPurpose, StaffUser
from madoguchi.core.selectors import list_access_entries, list_audit_entries
from madoguchi.core.views import staff_required
from madoguchi.registry import selectors as registry

from .forms import LogSearchForm, PurposeForm, ResidentSearchForm, StaffLoginForm

View = Callable[..., HttpResponse]


def _actor(request: HttpRequest) -> StaffUser:
    assert isinstance(request.user, StaffUser)
    return request.user


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """Password + TOTP in one step; failures (either factor) count towards the lockout (django-axes)."""
    next_url = request.POST.get("next") or request.GET.get("next") or reverse("office:home")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("office:home")
    form = StaffLoginForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        user = authenticate(request, username=username, password=form.cleaned_data["password"])
        if getattr(request, "axes_locked_out", False):
            return locked_out(request)
        if user is None:
            error = _("ユーザー名またはパスワードが正しくありません。")
        else:
            throttled = _second_factor_throttled(user)  # before matching: a failed match starts a new delay
            device = match_token(user, form.cleaned_data["otp_token"].strip())
            if device is None:
                # A wrong second factor is a failed login too: it counts towards the lockout.
                user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
                if getattr(request, "axes_locked_out", False):
                    return locked_out(request)
                error = (
                    _(
                        "確認コードの誤りが続いたため、数秒間は受け付けていません。少し待ってから、最新のコードを入力してください。"
                    )
                    if throttled
                    else _(
                        "確認コードが正しくないか、有効時間（30秒）が過ぎています。認証アプリの最新のコードを入力してください。"
                    )
                )
            elif user.municipality_id is None or not user.is_active:
                error = _("このアカウントは自治体に所属していないため、庁内業務にはログインできません。")
            else:
                login(request, user)
                otp_login(request, device)
                return redirect(next_url)
    return render(
        request,
        "office/login.html",
        {"form": form, "error": error, "next": next_url},
        status=400 if error else 200,
    )


def _second_factor_throttled(user: Any) -> bool:
    """django-otp slows down guessing: after a wrong code the device refuses codes for 1, 2, 4 … seconds."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device is not None and not device.verify_is_allowed()[0]


def locked_out(request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any) -> HttpResponse:
    """Shown instead of the login form while the account is locked (5 failures)."""
    return render(request, "office/locked.html", status=429)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("office:login")


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    work = casework.my_work(actor=actor, today=timezone.localdate()) if can_view_cases(actor) else None
    return render(
        request, "office/home.html", {"summary": registry.get_registry_summary(actor=actor), "work": work}
    )


@staff_required
def resident_search(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    form = ResidentSearchForm(request.GET or None)
    results = None
    if request.GET and form.is_valid():
        results = registry.search_residents(actor=actor, **form.cleaned_data)
    return render(
        request,
        "office/resident_search.html",
        {"form": form, "results": results, "purposes": AccessPurpose.choices},
    )


@staff_required
def resident_detail(request: HttpRequest, resident_id: int) -> HttpResponse:
    actor = _actor(request)
    purpose_form = PurposeForm(request.GET if "purpose" in request.GET else None)
    if not purpose_form.is_valid():
        # Nothing personal is shown until the purpose of the read is stated (it goes into the access log).
        registry.check_resident_exists(actor=actor, resident_id=resident_id)
        return render(
            request, "office/resident_purpose.html", {"form": purpose_form, "resident_id": resident_id}
        )
    purpose = purpose_form.cleaned_data["purpose"]
    resident = registry.access_resident(actor=actor, resident_id=resident_id, purpose=purpose)
    members = (
        registry.list_household_members(actor=actor, household=resident.household)
        if resident.household
        else []
    )
    return render(
        request,
        "office/resident_detail.html",
        {
            "resident": resident,
            "members": members,
            "purpose": purpose,
            "purpose_label": AccessPurpose(purpose).label,
            "masked_number": registry.masked_individual_number(resident),
            "can_reveal": actor.can("reveal_individual_number"),
            "reveal_form": PurposeForm(initial={"purpose": purpose}),
        },
    )


@staff_required
@require_POST
def reveal_individual_number(request: HttpRequest, resident_id: int) -> HttpResponse:
    actor = _actor(request)
    form = PurposeForm(request.POST)
    if not form.is_valid():
        return render(
            request, "office/forbidden.html", {"message": _("利用目的を選んでください。")}, status=400
        )
    purpose = form.cleaned_data["purpose"]
    number = registry.access_individual_number(actor=actor, resident_id=resident_id, purpose=purpose)
    resident = registry.access_resident(actor=actor, resident_id=resident_id, purpose=purpose)
    return render(
        request,
        "office/individual_number.html",
        {"resident": resident, "number": number, "purpose_label": AccessPurpose(purpose).label},
    )


def _log_page(request: HttpRequest, template: str, selector: Callable[..., Any]) -> HttpResponse:
    actor = _actor(request)
    form = LogSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = Paginator(selector(actor=actor, **filters), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, template, {"form": form, "page": page, "query": query.urlencode()})


@staff_required
def audit_log(request: HttpRequest) -> HttpResponse:
    return _log_page(request, "office/audit_log.html", list_audit_entries)


@staff_required
def access_log(request: HttpRequest) -> HttpResponse:
    return _log_page(request, "office/access_log.html", list_access_entries)
