from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "madoguchi.intake"
    label = "intake"
    verbose_name = "電子申請の受付（ポータル）"
