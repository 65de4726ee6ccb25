"""Browser tests: Debian's Chromium driven by Playwright, with axe-core (WCAG 2.2 A/AA) on every page visited."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from madoguchi.testing import TEST_PASSWORD, current_token, ensure_municipalities

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("MADOGUCHI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def context(browser: Browser, live_server: Any, transactional_db: None) -> Iterator[BrowserContext]:
    ensure_municipalities()
    # bypass_csp only lets the test inject axe-core; the pages themselves run under the real policy.
    ctx = browser.new_context(base_url=live_server.url, viewport=DESKTOP, locale="ja-JP", bypass_csp=True)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    p = context.new_page()
    yield p
    p.close()


def axe_violations(page: Page, *, disable: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Run axe-core on the current page with the WCAG 2.2 A/AA rule set; return the violations."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE_JS.read_text())
    options = {
        "runOnly": {"type": "tag", "values": WCAG_TAGS},
        # Only violations are read: skipping the node lists of passes/inapplicable/incomplete makes axe faster
        # without changing which rules run or what counts as a violation.
        "resultTypes": ["violations"],
        "rules": {r: {"enabled": False} for r in disable},
    }
    result = page.evaluate("async (options) => await window.axe.run(document, options)", options)
    return list(result["violations"])


def assert_accessible(page: Page) -> None:
    """Fail with a readable report when axe-core finds any WCAG 2.2 A/AA violation on the current page."""
    violations = axe_violations(page)
    if violations:
        report = [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "nodes": [n["target"] for n in v["nodes"][:5]],
            }
            for v in violations
        ]
        pytest.fail(f"axe violations on {page.url}:\n{json.dumps(report, ensure_ascii=False, indent=1)}")


def office_login(page: Page, user: Any) -> None:
    """Log a staff member in through the real form (password + current TOTP code)."""
    page.goto("/office/login/")
    assert_accessible(page)
    page.get_by_label("ユーザー名").fill(user.username)
    page.get_by_label("パスワード").fill(TEST_PASSWORD)
    page.get_by_label("確認コード（6桁）").fill(current_token(TOTPDevice.objects.get(user=user)))
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/office/")


@pytest.fixture
def logged_in(page: Page) -> Callable[[Any], Page]:
    def login(user: Any) -> Page:
        office_login(page, user)
        return page

    return login
