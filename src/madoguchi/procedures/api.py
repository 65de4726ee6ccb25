"""Public API of the procedure catalogue: list, detail and form definitions (both zones, no authentication).

Every text is given in Japanese and English (`*_ja`, `*_en`); legal terms keep the official Japanese. The
`municipality` query parameter selects whose local policy (online or not, contact) is applied; it defaults to
the portal's municipality.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from madoguchi.common.checkdigits import is_valid_local_government_code
from madoguchi.core.api import problem
from madoguchi.core.errors import NotFoundInMunicipality

from . import selectors
from .engine import get_catalogue
from .presentation import describe_required_when
from .schema import CATALOGUE_DIR, LIFE_SITUATIONS, Procedure, Referral
from .views import apply_url

_PROBLEM = inline_serializer(
    "ProcedureProblem",
    fields={
        "type": serializers.CharField(),
        "title": serializers.CharField(),
        "status": serializers.IntegerField(),
        "detail": serializers.CharField(),
    },
)

_MUNICIPALITY_PARAM = OpenApiParameter(
    "municipality",
    str,
    description="6-digit 全国地方公共団体コード whose local policy applies (default: the portal's municipality)",
    required=False,
)


class ProcedureListQuery(serializers.Serializer[Any]):
    category = serializers.ChoiceField(choices=list(selectors.LIST_CATEGORIES), required=False)
    life_situation = serializers.ChoiceField(choices=list(LIFE_SITUATIONS), required=False)
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="Words in names and summaries (ja/en); hiragana, katakana and half-width match alike",
    )
    municipality = serializers.CharField(
        required=False,
        min_length=6,
        max_length=6,
        help_text="6-digit 全国地方公共団体コード whose local policy applies (default: the portal's municipality)",
    )

    def validate_municipality(self, value: str) -> str:
        if not is_valid_local_government_code(value):
            raise serializers.ValidationError("Not a valid 6-digit local government code (check digit).")
        return value


class ContactSerializer(serializers.Serializer[Any]):
    section_ja = serializers.CharField()
    section_en = serializers.CharField()
    phone = serializers.CharField(allow_blank=True)
    hours_ja = serializers.CharField()
    hours_en = serializers.CharField()


class ProcedureSummarySerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    number = serializers.IntegerField(help_text="Position in the 31 priority procedures (1–31)")
    kind = serializers.CharField(
        help_text="procedure (municipal, may have a form) or referral (handled elsewhere)"
    )
    category = serializers.CharField()
    life_situations = serializers.ListField(child=serializers.CharField())
    name_ja = serializers.CharField()
    name_en = serializers.CharField()
    summary_ja = serializers.CharField()
    summary_en = serializers.CharField()
    processing_days = serializers.IntegerField(allow_null=True)
    signature_required = serializers.BooleanField()
    enabled = serializers.BooleanField(help_text="The municipality accepts this procedure online")
    online_available = serializers.BooleanField(
        help_text="Enabled and a form exists: can be applied for online now"
    )
    url = serializers.CharField(help_text="API URL of the detail")


class LegalBasisSerializer(serializers.Serializer[Any]):
    statute_ja = serializers.CharField()
    statute_en = serializers.CharField()
    article_ja = serializers.CharField()
    article_en = serializers.CharField()
    unconfirmed = serializers.BooleanField()


class ApplicantRoleSerializer(serializers.Serializer[Any]):
    role = serializers.CharField()
    authorization_attachment = serializers.CharField(allow_null=True)


class DeadlineSerializer(serializers.Serializer[Any]):
    text_ja = serializers.CharField()
    text_en = serializers.CharField()
    kind = serializers.CharField(allow_null=True)
    strict = serializers.BooleanField()


class AttachmentSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name_ja = serializers.CharField()
    name_en = serializers.CharField()
    help_ja = serializers.CharField(allow_blank=True)
    help_en = serializers.CharField(allow_blank=True)
    requirement = serializers.ChoiceField(choices=["always", "conditional", "optional"])
    required_when = serializers.JSONField(
        allow_null=True, help_text="Condition on the form answers (SCHEMA.md)"
    )
    required_when_ja = serializers.CharField(help_text="The condition in words")
    required_when_en = serializers.CharField()
    mime_types = serializers.ListField(child=serializers.CharField())
    max_size_bytes = serializers.IntegerField()
    max_files = serializers.IntegerField()
    original_needed = serializers.BooleanField(help_text="別途原本の提出が必要")


class FormVersionSerializer(serializers.Serializer[Any]):
    version = serializers.IntegerField()
    current = serializers.BooleanField()
    url = serializers.CharField()


class ProcedureDetailSerializer(ProcedureSummarySerializer):
    business = serializers.CharField(allow_null=True)
    name_ja_easy = serializers.CharField(allow_blank=True, help_text="やさしい日本語")
    summary_ja_easy = serializers.CharField(allow_blank=True, help_text="やさしい日本語")
    notes_ja = serializers.CharField(allow_blank=True)
    notes_en = serializers.CharField(allow_blank=True)
    legal_basis = LegalBasisSerializer(many=True)
    who_may_apply = ApplicantRoleSerializer(many=True)
    household_head_only = serializers.BooleanField()
    deadline = DeadlineSerializer(allow_null=True)
    processing_days_source = serializers.CharField(allow_null=True)
    attachments = AttachmentSerializer(many=True)
    forms = FormVersionSerializer(many=True)
    apply_url = serializers.CharField(allow_null=True, help_text="Portal page that starts the application")
    local_note_ja = serializers.CharField(allow_blank=True)
    local_note_en = serializers.CharField(allow_blank=True)
    contact = ContactSerializer(allow_null=True)
    authority_ja = serializers.CharField(allow_null=True, help_text="Referrals: who handles the procedure")
    authority_en = serializers.CharField(allow_null=True)
    external_url = serializers.CharField(allow_null=True, help_text="Referrals: where to apply instead")
    link_text_ja = serializers.CharField(allow_null=True)
    link_text_en = serializers.CharField(allow_null=True)


FormDefinitionSerializer = inline_serializer(
    "ProcedureFormDefinition",
    fields={
        "procedure": serializers.CharField(),
        "version": serializers.IntegerField(),
        "current": serializers.BooleanField(),
        "catalogue_version": serializers.CharField(),
        "prefill": serializers.JSONField(),
        "rules": serializers.JSONField(),
        "pages": serializers.JSONField(help_text="Pages and fields as in catalogue/SCHEMA.md"),
        "attachments": serializers.JSONField(),
    },
)


def _municipality(request: Request) -> tuple[str | None, Response | None]:
    code = request.query_params.get("municipality")
    if code is None or code == "":
        return str(settings.MADOGUCHI_DEMO_MUNICIPALITY or ""), None
    if len(code) != 6 or not code.isdigit() or not is_valid_local_government_code(code):
        return None, problem(
            400,
            "Invalid input",
            f"municipality: '{code}' is not a valid 6-digit local government code.",
            field="municipality",
        )
    return code, None


def _detail_url(code: str) -> str:
    return f"/api/v1/procedures/{code}"


def _not_found(code: str) -> Response:
    return problem(404, "Not found", f"No procedure has the code '{code}'.")


def _summary(listing: selectors.ProcedureListing) -> dict[str, Any]:
    catalogue = get_catalogue()
    if listing.is_referral:
        ja_summary, en_summary = listing.summary, listing.summary
        for r in catalogue.referrals:
            if r.code == listing.code:
                ja_summary, en_summary = r.explanation_ja, r.explanation_en
    else:
        p = catalogue.get(listing.code)
        ja_summary, en_summary = p.summary_ja, p.summary_en
    return {
        "code": listing.code,
        "number": listing.number,
        "kind": "referral" if listing.is_referral else "procedure",
        "category": listing.category,
        "life_situations": list(listing.life_situations),
        "name_ja": listing.name_ja,
        "name_en": listing.name_en,
        "summary_ja": ja_summary,
        "summary_en": en_summary,
        "processing_days": listing.processing_days,
        "signature_required": listing.signature_required,
        "enabled": listing.enabled,
        "online_available": listing.online_available,
        "url": _detail_url(listing.code),
    }


def _attachment(p: Procedure, a: Any) -> dict[str, Any]:
    required = "optional" if a.optional else "always" if a.required_when is None else "conditional"
    if required == "optional":
        when_ja, when_en = "任意", "Optional"
    else:
        when_ja = describe_required_when(p.form, a.required_when, "ja")
        when_en = describe_required_when(p.form, a.required_when, "en")
    return {
        "code": a.code,
        "name_ja": a.name_ja,
        "name_en": a.name_en,
        "help_ja": a.help_ja,
        "help_en": a.help_en,
        "requirement": required,
        "required_when": json.loads(json.dumps(a.required_when, default=dict)) if a.required_when else None,
        "required_when_ja": when_ja,
        "required_when_en": when_en,
        "mime_types": list(a.mime_types),
        "max_size_bytes": a.max_size_bytes,
        "max_files": a.max_files,
        "original_needed": a.original_needed,
    }


def _procedure_detail(page: selectors.ProcedurePage) -> dict[str, Any]:
    p = page.procedure
    assert p is not None
    s = page.setting
    versions = sorted([p.form.version, *p.previous_forms], reverse=True)
    return {
        "code": p.code,
        "number": p.number,
        "kind": "procedure",
        "category": p.category,
        "business": p.business,
        "life_situations": list(p.life_situations),
        "name_ja": p.name_ja,
        "name_en": p.name_en,
        "name_ja_easy": p.name_ja_easy,
        "summary_ja": p.summary_ja,
        "summary_en": p.summary_en,
        "summary_ja_easy": p.summary_ja_easy,
        "notes_ja": p.notes_ja,
        "notes_en": p.notes_en,
        "legal_basis": [
            {
                "statute_ja": lb.statute_ja,
                "statute_en": lb.statute_en,
                "article_ja": lb.article_ja,
                "article_en": lb.article_en,
                "unconfirmed": lb.unconfirmed,
            }
            for lb in p.legal_basis
        ],
        "who_may_apply": [
            {"role": w.role, "authorization_attachment": w.authorization_attachment} for w in p.who_may_apply
        ],
        "household_head_only": p.household_head_only,
        "deadline": (
            {
                "text_ja": p.deadline.text_ja,
                "text_en": p.deadline.text_en,
                "kind": p.deadline.kind,
                "strict": p.deadline.strict,
            }
            if p.deadline
            else None
        ),
        "processing_days": p.processing_days,
        "processing_days_source": p.processing_days_source,
        "signature_required": p.signature_required,
        "attachments": [_attachment(p, a) for a in p.attachments],
        "forms": [
            {"version": v, "current": v == p.form.version, "url": f"{_detail_url(p.code)}/forms/{v}"}
            for v in versions
        ],
        "enabled": s.enabled,
        "online_available": page.online_available,
        "apply_url": apply_url(p.code) if page.online_available else None,
        "local_note_ja": s.note_ja,
        "local_note_en": s.note_en,
        "contact": {
            "section_ja": s.section_ja,
            "section_en": s.section_en or s.section_ja,
            "phone": s.phone,
            "hours_ja": s.hours_ja,
            "hours_en": s.hours_en or s.hours_ja,
        },
        "authority_ja": None,
        "authority_en": None,
        "external_url": None,
        "link_text_ja": None,
        "link_text_en": None,
        "url": _detail_url(p.code),
    }


def _referral_detail(r: Referral) -> dict[str, Any]:
    return {
        "code": r.code,
        "number": r.number,
        "kind": "referral",
        "category": selectors.REFERRAL_CATEGORY,
        "business": None,
        "life_situations": list(r.life_situations),
        "name_ja": r.name_ja,
        "name_en": r.name_en,
        "name_ja_easy": "",
        "summary_ja": r.explanation_ja,
        "summary_en": r.explanation_en,
        "summary_ja_easy": "",
        "notes_ja": "",
        "notes_en": "",
        "legal_basis": [],
        "who_may_apply": [],
        "household_head_only": False,
        "deadline": None,
        "processing_days": None,
        "processing_days_source": None,
        "signature_required": False,
        "attachments": [],
        "forms": [],
        "enabled": False,
        "online_available": False,
        "apply_url": None,
        "local_note_ja": "",
        "local_note_en": "",
        "contact": None,
        "authority_ja": r.authority_ja,
        "authority_en": r.authority_en,
        "external_url": r.url,
        "link_text_ja": r.link_text_ja,
        "link_text_en": r.link_text_en,
        "url": _detail_url(r.code),
    }


@functools.lru_cache(maxsize=64)
def _raw_definition(code: str) -> dict[str, Any]:
    # The catalogue is data: serve the form exactly as versioned in the JSON file. `code` has been checked
    # against the loaded catalogue before it is used as a file name.
    data: dict[str, Any] = json.loads((CATALOGUE_DIR / f"{code}.json").read_text(encoding="utf-8"))
    return data


def form_definition_json(code: str, version: int) -> dict[str, Any] | None:
    """The form definition (procedure code, version) as catalogue JSON, or None when unknown."""
    catalogue = get_catalogue()
    if code not in catalogue.procedures:
        return None
    procedure = catalogue.procedures[code]
    raw = _raw_definition(code)
    if version == procedure.form.version:
        form, attachments = raw["form"], raw.get("attachments", [])
    else:
        old = next((f for f in raw.get("previous_forms") or [] if f.get("version") == version), None)
        if old is None:
            return None
        form, attachments = old, old.get("attachments", raw.get("attachments", []))
    return {
        "procedure": code,
        "version": version,
        "current": version == procedure.form.version,
        "catalogue_version": catalogue.version,
        "prefill": form.get("prefill", {}),
        "rules": form.get("rules", []),
        "pages": form.get("pages", []),
        "attachments": attachments,
    }


class ProcedureListApi(APIView):
    """GET /api/v1/procedures — the catalogue with the municipality's policy applied."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(
        operation_id="list_procedures",
        summary="Procedures (and referrals) of the catalogue, filtered by category, life situation or text",
        parameters=[ProcedureListQuery],
        responses={
            200: ProcedureSummarySerializer(many=True),
            400: OpenApiResponse(
                _PROBLEM, description="Unknown category/life situation or bad municipality code"
            ),
        },
        tags=["procedures"],
    )
    def get(self, request: Request) -> Response:
        query = ProcedureListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        municipality_code = data.get("municipality") or str(settings.MADOGUCHI_DEMO_MUNICIPALITY or "")
        rows = selectors.list_procedures(
            municipality_code=municipality_code,
            life_situation=data.get("life_situation"),
            category=data.get("category"),
            query=data.get("q", ""),
        )
        return Response([_summary(r) for r in rows])


class ProcedureDetailApi(APIView):
    """GET /api/v1/procedures/{code} — one procedure (or referral) with the municipality's policy."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(
        operation_id="get_procedure",
        summary="One procedure: who, what is needed, deadline, processing days, online availability, contact",
        parameters=[_MUNICIPALITY_PARAM],
        responses={
            200: ProcedureDetailSerializer,
            400: OpenApiResponse(_PROBLEM, description="Bad municipality code"),
            404: OpenApiResponse(_PROBLEM, description="Unknown procedure code"),
        },
        tags=["procedures"],
    )
    def get(self, request: Request, code: str) -> Response:
        municipality_code, error = _municipality(request)
        if error is not None:
            return error
        assert municipality_code is not None
        try:
            page = selectors.get_procedure_page(municipality_code=municipality_code, code=code)
        except NotFoundInMunicipality:
            return _not_found(code)
        if page.referral is not None:
            return Response(_referral_detail(page.referral))
        return Response(_procedure_detail(page))


class ProcedureFormApi(APIView):
    """GET /api/v1/procedures/{code}/forms/{version} — a form definition, identified by (code, version)."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(
        operation_id="get_procedure_form",
        summary="The form definition of a procedure version (pages, fields, conditions, prefill, attachments)",
        responses={
            200: FormDefinitionSerializer,
            404: OpenApiResponse(_PROBLEM, description="Unknown procedure code or form version"),
        },
        tags=["procedures"],
    )
    def get(self, request: Request, code: str, version: int) -> Response:
        if code not in get_catalogue().procedures:
            return _not_found(code)
        data = form_definition_json(code, version)
        if data is None:
            return problem(404, "Not found", f"Procedure '{code}' has no form version {version}.")
        return Response(data)
