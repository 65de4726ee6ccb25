"""Fixtures for the identity app's Django tests: residents and test cards issued through the real service."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from madoguchi.core.models import Municipality
from madoguchi.identity.models import TestCardRecord
from madoguchi.identity.services import issue_test_card
from madoguchi.registry.models import Resident
from madoguchi.registry.tests.factories import load_residents

SIGN_PIN = "ABC123"
AUTH_PIN = "1234"


@pytest.fixture
def residents(chiyoda: Municipality) -> list[Resident]:
    """A few synthetic residents of 千代田区 (current, with a birth date)."""
    loaded = load_residents(chiyoda, 8, seed=11)
    return [r for r in loaded if r.status == "current" and r.birth_date is not None]


@pytest.fixture
def make_card(residents: list[Resident]) -> Callable[..., TestCardRecord]:
    """Issue a test card to residents[index] through `issue_test_card`."""

    def make(index: int = 0, **kwargs: str) -> TestCardRecord:
        return issue_test_card(
            actor=None,
            resident_id=residents[index].pk,
            signing_pin=kwargs.get("signing_pin", SIGN_PIN),
            auth_pin=kwargs.get("auth_pin", AUTH_PIN),
        )

    return make
