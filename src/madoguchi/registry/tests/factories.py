"""Test data for the registry: small synthetic households through the same generator as the demo."""

from __future__ import annotations

import datetime as dt

from madoguchi.core.models import Municipality
from madoguchi.registry.demo import generate
from madoguchi.registry.models import Resident
from madoguchi.registry.services import load_demo_residents


def load_residents(municipality: Municipality, count: int = 30, seed: int = 7) -> list[Resident]:
    households = generate(
        municipality_code=municipality.code, count=count, seed=seed, today=dt.date(2026, 11, 1)
    )
    load_demo_residents(actor=None, municipality=municipality, households=households)
    return list(Resident.objects.filter(municipality=municipality).order_by("id"))
