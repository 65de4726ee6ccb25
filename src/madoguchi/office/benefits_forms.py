"""Office forms for 児童手当 recipients and payment runs (input parsing only; rules live in benefits services)."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.utils.translation import gettext_lazy as _

_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


class PaymentMonthForm(forms.Form):
    payment_month = forms.CharField(
        label=_("支払月"),
        max_length=7,
        help_text=_("偶数月を「年-月」で入力します（例: 2027-02）。前の2か月分を支払います。"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_payment_month(self) -> dt.date:
        match = _MONTH.match(self.cleaned_data["payment_month"])
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise forms.ValidationError(_("支払月は「年-月」の形で入力してください（例: 2027-02）。"))
        return dt.date(int(match.group(1)), int(match.group(2)), 1)


class ExportForm(forms.Form):
    confirm_blocked = forms.BooleanField(
        label=_("振込保留の受給者を除いて出力することを確認しました"), required=False
    )


class PaymentSettingsForm(forms.Form):
    requester_code = forms.RegexField(
        label=_("振込依頼人コード（10桁以内）"),
        regex=r"^\d{1,10}$",
        error_messages={"invalid": _("振込依頼人コードは10桁以内の数字で入力してください。")},
    )
    requester_name_kana = forms.CharField(label=_("振込依頼人名（カナ）"), max_length=40)
    bank_code = forms.RegexField(
        label=_("仕向銀行番号（4桁）"),
        regex=r"^\d{4}$",
        error_messages={"invalid": _("仕向銀行番号は4桁の数字で入力してください。")},
    )
    bank_name_kana = forms.CharField(label=_("仕向銀行名（カナ）"), max_length=15, required=False)
    branch_code = forms.RegexField(
        label=_("仕向支店番号（3桁）"),
        regex=r"^\d{3}$",
        error_messages={"invalid": _("仕向支店番号は3桁の数字で入力してください。")},
    )
    branch_name_kana = forms.CharField(label=_("仕向支店名（カナ）"), max_length=15, required=False)
    account_type = forms.ChoiceField(
        label=_("預金種目"), choices=[("1", _("普通")), ("2", _("当座")), ("9", _("その他"))]
    )
    account_number = forms.RegexField(
        label=_("口座番号（7桁）"),
        regex=r"^\d{7}$",
        error_messages={"invalid": _("口座番号は7桁の数字で入力してください。")},
    )
    payment_day = forms.IntegerField(label=_("支払日（日）"), min_value=1, max_value=28, initial=10)
