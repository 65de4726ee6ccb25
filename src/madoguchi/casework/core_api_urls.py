"""URLs of the core-system PULL API (included under /api/v1/office/ by office.api_urls)."""

from django.urls import path

from . import core_api

urlpatterns = [
    path("core-systems/decided-cases", core_api.DecidedCasesApi.as_view(), name="core-decided-cases"),
]
