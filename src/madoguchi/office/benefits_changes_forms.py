"""Office forms for 児童手当 change proposals (input parsing only; the rules live in benefits.child_allowance_review)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ApproveForm(forms.Form):
    claimed_on = forms.DateField(
        label=_("額改定認定請求の請求日"),
        required=False,
        help_text=_("出生による増額の場合のみ。例: 2027-01-10"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("請求日は「年-月-日」の形で入力してください（例: 2027-01-10）。")},
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("却下の理由"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("却下の理由を入力してください。")},
    )
