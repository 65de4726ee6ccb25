"""Office API for registry events (異動): timelines and as-of reads (access-logged), and one POST per event kind.

The POST endpoints call the same services as the office forms. `?dry_run=true` runs every rule and rolls back,
returning what would be recorded (the API's confirmation step). Errors are problem+json (core.api handler);
a broken rule answers 400 with the offending `field`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from madoguchi.core.models import AccessPurpose, StaffUser
from madoguchi.registry import relationships, services
from madoguchi.registry import selectors as registry
from madoguchi.registry.history import ResidentState
from madoguchi.registry.models import ResidentKind, Sex

_PROBLEM = inline_serializer(
    "RegistryProblem",
    fields={
        "type": serializers.CharField(),
        "title": serializers.CharField(),
        "status": serializers.IntegerField(),
        "detail": serializers.CharField(),
        "field": serializers.CharField(required=False),
        "code": serializers.CharField(required=False),
    },
)
_ERRORS = {
    400: OpenApiResponse(_PROBLEM, description="Invalid input or a registry rule broken (names the field)"),
    403: OpenApiResponse(_PROBLEM, description="Your role does not permit this action"),
    404: OpenApiResponse(_PROBLEM, description="No such resident or household in your municipality"),
}
PURPOSE = OpenApiParameter(
    "purpose", str, required=True, enum=AccessPurpose.values, description="利用目的 (logged)"
)
DRY_RUN = OpenApiParameter(
    "dry_run",
    OpenApiTypes.BOOL,
    required=False,
    description="Check every rule and roll back (confirmation step)",
)
RELATIONSHIP_CODES = [r.code for r in relationships.RELATIONSHIPS]


def _actor(request: Request) -> StaffUser:
    assert isinstance(request.user, StaffUser)
    return request.user


# ---- output ----------------------------------------------------------------------------------------------------------


class WarningSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    message_ja = serializers.CharField()
    message_en = serializers.CharField()


class EventSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    resident_id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    effective_on = serializers.DateField()
    filed_on = serializers.DateField(allow_null=True)
    recorded_at = serializers.DateTimeField()
    household_number = serializers.CharField(source="state_after.household_number", allow_null=True)
    changes = serializers.DictField(
        child=serializers.ListField(child=serializers.JSONField(), min_length=2, max_length=2),
        help_text="{field: [before, after]}",
    )
    state_after = serializers.DictField(
        child=serializers.JSONField(), help_text="The record from effective_on"
    )
    reason = serializers.CharField()
    warnings = WarningSerializer(many=True)
    details = serializers.DictField(child=serializers.JSONField())
    actor_display = serializers.CharField()


class OutcomeSerializer(serializers.Serializer[Any]):
    events = EventSerializer(many=True)
    warnings = WarningSerializer(many=True)


class PreviewChangeSerializer(serializers.Serializer[Any]):
    field = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    before = serializers.CharField()
    after = serializers.CharField()


class PreviewEventSerializer(serializers.Serializer[Any]):
    resident_id = serializers.IntegerField()
    resident_name = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    effective_on = serializers.DateField()
    reason = serializers.CharField()
    changes = PreviewChangeSerializer(many=True)


class PreviewSerializer(serializers.Serializer[Any]):
    dry_run = serializers.BooleanField()
    events = PreviewEventSerializer(many=True)
    warnings = WarningSerializer(many=True)


class TimelineSerializer(serializers.Serializer[Any]):
    resident_id = serializers.IntegerField()
    status = serializers.CharField()
    pending_change_on = serializers.DateField(allow_null=True)
    events = EventSerializer(many=True)


class StateSerializer(serializers.Serializer[Any]):
    resident_id = serializers.IntegerField()
    on = serializers.DateField()
    is_resident = serializers.BooleanField()
    values = serializers.DictField(child=serializers.JSONField())


class HouseholdMembersSerializer(serializers.Serializer[Any]):
    household_id = serializers.IntegerField()
    household_number = serializers.CharField()
    on = serializers.DateField()
    members = StateSerializer(many=True)


def _state(state: ResidentState) -> dict[str, Any]:
    return {
        "resident_id": state.resident_id,
        "on": state.on,
        "is_resident": state.is_resident,
        "values": dict(state.values),
    }


# ---- reads -----------------------------------------------------------------------------------------------------------


class PurposeQuery(serializers.Serializer[Any]):
    purpose = serializers.ChoiceField(choices=AccessPurpose.choices)


class AsOfQuery(PurposeQuery):
    on = serializers.DateField()


class ResidentTimelineApi(APIView):
    @extend_schema(
        operation_id="get_resident_timeline",
        summary="A resident's registry events (異動履歴), for a stated purpose (access-logged)",
        parameters=[PURPOSE],
        responses={200: TimelineSerializer, **_ERRORS},
        tags=["registry-events"],
    )
    def get(self, request: Request, resident_id: int) -> Response:
        query = PurposeQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        timeline = registry.access_resident_timeline(
            actor=_actor(request), resident_id=resident_id, purpose=query.validated_data["purpose"]
        )
        body = {
            "resident_id": timeline.resident.pk,
            "status": timeline.resident.status,
            "pending_change_on": timeline.resident.pending_change_on,
            "events": timeline.events,
        }
        return Response(TimelineSerializer(body).data)


class ResidentAsOfApi(APIView):
    @extend_schema(
        operation_id="get_resident_as_of",
        summary="A resident's record as it stood on a date (from the event history; access-logged)",
        parameters=[PURPOSE, OpenApiParameter("on", OpenApiTypes.DATE, required=True)],
        responses={200: StateSerializer, **_ERRORS},
        tags=["registry-events"],
    )
    def get(self, request: Request, resident_id: int) -> Response:
        query = AsOfQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        state = registry.access_resident_on(
            actor=_actor(request),
            resident_id=resident_id,
            on=query.validated_data["on"],
            purpose=query.validated_data["purpose"],
        )
        if state is None:
            from madoguchi.core.api import problem

            return problem(
                404, "Not found", "The record did not exist yet on that date.", code="before_record"
            )
        return Response(StateSerializer(_state(state)).data)


class HouseholdMembersApi(APIView):
    @extend_schema(
        operation_id="get_household_members_as_of",
        summary="The members of a household on a date (from the event history; access-logged)",
        parameters=[PURPOSE, OpenApiParameter("on", OpenApiTypes.DATE, required=True)],
        responses={200: HouseholdMembersSerializer, **_ERRORS},
        tags=["registry-events"],
    )
    def get(self, request: Request, household_id: int) -> Response:
        query = AsOfQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        on = query.validated_data["on"]
        view = registry.access_household(
            actor=_actor(request), household_id=household_id, purpose=query.validated_data["purpose"], on=on
        )
        body = {
            "household_id": view.household.pk,
            "household_number": view.household.household_number,
            "on": on,
            "members": [_state(s) for s in view.members_on],
        }
        return Response(HouseholdMembersSerializer(body).data)


# ---- event inputs ----------------------------------------------------------------------------------------------------


def _relationship_field(**kwargs: Any) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=RELATIONSHIP_CODES, **kwargs)


def _relationships_map(**kwargs: Any) -> serializers.DictField:
    return serializers.DictField(
        child=_relationship_field(),
        help_text='続柄 code per resident id (relative to the head), e.g. {"12": "21"}',
        **kwargs,
    )


class _NamesInput(serializers.Serializer[Any]):
    family_name = serializers.CharField(max_length=60)
    given_name = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    family_name_kana = serializers.CharField(max_length=120)
    given_name_kana = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")


class MoveInInput(_NamesInput):
    effective_on = serializers.DateField(help_text="転入日")
    filed_on = serializers.DateField()
    birth_date = serializers.DateField()
    sex = serializers.ChoiceField(choices=Sex.values)
    kind = serializers.ChoiceField(choices=ResidentKind.values, default=ResidentKind.JAPANESE)
    resident_record_code = serializers.RegexField(r"^\d{11}$")
    individual_number = serializers.CharField(required=False, allow_blank=True, default="", max_length=20)
    name_romaji = serializers.CharField(required=False, allow_blank=True, default="", max_length=120)
    previous_address = serializers.CharField(max_length=200, help_text="転入前住所")
    machiaza = serializers.CharField(required=False, allow_blank=True, default="", max_length=60)
    machiaza_id = serializers.CharField(required=False, allow_blank=True, default="", max_length=7)
    block_number = serializers.CharField(required=False, allow_blank=True, default="", max_length=60)
    address_supplement = serializers.CharField(required=False, allow_blank=True, default="", max_length=120)
    postal_code = serializers.CharField(required=False, allow_blank=True, default="", max_length=8)
    household_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    relationship = _relationship_field(default=relationships.HEAD_CODE)
    special_move_in = serializers.BooleanField(default=False, help_text="特例転入 (My Number Card)")


class MoveOutInput(serializers.Serializer[Any]):
    resident_ids = serializers.ListField(child=serializers.IntegerField(), min_length=1)
    effective_on = serializers.DateField(help_text="転出予定日 (later than today: recorded as planned)")
    filed_on = serializers.DateField()
    destination_address = serializers.CharField(max_length=200)
    new_head_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    special_move_out = serializers.BooleanField(default=False)


class RelocationInput(serializers.Serializer[Any]):
    resident_ids = serializers.ListField(child=serializers.IntegerField(), min_length=1)
    effective_on = serializers.DateField()
    filed_on = serializers.DateField()
    machiaza = serializers.CharField(max_length=60)
    machiaza_id = serializers.CharField(required=False, allow_blank=True, default="", max_length=7)
    block_number = serializers.CharField(max_length=60)
    address_supplement = serializers.CharField(required=False, allow_blank=True, default="", max_length=120)
    postal_code = serializers.CharField(required=False, allow_blank=True, default="", max_length=8)
    new_head_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    remaining_head_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    relationships = _relationships_map(required=False, default=dict)


class BirthInput(_NamesInput):
    household_id = serializers.IntegerField()
    birth_date = serializers.DateField()
    filed_on = serializers.DateField()
    sex = serializers.ChoiceField(choices=Sex.values)
    resident_record_code = serializers.RegexField(r"^\d{11}$")
    individual_number = serializers.CharField(required=False, allow_blank=True, default="", max_length=20)
    relationship = _relationship_field(default="10")


class DeathInput(serializers.Serializer[Any]):
    resident_id = serializers.IntegerField()
    effective_on = serializers.DateField(help_text="死亡日")
    filed_on = serializers.DateField()
    new_head_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    relationships = _relationships_map(required=False, default=dict)


class HeadChangeInput(serializers.Serializer[Any]):
    household_id = serializers.IntegerField()
    new_head_id = serializers.IntegerField()
    effective_on = serializers.DateField()
    filed_on = serializers.DateField()
    relationships = _relationships_map()


class SplitInput(serializers.Serializer[Any]):
    resident_ids = serializers.ListField(child=serializers.IntegerField(), min_length=1)
    new_head_id = serializers.IntegerField()
    effective_on = serializers.DateField()
    filed_on = serializers.DateField()
    remaining_head_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    relationships = _relationships_map(required=False, default=dict)


class MergeInput(serializers.Serializer[Any]):
    household_id = serializers.IntegerField()
    target_household_id = serializers.IntegerField()
    effective_on = serializers.DateField()
    filed_on = serializers.DateField()
    relationships = _relationships_map()


class NameChangeInput(_NamesInput):
    resident_id = serializers.IntegerField()
    effective_on = serializers.DateField()
    filed_on = serializers.DateField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    record_former_name = serializers.BooleanField(default=False)


class CorrectionInput(serializers.Serializer[Any]):
    resident_id = serializers.IntegerField()
    values = serializers.DictField(
        child=serializers.JSONField(),
        help_text="Corrected fields: " + ", ".join(services.CORRECTABLE_FIELDS) + " (relationship as a code)",
    )
    effective_on = serializers.DateField(help_text="From when the corrected values hold (may be in the past)")
    reason = serializers.CharField(max_length=200)


class _EventApi(APIView):
    def handle_event(
        self,
        request: Request,
        input_class: type[serializers.Serializer[Any]],
        service: Callable[..., services.EventOutcome],
    ) -> Response:
        data = input_class(data=request.data)
        data.is_valid(raise_exception=True)
        kwargs = dict(data.validated_data)
        actor = _actor(request)
        if str(request.query_params.get("dry_run", "")).lower() in ("1", "true", "yes"):
            preview = services.preview_event(service, actor=actor, **kwargs)
            body = {"dry_run": True, "events": preview.events, "warnings": preview.warnings}
            return Response(PreviewSerializer(body).data, status=200)
        outcome = service(actor=actor, **kwargs)
        return Response(OutcomeSerializer(outcome).data, status=201)


def _event_api(
    name: str,
    summary: str,
    input_class: type[serializers.Serializer[Any]],
    service: Callable[..., services.EventOutcome],
) -> type[APIView]:
    @extend_schema(
        operation_id=f"record_{name}",
        summary=summary,
        request=input_class,
        parameters=[DRY_RUN],
        responses={201: OutcomeSerializer, 200: PreviewSerializer, **_ERRORS},
        tags=["registry-events"],
    )
    def post(self: _EventApi, request: Request) -> Response:
        return self.handle_event(request, input_class, service)

    camel = "".join(part.title() for part in name.split("_"))
    return type(f"{camel}Api", (_EventApi,), {"post": post, "__doc__": summary})


MoveInApi = _event_api(
    "move_in",
    "転入 (住基法 §22): a new resident, new household or joining one",
    MoveInInput,
    services.record_move_in,
)
MoveOutApi = _event_api(
    "move_out",
    "転出 (住基法 §24): removed now, or planned for a later date",
    MoveOutInput,
    services.record_move_out,
)
RelocationApi = _event_api(
    "relocation",
    "転居 (住基法 §23): a move within the municipality",
    RelocationInput,
    services.record_relocation,
)
BirthApi = _event_api(
    "birth", "出生: a newborn joins an existing household", BirthInput, services.record_birth
)
DeathApi = _event_api(
    "death", "死亡: the record is removed from the date of death", DeathInput, services.record_death
)
HeadChangeApi = _event_api(
    "head_change", "世帯主変更 (住基法 §25)", HeadChangeInput, services.record_head_change
)
HouseholdSplitApi = _event_api(
    "household_split", "世帯分離 (住基法 §25)", SplitInput, services.record_household_split
)
HouseholdMergeApi = _event_api(
    "household_merge", "世帯合併 (住基法 §25)", MergeInput, services.record_household_merge
)
NameChangeApi = _event_api(
    "name_change", "氏名変更 (on a 戸籍 notice)", NameChangeInput, services.record_name_change
)
CorrectionApi = _event_api(
    "correction", "職権修正 (住基法 §8): any item, with a reason", CorrectionInput, services.record_correction
)
