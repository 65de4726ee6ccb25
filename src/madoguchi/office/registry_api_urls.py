"""Office API URLs for registry events (included under /api/v1/office/)."""

from django.urls import URLPattern, URLResolver, path

from . import registry_api as api

urlpatterns: list[URLPattern | URLResolver] = [
    path("residents/<int:resident_id>/timeline", api.ResidentTimelineApi.as_view(), name="resident-timeline"),
    path("residents/<int:resident_id>/as-of", api.ResidentAsOfApi.as_view(), name="resident-as-of"),
    path(
        "households/<int:household_id>/members", api.HouseholdMembersApi.as_view(), name="household-members"
    ),
    path("registry-events/move-in", api.MoveInApi.as_view(), name="event-move-in"),
    path("registry-events/move-out", api.MoveOutApi.as_view(), name="event-move-out"),
    path("registry-events/relocation", api.RelocationApi.as_view(), name="event-relocation"),
    path("registry-events/birth", api.BirthApi.as_view(), name="event-birth"),
    path("registry-events/death", api.DeathApi.as_view(), name="event-death"),
    path("registry-events/head-change", api.HeadChangeApi.as_view(), name="event-head-change"),
    path("registry-events/household-split", api.HouseholdSplitApi.as_view(), name="event-household-split"),
    path("registry-events/household-merge", api.HouseholdMergeApi.as_view(), name="event-household-merge"),
    path("registry-events/name-change", api.NameChangeApi.as_view(), name="event-name-change"),
    path("registry-events/correction", api.CorrectionApi.as_view(), name="event-correction"),
]
