"""Office forms for the facts of 負担限度額認定 / 高額介護サービス費 (input parsing only; rules in benefits)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from madoguchi.benefits.models_care_cost import CostFacilityType, CostRoomType, FactSource


def _yen(
    label: Any, help_text: Any = "", required: bool = True, min_value: int | None = 0
) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        help_text=help_text,
        required=required,
        min_value=min_value,
        initial=0,
        error_messages={
            "required": format_lazy(_("{label}を入力してください。"), label=label),
            "invalid": format_lazy(_("{label}は円単位の数字で入力してください。"), label=label),
            "min_value": format_lazy(_("{label}は0円以上にしてください。"), label=label),
        },
    )


class _FactsForm(forms.Form):
    case_reference = forms.CharField(
        label=_("申請の受付番号"),
        max_length=40,
        help_text=_("この情報で審査する申請の受付番号。"),
        error_messages={"required": _("申請の受付番号を入力してください。")},
    )
    source = forms.ChoiceField(
        label=_("情報の出所"),
        choices=[("", _("選んでください")), *FactSource.choices],
        error_messages={"required": _("情報の出所を選んでください。")},
    )
    household_tax_exempt = forms.BooleanField(
        label=_("世帯全員（別世帯の配偶者を含む）が住民税非課税"), required=False
    )
    on_public_assistance = forms.BooleanField(label=_("生活保護を受給している"), required=False)
    old_age_welfare_pension = forms.BooleanField(label=_("老齢福祉年金を受給している"), required=False)

    facts_fields: tuple[str, ...] = ()

    def facts(self) -> dict[str, object]:
        return {name: self.cleaned_data[name] for name in self.facts_fields}


class CostCeilingFactsForm(_FactsForm):
    has_spouse = forms.BooleanField(label=_("配偶者がいる"), required=False)
    pension_income_yen = _yen(_("課税年金収入額（年額）"), _("住民税課税台帳の前年の額。"))
    non_taxable_pension_yen = _yen(_("非課税年金収入額（遺族・障害、年額）"))
    other_income_yen = _yen(
        _("その他の合計所得金額（年金分を除く）"), _("マイナスの場合は0として扱います。"), min_value=None
    )
    savings_yen = _yen(
        _("預貯金等の額（配偶者の分を含む）"), _("預貯金・有価証券・現金等から負債を引いた額。")
    )
    room_type = forms.ChoiceField(
        label=_("居室の種類"),
        choices=[("", _("選んでください")), *CostRoomType.choices],
        error_messages={"required": _("居室の種類を選んでください。")},
    )
    facility_type = forms.ChoiceField(
        label=_("施設の種類"),
        choices=[("", _("選んでください")), *CostFacilityType.choices],
        error_messages={"required": _("施設の種類を選んでください。")},
    )
    short_stay = forms.BooleanField(label=_("ショートステイ"), required=False)

    facts_fields = (
        "household_tax_exempt",
        "on_public_assistance",
        "old_age_welfare_pension",
        "has_spouse",
        "pension_income_yen",
        "non_taxable_pension_yen",
        "other_income_yen",
        "savings_yen",
        "room_type",
        "facility_type",
        "short_stay",
    )


class HighCostFactsForm(_FactsForm):
    service_month = forms.DateField(
        label=_("サービス提供月"),
        help_text=_("その月の1日を入力します（年-月-日）。"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": _("サービス提供月を入力してください。"),
            "invalid": _("サービス提供月が正しくありません。"),
        },
    )
    highest_taxable_income_yen = _yen(
        _("世帯の第1号被保険者の課税所得（最も高い人、年額）"), _("住民税課税台帳の額。非課税世帯は0。")
    )
    pension_and_other_income_yen = _yen(_("本人の年金収入額とその他の合計所得金額の合計（年額）"))
    copay_yen = _yen(
        _("本人の利用者負担額（月）"), _("国保連の審査支払データの1〜3割負担の額（食費・居住費を除く）。")
    )
    household_others_copay_yen = _yen(_("同じ世帯の他の被保険者の利用者負担額の合計（月）"))

    facts_fields = (
        "household_tax_exempt",
        "on_public_assistance",
        "old_age_welfare_pension",
        "service_month",
        "highest_taxable_income_yen",
        "pension_and_other_income_yen",
        "copay_yen",
        "household_others_copay_yen",
    )
