"""System checks of the procedure catalogue's translation overlays (`madoguchi check`)."""

from __future__ import annotations

from typing import Any

from django.core import checks

_HINT = "Keys are the exact Japanese texts listed by `madoguchi catalogue_strings`."


@checks.register("procedures")
def check_catalogue_overlays(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Every overlay file parses (error), and every key is a Japanese source text of the catalogue (warning:
    a stale key is harmless but its translation is never shown)."""
    from .engine import get_catalogue
    from .i18n import overlay_problems

    errors, warnings = overlay_problems(get_catalogue())
    where = "procedures/catalogue/i18n"
    return [checks.Error(p, hint=_HINT, obj=where, id="procedures.E001") for p in errors] + [
        checks.Warning(p, hint=_HINT, obj=where, id="procedures.W001") for p in warnings
    ]
