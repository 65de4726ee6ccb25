from django.apps import AppConfig


class ProceduresConfig(AppConfig):
    name = "madoguchi.procedures"
    label = "procedures"
    verbose_name = "手続カタログ (procedures)"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the overlay check)
