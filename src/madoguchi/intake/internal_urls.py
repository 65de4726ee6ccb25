"""URLs of the portal's internal API for the office (mounted at /internal/v1/ in the portal and `all` zones only)."""

from django.urls import path

from . import internal_api

app_name = "internal"

urlpatterns = [
    path("submissions", internal_api.SubmissionsApi.as_view(), name="submissions"),
    path(
        "attachments/<str:municipality>/<str:receipt>/<str:sha256>",
        internal_api.AttachmentContentApi.as_view(),
        name="attachment",
    ),
    path("status-events", internal_api.StatusEventsApi.as_view(), name="status-events"),
]
