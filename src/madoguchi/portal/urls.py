from django.urls import path

from madoguchi.identity import views as identity_views

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("municipalities/", views.municipality_lookup, name="municipality_lookup"),
    path("help/", views.assisted_use, name="assisted_use"),
    # Resident login with the My Number card (identity app); portal_login_required redirects here.
    path("login/", identity_views.card_login, name="login"),
    path("mypage/", identity_views.mypage, name="mypage"),
]
