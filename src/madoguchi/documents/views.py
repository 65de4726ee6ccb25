"""Public verification pages (portal zone): anyone may check an issued document. No personal data is shown.

Views parse input, call one selector and render.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from .forms import VerifyUploadForm
from .selectors import get_public_document, verify_issued_document, verify_uploaded_pdf


def _no_store(response: HttpResponse) -> HttpResponse:
    # Verdicts depend on what was uploaded; nothing here should be kept by shared caches.
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def verify_upload(request: HttpRequest) -> HttpResponse:
    """Upload any PDF and learn whether it is an intact document signed by a municipality."""
    form = VerifyUploadForm(request.POST, request.FILES) if request.method == "POST" else VerifyUploadForm()
    result = None
    if request.method == "POST" and form.is_valid():
        result = verify_uploaded_pdf(form.cleaned_data["pdf"])
    status = 400 if form.errors else 200
    return _no_store(
        render(request, "documents/verify_upload.html", {"form": form, "result": result}, status=status)
    )


@require_http_methods(["GET", "POST"])
def verify_document(request: HttpRequest, public_id: str) -> HttpResponse:
    """The page a document's QR code opens: what the document is, and whether it (or an uploaded copy) is intact."""
    document = get_public_document(public_id)
    if document is None:
        return _no_store(render(request, "documents/verify_not_found.html", status=404))
    form = VerifyUploadForm(request.POST, request.FILES) if request.method == "POST" else VerifyUploadForm()
    uploaded_result = None
    if request.method == "POST" and form.is_valid():
        uploaded_result = verify_issued_document(public_id, form.cleaned_data["pdf"])
    stored_result = verify_issued_document(public_id) if uploaded_result is None else None
    return _no_store(
        render(
            request,
            "documents/verify_document.html",
            {
                "document": document,
                "form": form,
                "stored_result": stored_result,
                "uploaded_result": uploaded_result,
            },
            status=400 if form.errors else 200,
        )
    )
