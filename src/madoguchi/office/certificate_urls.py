"""Office (庁内) certificate pages, mounted at /office/certificates/ inside the "office" namespace."""

from django.urls import path

from . import certificate_views

urlpatterns = [
    path(
        "residents/<int:resident_id>/",
        certificate_views.issue_certificate,
        name="certificate_issue",
    ),
]
