from django.urls import include, path

from . import api

urlpatterns = [
    path("residents", api.ResidentSearchApi.as_view(), name="resident-search"),
    path("residents/<int:resident_id>", api.ResidentDetailApi.as_view(), name="resident-detail"),
    path("", include("madoguchi.office.registry_api_urls")),
    path("", include("madoguchi.casework.core_api_urls")),
]
