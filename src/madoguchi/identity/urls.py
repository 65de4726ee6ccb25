"""Resident login URLs (portal zone), mounted at /login/."""

from django.urls import path

from . import views

app_name = "identity"
urlpatterns = [
    path("", views.card_login, name="card_login"),
    path("logout/", views.logout, name="logout"),
    path("oidc/start", views.oidc_start, name="oidc_start"),
    path("oidc/callback", views.oidc_callback, name="oidc_callback"),
    path("oidc/sign-callback", views.oidc_sign_callback, name="oidc_sign_callback"),
]
