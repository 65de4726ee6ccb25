"""MADOGUCHI_ZONE selects which URL roots a process serves."""

import importlib
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import clear_url_caches

import madoguchi.urls

pytestmark = pytest.mark.django_db


@pytest.fixture
def zone(settings) -> Iterator[object]:
    def use(name: str) -> None:
        settings.MADOGUCHI_ZONE = name
        importlib.reload(madoguchi.urls)
        clear_url_caches()

    yield use
    settings.MADOGUCHI_ZONE = "all"
    importlib.reload(madoguchi.urls)
    clear_url_caches()


def test_portal_zone_has_no_office(zone) -> None:
    zone("portal")
    client = Client()
    assert client.get("/").status_code == 200
    assert client.get("/office/login/").status_code == 404
    assert client.get("/api/v1/office/residents").status_code == 404
    assert client.get("/api/v1/municipalities/131016").status_code == 200


def test_office_zone_has_no_portal(zone) -> None:
    zone("office")
    client = Client()
    root = client.get("/")
    assert root.status_code == 302 and root["Location"] == "/office/"
    assert client.get("/municipalities/").status_code == 404
    assert client.get("/office/login/").status_code == 200


def test_all_zone_serves_both(zone) -> None:
    zone("all")
    client = Client()
    assert client.get("/").status_code == 200
    assert client.get("/office/login/").status_code == 200
