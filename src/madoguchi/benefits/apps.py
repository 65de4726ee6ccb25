from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    name = "madoguchi.benefits"
    label = "benefits"
    verbose_name = "給付 (benefits)"
