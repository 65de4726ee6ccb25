from django.urls import URLPattern, URLResolver, path

from madoguchi.office import benefits_childcare_views as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("childcare/certifications/", views.certification_list, name="childcare_certifications"),
    path("childcare/placements/", views.placement_list, name="childcare_placements"),
    path(
        "childcare/placements/<int:application_id>/",
        views.placement_detail,
        name="childcare_placement_detail",
    ),
    path(
        "childcare/placements/<int:application_id>/screening/",
        views.placement_screening,
        name="childcare_placement_screening",
    ),
    path(
        "childcare/placements/<int:application_id>/outcome/",
        views.placement_outcome,
        name="childcare_placement_outcome",
    ),
    path(
        "childcare/placements/<int:application_id>/confirm/",
        views.placement_confirm,
        name="childcare_placement_confirm",
    ),
    path(
        "childcare/placements/<int:application_id>/withdraw/",
        views.placement_withdraw,
        name="childcare_placement_withdraw",
    ),
]
