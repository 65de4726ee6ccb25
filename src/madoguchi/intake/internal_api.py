"""The portal's internal API for the office (zone channel; mounted at /internal/v1/ in the portal and `all` zones).

- `GET /internal/v1/submissions?cursor=&limit=`: what residents did after a cursor (internal.py), oldest first.
- `GET /internal/v1/attachments/<municipality>/<receipt>/<sha256>`: the bytes of a file the feed listed.
- `POST /internal/v1/status-events`: a status change for the resident's timeline, idempotent by `event_id`.

Every request is HMAC-signed with the office's key (`core.signed_requests`, scheme MADOGUCHI-CHANNEL-HMAC-SHA256,
body included); unsigned, stale, wrongly signed and replayed requests get 401 problem+json. Thin adapter.
"""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from madoguchi.core import signed_requests
from madoguchi.core.api import problem
from madoguchi.core.errors import NotFoundInMunicipality

from . import internal
from .models import ApplicationStatus

EVENT_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,64}")
MUNICIPALITY_PATTERN = re.compile(r"\d{6}")
MESSAGE_MAX = 4000


class OfficeChannelClient:
    """The authenticated caller: the office, by its client id."""

    is_authenticated = True

    def __init__(self, client_id: str) -> None:
        self.client_id = client_id


class OfficeSignatureAuthentication(BaseAuthentication):
    """HMAC-signed requests of the office (client id, timestamp, single-use nonce, body hash, signature)."""

    def authenticate(self, request: Request) -> tuple[Any, str] | None:
        django_request = request._request
        try:
            client_id = internal.verify_office_request(
                headers=dict(django_request.headers),
                method=django_request.method or "GET",
                path=django_request.path,
                query_string=django_request.META.get("QUERY_STRING", ""),
                body=django_request.body,
            )
        except signed_requests.SignedRequestError as exc:
            if exc.missing:
                raise exceptions.NotAuthenticated(exc.detail) from None
            raise exceptions.AuthenticationFailed(exc.detail) from None
        return OfficeChannelClient(client_id), client_id

    def authenticate_header(self, request: Request) -> str:
        return f'{internal.SCHEME} realm="internal"'


class IsOffice(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.user, OfficeChannelClient)


class _Internal(APIView):
    authentication_classes = [OfficeSignatureAuthentication]
    permission_classes = [IsOffice]


@extend_schema(exclude=True)  # internal to the deployment; described in docs/architecture.md
class SubmissionsApi(_Internal):
    def get(self, request: Request) -> Response:
        cursor = request.query_params.get("cursor", "")
        if cursor and (not cursor.isascii() or not cursor.isdigit() or len(cursor) > 19):
            return problem(
                400, "Invalid parameter", "cursor: use a next_cursor value as returned.", parameter="cursor"
            )
        raw_limit = request.query_params.get("limit", "50")
        if (
            not raw_limit.isascii()
            or not raw_limit.isdigit()
            or not 1 <= int(raw_limit) <= internal.MAX_LIMIT
        ):
            return problem(
                400,
                "Invalid parameter",
                f"limit: must be a whole number from 1 to {internal.MAX_LIMIT}.",
                parameter="limit",
            )
        page = internal.submission_events_after(cursor, int(raw_limit))
        items = [internal.item_payload(event, kind) for event, kind in page.events]
        return Response({"items": items, "next_cursor": page.next_cursor})


@extend_schema(exclude=True)
class AttachmentContentApi(_Internal):
    def get(self, request: Request, municipality: str, receipt: str, sha256: str) -> HttpResponse:
        try:
            attachment = internal.attachment_content(
                municipality_code=municipality, receipt_number=receipt, sha256=sha256
            )
        except NotFoundInMunicipality:
            return problem(404, "Not found", "No such current attachment of that application.")
        response = HttpResponse(bytes(attachment.content), content_type="application/octet-stream")
        response["X-Content-SHA256"] = attachment.sha256
        response["Content-Disposition"] = "attachment"
        return response


@extend_schema(exclude=True)
class StatusEventsApi(_Internal):
    def post(self, request: Request) -> Response:
        data = request.data if isinstance(request.data, dict) else {}
        fields: dict[str, str] = {}
        for name in ("event_id", "municipality_code", "receipt_number", "status", "message_ja"):
            value = data.get(name, "")
            if not isinstance(value, str):
                return problem(400, "Invalid input", f"{name}: must be a string.", field=name)
            fields[name] = value
        checks = [
            (
                "event_id",
                bool(EVENT_ID_PATTERN.fullmatch(fields["event_id"])),
                "8-64 characters [A-Za-z0-9_-].",
            ),
            (
                "municipality_code",
                bool(MUNICIPALITY_PATTERN.fullmatch(fields["municipality_code"])),
                "6 digits.",
            ),
            ("receipt_number", 0 < len(fields["receipt_number"]) <= 20, "required, at most 20 characters."),
            ("status", fields["status"] in ApplicationStatus.values, "not a status of the status model."),
            ("message_ja", len(fields["message_ja"]) <= MESSAGE_MAX, f"at most {MESSAGE_MAX} characters."),
        ]
        for name, ok, detail in checks:
            if not ok:
                return problem(400, "Invalid input", f"{name}: {detail}", field=name)
        answer = internal.receive_status_push(
            event_id=fields["event_id"],
            municipality_code=fields["municipality_code"],
            receipt_number=fields["receipt_number"],
            to_status=fields["status"],
            message_ja=fields["message_ja"],
        )
        out: Response
        if answer.http_status >= 400:
            titles = {404: "Not found", 409: "Conflict", 422: "Unprocessable content"}
            detail = str(answer.body.get("detail") or answer.body.get("outcome", ""))
            extra = {k: v for k, v in answer.body.items() if k != "detail"}
            out = problem(answer.http_status, titles.get(answer.http_status, "Error"), detail, **extra)
        else:
            out = Response(answer.body, status=answer.http_status)
        out["X-Madoguchi-Replayed"] = "true" if answer.replayed else "false"
        return out
