"""Staff login: password + TOTP, lockout after 5 failures, every office page needs a verified second factor."""

import datetime as dt
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from madoguchi.testing import TEST_PASSWORD, current_token

pytestmark = pytest.mark.django_db


def _post(client: Client, username: str, password: str, token: str):
    return client.post("/office/login/", {"username": username, "password": password, "otp_token": token})


def _wrong_token(device: TOTPDevice) -> str:
    return f"{(int(current_token(device)) + 500_000) % 1_000_000:06d}"


def test_password_and_totp_log_in_and_show_the_municipality(make_staff, chiyoda) -> None:
    user = make_staff(chiyoda)
    client = Client()
    response = _post(client, user.username, TEST_PASSWORD, current_token(TOTPDevice.objects.get(user=user)))
    assert response.status_code == 302 and response["Location"] == "/office/"
    home = client.get("/office/")
    assert home.status_code == 200
    assert "千代田区" in home.content.decode()


def test_wrong_totp_is_refused_with_a_clear_message(make_staff, chiyoda) -> None:
    user = make_staff(chiyoda)
    client = Client()
    response = _post(client, user.username, TEST_PASSWORD, _wrong_token(TOTPDevice.objects.get(user=user)))
    assert response.status_code == 400
    assert "確認コードが正しくない" in response.content.decode()
    assert client.get("/office/").status_code == 302


def test_wrong_password_is_refused(make_staff, chiyoda) -> None:
    user = make_staff(chiyoda)
    response = _post(Client(), user.username, "wrong-password-123", "123456")
    assert response.status_code == 400
    assert "ユーザー名またはパスワードが正しくありません" in response.content.decode()


def test_malformed_totp_names_the_field(make_staff, chiyoda) -> None:
    user = make_staff(chiyoda)
    response = _post(Client(), user.username, TEST_PASSWORD, "12ab")
    assert response.status_code == 200
    assert "確認コードは6桁の数字で入力してください" in response.content.decode()


def test_five_failures_lock_the_account(make_staff, chiyoda) -> None:
    user = make_staff(chiyoda)
    device = TOTPDevice.objects.get(user=user)
    client = Client()
    for _ in range(3):
        _post(client, user.username, "wrong-password-123", "123456")
    for _ in range(2):  # wrong second factors count too
        _post(client, user.username, TEST_PASSWORD, _wrong_token(device))
    locked = _post(client, user.username, TEST_PASSWORD, current_token(device))
    assert locked.status_code == 429
    assert "ロックされています" in locked.content.decode()
    assert client.get("/office/").status_code == 302


def test_lockout_is_per_account(make_staff, chiyoda) -> None:
    victim, other = make_staff(chiyoda), make_staff(chiyoda)
    client = Client()
    for _ in range(5):
        _post(client, victim.username, "wrong-password-123", "123456")
    ok = _post(client, other.username, TEST_PASSWORD, current_token(TOTPDevice.objects.get(user=other)))
    assert ok.status_code == 302


@pytest.mark.parametrize(
    "path", ["/office/", "/office/residents/", "/office/audit-log/", "/office/access-log/"]
)
def test_office_pages_need_a_verified_second_factor(make_staff, chiyoda, path: str) -> None:
    user = make_staff(chiyoda)
    client = Client()
    client.force_login(user)  # password only, no TOTP
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/office/login/")


def test_office_api_needs_a_verified_second_factor(make_staff, chiyoda) -> None:
    user = make_staff(chiyoda)
    client = Client()
    client.force_login(user)
    response = client.get("/api/v1/office/residents", {"name": "佐藤"})
    assert response.status_code in (401, 403)
    assert response["Content-Type"] == "application/problem+json"


def test_sessions_end_after_30_idle_minutes_and_use_keeps_them_without_a_write_per_request(
    staff_client, chiyoda
) -> None:
    assert settings.SESSION_COOKIE_AGE == 1800
    client, _user = staff_client(chiyoda, "reviewer")
    start = timezone.now()

    def at(minutes: float) -> HttpResponse:
        moment = start + dt.timedelta(minutes=minutes)
        with (
            mock.patch("django.utils.timezone.now", return_value=moment),
            CaptureQueriesContext(connection) as queries,
        ):
            response = client.get("/office/")
        response.session_writes = sum("django_session" in q["sql"] and "UPDATE" in q["sql"] for q in queries)  # type: ignore[attr-defined]
        return response

    first = at(0)
    assert first.status_code == 200
    assert at(0.5).session_writes == 0  # within the refresh interval: read only
    refreshed = at(20)
    assert refreshed.status_code == 200 and refreshed.session_writes == 1  # past the interval: saved once
    assert at(20.5).session_writes == 0
    assert at(45).status_code == 200  # 25 minutes after the refresh at 20: still in
    assert at(74).status_code == 200  # 29 minutes after the refresh at 45
    idle = at(74 + 31)  # 31 idle minutes
    assert idle.status_code == 302 and idle["Location"].startswith("/office/login/")


def test_staff_without_a_municipality_cannot_log_in(make_staff, chiyoda) -> None:
    user = make_staff(chiyoda)
    user.municipality = None
    user.save()
    response = _post(Client(), user.username, TEST_PASSWORD, current_token(TOTPDevice.objects.get(user=user)))
    assert response.status_code == 400 and "自治体に所属していない" in response.content.decode()


def test_passwords_are_hashed_with_argon2_in_production() -> None:
    from madoguchi.settings import base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_a_right_code_just_after_a_wrong_one_says_to_wait(make_staff, chiyoda) -> None:
    user = make_staff(chiyoda)
    device = TOTPDevice.objects.get(user=user)
    client = Client()
    _post(client, user.username, TEST_PASSWORD, _wrong_token(device))
    again = _post(client, user.username, TEST_PASSWORD, current_token(device))
    assert again.status_code == 400
    assert "少し待ってから" in again.content.decode()


def test_a_stale_session_cookie_does_not_create_a_session(db) -> None:
    from django.contrib.sessions.models import Session

    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = (
        "x" * 32
    )  # a session that does not exist (expired, deleted)
    assert client.get("/office/login/").status_code == 200
    assert client.get("/").status_code == 200
    assert Session.objects.count() == 0
