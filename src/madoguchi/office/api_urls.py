from django.urls import path

from . import api

urlpatterns = [
    path("residents", api.ResidentSearchApi.as_view(), name="resident-search"),
    path("residents/<int:resident_id>", api.ResidentDetailApi.as_view(), name="resident-detail"),
]
