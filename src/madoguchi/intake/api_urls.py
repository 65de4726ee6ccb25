"""Resident application API routes, mounted under /api/v1/ (portal zone)."""

from django.urls import path

from . import api

urlpatterns = [
    path("applications", api.ApplicationListApi.as_view(), name="applications"),
    path(
        "applications/signing-content", api.SigningContentApi.as_view(), name="applications-signing-content"
    ),
    path("applications/<str:receipt_number>", api.ApplicationDetailApi.as_view(), name="application-detail"),
]
