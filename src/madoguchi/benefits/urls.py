"""Portal pages of the benefit simulators (no login), mounted at /benefits/."""

from django.urls import path

from . import views

app_name = "benefits"
urlpatterns = [
    path("child-allowance/", views.child_allowance, name="child_allowance"),
    path("child-rearing-allowance/", views.child_rearing_allowance, name="child_rearing_allowance"),
]
