"""The resident journey in the portal languages: catalogue texts and form-engine messages follow the page
language (procedures.i18n), Japanese stays the default."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest
from django.test import Client

from madoguchi.intake.models import Draft
from madoguchi.procedures import i18n
from madoguchi.procedures.engine import get_catalogue

from .helpers import card_identity, login_resident, make_world

PREGNANCY = "pregnancy_notification"
PORTAL_LANGUAGES = [
    ("ja", "日本語"),
    ("ja-easy", "やさしい にほんご"),
    ("en", "English"),
    ("vi", "Tiếng Việt"),
]


@pytest.fixture
def world(chiyoda):
    return make_world(chiyoda)


@pytest.fixture
def overlay_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(i18n, "OVERLAY_DIR", tmp_path)
    i18n.load_overlay.cache_clear()
    yield tmp_path
    i18n.load_overlay.cache_clear()


def _start(world, language: str) -> tuple[Client, str]:
    identity, _card = card_identity(world.wife)
    client = login_resident(Client(), identity)
    client.cookies["django_language"] = language
    client.post(f"/apply/{PREGNANCY}/")
    draft = Draft.objects.get()
    return client, f"/apply/drafts/{draft.public_id}/pages"


def test_form_pages_in_english(world, settings) -> None:
    settings.LANGUAGES = PORTAL_LANGUAGES
    form = get_catalogue().get(PREGNANCY).form
    role_page = form.page("applicant_role")
    role = role_page.fields[0]
    client, base = _start(world, "en")
    body = client.get(f"{base}/applicant_role/").content.decode()
    assert role_page.title_en in body and role_page.title_ja not in body
    assert role.label_en in body
    assert all(o.label_en in body for o in role.options)
    response = client.post(f"{base}/applicant_role/", {"action": "next"})
    assert response.status_code == 400
    body = html.unescape(response.content.decode())
    assert f'Select an answer for "{role.label_en}"' in body
    assert f"「{role.label_ja}」を選んでください" not in body


def test_form_pages_in_an_overlay_language_fall_back_to_english(
    world, settings, overlay_dir, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.LANGUAGES = PORTAL_LANGUAGES
    # As if the engine's message templates had no Vietnamese translation yet (translators are filling them).
    monkeypatch.setattr(i18n, "_translated", lambda template, code: None)
    form = get_catalogue().get(PREGNANCY).form
    role_page = form.page("applicant_role")
    role = role_page.fields[0]
    (overlay_dir / "vi.json").write_text(
        json.dumps(
            {role_page.title_ja: "Ai nộp thông báo?", role.options[0].label_ja: "Tôi"}, ensure_ascii=False
        ),
        encoding="utf-8",
    )
    client, base = _start(world, "vi")
    body = client.get(f"{base}/applicant_role/").content.decode()
    assert "Ai nộp thông báo?" in body and "Tôi" in body
    assert role.label_en in body  # not in the overlay: English
    body = html.unescape(client.post(f"{base}/applicant_role/", {"action": "next"}).content.decode())
    assert f'Select an answer for "{role.label_en}"' in body  # no template translation: English


def test_japanese_stays_the_default(world) -> None:
    form = get_catalogue().get(PREGNANCY).form
    role = form.page("applicant_role").fields[0]
    client, base = _start(world, "ja")
    body = html.unescape(client.post(f"{base}/applicant_role/", {"action": "next"}).content.decode())
    assert f"「{role.label_ja}」を選んでください" in body
