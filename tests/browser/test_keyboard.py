"""Keyboard only (WCAG 2.1.1, 2.1.2, 2.4.1, 2.4.3, 2.4.7): the resident's main journey on the portal and the
clerk's login + resident search in the office, with Tab / Enter / Space and typing — no mouse, no page.goto after
the first page. Every element that takes focus must show a visible ring (computed outline ≥ 2px), Tab must always
move focus on (no trap), and every page visited passes axe.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from madoguchi.identity.services import issue_test_card
from madoguchi.registry.models import Resident
from madoguchi.registry.tests.factories import load_residents
from madoguchi.testing import TEST_PASSWORD, current_token

from .conftest import assert_accessible
from .test_every_route import write_results_section

AUTH_PIN = "1234"
CHILD = "child_allowance_certification"
MIN_OUTLINE_PX = 2.0
# Chromium's date/time inputs take one Tab per part (year, month, day, picker button) before focus leaves.
MULTI_PART_INPUTS = {"date": 4, "time": 4, "datetime-local": 7, "month": 3, "week": 3}


def _stays(info: dict[str, Any], repeats: int) -> bool:
    """Whether focus staying on `info` for `repeats` more Tabs is still normal (a multi-part input), not a trap."""
    return repeats < MULTI_PART_INPUTS.get(info["type"], 1)


# What has focus: a stable key (DOM path), what it is, and how its focus ring is drawn.
FOCUSED_JS = """() => {
  const e = document.activeElement;
  if (!e || e === document.body || e === document.documentElement) return null;
  const path = [];
  for (let n = e; n && n.nodeType === 1; n = n.parentElement) {
    const i = n.parentElement ? [...n.parentElement.children].indexOf(n) : 0;
    path.unshift(n.tagName.toLowerCase() + ':' + i);
  }
  const s = getComputedStyle(e);
  const label = e.labels && e.labels.length ? e.labels[0].innerText : '';
  return {
    key: path.join('/'), tag: e.tagName.toLowerCase(), id: e.id || '', cls: String(e.className || ''),
    text: (e.innerText || e.value || e.getAttribute('aria-label') || '').trim().slice(0, 80),
    label: label.trim(), href: e.getAttribute('href') || '', type: e.getAttribute('type') || '',
    outline: s.outlineStyle === 'none' ? 0 : parseFloat(s.outlineWidth) || 0,
  };
}"""


def focused(page: Page) -> dict[str, Any] | None:
    """The element that has keyboard focus (None when focus is on the page itself)."""
    info: dict[str, Any] | None = page.evaluate(FOCUSED_JS)
    return info


def assert_focus_visible(info: dict[str, Any], url: str) -> None:
    """2.4.7 / 2.4.11: the focused element draws an outline of at least 2 CSS px."""
    assert info["outline"] >= MIN_OUTLINE_PX, (
        f"no visible focus ring on {info['tag']}#{info['id']}.{info['cls']} «{info['text']}» at {url} "
        f"(outline {info['outline']}px)"
    )


def tab_until(page: Page, want: Callable[[dict[str, Any]], bool], *, max_tabs: int = 120) -> dict[str, Any]:
    """Press Tab until `want(focused)`; each stop must show a focus ring and Tab must always move focus."""
    previous: str | None = None
    repeats = 0
    for _ in range(max_tabs):
        page.keyboard.press("Tab")
        info = focused(page)
        if info is None:  # past the last element: the next Tab starts again at the top
            previous = None
            continue
        repeats = repeats + 1 if info["key"] == previous else 0
        assert _stays(info, repeats), f"keyboard trap: Tab did not move focus from {info} at {page.url}"
        if repeats == 0:  # the inner parts of a date input are drawn by Chromium itself
            assert_focus_visible(info, page.url)
        if want(info) and repeats == 0:
            return info
        previous = info["key"]
    raise AssertionError(f"not reached with {max_tabs} Tabs on {page.url}")


def assert_no_keyboard_trap(page: Page, *, max_tabs: int = 300) -> int:
    """Tab through the whole page from the top: focus must get round to where it started (2.1.2). Returns stops."""
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    seen: list[str] = []
    repeats = 0
    for _ in range(max_tabs):
        page.keyboard.press("Tab")
        info = focused(page)
        if info is None or (len(seen) > 1 and info["key"] == seen[0]):
            assert seen, f"nothing on {page.url} takes keyboard focus"
            return len(seen)
        if seen and info["key"] == seen[-1]:
            repeats += 1
            assert _stays(info, repeats), f"keyboard trap at {info} on {page.url}"
            continue
        repeats = 0
        assert_focus_visible(info, page.url)
        seen.append(info["key"])
    raise AssertionError(f"focus never came round again after {max_tabs} Tabs on {page.url} (trap?)")


def press_enter_and_wait(page: Page, url_glob: str) -> None:
    page.keyboard.press("Enter")
    page.wait_for_url(url_glob)
    page.wait_for_load_state("load")


KEYBOARD_RESULTS: list[dict[str, Any]] = []


@pytest.fixture(scope="module", autouse=True)
def keyboard_results() -> Iterator[None]:
    """Writes the keyboard results to test-results/accessibility.json when the module is done."""
    yield
    names = {
        "test_resident_journey_by_keyboard_only": "住民: ホーム → 手続検索 → 手続ページ → ログイン → 申請開始",
        "test_office_login_and_resident_search_by_keyboard_only": "職員: ログイン → 住民検索 → 住民記録",
    }
    done = {r["test"] for r in KEYBOARD_RESULTS}
    results = list(KEYBOARD_RESULTS) + [
        {"test": t, "journey": j, "passed": False, "pages": []} for t, j in names.items() if t not in done
    ]
    for r in results:
        r.setdefault("journey", names.get(r["test"], r["test"]))
    write_results_section("keyboard", results)


@pytest.fixture
def carded_resident(chiyoda: Any) -> Resident:
    resident = next(
        r for r in load_residents(chiyoda, 6, seed=5) if r.status == "current" and r.birth_date is not None
    )
    issue_test_card(actor=None, resident_id=resident.pk, signing_pin="ABC123", auth_pin=AUTH_PIN)
    return resident


def test_resident_journey_by_keyboard_only(page: Page, carded_resident: Resident) -> None:
    visited: list[dict[str, Any]] = []

    def checked(page: Page) -> None:
        assert_accessible(page)
        visited.append(
            {"url": page.url.split("//", 1)[1].split("/", 1)[1], "tab_stops": assert_no_keyboard_trap(page)}
        )

    page.goto("/")
    checked(page)
    # 2.4.1: the first Tab lands on the skip link, and Enter moves focus into the main content.
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.keyboard.press("Tab")
    first = focused(page)
    assert first is not None and "skip-link" in first["cls"], first
    assert_focus_visible(first, page.url)
    assert page.evaluate(
        "() => document.activeElement.getBoundingClientRect().top >= 0"
    )  # shown when focused
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"

    # Search the procedures from the home page's search box.
    tab_until(page, lambda i: i["tag"] == "input" and i["type"] == "search")
    page.keyboard.type("児童手当")
    press_enter_and_wait(page, "**/procedures/?q=*")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    checked(page)

    # Open the procedure page from the results.
    tab_until(page, lambda i: i["href"].rstrip("/").endswith(f"/procedures/{CHILD}"))
    press_enter_and_wait(page, f"**/procedures/{CHILD}/")
    checked(page)

    # Apply online: not logged in, so the login form comes first (and brings the resident back afterwards).
    tab_until(page, lambda i: i["tag"] == "a" and "/apply/" in i["href"])
    press_enter_and_wait(page, "**/login/?next=*")
    expect(page.get_by_role("heading", level=1)).to_have_text("マイナンバーカードでログイン")
    checked(page)

    # The test card: a radio button, chosen with Space; the PIN typed; the button pressed with Enter.
    tab_until(page, lambda i: i["type"] == "radio" and carded_resident.full_name in i["label"])
    page.keyboard.press("Space")
    tab_until(page, lambda i: i["type"] == "password")
    page.keyboard.type(AUTH_PIN)
    tab_until(page, lambda i: i["tag"] == "button" and i["text"] == "ログインする")
    press_enter_and_wait(page, f"**/apply/{CHILD}/")
    checked(page)

    # The header now offers マイページ; reach it by keyboard too.
    tab_until(page, lambda i: i["href"].endswith("/mypage/"))
    press_enter_and_wait(page, "**/mypage/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{carded_resident.full_name} さん、ようこそ")
    checked(page)
    KEYBOARD_RESULTS.append(
        {"test": "test_resident_journey_by_keyboard_only", "passed": True, "pages": visited}
    )


def test_office_login_and_resident_search_by_keyboard_only(
    page: Page, chiyoda: Any, make_staff: Callable[..., Any]
) -> None:
    people = load_residents(chiyoda, 12, seed=3)
    person = next(p for p in people if p.status == "current")
    clerk = make_staff(chiyoda, "counter_clerk")
    visited: list[dict[str, Any]] = []

    def checked(page: Page) -> None:
        assert_accessible(page)
        visited.append(
            {"url": page.url.split("//", 1)[1].split("/", 1)[1], "tab_stops": assert_no_keyboard_trap(page)}
        )

    page.goto("/office/login/")
    checked(page)
    page.keyboard.press("Tab")
    first = focused(page)
    assert first is not None and "skip-link" in first["cls"], first
    tab_until(page, lambda i: i["label"] == "ユーザー名")
    page.keyboard.type(clerk.username)
    tab_until(page, lambda i: i["label"] == "パスワード")
    page.keyboard.type(TEST_PASSWORD)
    tab_until(page, lambda i: i["label"] == "確認コード（6桁）")
    page.keyboard.type(current_token(TOTPDevice.objects.get(user=clerk)))
    tab_until(page, lambda i: i["tag"] == "button" and i["text"] == "ログイン")
    press_enter_and_wait(page, "**/office/")
    checked(page)

    tab_until(page, lambda i: i["tag"] == "a" and i["href"].endswith("/office/residents/"))
    press_enter_and_wait(page, "**/office/residents/")
    checked(page)
    tab_until(page, lambda i: i["label"] == "氏名（漢字またはカナ）")
    page.keyboard.type(person.family_name_kana + person.given_name_kana)
    press_enter_and_wait(page, "**/office/residents/?*")
    expect(page.get_by_role("link", name=person.full_name)).to_be_visible()
    checked(page)
    tab_until(page, lambda i: i["tag"] == "a" and i["href"].endswith(f"/office/residents/{person.pk}/"))
    press_enter_and_wait(page, f"**/office/residents/{person.pk}/*")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    checked(page)
    KEYBOARD_RESULTS.append(
        {"test": "test_office_login_and_resident_search_by_keyboard_only", "passed": True, "pages": visited}
    )
