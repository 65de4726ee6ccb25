"""Forms of the derived-register pages (選挙人名簿 candidates, 学齢簿 cohorts): input parsing only."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from madoguchi.core.models import AccessPurpose
from madoguchi.registry.derived import SCHOOL_LEVELS


class _PurposeMixin(forms.Form):
    purpose = forms.ChoiceField(
        label=_("利用目的"),
        choices=AccessPurpose.choices,
        initial=AccessPurpose.REGISTRY_MAINTENANCE,
        help_text=_("名簿の表示・出力は利用目的とともにアクセスログに記録されます"),
    )


class ElectoralRollForm(_PurposeMixin):
    base_on = forms.DateField(
        label=_("基準日"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("定時登録は3月1日・6月1日・9月1日・12月1日。選挙時登録は選挙ごとに定める日"),
        error_messages={
            "required": _("基準日を入力してください。"),
            "invalid": _("基準日は年-月-日の形で入力してください（例: 2026-12-01）。"),
        },
    )

    def clean_base_on(self) -> dt.date:
        value: dt.date = self.cleaned_data["base_on"]
        if not dt.date(1950, 1, 1) <= value <= dt.date(2200, 12, 31):
            raise forms.ValidationError(_("基準日は1950年から2200年までの日付を入力してください。"))
        return value


class SchoolCohortForm(_PurposeMixin):
    entry_year = forms.IntegerField(
        label=_("入学年（4月1日の年）"),
        min_value=1950,
        max_value=2200,
        help_text=_("例: 2027 → 2027年4月1日に入学する子ども"),
        error_messages={
            "required": _("入学年を入力してください。"),
            "invalid": _("入学年は西暦の数字で入力してください（例: 2027）。"),
            "min_value": _("入学年は1950年以降を入力してください。"),
            "max_value": _("入学年は2200年までを入力してください。"),
        },
    )
    level = forms.ChoiceField(label=_("学校"), choices=list(SCHOOL_LEVELS.items()), initial="elementary")
    include_foreign = forms.BooleanField(
        label=_("外国籍の子どもも含める（参考名簿）"),
        required=False,
        help_text=_("学齢簿は日本国籍の子どもが対象です。就学案内のための参考名簿を作るときに選んでください"),
    )
