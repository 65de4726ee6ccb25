from django.urls import path

from . import views

app_name = "intake"
urlpatterns = [
    path("", views.my_applications, name="my_applications"),
    path("drafts/<str:draft_id>/pages/<slug:page_key>/", views.page, name="page"),
    path("drafts/<str:draft_id>/attachments/", views.attachments, name="attachments"),
    path("drafts/<str:draft_id>/review/", views.review, name="review"),
    path("drafts/<str:draft_id>/sign/", views.sign, name="sign"),
    path("drafts/<str:draft_id>/delete/", views.delete_draft, name="delete_draft"),
    path("applications/<str:receipt_number>/", views.status, name="status"),
    path("applications/<str:receipt_number>/done/", views.receipt, name="receipt"),
    path("applications/<str:receipt_number>/receipt.pdf", views.receipt_pdf, name="receipt_pdf"),
    path("applications/<str:receipt_number>/withdraw/", views.withdraw, name="withdraw"),
    path("applications/<str:receipt_number>/correct/", views.correct, name="correct"),
    path("<slug:code>/", views.start, name="start"),
]
