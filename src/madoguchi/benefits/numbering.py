"""Numbers a benefit business gives out per year (認定番号, 支給認定証番号, 母子健康手帳番号)."""

from __future__ import annotations

from django.db import models

from madoguchi.core.models import Municipality


def next_yearly_number(model: type[models.Model], field: str, *, municipality_code: str, prefix: str) -> str:
    """`prefix` (the year, with a letter where the business has one) + the next 6-digit serial of `model.field` in
    the municipality: consecutive per prefix and never reused. The municipality row is locked for the numbering, so
    call it inside the service's transaction."""
    Municipality.objects.select_for_update().get(code=municipality_code)
    last = (
        model._default_manager.filter(municipality_id=municipality_code, **{f"{field}__startswith": prefix})
        .order_by(f"-{field}")
        .values_list(field, flat=True)
        .first()
    )
    serial = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{serial:06d}"
