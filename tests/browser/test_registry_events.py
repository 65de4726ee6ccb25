"""Registry events in a real browser: a clerk records a 転居 through the form and its confirmation step, then sees
it in the resident's timeline and household. axe-core (WCAG 2.2 A/AA) on every page visited."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import Page, expect

from madoguchi.registry.models import Resident
from madoguchi.registry.tests.event_helpers import family

from .conftest import assert_accessible, office_login


def test_clerk_records_a_relocation_and_sees_it_in_the_timeline(page: Page, make_staff, chiyoda) -> None:
    clerk = make_staff(chiyoda, "counter_clerk")
    today = timezone.localdate()
    moved_in, relocated = today - dt.timedelta(days=30), today - dt.timedelta(days=16)
    f = family(clerk, moved_in_on=moved_in, today=today)
    office_login(page, clerk)
    page.get_by_role("link", name="住民検索").first.click()
    page.get_by_label("氏名（漢字またはカナ）").fill("ヤマダ")
    page.get_by_role("button", name="検索").click()
    assert_accessible(page)
    page.get_by_role("link", name=f.head.full_name).first.click()
    page.get_by_label("利用目的").select_option("registry_maintenance")
    page.get_by_role("button", name="表示する").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("山田")
    assert_accessible(page)

    page.get_by_role("link", name="異動履歴（タイムライン）と異動の記録").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("異動履歴")
    expect(page.get_by_role("heading", name=f"{moved_in.isoformat()} 転入")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="転居届").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("転居届")
    assert_accessible(page)
    # Nothing filled in: the errors are summarised at the top and each links to its field.
    page.get_by_role("button", name="確認へ進む").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("入力内容を確認してください")
    assert_accessible(page)
    summary.get_by_role("link", name="町字: 町字を入力してください。").click()
    expect(page.get_by_label("町字", exact=True)).to_be_focused()

    page.get_by_label("転居日（住み始めた日）").fill(relocated.isoformat())
    page.get_by_label("届出日").fill(today.isoformat())
    page.get_by_label("町字", exact=True).fill("神田")
    page.get_by_label("番地・号").fill("2番3号")
    page.get_by_role("button", name="確認へ進む").click()
    expect(page.get_by_role("heading", name="この内容で記録します。")).to_be_visible()
    expect(
        page.get_by_text("届出期間（14日以内")
    ).to_be_visible()  # filed 16 days later: a warning, not a block
    assert_accessible(page)
    assert Resident.objects.get(pk=f.head.pk).machiaza == "丸の内"  # nothing recorded yet

    page.get_by_role("button", name="記録する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("異動を記録しました")
    expect(page.get_by_role("status").first).to_contain_text("3 件の異動を記録しました")
    assert_accessible(page)

    page.get_by_role("link", name="山田　太郎さんの異動履歴を見る").click()
    expect(page.get_by_role("heading", name=f"{relocated.isoformat()} 転居")).to_be_visible()
    expect(page.get_by_role("cell", name="神田").first).to_be_visible()
    page.get_by_role("textbox", name="基準日").fill((relocated - dt.timedelta(days=1)).isoformat())
    page.get_by_role("button", name="表示", exact=True).click()
    expect(
        page.get_by_role("heading", name=f"{(relocated - dt.timedelta(days=1)).isoformat()} 時点の記載")
    ).to_be_visible()
    expect(page.get_by_role("definition").filter(has_text="東京都千代田区丸の内1丁目1番1号")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="世帯（世帯番号 00000001）を表示する").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("00000001")
    expect(page.get_by_text("東京都千代田区神田2番3号")).to_be_visible()
    assert_accessible(page)


def test_every_event_page_is_accessible(page: Page, make_staff, chiyoda) -> None:
    reviewer = make_staff(chiyoda, "reviewer")  # may also correct (職権修正)
    today = timezone.localdate()
    f = family(reviewer, moved_in_on=today - dt.timedelta(days=30), today=today)
    office_login(page, reviewer)
    pages = [f"/office/residents/{f.head.pk}/events/{kind}/" for kind in
             ("relocation", "move-out", "death", "name-change", "correction")]  # fmt: skip
    pages += [f"/office/households/{f.head.household_id}/events/{kind}/" for kind in
              ("move-in", "birth", "head-change", "split", "merge")]  # fmt: skip
    pages += ["/office/registry/move-in/", f"/office/households/{f.head.household_id}/?purpose=audit"]
    for url in pages:
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_accessible(page)
    # A confirmation page with several residents and a consequential 世帯主変更.
    page.goto(f"/office/residents/{f.head.pk}/events/death/")
    page.get_by_label("死亡日").fill(today.isoformat())
    page.get_by_label("届出日").fill(today.isoformat())
    page.get_by_label("新しい世帯主").select_option(str(f.wife.pk))
    page.get_by_role("button", name="確認へ進む").click()
    expect(page.get_by_role("heading", name="この内容で記録します。")).to_be_visible()
    expect(page.get_by_role("heading", name="世帯主変更")).to_be_visible()
    assert_accessible(page)
