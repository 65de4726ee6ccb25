"""Public simulator API routes, mounted under /api/v1/benefits/ in every zone."""

from django.urls import path

from . import api

urlpatterns = [
    path("child-allowance/quote", api.ChildAllowanceQuoteApi.as_view(), name="child-allowance-quote"),
    path(
        "child-rearing-allowance/quote",
        api.ChildRearingAllowanceQuoteApi.as_view(),
        name="child-rearing-allowance-quote",
    ),
]
