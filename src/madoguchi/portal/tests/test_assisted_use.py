"""The help page for assisted use: counter help (書かない窓口) and applying through someone else (代理申請)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from madoguchi.procedures.engine import get_catalogue

pytestmark = pytest.mark.django_db


def test_help_page_explains_counter_and_proxy_from_the_catalogue() -> None:
    response = Client().get(reverse("portal:assisted_use"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "書かない窓口" in body and "委任状とは" in body
    catalogue = get_catalogue()
    helped = response.context["helped"]
    self_only = response.context["self_only"]
    # Every procedure is listed once, on the side its who_may_apply puts it.
    assert {p["code"] for p in helped} | {p["code"] for p in self_only} == set(catalogue.procedures)
    by_code = {p["code"]: p for p in helped}
    care = by_code["care_needs_certification"]
    labels = [str(h["label"]) for h in care["helpers"]]
    assert "代理人（委任状が必要）" in labels and "家族" in labels
    proxy = next(h for h in care["helpers"] if str(h["label"]).startswith("代理人"))
    assert proxy["proof"] == "委任状"  # the authorization attachment named in the catalogue
    assert "child_allowance_certification" in {p["code"] for p in self_only}
    assert reverse("procedures:detail", args=["care_needs_certification"]) in body


def test_help_page_is_linked_from_home_and_every_procedure_page() -> None:
    client = Client()
    url = reverse("portal:assisted_use")
    assert f'href="{url}"' in client.get(reverse("portal:home")).content.decode()
    for code in ("child_allowance_certification", "disaster_damage_certificate"):
        page = client.get(reverse("procedures:detail", args=[code])).content.decode()
        assert f'href="{url}"' in page, code


def test_help_page_in_easy_japanese_has_furigana() -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja-easy"
    body = client.get(reverse("portal:assisted_use")).content.decode()
    assert '<html lang="ja">' in body
    assert "<ruby>委任状<rp>（</rp><rt>いにんじょう</rt><rp>）</rp></ruby>" in body
    title = body[body.index("<title>") : body.index("</title>")]
    assert "<ruby>" not in title and "手続（てつづき）" in title
    assert "｛" not in body  # no notation left anywhere
