"""Office forms for 妊娠の届出 (input parsing only; the rules live in benefits.pregnancy_services)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class HandbookIssueForm(forms.Form):
    issued_on = forms.DateField(
        label=_("交付日"),
        help_text=_("「年-月-日」で入力します（例: 2026-11-26）。"),
        error_messages={
            "required": _("交付日を入力してください。"),
            "invalid": _("交付日は「年-月-日」の形で入力してください。"),
        },
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class SecondPaymentForm(forms.Form):
    fetus_count = forms.IntegerField(
        label=_("胎児の数"),
        min_value=1,
        max_value=9,
        error_messages={
            "required": _("胎児の数を入力してください。"),
            "invalid": _("胎児の数は数字で入力してください。"),
            "min_value": _("胎児の数は1以上にしてください。"),
            "max_value": _("胎児の数を確認してください。"),
        },
    )
    notified_on = forms.DateField(
        label=_("胎児の数の届出日"),
        error_messages={
            "required": _("胎児の数の届出日を入力してください。"),
            "invalid": _("胎児の数の届出日は「年-月-日」の形で入力してください。"),
        },
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
