from django.urls import URLPattern, URLResolver, path

from madoguchi.office import benefits_pregnancy_views as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("pregnancy/", views.pregnancy_list, name="pregnancies"),
    path("pregnancy/<int:pregnancy_id>/", views.pregnancy_detail, name="pregnancy_detail"),
    path("pregnancy/<int:pregnancy_id>/handbooks/", views.issue_handbooks, name="pregnancy_handbooks"),
    path(
        "pregnancy/<int:pregnancy_id>/second-payment/",
        views.second_payment,
        name="pregnancy_second_payment",
    ),
    path(
        "pregnancy/<int:pregnancy_id>/requests/<int:request_id>/approve/",
        views.approve_request,
        name="pregnancy_request_approve",
    ),
]
