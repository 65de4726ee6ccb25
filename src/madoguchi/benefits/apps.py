from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    name = "madoguchi.benefits"
    label = "benefits"
    verbose_name = "給付 (benefits)"

    def ready(self) -> None:
        # The modules that register decision handlers (benefits.decisions) for their procedures.
        from . import (
            care_cost_services,  # noqa: F401
            care_services,  # noqa: F401
            child_allowance_review,  # noqa: F401
            child_allowance_services,  # noqa: F401
            child_allowance_status_services,  # noqa: F401
            child_rearing_services,  # noqa: F401
            childcare_services,  # noqa: F401
            pregnancy_services,  # noqa: F401
        )
