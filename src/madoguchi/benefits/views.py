"""Portal pages of the benefit simulators (no login, no JavaScript): form → pure rule → plain-Japanese result."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.forms import BaseFormSet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from madoguchi.benefits.rules import child_allowance as ca
from madoguchi.benefits.rules import child_rearing_allowance as cra
from madoguchi.common.ages import anniversary, fiscal_year_of
from madoguchi.common.wareki import era_of, to_wareki

from .forms import (
    CHILDREN_PREFIX,
    INITIAL_ROWS,
    ROWS_STEP,
    ChildAllowanceForm,
    ChildRearingAllowanceForm,
    ChildRowForm,
    child_rows,
    format_month_input,
)
from .serializers import MAX_CHILDREN, first_supported_month, month_end, supported_fiscal_years

# Literal path: the procedure pages are built by the procedures app (another zone shell may mount it later).
CHILD_ALLOWANCE_PROCEDURE_URL = "/procedures/child_allowance_certification/"


# ---- formatting --------------------------------------------------------------------------------------------------


def yen(amount: int) -> str:
    """An amount as 12,345円."""
    return _("%(amount)s円") % {"amount": f"{amount:,}"}


def jp_date(day: dt.date) -> str:
    """A date as 2020年5月1日（令和2年5月1日）; 和暦 only from 明治."""
    text = _("%(y)d年%(m)d月%(d)d日") % {"y": day.year, "m": day.month, "d": day.day}
    try:
        return f"{text}（{to_wareki(day)}）"
    except ValueError:
        return text


def jp_month(month: dt.date) -> str:
    """A month as 2026年11月（令和8年11月）."""
    era, year = era_of(month)
    year_text = "元" if year == 1 else str(year)
    return _("%(y)d年%(m)d月（%(era)s%(ey)s年%(m)d月）") % {
        "y": month.year,
        "m": month.month,
        "era": era,
        "ey": year_text,
    }


def short_month(month: dt.date) -> str:
    """A month as 2026年11月."""
    return _("%(y)d年%(m)d月") % {"y": month.year, "m": month.month}


def month_label(month: dt.date) -> str:
    """A month as 10月."""
    return _("%(m)d月") % {"m": month.month}


def age_at(birth_date: dt.date, on: dt.date) -> int:
    """Completed years on `on`, counted from birthdays (the everyday age shown to residents)."""
    years = on.year - birth_date.year
    if anniversary(birth_date, years) > on:
        years -= 1
    return max(years, 0)


# ---- 児童手当 ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErrorLink:
    anchor: str  # element id of the field ("" when the error belongs to no single field)
    label: str
    message: str


@dataclass(frozen=True)
class ChildRow:
    number: int  # n人目 as entered
    form: ChildRowForm

    @property
    def supported_id(self) -> str:
        return self.form["supported"].id_for_label


@dataclass(frozen=True)
class ChildLine:
    number: int
    birth_date: str
    age: int
    birth_order: int | None
    eligible: bool
    monthly_yen: int
    explanation: str


@dataclass(frozen=True)
class PaymentLine:
    payment_month: dt.date
    covered: tuple[dt.date, dt.date]
    total_yen: int
    includes_month: bool


def explain_child(child: ca.ChildInput, result: ca.ChildQuote, month: dt.date) -> str:
    """Why a child gets the amount it gets in `month`, in plain Japanese."""
    p = ca.parameters_for(month)
    order = result.birth_order
    if child.birth_date >= month:
        return _(
            "この月に生まれたお子さまは、翌月分から手当の対象になります（出生日の翌日から15日以内に申請した場合）。"
            "この月の分はありません。"
        )
    paid_until = ca.paid_until_on(child.birth_date, p)
    counted_until = ca.counted_until_on(child.birth_date, p)
    if month > counted_until:
        return _(
            "22歳の年度末（%(day)s）を過ぎているため、手当の対象にも、きょうだいの数え方（第何子か）にも入りません。"
        ) % {"day": jp_date(counted_until)}
    if month > paid_until:
        if order is not None:
            return _(
                "18歳の年度末（%(day)s）を過ぎているため、このお子さまの分の手当はありません。"
                "ただし生活費を負担しているので、第%(order)d子として数えます。"
                "数えるには「監護相当・生計費の負担についての確認書」の提出が必要です。"
            ) % {"day": jp_date(paid_until), "order": order}
        return _(
            "18歳の年度末（%(day)s）を過ぎているため、このお子さまの分の手当はありません。"
            "生活費を負担していない（チェックがない）ため、きょうだいの数え方にも入りません。"
        ) % {"day": jp_date(paid_until)}
    assert order is not None  # paid children always count
    if order >= 3:
        return _("第%(order)d子（3人目以降）なので、年齢にかかわらず月%(amount)sです。") % {
            "order": order,
            "amount": yen(p.third_or_later_yen),
        }
    if result.monthly_yen == p.under_3_first_second_yen:
        last = dt.date(child.birth_date.year + p.younger_rate_until_age, child.birth_date.month, 1)
        return _("第%(order)d子で、3歳の誕生月（%(last)s分）までなので、月%(amount)sです。") % {
            "order": order,
            "last": short_month(last),
            "amount": yen(p.under_3_first_second_yen),
        }
    return _("第%(order)d子で、3歳から高校生年代（18歳の年度末）までなので、月%(amount)sです。") % {
        "order": order,
        "amount": yen(p.from_3_first_second_yen),
    }


def payment_lines(children: list[ca.ChildInput], month: dt.date) -> list[PaymentLine]:
    """The payments of the fiscal year in which `month` is paid, assuming the household stays as entered."""
    paid_in = ca.payment_month_for(month)
    lines = []
    for payment_month in ca.payment_months(fiscal_year_of(paid_in)):
        covered = ca.covered_months(payment_month)
        if covered[0] < first_supported_month():
            continue
        total = sum(ca.quote(m, children).total_monthly_yen for m in covered)
        lines.append(PaymentLine(payment_month, covered, total, payment_month == paid_in))
    return lines


def _summary(form: ChildAllowanceForm, formset: BaseFormSet[ChildRowForm]) -> list[ErrorLink]:
    links = [
        ErrorLink(form["month"].id_for_label, str(form["month"].label), str(e))
        for e in form.errors.get("month", [])
    ]
    for index, row in enumerate(formset.forms, start=1):
        for name in ("birth_date", "supported"):
            label = (
                _("%(n)d人目の生年月日") % {"n": index}
                if name == "birth_date"
                else _("%(n)d人目の生活費の負担") % {"n": index}
            )
            links += [ErrorLink(row[name].id_for_label, label, str(e)) for e in row.errors.get(name, [])]
    links += [ErrorLink("", "", str(e)) for e in formset.non_form_errors()]
    return links


def _requested_rows(data: Any) -> int:
    try:
        current = int(data.get(f"{CHILDREN_PREFIX}-TOTAL_FORMS", INITIAL_ROWS))
    except ValueError:
        current = INITIAL_ROWS
    return max(1, min(MAX_CHILDREN, current))


def _render_child_allowance(
    request: HttpRequest,
    form: ChildAllowanceForm,
    formset: BaseFormSet[ChildRowForm],
    *,
    errors: list[ErrorLink] | None = None,
    result: dict[str, Any] | None = None,
) -> HttpResponse:
    rows = [ChildRow(i, row) for i, row in enumerate(formset.forms, start=1)]
    context = {
        "form": form,
        "formset": formset,
        "rows": rows,
        "errors": errors or [],
        "can_add_rows": len(rows) < MAX_CHILDREN,
        "max_children": MAX_CHILDREN,
        "rows_step": ROWS_STEP,
        "result": result,
        "show_errors": bool(errors),
        "procedure_url": CHILD_ALLOWANCE_PROCEDURE_URL,
        "first_month": jp_month(first_supported_month()),
    }
    return render(request, "benefits/child_allowance.html", context, status=400 if errors else 200)


@require_GET
def child_allowance(request: HttpRequest) -> HttpResponse:
    """児童手当はいくらもらえる？ — monthly amount per child, total and payment schedule (estimate)."""
    total_key = f"{CHILDREN_PREFIX}-TOTAL_FORMS"
    if total_key not in request.GET:
        # First visit (or a link such as ?month=2026-11): empty rows, the month prefilled.
        this_month = timezone.localdate().replace(day=1)
        initial_month = request.GET.get("month") or format_month_input(
            max(this_month, first_supported_month())
        )
        form = ChildAllowanceForm(initial={"month": initial_month})
        return _render_child_allowance(request, form, child_rows(None))

    form = ChildAllowanceForm(request.GET)
    if "add_rows" in request.GET:
        # "Add more" re-renders what was typed with more empty rows; nothing is validated yet.
        data = request.GET.copy()
        data[total_key] = str(min(MAX_CHILDREN, _requested_rows(data) + ROWS_STEP))
        data.setdefault(f"{CHILDREN_PREFIX}-INITIAL_FORMS", "0")
        return _render_child_allowance(request, form, child_rows(data))

    formset = child_rows(request.GET)
    if not formset.management_form.is_valid() or not formset.forms:
        # Tampered or stale link: start again with empty rows, keeping the month.
        form.is_valid()
        message = _("お子さまの入力欄を読み取れませんでした。お手数ですが、もう一度入力してください。")
        errors = [*_summary(form, child_rows(None)), ErrorLink("", "", message)]
        return _render_child_allowance(request, form, child_rows(None), errors=errors)

    month_valid = form.is_valid()
    rows_valid = formset.is_valid()
    entered = [(i, row) for i, row in enumerate(formset.forms, start=1) if row.cleaned_data.get("birth_date")]
    if rows_valid and not entered and formset.forms:
        formset.forms[0].add_error("birth_date", _("少なくとも1人のお子さまの生年月日を入力してください。"))
    if month_valid:
        month = form.cleaned_data["month"]
        for _index, row in entered:
            if row.cleaned_data["birth_date"] > month_end(month):
                row.add_error(
                    "birth_date",
                    _("計算する月（%(month)s）より後の日付です。生年月日か計算する月をご確認ください。")
                    % {"month": short_month(month)},
                )
    errors = _summary(form, formset)
    if errors:
        return _render_child_allowance(request, form, formset, errors=errors)

    month = form.cleaned_data["month"]
    children = [
        ca.ChildInput(row.cleaned_data["birth_date"], row.cleaned_data["supported"]) for _i, row in entered
    ]
    quote = ca.quote(month, children)
    lines = [
        ChildLine(
            number=number,
            birth_date=jp_date(child.birth_date),
            age=age_at(child.birth_date, month_end(month)),
            birth_order=child_quote.birth_order,
            eligible=child_quote.eligible,
            monthly_yen=child_quote.monthly_yen,
            explanation=explain_child(child, child_quote, month),
        )
        for (number, _row), child, child_quote in zip(entered, children, quote.children, strict=True)
    ]
    paid_in = ca.payment_month_for(month)
    result = {
        "month": jp_month(month),
        "lines": lines,
        "total_yen": quote.total_monthly_yen,
        "paid_in": short_month(paid_in),
        "paid_with": short_month(next(m for m in ca.covered_months(paid_in) if m != month)),
        "payments": payment_lines(children, month),
        "payment_months": "・".join(
            month_label(m) for m in sorted(ca.payment_months(fiscal_year_of(paid_in)), key=lambda d: d.month)
        ),
        "fiscal_year": fiscal_year_of(paid_in),
    }
    return _render_child_allowance(request, form, formset, result=result)


# ---- 児童扶養手当 ---------------------------------------------------------------------------------------------


def _default_fiscal_year() -> int:
    years = supported_fiscal_years()
    current = fiscal_year_of(timezone.localdate())
    earlier = [y for y in years if y <= current]
    return max(earlier) if earlier else years[0]


@require_GET
def child_rearing_allowance(request: HttpRequest) -> HttpResponse:
    """児童扶養手当はいくら？ — monthly amount and full/partial/none for an income (estimate)."""
    form = ChildRearingAllowanceForm(request.GET or None, initial={"fiscal_year": _default_fiscal_year()})
    result: dict[str, Any] | None = None
    errors: list[ErrorLink] = []
    if request.GET:
        if form.is_valid():
            data = form.cleaned_data
            params = cra.parameters_for(data["fiscal_year"])
            assessed = cra.assessed_income_yen(data["income"], data["child_support"], 0, params)
            quote = cra.quote(
                data["fiscal_year"], data["children"], assessed, data["dependents"], params=params
            )
            result = {
                "quote": quote,
                "kind": quote.kind.value,
                "fiscal_year": data["fiscal_year"],
                "children": data["children"],
                "additional_children": data["children"] - 1,
                "additions_yen": quote.addition_yen_each * (data["children"] - 1),
                "income_yen": data["income"],
                "child_support_yen": data["child_support"],
                # 養育費 × 0.8 (切り捨て), as the rule counts it.
                "child_support_counted_yen": int(data["child_support"] * params.child_support_inclusion),
                "flat_deduction_yen": params.flat_deduction_yen,
                "assessed_yen": assessed,
                "dependents": data["dependents"],
                "payment_months": "・".join(month_label(m) for m in cra.payment_months(data["fiscal_year"])),
            }
        else:
            errors = [
                ErrorLink(form[name].id_for_label, str(form[name].label), str(e))
                for name in form.fields
                for e in form.errors.get(name, [])
            ]
    context = {"form": form, "result": result, "errors": errors}
    return render(request, "benefits/child_rearing_allowance.html", context, status=400 if errors else 200)
