"""Portal zone (internet): the resident-facing shell. It never reads the resident registry."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from madoguchi.common.checkdigits import is_valid_local_government_code
from madoguchi.core.selectors import get_municipality
from madoguchi.procedures.engine import get_catalogue
from madoguchi.procedures.i18n import text_of
from madoguchi.procedures.labels import APPLICANT_ROLE_LABELS


class MunicipalityLookupForm(forms.Form):
    code = forms.CharField(
        label=_("地方公共団体コード（6桁）"),
        max_length=12,
        help_text=_("例: 131016（千代田区）。全角数字でも入力できます。"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_code(self) -> str:
        import unicodedata

        code = unicodedata.normalize("NFKC", self.cleaned_data["code"]).strip()
        if len(code) != 6 or not code.isdigit():
            raise forms.ValidationError(_("地方公共団体コードは6桁の数字で入力してください。"))
        if not is_valid_local_government_code(code):
            raise forms.ValidationError(
                _("検査数字（6桁目）が正しくありません。コードをもう一度ご確認ください。")
            )
        return code


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html")


def municipality_lookup(request: HttpRequest) -> HttpResponse:
    form = MunicipalityLookupForm(request.GET or None)
    municipality = None
    not_found = False
    if request.GET and form.is_valid():
        municipality = get_municipality(form.cleaned_data["code"])
        not_found = municipality is None
    status = 400 if form.errors else 404 if not_found else 200
    return render(
        request,
        "portal/municipality_lookup.html",
        {"form": form, "municipality": municipality, "not_found": not_found},
        status=status,
    )


# Roles in the catalogue's `who_may_apply` that are someone other than the person concerned applying for them.
HELPER_ROLES = ("family", "household_member", "legal_guardian", "heir", "support_provider", "proxy")


def assisted_use(request: HttpRequest) -> HttpResponse:
    """Help with a procedure, in plain words: the counter that fills the form in for you (書かない窓口) and
    someone applying for you (代理申請), with the procedures that allow it taken from the catalogue."""
    catalogue = get_catalogue()
    helped: list[dict[str, Any]] = []
    self_only: list[dict[str, Any]] = []
    for p in catalogue:
        attachments = {a.code: a for a in p.attachments}
        helpers = [
            {
                "label": APPLICANT_ROLE_LABELS.get(w.role, w.role),
                "proof": (
                    text_of(attachments[w.authorization_attachment], "name")
                    if w.authorization_attachment in attachments
                    else ""
                ),
            }
            for w in p.who_may_apply
            if w.role in HELPER_ROLES
        ]
        row: dict[str, Any] = {"code": p.code, "name": text_of(p, "name"), "helpers": helpers}
        (helped if helpers else self_only).append(row)
    return render(request, "portal/assisted_use.html", {"helped": helped, "self_only": self_only})
