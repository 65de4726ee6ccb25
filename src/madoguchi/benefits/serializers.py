"""Request/response shapes of the public benefit simulators (児童手当, 児童扶養手当) and their 400 problems."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import api_settings

from madoguchi.benefits.rules import child_allowance, child_rearing_allowance

# A household with more children than this is outside what a simulator is for (and keeps requests small).
MAX_CHILDREN = 20
MONTH_PATTERN = re.compile(r"^(?P<year>\d{4})-(?P<month>0[1-9]|1[0-2])$")


def first_supported_month() -> dt.date:
    """The first allowance month the 児童手当 rules here cover (the 2024-10 reform)."""
    return min(p.effective_from for p in child_allowance.PARAMETERS)


# Upper bound keeps every derived date (22歳年度末 of a child born in the month, payment months) in range.
LAST_SUPPORTED_MONTH = dt.date(2099, 12, 1)


def supported_range_text() -> str:
    """The supported month range, e.g. "2024-10 to 2099-12"."""
    return f"{first_supported_month():%Y-%m} to {LAST_SUPPORTED_MONTH:%Y-%m}"


def month_end(month: dt.date) -> dt.date:
    """The last day of `month`."""
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def supported_fiscal_years() -> list[int]:
    """Fiscal years whose 児童扶養手当 amounts are known."""
    return sorted(child_rearing_allowance.PARAMETERS)


# ---- 児童手当 ----------------------------------------------------------------------------------------------------


class ChildAllowanceChildInSerializer(serializers.Serializer[Any]):
    birth_date = serializers.DateField(
        input_formats=["iso-8601"], help_text="Birth date, YYYY-MM-DD (must not be after the month)."
    )
    supported = serializers.BooleanField(
        required=False,
        default=False,
        help_text=(
            "Whether the claimant bears this child's living costs. Matters only for children past the 31 March "
            "after their 18th birthday (大学生年代, up to the 22歳年度末): they count for the birth order "
            "(多子加算) only when supported (確認書 filed)."
        ),
    )


class ChildAllowanceQuoteRequestSerializer(serializers.Serializer[Any]):
    month = serializers.CharField(
        help_text="Allowance month, YYYY-MM, from 2024-10 (the 2024-10 reform) to 2099-12."
    )
    children = ChildAllowanceChildInSerializer(  # type: ignore[call-arg]  # ListSerializer kwargs (stubs lag)
        many=True, allow_empty=False, max_length=MAX_CHILDREN, help_text=f"1 to {MAX_CHILDREN} children."
    )

    def validate_month(self, value: str) -> dt.date:
        match = MONTH_PATTERN.fullmatch(value.strip())
        if not match:
            raise serializers.ValidationError("Use the format YYYY-MM (e.g. 2026-11).")
        month = dt.date(int(match["year"]), int(match["month"]), 1)
        first = first_supported_month()
        if month < first:
            raise serializers.ValidationError(
                f"Months before {first:%Y-%m} are not supported: the simulator applies the child allowance "
                f"rules of the {first:%Y-%m} reform (supported range: {supported_range_text()})."
            )
        if month > LAST_SUPPORTED_MONTH:
            raise serializers.ValidationError(
                f"Months after {LAST_SUPPORTED_MONTH:%Y-%m} are not supported "
                f"(supported range: {supported_range_text()})."
            )
        return month

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        last_day = month_end(attrs["month"])
        errors = {
            f"children[{i}].birth_date": [f"The birth date is after the month {last_day:%Y-%m}."]
            for i, child in enumerate(attrs["children"])
            if child["birth_date"] > last_day
        }
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class ChildAllowanceChildOutSerializer(serializers.Serializer[Any]):
    birth_date = serializers.DateField()
    birth_order = serializers.IntegerField(
        allow_null=True, help_text="第n子 in the 多子 count; null when the child does not count."
    )
    eligible = serializers.BooleanField(help_text="Whether the child is paid for (支給対象) this month.")
    monthly_yen = serializers.IntegerField()


class ChildAllowanceQuoteSerializer(serializers.Serializer[Any]):
    month = serializers.CharField(help_text="YYYY-MM")
    children = ChildAllowanceChildOutSerializer(many=True, help_text="Same order as the request.")
    total_monthly_yen = serializers.IntegerField()


def child_allowance_quote_data(quote: child_allowance.Quote) -> dict[str, Any]:
    """The JSON body for a 児童手当 quote."""
    return ChildAllowanceQuoteSerializer(
        {
            "month": f"{quote.month:%Y-%m}",
            "children": quote.children,
            "total_monthly_yen": quote.total_monthly_yen,
        }
    ).data


# ---- 児童扶養手当 ---------------------------------------------------------------------------------------------


class ChildRearingQuoteRequestSerializer(serializers.Serializer[Any]):
    fiscal_year = serializers.IntegerField(help_text="Fiscal year (年度, April–March) whose amounts apply.")
    children = serializers.IntegerField(
        min_value=1, max_value=MAX_CHILDREN, help_text="Number of eligible children (1 or more)."
    )
    income_yen = serializers.IntegerField(
        min_value=0,
        max_value=10_000_000_000,
        help_text="所得額 of the claimant after deductions (income + 養育費 × 0.8 − 80,000 − 諸控除), yen.",
    )
    dependents = serializers.IntegerField(
        min_value=0,
        max_value=MAX_CHILDREN,
        help_text="扶養親族等の数 (number of dependants for tax purposes).",
    )

    def validate_fiscal_year(self, value: int) -> int:
        years = supported_fiscal_years()
        if value not in years:
            listed = ", ".join(str(y) for y in years)
            raise serializers.ValidationError(
                f"Amounts for fiscal year {value} are not known; supported fiscal years: {listed}."
            )
        return value


@extend_schema_field(
    {
        "type": "string",
        "enum": [k.value for k in child_rearing_allowance.PaymentKind],
        "description": "full = 全部支給, partial = 一部支給, none = 全部停止 (所得額 at or above the partial limit).",
    }
)
class PaymentKindField(serializers.CharField):
    """The payment kind, documented inline (other components also have a `kind` enum)."""


class ChildRearingQuoteSerializer(serializers.Serializer[Any]):
    monthly_yen = serializers.IntegerField()
    kind = PaymentKindField()


# ---- problems ----------------------------------------------------------------------------------------------------


class FieldProblemSerializer(serializers.Serializer[Any]):
    """RFC 9457 problem details for invalid input, naming the first offending field."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    field = serializers.CharField(help_text="Path of the first invalid field, e.g. children[1].birth_date.")
    # The metaclass pops declared fields, so this does not shadow Serializer.errors at runtime.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Every invalid field path with its messages.",
    )


def flatten_errors(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested serializer errors as {"children[1].birth_date": [messages]} ("body" for the whole body)."""
    flat: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            if key == api_settings.NON_FIELD_ERRORS_KEY:
                path = prefix
            elif isinstance(key, int):
                path = f"{prefix}[{key}]"
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            for name, messages in flatten_errors(value, path).items():
                flat.setdefault(name, []).extend(messages)
    elif isinstance(errors, list) and any(isinstance(item, dict | list) for item in errors):
        for index, item in enumerate(errors):
            for name, messages in flatten_errors(item, f"{prefix}[{index}]").items():
                flat.setdefault(name, []).extend(messages)
    elif isinstance(errors, list):
        flat[prefix or "body"] = [str(message) for message in errors]
    else:
        flat[prefix or "body"] = [str(errors)]
    return flat
