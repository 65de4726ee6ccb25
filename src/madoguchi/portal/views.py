"""Portal zone (internet): the resident-facing shell. It never reads the resident registry."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from madoguchi.common.checkdigits import is_valid_local_government_code
from madoguchi.core.selectors import get_municipality


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
