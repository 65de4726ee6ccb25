from django.urls import URLPattern, URLResolver, include, path

from madoguchi.office import benefits_care_views as views

# Included by office/benefits_urls.py under care/ (names in the office:benefits namespace).
urlpatterns: list[URLPattern | URLResolver] = [
    path("certifications/", views.certification_list, name="care_certifications"),
    path("certifications/<int:certification_id>/", views.certification_detail, name="care_certification"),
    path(
        "certifications/<int:certification_id>/advance/",
        views.certification_advance,
        name="care_certification_advance",
    ),
    path(
        "certifications/<int:certification_id>/result/",
        views.certification_result,
        name="care_certification_result",
    ),
    path("insured/<int:resident_id>/", views.insured_person, name="care_insured_person"),
    path("insured/<int:resident_id>/copay-share/", views.copay_share_record, name="care_copay_share"),
    path("", include("madoguchi.office.benefits_care_cost_urls")),
]
