"""Public benefit simulator API (no login, both zones): parse → call the pure rule → render."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from madoguchi.benefits.rules import child_allowance, child_rearing_allowance
from madoguchi.core.api import PROBLEM_JSON, problem

from .serializers import (
    ChildAllowanceQuoteRequestSerializer,
    ChildAllowanceQuoteSerializer,
    ChildRearingQuoteRequestSerializer,
    ChildRearingQuoteSerializer,
    FieldProblemSerializer,
    child_allowance_quote_data,
    flatten_errors,
)


def invalid_input(errors: Any) -> Response:
    """A 400 problem naming the first invalid field (and listing all of them under `errors`)."""
    flat = flatten_errors(errors)
    field, messages = next(iter(flat.items()))
    return problem(400, "Invalid input", f"{field}: {messages[0]}", field=field, code="invalid", errors=flat)


def _validated(
    request: Request, serializer_class: type[serializers.Serializer[Any]]
) -> tuple[dict[str, Any] | None, Response | None]:
    """The validated request body, or the 400 problem for malformed JSON or invalid fields."""
    # API problems are in English (like the rest of the API), whatever the Accept-Language.
    with translation.override("en"):
        try:
            body = request.data
        except ParseError as exc:
            message = f"The request body is not valid JSON ({exc.detail})."
            response = problem(
                400,
                "Malformed JSON",
                f"body: {message}",
                field="body",
                code="parse_error",
                errors={"body": [message]},
            )
            return None, response
        serializer = serializer_class(data=body)
        if not serializer.is_valid():
            return None, invalid_input(serializer.errors)
        return dict(serializer.validated_data), None


def _problem_example(name: str, field: str, message: str, title: str = "Invalid input") -> OpenApiExample:
    return OpenApiExample(
        name,
        value={
            "type": "about:blank",
            "title": title,
            "status": 400,
            "detail": f"{field}: {message}",
            "field": field,
            "code": "invalid",
            "errors": {field: [message]},
        },
        response_only=True,
        status_codes=["400"],
    )


class ChildAllowanceQuoteApi(APIView):
    """POST /api/v1/benefits/child-allowance/quote — 児童手当 monthly amounts for one month (estimate)."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(
        operation_id="quote_child_allowance",
        summary="児童手当: monthly amount per child and in total for a month (2024-10 rules)",
        description=(
            "Ranks the children by the up-to-22 rule (oldest = 第1子; 大学生年代 children count only when "
            "`supported`) and returns each child's amount: 15,000 yen through the 3rd-birthday month, then "
            "10,000 yen to the 18歳年度末; 30,000 yen from the 3rd child. A child born during the month counts "
            "from the next month. An estimate, not a decision."
        ),
        request=ChildAllowanceQuoteRequestSerializer,
        responses={
            200: ChildAllowanceQuoteSerializer,
            (400, PROBLEM_JSON): OpenApiResponse(
                FieldProblemSerializer,
                description="Invalid input; `field` names the first offending field.",
                examples=[
                    _problem_example(
                        "Birth date after the month",
                        "children[1].birth_date",
                        "The birth date is after the month 2026-11.",
                    ),
                    _problem_example(
                        "Month before the 2024-10 reform",
                        "month",
                        "Months before 2024-10 are not supported: the simulator applies the child allowance "
                        "rules of the 2024-10 reform (supported range: 2024-10 to 2099-12).",
                    ),
                    _problem_example("No children", "children", "This list may not be empty."),
                ],
            ),
        },
        examples=[
            OpenApiExample(
                "Three children, the eldest a supported student",
                value={
                    "month": "2026-11",
                    "children": [
                        {"birth_date": "2006-06-01", "supported": True},
                        {"birth_date": "2011-05-10", "supported": True},
                        {"birth_date": "2016-09-20", "supported": True},
                    ],
                },
                request_only=True,
            ),
        ],
        tags=["benefits"],
    )
    def post(self, request: Request) -> Response:
        data, error = _validated(request, ChildAllowanceQuoteRequestSerializer)
        if error is not None:
            return error
        assert data is not None
        children = [
            child_allowance.ChildInput(child["birth_date"], child["supported"]) for child in data["children"]
        ]
        return Response(child_allowance_quote_data(child_allowance.quote(data["month"], children)))


class ChildRearingAllowanceQuoteApi(APIView):
    """POST /api/v1/benefits/child-rearing-allowance/quote — 児童扶養手当 monthly amount (estimate)."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(
        operation_id="quote_child_rearing_allowance",
        summary="児童扶養手当: monthly amount and full/partial/none for a 所得額 and household",
        description=(
            "Applies the fiscal year's amounts and the 所得制限限度額 for the number of dependants: below the "
            "full-payment limit → full, below the partial limit → partial (reduced by the year's coefficients), "
            "otherwise none. `income_yen` is the 所得額 after deductions. An estimate, not a decision."
        ),
        request=ChildRearingQuoteRequestSerializer,
        responses={
            200: ChildRearingQuoteSerializer,
            (400, PROBLEM_JSON): OpenApiResponse(
                FieldProblemSerializer,
                description="Invalid input; `field` names the first offending field.",
                examples=[
                    _problem_example(
                        "Unsupported fiscal year",
                        "fiscal_year",
                        "Amounts for fiscal year 2019 are not known; supported fiscal years: 2025.",
                    ),
                    _problem_example(
                        "Negative income", "income_yen", "Ensure this value is greater than or equal to 0."
                    ),
                ],
            ),
        },
        examples=[
            OpenApiExample(
                "Two children, 所得額 1,500,000 yen, one dependant",
                value={"fiscal_year": 2025, "children": 2, "income_yen": 1_500_000, "dependents": 1},
                request_only=True,
            ),
            OpenApiExample(
                "Partial payment",
                value={"monthly_yen": 44_970, "kind": "partial"},
                response_only=True,
                status_codes=["200"],
            ),
        ],
        tags=["benefits"],
    )
    def post(self, request: Request) -> Response:
        data, error = _validated(request, ChildRearingQuoteRequestSerializer)
        if error is not None:
            return error
        assert data is not None
        quote = child_rearing_allowance.quote(
            data["fiscal_year"], data["children"], data["income_yen"], data["dependents"]
        )
        return Response(
            ChildRearingQuoteSerializer({"monthly_yen": quote.monthly_yen, "kind": quote.kind}).data
        )
