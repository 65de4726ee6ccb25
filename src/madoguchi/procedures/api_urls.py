"""Public catalogue API routes, mounted at the root of /api/v1/ (both zones)."""

from django.urls import path

from . import api

urlpatterns = [
    path("procedures", api.ProcedureListApi.as_view(), name="procedure-list"),
    path("procedures/<slug:code>", api.ProcedureDetailApi.as_view(), name="procedure-detail"),
    path("procedures/<slug:code>/forms/<int:version>", api.ProcedureFormApi.as_view(), name="procedure-form"),
]
