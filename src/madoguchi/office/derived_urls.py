from django.urls import URLPattern, URLResolver, path

from . import derived_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("registers/", derived_views.registers_index, name="registers"),
    path("registers/electoral-roll/", derived_views.electoral_roll, name="electoral_roll"),
    path("registers/school-age/", derived_views.school_register, name="school_register"),
]
