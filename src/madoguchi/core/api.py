"""API plumbing: RFC 9457 problem details for every error, and session auth that requires a verified 2nd factor."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView, exception_handler

from madoguchi.common.checkdigits import is_valid_local_government_code

from .errors import ActionNotPermitted, BusinessRuleViolation, NotFoundInMunicipality
from .selectors import get_municipality

PROBLEM_JSON = "application/problem+json"


class ProblemResponse(Response):
    """A problem-details response (type, title, status, detail, plus extension members)."""

    def __init__(
        self, *, status_code: int, title: str, detail: str, type_: str = "about:blank", **extra: Any
    ):
        body = {"type": type_, "title": title, "status": status_code, "detail": detail, **extra}
        super().__init__(body, status=status_code, content_type=PROBLEM_JSON)


def problem(status_code: int, title: str, detail: str, **extra: Any) -> ProblemResponse:
    return ProblemResponse(status_code=status_code, title=title, detail=detail, **extra)


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Turn every API error into problem+json (English detail; field names where known)."""
    if isinstance(exc, BusinessRuleViolation):
        return problem(400, "Invalid input", exc.message_en, field=exc.field, code=exc.code)
    if isinstance(exc, NotFoundInMunicipality | Http404):
        return problem(404, "Not found", str(exc) or "Not found.")
    if isinstance(exc, ActionNotPermitted):
        return problem(403, "Forbidden", str(exc), action=exc.action)
    if isinstance(exc, PermissionDenied):
        return problem(403, "Forbidden", str(exc) or "You do not have permission to perform this action.")
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        first_field = next(iter(errors), "")
        first = errors.get(first_field) if isinstance(errors, dict) else None
        msg = str(first[0]) if isinstance(first, list) and first else "The request body is invalid."
        return problem(400, "Invalid input", f"{first_field}: {msg}", errors=errors)
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    titles = {401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed"}
    out = problem(response.status_code, titles.get(response.status_code, "Error"), str(detail))
    for header in ("WWW-Authenticate", "Allow", "Retry-After"):
        if header in response:
            out[header] = response[header]
    return out


class MunicipalitySerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    name_kana = serializers.CharField()
    prefecture = serializers.CharField()
    kind = serializers.CharField()


_PROBLEM = inline_serializer(
    "Problem",
    fields={
        "type": serializers.CharField(),
        "title": serializers.CharField(),
        "status": serializers.IntegerField(),
        "detail": serializers.CharField(),
    },
)


class MunicipalityDetailApi(APIView):
    """GET /api/v1/municipalities/{code} — public reference data."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(
        operation_id="get_municipality",
        summary="A municipality by its 6-digit 全国地方公共団体コード",
        responses={
            200: MunicipalitySerializer,
            400: OpenApiResponse(_PROBLEM, description="Malformed code or wrong check digit"),
            404: OpenApiResponse(_PROBLEM, description="Well-formed but unknown code"),
        },
        tags=["municipalities"],
    )
    def get(self, request: Request, code: str) -> Response:
        if len(code) != 6 or not code.isascii() or not code.isdigit():
            return problem(
                400,
                "Invalid municipality code",
                f"'{code}' is not a 6-digit local government code (5 digits plus a check digit).",
                code="malformed",
            )
        if not is_valid_local_government_code(code):
            return problem(
                400,
                "Invalid municipality code",
                f"The check digit of '{code}' is wrong (see JIS X 0402 / 総務省 check-digit rule).",
                code="check_digit",
            )
        municipality = get_municipality(code)
        if municipality is None:
            return problem(404, "Not found", f"No municipality has the code '{code}'.")
        return Response(MunicipalitySerializer(municipality).data, status=status.HTTP_200_OK)
