from django.apps import AppConfig


class OfficeConfig(AppConfig):
    name = "madoguchi.office"
    label = "office"
    verbose_name = "庁内 (office zone)"
