"""Portal forms of the benefit simulators: 西暦 or 和暦 dates, full-width digits, every error naming its field."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from django import forms
from django.forms import BaseFormSet, formset_factory
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from madoguchi.common.wareki import parse_japanese_date

from .serializers import LAST_SUPPORTED_MONTH, MAX_CHILDREN, first_supported_month, supported_fiscal_years

# Rows shown before the resident asks for more (no JavaScript: "add more" re-renders with ROWS_STEP more).
INITIAL_ROWS = 6
ROWS_STEP = 3
CHILDREN_PREFIX = "children"

_SEIREKI_MONTH = re.compile(r"(?P<year>\d{4})(?:[-/.](?P<m1>\d{1,2})|年(?P<m2>\d{1,2})月?)")


def parse_month(text: str) -> dt.date:
    """Parse a month as 2026-11, 2026/11, 2026年11月, 令和8年11月 or R8.11 (ValueError in Japanese)."""
    normalized = "".join(ch for ch in unicodedata.normalize("NFKC", text) if not ch.isspace())
    if not normalized:
        raise ValueError(gettext("月が入力されていません"))
    match = _SEIREKI_MONTH.fullmatch(normalized)
    if match:
        month = int(match["m1"] or match["m2"])
        if not 1 <= month <= 12:
            raise ValueError(gettext("月は1から12の範囲で入力してください"))
        if int(match["year"]) < 1:
            raise ValueError(gettext("年は1以上で入力してください"))
        return dt.date(int(match["year"]), month, 1)
    # 和暦: reuse the date parser with the 1st of the month appended.
    suffix = "1日" if normalized.endswith("月") else ".1"
    try:
        return parse_japanese_date(normalized + suffix)
    except ValueError:
        raise ValueError(
            gettext("「%(text)s」は年月として読み取れません（例: 2026-11、2026年11月、令和8年11月）")
            % {"text": text.strip()}
        ) from None


def format_month_input(month: dt.date) -> str:
    """A month as the form shows it by default (YYYY-MM)."""
    return f"{month:%Y-%m}"


def parse_yen(text: str) -> int:
    """Parse a non-negative whole amount in yen; accepts full-width digits, commas and a trailing 円."""
    normalized = unicodedata.normalize("NFKC", text).strip().replace(",", "").removesuffix("円").strip()
    if not normalized.isascii() or not normalized.isdigit():
        raise ValueError(gettext("0以上の整数（円）で、数字だけを入力してください（例: 1500000）。"))
    return int(normalized)


class ChildAllowanceForm(forms.Form):
    month = forms.CharField(
        label=_("計算する月"),
        max_length=20,
        help_text=_("例: 2026-11、2026年11月、令和8年11月。2024年10月分以降を計算できます。"),
    )

    def clean_month(self) -> dt.date:
        try:
            month = parse_month(self.cleaned_data["month"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        first = first_supported_month()
        if month < first:
            raise forms.ValidationError(
                gettext(
                    "%(year)d年%(month)d月分より前は計算できません。この試算は%(year)d年%(month)d月分からの"
                    "新しい制度で計算します。%(year)d年%(month)d月以降の月を入力してください。"
                )
                % {"year": first.year, "month": first.month}
            )
        if month > LAST_SUPPORTED_MONTH:
            raise forms.ValidationError(
                gettext("%(year)d年%(month)d月分までを計算できます。それより前の月を入力してください。")
                % {"year": LAST_SUPPORTED_MONTH.year, "month": LAST_SUPPORTED_MONTH.month}
            )
        return month


class ChildRowForm(forms.Form):
    birth_date = forms.CharField(
        label=_("生年月日"),
        max_length=30,
        error_messages={"required": _("生年月日を入力してください。")},
    )
    supported = forms.BooleanField(label=_("この子の生活費を負担している"), required=False)

    def clean_birth_date(self) -> dt.date:
        try:
            return parse_japanese_date(self.cleaned_data["birth_date"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


ChildRowFormSet: type[BaseFormSet[ChildRowForm]] = formset_factory(
    ChildRowForm, extra=0, max_num=MAX_CHILDREN, absolute_max=MAX_CHILDREN, validate_max=True
)


def child_rows(data: Any | None, rows: int = INITIAL_ROWS) -> BaseFormSet[ChildRowForm]:
    """The children rows: bound to `data` (GET parameters) or `rows` empty rows."""
    if data is None:
        return formset_factory(ChildRowForm, extra=rows, max_num=MAX_CHILDREN, absolute_max=MAX_CHILDREN)(
            prefix=CHILDREN_PREFIX
        )
    return ChildRowFormSet(data, prefix=CHILDREN_PREFIX)


def _fiscal_year_choices() -> list[tuple[int, str]]:
    return [
        (year, gettext("%(year)d年度（%(year)d年4月〜%(next)d年3月）") % {"year": year, "next": year + 1})
        for year in supported_fiscal_years()
    ]


class ChildRearingAllowanceForm(forms.Form):
    fiscal_year = forms.TypedChoiceField(
        label=_("年度"),
        coerce=int,
        choices=_fiscal_year_choices,
        help_text=_("手当の額は毎年4月に見直されます。金額が分かっている年度だけを選べます。"),
    )
    children = forms.IntegerField(
        label=_("対象となるお子さまの人数"),
        min_value=1,
        max_value=MAX_CHILDREN,
        help_text=_("18歳の年度末まで（障害のあるお子さまは20歳未満）のお子さまの人数です。"),
        error_messages={
            "required": _("お子さまの人数を入力してください。"),
            "invalid": _("お子さまの人数は数字で入力してください。"),
            "min_value": _("お子さまの人数は1人以上で入力してください。"),
            "max_value": _("お子さまの人数は%(limit_value)s人までで入力してください。"),
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    income = forms.CharField(
        label=_("前年の所得（円）"),
        max_length=20,
        help_text=_(
            "給与の方は源泉徴収票の「給与所得控除後の金額」です。1月〜10月分の手当は前々年、11月・12月分は前年の所得で決まります。"
        ),
        error_messages={"required": _("所得を入力してください。0円の場合は 0 と入力してください。")},
    )
    child_support = forms.CharField(
        label=_("1年間に受け取った養育費（円）"),
        max_length=20,
        required=False,
        help_text=_("受け取っていない場合は空欄のままで結構です。養育費は8割が所得に加わります。"),
    )
    dependents = forms.IntegerField(
        label=_("扶養親族等の数"),
        min_value=0,
        max_value=MAX_CHILDREN,
        help_text=_("税法上の扶養親族の数です（お子さまを扶養している場合はその人数を含みます）。"),
        error_messages={
            "required": _("扶養親族等の数を入力してください。いない場合は 0 と入力してください。"),
            "invalid": _("扶養親族等の数は数字で入力してください。"),
            "min_value": _("扶養親族等の数は0以上で入力してください。"),
            "max_value": _("扶養親族等の数は%(limit_value)s人までで入力してください。"),
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_income(self) -> int:
        try:
            return parse_yen(self.cleaned_data["income"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_child_support(self) -> int:
        text = self.cleaned_data.get("child_support") or ""
        if not text.strip():
            return 0
        try:
            return parse_yen(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
