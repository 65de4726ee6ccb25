"""Office API (staff session with verified TOTP): resident search and single-resident reads via access_*."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from madoguchi.core.models import AccessPurpose, StaffUser
from madoguchi.registry import selectors as registry


class ResidentSummarySerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    family_name = serializers.CharField()
    given_name = serializers.CharField()
    family_name_kana = serializers.CharField()
    given_name_kana = serializers.CharField()
    birth_date = serializers.DateField(allow_null=True)
    status = serializers.CharField()


class ResidentDetailSerializer(ResidentSummarySerializer):
    sex = serializers.CharField()
    resident_record_code = serializers.CharField()
    prefecture = serializers.CharField()
    city = serializers.CharField()
    machiaza = serializers.CharField()
    machiaza_id = serializers.CharField()
    block_number = serializers.CharField()
    address_supplement = serializers.CharField()
    postal_code = serializers.CharField()
    became_resident_on = serializers.DateField()
    household_number = serializers.CharField(source="household.household_number", allow_null=True)
    is_head = serializers.BooleanField()
    relationship = serializers.CharField()
    individual_number_masked = serializers.SerializerMethodField()

    def get_individual_number_masked(self, obj: Any) -> str:
        return registry.masked_individual_number(obj)


class ResidentSearchQuery(serializers.Serializer[Any]):
    name = serializers.CharField(required=False, allow_blank=True, max_length=60)
    birth_date = serializers.DateField(required=False)
    address = serializers.CharField(required=False, allow_blank=True, max_length=60)
    resident_record_code = serializers.RegexField(r"^\d{11}$", required=False)
    include_removed = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not any(attrs.get(k) for k in ("name", "birth_date", "address", "resident_record_code")):
            raise serializers.ValidationError(
                "Give at least one of name, birth_date, address, resident_record_code."
            )
        return attrs


class PurposeQuery(serializers.Serializer[Any]):
    purpose = serializers.ChoiceField(choices=AccessPurpose.choices)


def _actor(request: Request) -> StaffUser:
    assert isinstance(request.user, StaffUser)
    return request.user


class ResidentSearchApi(APIView):
    @extend_schema(
        operation_id="search_residents",
        summary="Search residents of your municipality (kanji/kana, 異体字- and width-insensitive)",
        parameters=[ResidentSearchQuery],
        responses={200: ResidentSummarySerializer(many=True)},
        tags=["registry"],
    )
    def get(self, request: Request) -> Response:
        query = ResidentSearchQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        results = registry.search_residents(actor=_actor(request), **query.validated_data)
        return Response(ResidentSummarySerializer(results, many=True).data)


class ResidentDetailApi(APIView):
    @extend_schema(
        operation_id="get_resident",
        summary="One resident record, read for a stated purpose (access-logged)",
        parameters=[OpenApiParameter("purpose", str, required=True, enum=AccessPurpose.values)],
        responses={200: ResidentDetailSerializer},
        tags=["registry"],
    )
    def get(self, request: Request, resident_id: int) -> Response:
        query = PurposeQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        resident = registry.access_resident(
            actor=_actor(request), resident_id=resident_id, purpose=query.validated_data["purpose"]
        )
        return Response(ResidentDetailSerializer(resident).data)
