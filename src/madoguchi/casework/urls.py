from django.urls import path

from . import views

app_name = "casework"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("pull/", views.pull_now, name="pull"),
    path("<int:case_id>/", views.case_detail, name="detail"),
    path("<int:case_id>/notice.pdf", views.notice_pdf, name="notice_pdf"),
    path("<int:case_id>/<slug:action>/", views.case_action, name="action"),
]
