"""Resident API (portal zone): signing content, signed submission and status of the resident's applications.

Authenticated by the portal session (the resident logged in with the card); CSRF is enforced as for any session
API. Errors are RFC 9457 problem details; intake problems list every field with its Japanese message.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.authentication import BaseAuthentication, CSRFCheck
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from madoguchi.core.api import problem
from madoguchi.core.errors import NotFoundInMunicipality
from madoguchi.identity.portal_session import PortalIdentity, get_portal_identity
from madoguchi.procedures.engine import canonical_json, clean_answers

from . import selectors, services
from .models import Application


class PortalResident:
    """The DRF `request.user` for a resident (residents are not Django users)."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, identity: PortalIdentity) -> None:
        self.identity = identity


class PortalSessionAuthentication(BaseAuthentication):
    """The resident's portal session (cookie), with Django's CSRF check as for any cookie-authenticated API."""

    def authenticate(self, request: Request) -> tuple[PortalResident, PortalIdentity] | None:
        identity = get_portal_identity(request._request)
        if identity is None:
            return None
        check = CSRFCheck(lambda _request: None)  # type: ignore[arg-type]
        check.process_request(request._request)
        reason = check.process_view(request._request, None, (), {})  # type: ignore[arg-type]
        if reason:
            raise exceptions.PermissionDenied(f"CSRF Failed: {reason}")
        return PortalResident(identity), identity

    def authenticate_header(self, request: Request) -> str:
        return 'Session realm="portal"'


class PortalSessionScheme(OpenApiAuthenticationExtension):
    """Describes the resident session in the OpenAPI document."""

    target_class = "madoguchi.intake.api.PortalSessionAuthentication"
    name = "portalSession"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": "Resident session after login with the My Number card (JPKI) or OIDC at /login/; "
            "unsafe methods also need the X-CSRFToken header",
        }


class IsPortalResident(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.user, PortalResident)


def _identity(request: Request) -> PortalIdentity:
    user = request.user
    assert isinstance(user, PortalResident)
    return user.identity


def _municipality() -> str:
    return str(settings.MADOGUCHI_DEMO_MUNICIPALITY)


class ApplicationInputSerializer(serializers.Serializer[Any]):
    procedure_code = serializers.CharField(max_length=60)
    form_version = serializers.IntegerField(min_value=1)
    answers = serializers.DictField()
    attachments = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField(max_length=64)),
        required=False,
        default=dict,
        help_text="{attachment code: [SHA-256 hex …]} of files uploaded beforehand in the portal",
    )


class ApplicationSubmitSerializer(ApplicationInputSerializer):
    signature = serializers.CharField(
        help_text="Base64 of the PKCS#1 v1.5 SHA-256 signature over signed_content"
    )
    signing_certificate = serializers.CharField(
        help_text="PEM of the JPKI signing certificate (署名用電子証明書)"
    )


class ApplicationEventSerializer(serializers.Serializer[Any]):
    at = serializers.DateTimeField()
    status = serializers.CharField(source="to_status")
    status_label = serializers.CharField(source="get_to_status_display")
    message_ja = serializers.CharField()


class ApplicationSerializer(serializers.Serializer[Any]):
    receipt_number = serializers.CharField()
    procedure_code = serializers.CharField()
    form_version = serializers.IntegerField()
    procedure_name = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    submitted_at = serializers.DateTimeField()
    processing_days = serializers.IntegerField()
    events = ApplicationEventSerializer(many=True, source="events.all")


_PROBLEM = inline_serializer(
    "IntakeProblemDetails",
    fields={
        "type": serializers.CharField(),
        "title": serializers.CharField(),
        "status": serializers.IntegerField(),
        "detail": serializers.CharField(),
        "problems": serializers.ListField(child=serializers.DictField()),
    },
)


def _rejected(exc: services.IntakeRejected) -> Response:
    first = exc.problems[0]
    return problem(
        422,
        "Application not accepted",
        f"{first.field}: {first.message_en}",
        problems=[p.as_json() for p in exc.problems],
    )


class SigningContentApi(APIView):
    authentication_classes = [PortalSessionAuthentication]
    permission_classes = [IsPortalResident]

    @extend_schema(
        operation_id="applications_signing_content",
        summary="The exact bytes to sign for these answers (canonical JSON, base64)",
        request=ApplicationInputSerializer,
        responses={
            200: inline_serializer(
                "SigningContent",
                fields={"signed_content": serializers.CharField(), "sha256": serializers.CharField()},
            ),
            422: OpenApiResponse(_PROBLEM),
        },
        tags=["applications"],
    )
    def post(self, request: Request) -> Response:
        data = ApplicationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        try:
            procedure = services.get_procedure(_municipality(), v["procedure_code"])
            form = services.get_form(procedure, v["form_version"])
        except NotFoundInMunicipality:
            return problem(404, "Not found", "No such procedure or form version here.")
        problems = services.form_problems(form, v["answers"])
        if problems:
            return _rejected(services.IntakeRejected(problems))
        try:
            content = canonical_json(clean_answers(form, v["answers"]), v["attachments"], form=form)
        except (TypeError, ValueError) as exc:
            return problem(400, "Invalid input", str(exc))
        import hashlib

        return Response(
            {
                "signed_content": base64.b64encode(content).decode(),
                "sha256": hashlib.sha256(content).hexdigest(),
            }
        )


class ApplicationListApi(APIView):
    authentication_classes = [PortalSessionAuthentication]
    permission_classes = [IsPortalResident]

    @extend_schema(
        operation_id="applications_list",
        summary="The logged-in resident's applications",
        responses={200: ApplicationSerializer(many=True)},
        tags=["applications"],
    )
    def get(self, request: Request) -> Response:
        applications = selectors.list_my_applications(
            identity=_identity(request), municipality_code=_municipality()
        )
        return Response(ApplicationSerializer(applications, many=True).data)

    @extend_schema(
        operation_id="applications_submit",
        summary="Submit a signed application (an open one for the same subject is returned instead, 200)",
        request=ApplicationSubmitSerializer,
        responses={
            201: ApplicationSerializer,
            200: ApplicationSerializer,
            404: OpenApiResponse(_PROBLEM),
            422: OpenApiResponse(_PROBLEM),
        },
        tags=["applications"],
    )
    def post(self, request: Request) -> Response:
        data = ApplicationSubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        try:
            signature = base64.b64decode(v["signature"], validate=True)
        except (binascii.Error, ValueError):
            return problem(400, "Invalid input", "signature: not valid base64")
        try:
            result = services.submit_application(
                identity=_identity(request),
                municipality_code=_municipality(),
                procedure_code=v["procedure_code"],
                form_version=v["form_version"],
                answers=v["answers"],
                signature=signature,
                signing_certificate_pem=v["signing_certificate"],
                attachment_sha256=v["attachments"],
            )
        except services.IntakeRejected as exc:
            return _rejected(exc)
        body = {
            **ApplicationSerializer(result.application).data,
            "created": result.created,
            "duplicate": result.duplicate,
        }
        return Response(body, status=201 if result.created else 200)


class ApplicationDetailApi(APIView):
    authentication_classes = [PortalSessionAuthentication]
    permission_classes = [IsPortalResident]

    @extend_schema(
        operation_id="applications_retrieve",
        summary="Status and timeline of one of the resident's applications",
        responses={200: ApplicationSerializer, 404: OpenApiResponse(_PROBLEM)},
        tags=["applications"],
    )
    def get(self, request: Request, receipt_number: str) -> Response:
        application: Application = services.get_application(
            identity=_identity(request), municipality_code=_municipality(), receipt_number=receipt_number
        )
        return Response(ApplicationSerializer(application).data)
