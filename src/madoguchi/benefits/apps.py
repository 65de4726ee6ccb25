from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    name = "madoguchi.benefits"
    label = "benefits"
    verbose_name = "給付 (benefits)"

    def ready(self) -> None:
        # The modules that register decision handlers (benefits.decisions) for their procedures.
        from . import child_allowance_services  # noqa: F401
