"""Forms of the retention and disposal pages (input parsing only; the rules live in `casework.retention`)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from .retention import REASON_MAX_LENGTH


class ProposeDisposalForm(forms.Form):
    receipt_numbers = forms.MultipleChoiceField(
        label=_("廃棄する案件"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("廃棄する案件を選んでください。")},
    )
    reason = forms.CharField(
        label=_("廃棄の理由"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("「廃棄の理由」を入力してください。")},
    )

    def __init__(self, *args: Any, due: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["receipt_numbers"]).choices = due


class DecideDisposalForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("決裁"),
        choices=(("approve", _("承認する（廃棄する）")), ("reject", _("不承認とする（保存を続ける）"))),
        widget=forms.RadioSelect,
        error_messages={"required": _("承認するか不承認とするかを選んでください。")},
    )
    reason = forms.CharField(
        label=_("意見（不承認のときは必須）"),
        max_length=REASON_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
