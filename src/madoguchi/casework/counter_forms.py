"""Forms of counter mode (書かない窓口): input parsing only; the rules live in `casework.counter`."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import IdentityDocument, IdentityMethod


class CounterSearchForm(forms.Form):
    name = forms.CharField(
        label=_("氏名（漢字またはカナ）"),
        required=False,
        max_length=60,
        help_text=_("異体字（髙・﨑など）や全角・半角の違いは区別せずに検索します"),
    )
    birth_date = forms.DateField(
        label=_("生年月日"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("生年月日は年-月-日の形で入力してください（例: 1990-04-01）。")},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not (data.get("name") or data.get("birth_date")):
            raise forms.ValidationError(_("氏名または生年月日を入力してください。"))
        return data


class ProcedureChoiceForm(forms.Form):
    procedure_code = forms.ChoiceField(
        label=_("申請する手続"),
        widget=forms.RadioSelect,
        error_messages={"required": _("申請する手続を選んでください。")},
    )

    def __init__(self, *args: Any, procedures: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["procedure_code"]).choices = procedures


class IdentityForm(forms.Form):
    method = forms.ChoiceField(
        label=_("本人確認の方法"),
        choices=IdentityMethod.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("本人確認の方法を選んでください。")},
    )
    documents = forms.MultipleChoiceField(
        label=_("確認した書類（マイナンバーカード以外の場合）"),
        choices=IdentityDocument.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("写真付きの書類は1点、写真のない書類は2点を確認します。"),
    )
