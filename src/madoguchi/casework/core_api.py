"""PULL API for core business systems (基幹システム連携, office zone): decided cases of a procedure after a cursor.

`GET /api/v1/office/core-systems/decided-cases?procedure=…&cursor=…&limit=…`, signed per consuming system
(HMAC-SHA-256, see core_systems.py and docs/architecture.md). Thin adapter: the reading and access logging are in
`core_systems.decided_cases_since`.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from madoguchi.core.api import problem

from . import core_systems
from .models import CoreSystem, DecisionOutcome


class CoreSystemSignatureAuthentication(BaseAuthentication):
    """HMAC-signed requests of a registered core system (client id, timestamp, single-use nonce, signature)."""

    def authenticate(self, request: Request) -> tuple[Any, CoreSystem] | None:
        meta = request._request.META
        try:
            system = core_systems.verify_signed_request(
                client_id=request.headers.get(core_systems.HEADER_CLIENT, ""),
                timestamp=request.headers.get(core_systems.HEADER_TIMESTAMP, ""),
                nonce=request.headers.get(core_systems.HEADER_NONCE, ""),
                signature=request.headers.get(core_systems.HEADER_SIGNATURE, ""),
                method=request.method or "GET",
                path=request._request.path,
                query_string=meta.get("QUERY_STRING", ""),
            )
        except core_systems.CoreSystemAuthError as exc:
            if exc.missing:
                raise exceptions.NotAuthenticated(exc.detail) from None
            raise exceptions.AuthenticationFailed(exc.detail) from None
        return system.service_account, system

    def authenticate_header(self, request: Request) -> str:
        return f'{core_systems.SCHEME} realm="core-systems"'


class CoreSystemSignatureScheme(OpenApiAuthenticationExtension):
    """Describes the core-system request signature in the OpenAPI document."""

    target_class = "madoguchi.casework.core_api.CoreSystemSignatureAuthentication"
    name = "coreSystemSignature"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": core_systems.HEADER_SIGNATURE,
            "description": (
                "HMAC-SHA-256 (hex) with the system's key over the lines: MADOGUCHI-HMAC-SHA256, the method, "
                "the path, the query parameters sorted and percent-encoded (RFC 3986), X-Madoguchi-Timestamp "
                "(Unix seconds, within 300 s of the server clock), X-Madoguchi-Nonce (16-64 characters "
                "[A-Za-z0-9_-], single use) and X-Madoguchi-Client (the client id). All four headers are required."
            ),
        }


class IsCoreSystem(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, CoreSystem)


class DecidedCaseApplicantSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    resident_id = serializers.IntegerField(allow_null=True, help_text="The registry's internal resident id")
    resident_record_code = serializers.CharField(allow_null=True, help_text="住民票コード (11 digits)")
    sign_certificate_serial = serializers.CharField(
        allow_null=True,
        help_text="Serial of the signing certificate (署名用電子証明書) the application was signed with",
    )
    identified_by = serializers.ChoiceField(
        choices=["sign_certificate_serial", "counter"],
        allow_null=True,
        help_text="How the resident was identified: certificate serial (with succession links), or the counter",
    )


class DecidedCaseDecisionSerializer(serializers.Serializer[Any]):
    outcome = serializers.ChoiceField(choices=DecisionOutcome.values)
    decided_at = serializers.DateTimeField()
    decided_on = serializers.DateField()
    reason = serializers.CharField(help_text="The reason in the approved proposal (Japanese)")


class DecidedCaseNoticeSerializer(serializers.Serializer[Any]):
    document_id = serializers.CharField(help_text="The notice's document number (verifiable at /verify/)")
    outcome = serializers.ChoiceField(choices=DecisionOutcome.values)
    issued_at = serializers.DateTimeField()


class DecidedCaseAttachmentSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    filename = serializers.CharField()
    mime_type = serializers.CharField()
    size_bytes = serializers.IntegerField()
    sha256 = serializers.CharField()


class DecidedCaseSerializer(serializers.Serializer[Any]):
    cursor = serializers.CharField(
        help_text="The position after this case (store it once the case is processed)"
    )
    receipt_number = serializers.CharField()
    procedure_code = serializers.CharField()
    form_version = serializers.IntegerField()
    procedure_name = serializers.CharField()
    status = serializers.CharField()
    received_at = serializers.DateTimeField()
    accepted_on = serializers.DateField(allow_null=True)
    is_assisted = serializers.BooleanField(help_text="Taken at the counter (書かない窓口)")
    applicant = DecidedCaseApplicantSerializer()
    decision = DecidedCaseDecisionSerializer()
    notice = DecidedCaseNoticeSerializer(allow_null=True)
    answers = serializers.DictField(help_text="The application's answers keyed by the form's field names")
    attachments = DecidedCaseAttachmentSerializer(many=True)


class DecidedCasesPageSerializer(serializers.Serializer[Any]):
    items = DecidedCaseSerializer(many=True)
    next_cursor = serializers.CharField(
        help_text="Pass as cursor to continue; unchanged when there is nothing new. Never goes backwards."
    )
    has_more = serializers.BooleanField(help_text="More cases are ready now (ask again at once)")


_PROBLEM = inline_serializer(
    "CoreSystemProblem",
    fields={
        "type": serializers.CharField(),
        "title": serializers.CharField(),
        "status": serializers.IntegerField(),
        "detail": serializers.CharField(),
    },
)


class DecidedCasesApi(APIView):
    authentication_classes = [CoreSystemSignatureAuthentication]
    permission_classes = [IsCoreSystem]

    @extend_schema(
        operation_id="list_decided_cases",
        summary="Decided cases of one procedure after a cursor (core business systems; at-least-once)",
        description=(
            "Cases decided (granted or rejected) in the calling system's municipality, in a stable order. Start "
            "without a cursor; process the items; then store next_cursor and ask again with it. A crash before "
            "storing the cursor returns the same cases again (at-least-once: handle receipt_number idempotently). "
            "Each call is written to the access log (purpose 基幹システム連携)."
        ),
        parameters=[
            OpenApiParameter(
                core_systems.HEADER_CLIENT,
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="The client id given at registration",
            ),
            OpenApiParameter(
                core_systems.HEADER_TIMESTAMP,
                int,
                OpenApiParameter.HEADER,
                required=True,
                description=f"Unix time in seconds, within {core_systems.CLOCK_SKEW_SECONDS} s of the server",
            ),
            OpenApiParameter(
                core_systems.HEADER_NONCE,
                str,
                OpenApiParameter.HEADER,
                required=True,
                pattern=core_systems.NONCE_PATTERN.pattern,
                description="Single use; 16-64 characters",
            ),
            OpenApiParameter("procedure", str, required=True, description="Procedure code (手続コード)"),
            OpenApiParameter("cursor", str, required=False, description="next_cursor of the previous page"),
            OpenApiParameter(
                "limit",
                int,
                required=False,
                description=f"Page size, 1-{core_systems.MAX_LIMIT} (default {core_systems.DEFAULT_LIMIT})",
            ),
        ],
        responses={
            200: DecidedCasesPageSerializer,
            400: OpenApiResponse(
                _PROBLEM, description="Bad procedure, cursor or limit (named in 'parameter')"
            ),
            401: OpenApiResponse(_PROBLEM, description="Missing, wrong, revoked or replayed signature"),
            403: OpenApiResponse(_PROBLEM, description="This system may not pull the procedure"),
        },
        tags=["core-systems"],
    )
    def get(self, request: Request) -> Response:
        system = request.auth
        assert isinstance(system, CoreSystem)
        params = request.query_params
        try:
            limit = core_systems.parse_limit(params.get("limit"))
            page = core_systems.decided_cases_since(
                system=system,
                procedure_code=params.get("procedure", ""),
                cursor=params.get("cursor", ""),
                limit=limit,
            )
        except core_systems.FeedQueryError as exc:
            return problem(
                400, "Invalid parameter", f"{exc.parameter}: {exc.detail}", parameter=exc.parameter
            )
        except core_systems.ProcedureNotAllowed as exc:
            return problem(403, "Forbidden", str(exc), procedure=exc.procedure_code)
        body = {"items": page.items, "next_cursor": page.next_cursor, "has_more": page.has_more}
        return Response(body)
