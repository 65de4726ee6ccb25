"""Public (portal zone) verification pages: mounted at /verify/ by madoguchi/urls.py."""

from django.urls import path

from . import views

app_name = "documents"
urlpatterns = [
    path("", views.verify_upload, name="verify_upload"),
    path("<slug:public_id>", views.verify_document, name="verify_document"),
]
