from django.urls import URLPattern, URLResolver, path

from madoguchi.office import benefits_changes_views as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("changes/", views.proposal_list, name="change_proposals"),
    path("changes/review/", views.review_run, name="change_review_run"),
    path("changes/<int:proposal_id>/", views.proposal_detail, name="change_proposal"),
    path("changes/<int:proposal_id>/approve/", views.proposal_approve, name="change_approve"),
    path("changes/<int:proposal_id>/reject/", views.proposal_reject, name="change_reject"),
]
