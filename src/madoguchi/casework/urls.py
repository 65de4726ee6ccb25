from django.urls import path

from . import counter_views, retention_views, views

app_name = "casework"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("pull/", views.pull_now, name="pull"),
    path("retention/", retention_views.retention_list, name="retention"),
    path("retention/<int:request_id>/", retention_views.disposal, name="disposal"),
    path("counter/", counter_views.counter_start, name="counter_start"),
    path("counter/<slug:public_id>/page/<slug:page_key>/", counter_views.counter_page, name="counter_page"),
    path("counter/<slug:public_id>/identity/", counter_views.counter_identity, name="counter_identity"),
    path("counter/<slug:public_id>/confirm/", counter_views.counter_confirm, name="counter_confirm"),
    path("counter/<slug:public_id>/sheet.pdf", counter_views.counter_sheet, name="counter_sheet"),
    path("counter/<slug:public_id>/done/", counter_views.counter_done, name="counter_done"),
    path("<int:case_id>/", views.case_detail, name="detail"),
    path("<int:case_id>/notice.pdf", views.notice_pdf, name="notice_pdf"),
    path("<int:case_id>/<slug:action>/", views.case_action, name="action"),
]
