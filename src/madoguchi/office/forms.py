"""Office forms (input parsing only; rules live in services)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from madoguchi.core.models import AccessPurpose


class StaffLoginForm(forms.Form):
    username = forms.CharField(
        label=_("ユーザー名"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username"})
    )
    password = forms.CharField(
        label=_("パスワード"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    otp_token = forms.RegexField(
        label=_("確認コード（6桁）"),
        regex=r"^\s*\d{6}\s*$",
        help_text=_("認証アプリに表示されている6桁の数字"),
        error_messages={"invalid": _("確認コードは6桁の数字で入力してください。")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ResidentSearchForm(forms.Form):
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
    address = forms.CharField(label=_("住所（町字・番地）"), required=False, max_length=60)
    resident_record_code = forms.RegexField(
        label=_("住民票コード"),
        required=False,
        regex=r"^\d{11}$",
        error_messages={"invalid": _("住民票コードは11桁の数字で入力してください。")},
    )
    include_removed = forms.BooleanField(label=_("除票も含める"), required=False)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not self.errors and not any(
            data.get(k) for k in ("name", "birth_date", "address", "resident_record_code")
        ):
            raise forms.ValidationError(_("氏名・生年月日・住所・住民票コードのいずれかを入力してください。"))
        return data


class PurposeForm(forms.Form):
    purpose = forms.ChoiceField(label=_("利用目的"), choices=AccessPurpose.choices)


class LogSearchForm(forms.Form):
    text = forms.CharField(
        label=_("キーワード（操作・職員・対象ID・リクエストID）"), required=False, max_length=100
    )
    since = forms.DateField(label=_("開始日"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("終了日"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
