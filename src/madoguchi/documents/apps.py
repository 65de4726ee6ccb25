from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "madoguchi.documents"
    label = "documents"
    verbose_name = "公文書 (documents)"
