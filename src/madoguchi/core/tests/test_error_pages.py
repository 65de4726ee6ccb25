import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_unknown_page_is_a_japanese_404() -> None:
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert "ページが見つかりません" in response.content.decode()


def test_api_errors_are_problem_json_even_for_unknown_methods(client) -> None:
    response = client.post("/api/v1/municipalities/131016", data="{}", content_type="application/json")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"


def test_csrf_failure_explains_itself() -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/office/login/", {"username": "x", "password": "y", "otp_token": "123456"})
    assert response.status_code == 403
    assert "有効期限が切れました" in response.content.decode()


def test_wareki_filter_shows_both_calendars() -> None:
    import datetime as dt

    from madoguchi.core.templatetags.madoguchi import wareki

    assert wareki(dt.date(1949, 8, 12)) == "昭和24年8月12日（1949年）"
    assert wareki(dt.date(2019, 5, 1)) == "令和元年5月1日（2019年）"
    assert wareki(None) == ""
