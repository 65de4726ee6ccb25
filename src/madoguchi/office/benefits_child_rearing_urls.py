from django.urls import URLPattern, URLResolver, path

from madoguchi.office import benefits_child_rearing_views as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.recipient_list, name="child_rearing_recipients"),
    path("register/", views.register_recipient, name="child_rearing_register"),
    path("<int:recipient_id>/", views.recipient_detail, name="child_rearing_recipient_detail"),
    path("reviews/<int:review_id>/", views.review_detail, name="child_rearing_review_detail"),
    path("reviews/<int:review_id>/income/", views.confirm_income, name="child_rearing_confirm_income"),
]
