"""Office forms for 児童扶養手当 (input parsing only; the rules live in benefits.child_rearing_services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from madoguchi.benefits.models_child_rearing import IncomeSource


def _yen(label: Any, help_text: Any = "", *, required: bool = True) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        help_text=help_text,
        min_value=0,
        max_value=2_000_000_000,
        required=required,
        error_messages={
            "required": format_lazy(_("{label}を入力してください。"), label=label),
            "invalid": format_lazy(_("{label}は数字（円）で入力してください。"), label=label),
            "min_value": format_lazy(_("{label}に負の数は入力できません。"), label=label),
            "max_value": format_lazy(_("{label}を確認してください。"), label=label),
        },
    )


class RecipientForm(forms.Form):
    resident_id = forms.IntegerField(
        label=_("住民の内部番号"),
        help_text=_("住民記録のページのURLにある番号です。"),
        min_value=1,
        error_messages={
            "required": _("住民の内部番号を入力してください。"),
            "invalid": _("住民の内部番号は数字で入力してください。"),
            "min_value": _("住民の内部番号を確認してください。"),
        },
    )
    certificate_number = forms.CharField(
        label=_("証書番号"),
        max_length=20,
        error_messages={
            "required": _("証書番号を入力してください。"),
            "max_length": _("証書番号は20文字以内で入力してください。"),
        },
    )
    children_count = forms.IntegerField(
        label=_("対象児童の数"),
        min_value=1,
        max_value=20,
        error_messages={
            "required": _("対象児童の数を入力してください。"),
            "invalid": _("対象児童の数は数字で入力してください。"),
            "min_value": _("対象児童の数は1人以上にしてください。"),
            "max_value": _("対象児童の数を確認してください。"),
        },
    )
    certified_from = forms.DateField(
        label=_("認定年月日"),
        help_text=_("「年-月-日」で入力します（例: 2024-04-01）。"),
        error_messages={
            "required": _("認定年月日を入力してください。"),
            "invalid": _("認定年月日は「年-月-日」の形で入力してください。"),
        },
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class IncomeForm(forms.Form):
    income_yen = _yen(_("所得（円）"), _("課税台帳の合計所得金額など（給与所得控除後の額）。"))
    child_support_yen = _yen(_("養育費の額（円）"), _("前年に受け取った養育費の合計。8割を所得に加えます。"))
    deductions_yen = _yen(_("諸控除の額（円）"), _("一律控除（8万円）以外の控除の合計。ない場合は0。"))
    dependents = forms.IntegerField(
        label=_("扶養親族等の数"),
        min_value=0,
        max_value=20,
        error_messages={
            "required": _("扶養親族等の数を入力してください。"),
            "invalid": _("扶養親族等の数は数字で入力してください。"),
            "min_value": _("扶養親族等の数に負の数は入力できません。"),
            "max_value": _("扶養親族等の数を確認してください。"),
        },
    )
    source = forms.ChoiceField(
        label=_("所得の確認方法"),
        choices=IncomeSource.choices,
        error_messages={
            "required": _("所得の確認方法を選んでください。"),
            "invalid_choice": _("所得の確認方法を選び直してください。"),
        },
    )
    source_note = forms.CharField(
        label=_("確認した資料"),
        help_text=_("例: 令和7年度 住民税課税台帳"),
        max_length=200,
        error_messages={
            "required": _("確認した資料を入力してください。"),
            "max_length": _("確認した資料は200文字以内で入力してください。"),
        },
    )
    correction_reason = forms.CharField(
        label=_("訂正の理由"),
        help_text=_("確定済みの結果を訂正する場合だけ入力します（新しい版として記録されます）。"),
        max_length=200,
        required=False,
        error_messages={"max_length": _("訂正の理由は200文字以内で入力してください。")},
    )
