"""Reads for the resident's own drafts and applications (always filtered by the logged-in applicant)."""

from __future__ import annotations

from django.utils import timezone

from madoguchi.identity.portal_session import PortalIdentity
from madoguchi.procedures.engine import get_catalogue

from .models import Application, Draft


def list_my_drafts(*, identity: PortalIdentity, municipality_code: str) -> list[Draft]:
    """The resident's unexpired, unsubmitted drafts, newest first (each with `procedure_name` for display)."""
    drafts = list(
        Draft.objects.filter(
            municipality_id=municipality_code,
            applicant_auth_serial=identity.auth_serial,
            submitted_application__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .select_related("correcting")
        .order_by("-updated_at")
    )
    procedures = get_catalogue().procedures
    for draft in drafts:
        procedure = procedures.get(draft.procedure_code)
        draft.procedure_name = procedure.name_ja if procedure else draft.procedure_code  # type: ignore[attr-defined]
    return drafts


def list_my_applications(*, identity: PortalIdentity, municipality_code: str) -> list[Application]:
    """The resident's applications, newest first."""
    return list(
        Application.objects.filter(
            municipality_id=municipality_code, applicant_auth_serial=identity.auth_serial
        ).order_by("-submitted_at", "-id")
    )


def find_submitted_draft(
    *, identity: PortalIdentity, municipality_code: str, public_id: str
) -> Application | None:
    """The application a draft of this resident was submitted as (for a repeated click on 「送信」)."""
    draft = (
        Draft.objects.filter(
            municipality_id=municipality_code,
            public_id=public_id,
            applicant_auth_serial=identity.auth_serial,
            submitted_application__isnull=False,
        )
        .select_related("submitted_application")
        .first()
    )
    return draft.submitted_application if draft is not None else None
