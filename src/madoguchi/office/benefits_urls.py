from django.urls import URLPattern, URLResolver, include, path

from madoguchi.office import benefits_views

app_name = "benefits"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", benefits_views.index, name="index"),
    path("recipients/", benefits_views.recipient_list, name="recipients"),
    path("care/", include("madoguchi.office.benefits_care_urls")),
    path("recipients/<int:recipient_id>/", benefits_views.recipient_detail, name="recipient_detail"),
    path("payments/", benefits_views.run_list, name="runs"),
    path("payments/new/", benefits_views.run_create, name="run_create"),
    path("payments/settings/", benefits_views.payment_settings, name="payment_settings"),
    path("payments/<int:run_id>/", benefits_views.run_detail, name="run_detail"),
    path("payments/<int:run_id>/export/", benefits_views.run_export, name="run_export"),
    path("payments/<int:run_id>/discard/", benefits_views.run_discard, name="run_discard"),
    path("payments/<int:run_id>/transfer-file/", benefits_views.run_file, name="run_file"),
    path("payments/<int:run_id>/register.csv", benefits_views.run_register, name="run_register"),
    path("", include("madoguchi.office.benefits_childcare_urls")),
    path("", include("madoguchi.office.benefits_pregnancy_urls")),
    path("child-allowance/", include("madoguchi.office.benefits_changes_urls")),
    path("child-rearing/", include("madoguchi.office.benefits_child_rearing_urls")),
]
