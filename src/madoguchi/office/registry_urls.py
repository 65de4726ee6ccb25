"""Office URLs for registry events (異動), timelines and households (included into the office namespace)."""

from django.urls import URLPattern, URLResolver, path

from . import registry_views as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("residents/<int:resident_id>/timeline/", views.resident_timeline, name="resident_timeline"),
    path("residents/<int:resident_id>/events/<slug:kind>/", views.resident_event, name="resident_event"),
    path("households/<int:household_id>/", views.household_detail, name="household_detail"),
    path("households/<int:household_id>/events/<slug:kind>/", views.household_event, name="household_event"),
    path("registry/move-in/", views.move_in, name="event_move_in"),
    path("registry/recorded/", views.event_result, name="event_result"),
]
