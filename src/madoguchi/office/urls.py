from django.urls import include, path

from . import views

app_name = "office"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("residents/", views.resident_search, name="resident_search"),
    path("residents/<int:resident_id>/", views.resident_detail, name="resident_detail"),
    path(
        "residents/<int:resident_id>/individual-number/", views.reveal_individual_number, name="reveal_number"
    ),
    path("audit-log/", views.audit_log, name="audit_log"),
    path("access-log/", views.access_log, name="access_log"),
    path("", include("madoguchi.office.registry_urls")),
    path("", include("madoguchi.office.derived_urls")),
    path("certificates/", include("madoguchi.office.certificate_urls")),
    path("cases/", include("madoguchi.casework.urls")),
    path("benefits/", include("madoguchi.office.benefits_urls")),
]
