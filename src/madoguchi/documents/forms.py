"""Forms of the public verification page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .selectors import MAX_UPLOAD_BYTES


class VerifyUploadForm(forms.Form):
    pdf = forms.FileField(
        label=_("確認するPDFファイル"),
        help_text=_("窓口・オンラインで受け取った証明書などのPDF（10MBまで）。ファイルは保存されません。"),
        error_messages={"required": _("確認するPDFファイルを選んでください。")},
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def clean_pdf(self) -> bytes:
        upload = self.cleaned_data["pdf"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("ファイルが大きすぎます。10MB以下のPDFを選んでください。"))
        data: bytes = upload.read()
        if not data.lstrip()[:5] == b"%PDF-":
            raise forms.ValidationError(_("PDFファイルではありません。PDFファイルを選んでください。"))
        return data
