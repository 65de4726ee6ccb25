"""Portal pages: home by situation, list/filter/search, procedure detail, referral, language."""

from __future__ import annotations

import pytest
from django.test import Client

from madoguchi.procedures.models import MunicipalProcedureSetting

pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


def test_home_starts_from_the_situation(client: Client, chiyoda) -> None:
    body = html(client.get("/"))
    assert "何がありましたか？" in body
    assert 'href="/procedures/?situation=birth"' in body
    assert "子どもが生まれた" in body
    assert 'href="/procedures/?situation=care"' in body
    assert 'action="/procedures/"' in body  # search box
    assert 'href="/municipalities/"' in body  # the municipality-code lookup card stays


def test_list_without_filters_groups_by_category(client: Client, chiyoda) -> None:
    response = client.get("/procedures/")
    assert response.status_code == 200
    body = html(response)
    assert body.count('href="/procedures/') >= 31
    for label in ("子育て", "介護", "被災者支援", "自動車（都道府県・警察の手続）"):
        assert f">{label}</h2>" in body
    assert "オンラインで申請できます" in body


def test_list_by_life_situation(client: Client, chiyoda) -> None:
    body = html(client.get("/procedures/", {"situation": "birth"}))
    assert "<h1>子どもが生まれた</h1>" in body
    assert "4件の手続があります。" in body
    assert 'href="/procedures/child_allowance_certification/"' in body
    assert 'href="/procedures/care_needs_certification/"' not in body
    assert 'aria-current="page"' in body


def test_search_hiragana_and_halfwidth(client: Client, chiyoda) -> None:
    for q in ("にんしん", "ﾆﾝｼﾝ"):
        body = html(client.get("/procedures/", {"q": q}))
        assert "1件の手続があります。" in body, q
        assert 'href="/procedures/pregnancy_notification/"' in body
    body = html(client.get("/procedures/", {"q": "存在しない"}))
    assert "0件の手続があります。" in body
    assert "見つかりませんでした" in body


def test_invalid_filter_is_a_400_with_the_field_named(client: Client, chiyoda) -> None:
    response = client.get("/procedures/", {"situation": "wedding"})
    assert response.status_code == 400
    body = html(response)
    assert "error-summary" in body
    assert 'href="#id_situation"' in body


def test_detail_page_shows_everything(client: Client, chiyoda) -> None:
    response = client.get("/procedures/pregnancy_notification/")
    assert response.status_code == 200
    body = html(response)
    assert "<title>妊娠の届出 |" in body
    assert "あかちゃんが できたら" in body  # やさしい日本語 summary
    assert "やさしい にほんご" in body
    assert "代理人（委任状が必要）" in body  # who may apply
    assert "「委任状」の添付が必要です" in body
    assert "「届出をする人」が「代理人（家族など）」の場合に必要" in body  # attachment condition
    assert "署名用電子証明書のパスワード" in body  # signature_required
    assert "妊娠の診断を受けたらすみやかに" in body  # deadline
    assert "受付から7日程度" in body  # processing days
    assert "母子保健法 第15条" in body  # legal basis
    assert "健康推進課（母子保健担当）" in body  # default contact
    assert "窓口で手続する場合" in body  # counter alternative
    assert 'href="/apply/pregnancy_notification/"' in body
    assert "オンラインで申請する" in body


def test_easy_japanese_only_for_child_rearing(client: Client, chiyoda) -> None:
    body = html(client.get("/procedures/care_needs_certification/"))
    assert 'id="easy-title"' not in body  # (the language switcher names やさしい にほんご on every page)
    assert "介護保険法" in body


def test_disabled_procedure_has_no_apply_button_and_shows_local_contact(client: Client, chiyoda) -> None:
    MunicipalProcedureSetting.objects.create(
        municipality=chiyoda,
        procedure_code="disaster_damage_certificate",
        enabled=False,
        local_note_ja="令和8年の台風の罹災証明は区民会館の臨時窓口で受け付けます。",
        contact_section_ja="防災課 被災者支援係",
        contact_phone="03-3264-2111",
        contact_hours_ja="毎日 9時から18時まで",
    )
    body = html(client.get("/procedures/disaster_damage_certificate/"))
    assert "/apply/disaster_damage_certificate/" not in body
    assert "オンライン申請は現在受け付けていません" in body
    assert "令和8年の台風の罹災証明" in body
    assert 'href="tel:0332642111"' in body
    assert "防災課 被災者支援係" in body
    assert "毎日 9時から18時まで" in body


def test_referral_page_explains_and_links_out(client: Client, chiyoda) -> None:
    response = client.get("/procedures/vehicle_parking_certificate/")
    assert response.status_code == 200
    body = html(response)
    assert 'href="https://www.oss.mlit.go.jp/"' in body
    assert "/apply/" not in body
    assert "この窓口からは申請できません" in body


def test_unknown_procedure_is_404(client: Client, chiyoda) -> None:
    assert client.get("/procedures/no_such_procedure/").status_code == 404


def test_english_pages_show_catalogue_text_in_english_with_official_japanese(client: Client, chiyoda) -> None:
    client.cookies["django_language"] = "en"
    body = html(client.get("/procedures/pregnancy_notification/"))
    assert '<html lang="en">' in body
    assert "Pregnancy notification" in body
    assert '<span class="official-name" lang="ja">妊娠の届出</span>' in body
    assert 'Maternal and Child Health Act Art. 15 <span lang="ja">（母子保健法 第15条）</span>' in body
    assert 'id="easy-title"' not in body  # the Easy Japanese box is for the Japanese page
    assert "Required if “Person filing” is “A proxy (e.g. a family member)”" in body
    assert "<h2>What you need</h2>" in body  # page text through the app's English message catalogue
    assert "About 7 days from receipt" in body
    listing = html(client.get("/procedures/", {"situation": "pregnancy"}))
    assert "Pregnancy notification" in listing


def test_search_text_is_escaped(client: Client, chiyoda) -> None:
    body = html(client.get("/procedures/", {"q": "<script>alert(1)</script>"}))
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
