"""Shared pytest fixtures: municipalities, staff of each role with a verified second factor, clients."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from madoguchi.core.models import Municipality, StaffUser
from madoguchi.core.services import create_staff_user

# Playwright's sync API runs an event loop in the test thread; Django's ORM is still used synchronously there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

TEST_PASSWORD = "correct-horse-battery-staple-7"


def ensure_municipalities() -> None:
    """Municipalities come from a data migration; a transactional test's flush removes them, so reload."""
    if not Municipality.objects.filter(code="131016").exists():
        from madoguchi.core.municipality_data import load_municipalities

        load_municipalities(Municipality)


@pytest.fixture
def chiyoda(db: None) -> Municipality:
    ensure_municipalities()
    return Municipality.objects.get(code="131016")


@pytest.fixture
def sapporo(db: None) -> Municipality:
    ensure_municipalities()
    return Municipality.objects.get(code="011002")


def current_token(device: TOTPDevice) -> str:
    """The TOTP code an authenticator app would show right now for this device."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.fixture
def make_staff(db: None) -> Callable[..., StaffUser]:
    counter = {"n": 0}

    def make(
        municipality: Municipality, role: str = "counter_clerk", username: str | None = None
    ) -> StaffUser:
        counter["n"] += 1
        user, _device = create_staff_user(
            actor=None,
            municipality=municipality,
            username=username or f"{role}-{municipality.code}-{counter['n']}",
            password=TEST_PASSWORD,
            role=role,
            last_name="試験",
            first_name=f"職員{counter['n']}",
        )
        return user

    return make


def login_verified(client: Client, user: StaffUser) -> Client:
    """Log a staff member in through the real login form (password + TOTP)."""
    device = TOTPDevice.objects.get(user=user)
    response = client.post(
        "/office/login/",
        {"username": user.username, "password": TEST_PASSWORD, "otp_token": current_token(device)},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


@pytest.fixture
def staff_client(make_staff: Callable[..., StaffUser]) -> Callable[..., tuple[Client, StaffUser]]:
    def make(municipality: Municipality, role: str = "counter_clerk") -> tuple[Client, StaffUser]:
        user = make_staff(municipality, role)
        return login_verified(Client(), user), user

    return make


@pytest.fixture
def staff_api(make_staff: Callable[..., StaffUser]) -> Callable[..., tuple[APIClient, StaffUser]]:
    def make(municipality: Municipality, role: str = "counter_clerk") -> tuple[APIClient, StaffUser]:
        user = make_staff(municipality, role)
        client = APIClient()
        login_verified(client, user)
        return client, user

    return make
