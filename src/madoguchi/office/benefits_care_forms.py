"""Office forms for 介護保険 要介護認定 (input parsing only; the rules live in benefits.care_services)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from madoguchi.benefits.models_care import CertificationResult

_DATE = forms.DateInput(attrs={"type": "date"})


class StepForm(forms.Form):
    on = forms.DateField(
        label=_("実施日"),
        help_text=_("この手続を行った日（年-月-日）。申請日または前の手続の日以降です。"),
        widget=_DATE,
        error_messages={
            "required": _("実施日を入力してください。"),
            "invalid": _("実施日が正しくありません。"),
        },
    )


class ResultForm(forms.Form):
    result = forms.ChoiceField(
        label=_("認定結果"),
        choices=[("", _("選んでください")), *CertificationResult.choices],
        error_messages={"required": _("認定結果を選んでください。")},
    )
    decided_on = forms.DateField(
        label=_("認定日"),
        help_text=_("介護認定審査会の日以降です（年-月-日）。"),
        widget=_DATE,
        error_messages={
            "required": _("認定日を入力してください。"),
            "invalid": _("認定日が正しくありません。"),
        },
    )
    months = forms.IntegerField(
        label=_("有効期間（月数）"),
        required=False,
        min_value=1,
        max_value=48,
        help_text=_("空欄なら標準（新規・区分変更 6か月、更新 12か月）。非該当では空欄にします。"),
        error_messages={"invalid": _("有効期間の月数は数字で入力してください。")},
    )


class CopayShareForm(forms.Form):
    tenths = forms.ChoiceField(
        label=_("負担割合"),
        choices=[("", _("選んでください")), ("1", _("1割")), ("2", _("2割")), ("3", _("3割"))],
        error_messages={"required": _("負担割合を選んでください。")},
    )
    valid_from = forms.DateField(
        label=_("適用開始日"),
        help_text=_("通常は8月1日。翌年7月31日まで適用します（年-月-日）。"),
        widget=_DATE,
        error_messages={
            "required": _("適用開始日を入力してください。"),
            "invalid": _("適用開始日が正しくありません。"),
        },
    )
