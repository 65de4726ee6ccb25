"""Every route of both zones, accounted for: each HTML page is scanned with axe-core (WCAG 2.2 A/AA) at the phone
and desktop viewports in every language of its zone (portal: the seven of settings.LANGUAGES, office: ja/en),
checked for horizontal scrolling at 375 px and for weight (document + CSS + JS ≤ 100 KB before images); every
other route is listed with the reason it is not a page.

A new URL pattern that is neither in ROUTES nor a DRF API view fails `test_every_route_is_classified`, so no page
escapes the scan. Results go to test-results/accessibility.json (read by scripts/accessibility-report).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from importlib import import_module
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize
from rest_framework.views import APIView

from madoguchi.core.i18n import html_lang
from madoguchi.identity.portal_session import SESSION_KEY

from .conftest import AXE_JS, DESKTOP, PHONE, ROOT, WCAG_TAGS, axe_violations, office_login

RESULTS_FILE = ROOT / "test-results" / "accessibility.json"
MAX_PAGE_BYTES = 100 * 1024
# Portal pages in every portal language, office pages in the office's (ja/en). A11Y_LANGUAGES=ja,ko narrows a
# developer's quick re-run.
LANGUAGES: tuple[str, ...] = tuple(code for code, _ in settings.LANGUAGES)
OFFICE_LANGUAGES: tuple[str, ...] = tuple(settings.MADOGUCHI_OFFICE_LANGUAGES)
VIEWPORTS: dict[str, ViewportSize] = {
    name: {"width": size["width"], "height": size["height"]}
    for name, size in (("phone", PHONE), ("desktop", DESKTOP))
}

# Who must be logged in to see a page: nobody, a resident (portal session), or staff of a role (office).
ANON = "anonymous"
RESIDENT = "resident"
APPROVER = "staff:approver"  # the widest casework + registry permissions
AUDITOR = "staff:auditor"  # the only role that reads the audit and access logs


@dataclass(frozen=True)
class Demo:
    """Identifiers of the synthetic data the sample URLs point at."""

    resident_id: int
    household_id: int
    procedure_code: str
    draft_id: str
    page_key: str
    receipt_number: str
    case_id: int
    document_id: str
    event_id: int
    counter_id: str = ""  # a counter application (書かない窓口) ready to confirm
    counter_page_key: str = ""
    counter_done_id: str = ""  # a filed counter application
    disposal_id: int = 0  # a disposal proposal (廃棄の起案) awaiting approval
    recipient_id: int = 0  # a 児童手当 受給者
    run_id: int = 0  # a payment run in preparation (with a blocked payee)
    exported_run_id: int = 0  # an exported payment run
    care_resident_id: int = 0  # a 介護保険 insured person with 要介護認定
    care_certification_id: int = 0  # a 要介護認定 after the committee (the result form shows)
    care_received_id: int = 0  # a 要介護認定 just accepted (the step form shows)
    placement_id: int = 0  # a 保育 利用申込 in 選考中 (the outcome form shows)
    pregnancy_fresh_id: int = 0  # a 妊娠の届出 before the handbooks (issue and approve forms show)
    pregnancy_approved_id: int = 0  # one with handbooks and an approved 1回目 (the 2回目 form shows)
    change_proposal_id: int = 0  # a 児童手当 change proposal awaiting a clerk (approve/reject forms show)
    child_rearing_recipient_id: int = 0  # a 児童扶養手当 受給者 with a review awaiting income
    child_rearing_review_id: int = 0  # that review (the income form shows)
    child_rearing_confirmed_review_id: int = 0  # a review with a confirmed result (the correction form shows)


@dataclass(frozen=True)
class HtmlPage:
    """An HTML page: the zone, who is logged in, and the concrete URLs (one or more variants) to scan."""

    zone: str  # "portal" | "office"
    auth: str
    urls: Callable[[Demo], list[str]]
    # Where the browser must end up (path), when the URL redirects on purpose (e.g. the OIDC start).
    lands_on: Callable[[Demo], str] | None = None


@dataclass(frozen=True)
class NotPage:
    """A route that is not an HTML page a person reads, with the reason."""

    kind: str  # "api" | "non_html" | "redirect" | "post_only" | "alias"
    reason: str


Route = HtmlPage | NotPage


def _r(name: str, **kwargs: Any) -> str:
    return reverse(name, kwargs=kwargs or None)


def _one(name: str, **params: Callable[[Demo], Any]) -> Callable[[Demo], list[str]]:
    return lambda d: [_r(name, **{k: f(d) for k, f in params.items()})]


# Keyed by the namespaced route name, or by the pattern for unnamed routes.
ROUTES: dict[str, Route] = {
    # --- infrastructure ---------------------------------------------------------------------------------------
    "healthz": NotPage("non_html", "text/plain liveness probe for the load balancer"),
    "set_language": NotPage("redirect", "language form target: POST, then redirects back to the page"),
    # --- portal -------------------------------------------------------------------------------------------------
    "portal:home": HtmlPage("portal", ANON, _one("portal:home")),
    "portal:assisted_use": HtmlPage("portal", ANON, _one("portal:assisted_use")),
    "portal:municipality_lookup": HtmlPage(
        "portal",
        ANON,
        lambda d: [_r("portal:municipality_lookup"), _r("portal:municipality_lookup") + "?code=131016"],
    ),
    "portal:login": HtmlPage("portal", ANON, _one("portal:login")),
    "identity:card_login": NotPage("alias", "same URL and view as portal:login (login/), scanned there"),
    "portal:mypage": HtmlPage("portal", RESIDENT, _one("portal:mypage")),
    "identity:logout": NotPage("post_only", "logout button target (POST), redirects to the home page"),
    "identity:oidc_start": NotPage(
        "redirect", "redirects to the identity provider; its page is oidc:authorize"
    ),
    "identity:oidc_callback": NotPage(
        "redirect", "provider callback: exchanges the code, redirects to mypage"
    ),
    "identity:oidc_sign_callback": NotPage(
        "redirect",
        "signing callback: exchanges the code, fetches and verifies the result, redirects to the sign page "
        "(the provider's signing page is walked with axe in test_sign_app_journey)",
    ),
    "oidc:discovery": NotPage("api", "OpenID Connect discovery document (JSON)"),
    "oidc:authorize": HtmlPage(
        "portal", ANON, _one("identity:oidc_start"), lands_on=lambda d: _r("oidc:authorize")
    ),
    "oidc:token": NotPage("api", "OIDC token endpoint (POST, JSON)"),
    "oidc:userinfo": NotPage("api", "OIDC userinfo endpoint (JSON)"),
    "oidc:jwks": NotPage("api", "OIDC signing keys (JSON)"),
    "oidc:sign_transactions": NotPage(
        "api", "sign-transaction creation (POST, client-credentials token, JSON)"
    ),
    "oidc:sign_transaction_result": NotPage("api", "sign-transaction result (GET, application/jose JWE)"),
    # The zone channel: the office's signed calls into the portal (HMAC, not in docs/openapi.yaml).
    "internal:submissions": NotPage("api", "internal: submissions feed for the office (signed GET, JSON)"),
    "internal:attachment": NotPage(
        "api", "internal: attachment bytes for the office (signed GET, octet-stream)"
    ),
    "internal:status-events": NotPage("api", "internal: status pushes from the office (signed POST, JSON)"),
    "procedures:list": HtmlPage(
        "portal", ANON, lambda d: [_r("procedures:list"), _r("procedures:list") + "?q=児童手当"]
    ),
    "procedures:detail": HtmlPage("portal", ANON, _one("procedures:detail", code=lambda d: d.procedure_code)),
    "benefits:child_allowance": HtmlPage("portal", ANON, _one("benefits:child_allowance")),
    "benefits:child_rearing_allowance": HtmlPage("portal", ANON, _one("benefits:child_rearing_allowance")),
    "documents:verify_upload": HtmlPage("portal", ANON, _one("documents:verify_upload")),
    "documents:verify_document": HtmlPage(
        "portal", ANON, _one("documents:verify_document", public_id=lambda d: d.document_id)
    ),
    "intake:my_applications": HtmlPage("portal", RESIDENT, _one("intake:my_applications")),
    "intake:start": HtmlPage("portal", RESIDENT, _one("intake:start", code=lambda d: d.procedure_code)),
    "intake:page": HtmlPage(
        "portal",
        RESIDENT,
        _one("intake:page", draft_id=lambda d: d.draft_id, page_key=lambda d: d.page_key),
    ),
    "intake:attachments": HtmlPage(
        "portal", RESIDENT, _one("intake:attachments", draft_id=lambda d: d.draft_id)
    ),
    "intake:review": HtmlPage("portal", RESIDENT, _one("intake:review", draft_id=lambda d: d.draft_id)),
    "intake:sign": HtmlPage("portal", RESIDENT, _one("intake:sign", draft_id=lambda d: d.draft_id)),
    "intake:delete_draft": NotPage("post_only", "delete-draft button target (POST), redirects to the list"),
    "intake:status": HtmlPage(
        "portal", RESIDENT, _one("intake:status", receipt_number=lambda d: d.receipt_number)
    ),
    "intake:receipt": HtmlPage(
        "portal", RESIDENT, _one("intake:receipt", receipt_number=lambda d: d.receipt_number)
    ),
    "intake:receipt_pdf": NotPage(
        "non_html", "signed PDF receipt (application/pdf; PDF/UA is out of scope here)"
    ),
    "intake:withdraw": HtmlPage(
        "portal", RESIDENT, _one("intake:withdraw", receipt_number=lambda d: d.receipt_number)
    ),
    "intake:correct": NotPage("post_only", "starts a correction draft (POST), redirects to its first page"),
    # --- office -------------------------------------------------------------------------------------------------
    "office:home": HtmlPage("office", APPROVER, _one("office:home")),
    "office:login": HtmlPage("office", ANON, _one("office:login")),
    "office:logout": NotPage("post_only", "logout button target (POST), redirects to the login page"),
    "office:resident_search": HtmlPage(
        "office",
        APPROVER,
        lambda d: [_r("office:resident_search"), _r("office:resident_search") + "?name=ヤマダ"],
    ),
    "office:resident_detail": HtmlPage(
        "office",
        APPROVER,
        lambda d: [
            _r("office:resident_detail", resident_id=d.resident_id),
            _r("office:resident_detail", resident_id=d.resident_id) + "?purpose=certificate_issuance",
        ],
    ),
    "office:reveal_number": NotPage(
        "post_only", "reveals the 個人番号 (POST, audited), redirects to the record"
    ),
    "office:audit_log": HtmlPage("office", AUDITOR, _one("office:audit_log")),
    "office:access_log": HtmlPage("office", AUDITOR, _one("office:access_log")),
    "office:resident_timeline": HtmlPage(
        "office", APPROVER, _one("office:resident_timeline", resident_id=lambda d: d.resident_id)
    ),
    "office:resident_event": HtmlPage(
        "office",
        APPROVER,
        lambda d: [
            _r("office:resident_event", resident_id=d.resident_id, kind=k)
            for k in _event_kinds("RESIDENT_EVENTS")
        ],
    ),
    "office:household_detail": HtmlPage(
        "office", APPROVER, _one("office:household_detail", household_id=lambda d: d.household_id)
    ),
    "office:household_event": HtmlPage(
        "office",
        APPROVER,
        lambda d: [
            _r("office:household_event", household_id=d.household_id, kind=k)
            for k in _event_kinds("HOUSEHOLD_EVENTS")
        ],
    ),
    "office:event_move_in": HtmlPage("office", APPROVER, _one("office:event_move_in")),
    "office:event_result": HtmlPage(
        "office", APPROVER, lambda d: [_r("office:event_result") + f"?ids={d.event_id}"]
    ),
    "office:registers": HtmlPage("office", APPROVER, _one("office:registers")),
    "office:electoral_roll": HtmlPage("office", APPROVER, _one("office:electoral_roll")),
    "office:school_register": HtmlPage("office", APPROVER, _one("office:school_register")),
    "office:certificate_issue": HtmlPage(
        "office", APPROVER, _one("office:certificate_issue", resident_id=lambda d: d.resident_id)
    ),
    "office:casework:list": HtmlPage(
        "office",
        APPROVER,
        lambda d: [_r("office:casework:list"), _r("office:casework:list") + "?status=open&pulled=1"],
    ),
    "office:casework:pull": NotPage(
        "post_only", "「今すぐ取り込む」 button target (POST), redirects to the case list"
    ),
    "office:casework:detail": HtmlPage(
        "office", APPROVER, _one("office:casework:detail", case_id=lambda d: d.case_id)
    ),
    "office:casework:notice_pdf": NotPage("non_html", "signed decision notice (application/pdf)"),
    "office:casework:action": HtmlPage(
        "office",
        APPROVER,
        lambda d: [_r("office:casework:action", case_id=d.case_id, action=a) for a in ("claim", "note")],
    ),
    "office:casework:counter_start": HtmlPage(
        "office",
        APPROVER,
        lambda d: [
            _r("office:casework:counter_start"),
            _r("office:casework:counter_start") + "?name=%E3%83%A4%E3%83%9E%E3%83%80",
            _r("office:casework:counter_start") + f"?resident={d.resident_id}",
        ],
    ),
    "office:casework:counter_page": HtmlPage(
        "office",
        APPROVER,
        _one(
            "office:casework:counter_page",
            public_id=lambda d: d.counter_id,
            page_key=lambda d: d.counter_page_key,
        ),
    ),
    "office:casework:counter_identity": HtmlPage(
        "office", APPROVER, _one("office:casework:counter_identity", public_id=lambda d: d.counter_id)
    ),
    "office:casework:counter_confirm": HtmlPage(
        "office", APPROVER, _one("office:casework:counter_confirm", public_id=lambda d: d.counter_id)
    ),
    "office:casework:counter_sheet": NotPage(
        "non_html", "counter confirmation sheet 確認票 (application/pdf)"
    ),
    "office:casework:counter_done": HtmlPage(
        "office", APPROVER, _one("office:casework:counter_done", public_id=lambda d: d.counter_done_id)
    ),
    "office:casework:retention": HtmlPage("office", APPROVER, _one("office:casework:retention")),
    "office:casework:disposal": HtmlPage(
        "office", APPROVER, _one("office:casework:disposal", request_id=lambda d: d.disposal_id)
    ),
    "office:benefits:recipients": HtmlPage("office", APPROVER, _one("office:benefits:recipients")),
    "office:benefits:recipient_detail": HtmlPage(
        "office", APPROVER, _one("office:benefits:recipient_detail", recipient_id=lambda d: d.recipient_id)
    ),
    "office:benefits:index": HtmlPage("office", APPROVER, _one("office:benefits:index")),
    "office:benefits:runs": HtmlPage("office", APPROVER, _one("office:benefits:runs")),
    "office:benefits:run_create": HtmlPage(
        "office",
        APPROVER,
        lambda d: [
            _r("office:benefits:run_create"),
            _r("office:benefits:run_create") + "?payment_month=2027-06",
        ],
    ),
    "office:benefits:care_certifications": HtmlPage(
        "office",
        APPROVER,
        lambda d: [
            _r("office:benefits:care_certifications"),
            _r("office:benefits:care_certifications") + "?all=1",
        ],
    ),
    "office:benefits:care_certification": HtmlPage(
        "office",
        APPROVER,
        lambda d: [
            _r("office:benefits:care_certification", certification_id=d.care_certification_id),
            _r("office:benefits:care_certification", certification_id=d.care_received_id),
        ],
    ),
    "office:benefits:care_certification_advance": NotPage(
        "post_only", "step form target (POST), redirects to the certification page"
    ),
    "office:benefits:care_certification_result": NotPage(
        "post_only", "result form target (POST), redirects to the certification page"
    ),
    "office:benefits:care_copay_share": NotPage(
        "post_only", "負担割合 form target (POST), redirects to the insured person's page"
    ),
    "office:benefits:care_insured_person": HtmlPage(
        "office",
        APPROVER,
        _one("office:benefits:care_insured_person", resident_id=lambda d: d.care_resident_id),
    ),
    "office:benefits:care_cost_ceiling_facts": HtmlPage(
        "office",
        APPROVER,
        _one("office:benefits:care_cost_ceiling_facts", resident_id=lambda d: d.care_resident_id),
    ),
    "office:benefits:care_high_cost_facts": HtmlPage(
        "office",
        APPROVER,
        _one("office:benefits:care_high_cost_facts", resident_id=lambda d: d.care_resident_id),
    ),
    "office:benefits:childcare_certifications": HtmlPage(
        "office", APPROVER, _one("office:benefits:childcare_certifications")
    ),
    "office:benefits:childcare_placements": HtmlPage(
        "office",
        APPROVER,
        lambda d: [
            _r("office:benefits:childcare_placements"),
            _r("office:benefits:childcare_placements") + "?status=screening",
        ],
    ),
    "office:benefits:childcare_placement_detail": HtmlPage(
        "office",
        APPROVER,
        _one("office:benefits:childcare_placement_detail", application_id=lambda d: d.placement_id),
    ),
    "office:benefits:childcare_placement_screening": NotPage(
        "post_only", "選考中にする form target (POST), redirects to the application page"
    ),
    "office:benefits:childcare_placement_outcome": NotPage(
        "post_only", "利用調整の結果 form target (POST), redirects to the application page"
    ),
    "office:benefits:childcare_placement_confirm": NotPage(
        "post_only", "入所決定 form target (POST), redirects to the application page"
    ),
    "office:benefits:childcare_placement_withdraw": NotPage(
        "post_only", "辞退 form target (POST), redirects to the application page"
    ),
    "office:benefits:pregnancies": HtmlPage("office", APPROVER, _one("office:benefits:pregnancies")),
    "office:benefits:pregnancy_detail": HtmlPage(
        "office",
        APPROVER,
        lambda d: [
            _r("office:benefits:pregnancy_detail", pregnancy_id=d.pregnancy_fresh_id),
            _r("office:benefits:pregnancy_detail", pregnancy_id=d.pregnancy_approved_id),
        ],
    ),
    "office:benefits:pregnancy_handbooks": NotPage(
        "post_only", "交付を記録 form target (POST), redirects to the pregnancy page"
    ),
    "office:benefits:pregnancy_second_payment": NotPage(
        "post_only", "2回目の申請 form target (POST), redirects to the pregnancy page"
    ),
    "office:benefits:child_rearing_recipients": HtmlPage(
        "office", APPROVER, _one("office:benefits:child_rearing_recipients")
    ),
    "office:benefits:child_rearing_register": NotPage(
        "post_only", "受給者を登録 form target (POST), redirects to the recipient page"
    ),
    "office:benefits:child_rearing_recipient_detail": HtmlPage(
        "office",
        APPROVER,
        _one(
            "office:benefits:child_rearing_recipient_detail",
            recipient_id=lambda d: d.child_rearing_recipient_id,
        ),
    ),
    "office:benefits:child_rearing_review_detail": HtmlPage(
        "office",
        APPROVER,
        lambda d: [
            _r("office:benefits:child_rearing_review_detail", review_id=d.child_rearing_review_id),
            _r("office:benefits:child_rearing_review_detail", review_id=d.child_rearing_confirmed_review_id),
        ],
    ),
    "office:benefits:child_rearing_confirm_income": NotPage(
        "post_only", "所得の確認 form target (POST), redirects to the review page"
    ),
    "office:benefits:pregnancy_request_approve": NotPage(
        "post_only", "支給決定 button target (POST), redirects to the pregnancy page"
    ),
    "office:benefits:payment_settings": HtmlPage(
        "office", APPROVER, _one("office:benefits:payment_settings")
    ),
    "office:benefits:run_detail": HtmlPage(
        "office",
        APPROVER,
        lambda d: [
            _r("office:benefits:run_detail", run_id=d.run_id),
            _r("office:benefits:run_detail", run_id=d.exported_run_id),
        ],
    ),
    "office:benefits:run_export": NotPage("post_only", "export button target (POST), redirects to the run"),
    "office:benefits:change_proposals": HtmlPage(
        "office",
        APPROVER,
        lambda d: [
            _r("office:benefits:change_proposals"),
            _r("office:benefits:change_proposals") + "?status=approved",
        ],
    ),
    "office:benefits:change_proposal": HtmlPage(
        "office",
        APPROVER,
        _one("office:benefits:change_proposal", proposal_id=lambda d: d.change_proposal_id),
    ),
    "office:benefits:change_review_run": NotPage(
        "post_only", "review-scan button target (POST), redirects to the proposal list"
    ),
    "office:benefits:change_approve": NotPage(
        "post_only", "approve button target (POST), redirects to the proposal"
    ),
    "office:benefits:change_reject": NotPage(
        "post_only", "reject button target (POST), redirects to the proposal"
    ),
    "office:benefits:run_discard": NotPage(
        "post_only", "discard button target (POST), redirects to the list"
    ),
    "office:benefits:run_file": NotPage("non_html", "全銀 総合振込 file (Shift_JIS, 120-byte records)"),
    "office:benefits:run_register": NotPage("non_html", "payment register 振込明細 (text/csv)"),
}


def _event_kinds(table: str) -> list[str]:
    """Every registry event form offered on the office pages (each kind is its own form page)."""
    return list(getattr(import_module("madoguchi.office.registry_views"), table))


def all_routes() -> list[tuple[str, str, Any]]:
    """(key, pattern, view) of every URL pattern in the resolver, recursively (key = namespaced name or pattern)."""

    def walk(patterns: list[Any], prefix: str, namespace: str) -> Iterator[tuple[str, str, Any]]:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}:{p.namespace}" if namespace and p.namespace else p.namespace or namespace
                yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                pattern = prefix + str(p.pattern)
                key = f"{namespace}:{p.name}" if namespace and p.name else p.name or pattern
                yield key, pattern, p.callback

    return list(walk(get_resolver().url_patterns, "", ""))


def is_api_view(view: Any) -> bool:
    """A Django REST framework view: JSON in and out, documented in docs/openapi.yaml, not an HTML page."""
    view_class = getattr(view, "view_class", None) or getattr(view, "cls", None)
    return isinstance(view_class, type) and issubclass(view_class, APIView)


def classify(key: str, view: Any) -> Route | None:
    """The route's entry in ROUTES, an API classification for DRF views, or None when unaccounted for."""
    if key in ROUTES:
        return ROUTES[key]
    if is_api_view(view):
        return NotPage("api", "REST API (JSON), schema in docs/openapi.yaml")
    return None


def test_every_route_is_classified() -> None:
    """Fails when a route appears that is neither scanned nor excluded with a reason (or an entry went stale)."""
    assert settings.MADOGUCHI_ZONE == "all", (
        "run with MADOGUCHI_ZONE=all so both zones' routes are enumerated"
    )
    routes = all_routes()
    assert len(routes) > 40
    keys = [k for k, _, _ in routes]
    assert len(keys) == len(set(keys)), (
        f"duplicate route keys: {sorted(k for k in keys if keys.count(k) > 1)}"
    )
    missing = [f"{key}  ({pattern})" for key, pattern, view in routes if classify(key, view) is None]
    assert not missing, (
        "New routes must be scanned or excluded with a reason in tests/browser/test_every_route.py ROUTES:\n"
        + "\n".join(missing)
    )
    stale = sorted(set(ROUTES) - set(keys))
    assert not stale, f"ROUTES lists routes that no longer exist: {stale}"
    # A DRF view must not hide behind a page entry, and a page entry must not be a DRF view.
    for key, _, view in routes:
        if isinstance(ROUTES.get(key), HtmlPage):
            assert not is_api_view(view), key


def test_route_table_covers_both_zones_and_all_roles() -> None:
    pages = [r for r in ROUTES.values() if isinstance(r, HtmlPage)]
    assert {p.zone for p in pages} == {"portal", "office"}
    assert {p.auth for p in pages} == {ANON, RESIDENT, APPROVER, AUDITOR}
    for key, route in ROUTES.items():
        if isinstance(route, NotPage):
            assert route.kind in {"api", "non_html", "redirect", "post_only", "alias"}, key
            assert len(route.reason) > 10, key


# --- results file -------------------------------------------------------------------------------------------------


def write_results_section(section: str, value: Any) -> None:
    """Merge one section into test-results/accessibility.json (the route scan and the keyboard tests share it)."""
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = {}
    if RESULTS_FILE.exists():
        try:
            data = json.loads(RESULTS_FILE.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            data = {}
    data[section] = value
    RESULTS_FILE.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


@pytest.fixture(scope="session")
def route_results(browser: Browser) -> Iterator[dict[str, Any]]:
    """Collects every scan result of the session and writes them when the session ends."""
    collected: dict[str, Any] = {"pages": [], "excluded": []}
    yield collected
    if not collected["pages"]:
        return
    axe_version = json.loads((AXE_JS.parent / "package.json").read_text())["version"]
    collected["meta"] = {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "axe_core": axe_version,
        "chromium": browser.version,
        "wcag_tags": WCAG_TAGS,
        "viewports": VIEWPORTS,
        "languages": list(LANGUAGES),
        "office_languages": list(OFFICE_LANGUAGES),
        "scan_seconds": collected.get("scan_seconds"),
        "max_page_bytes": MAX_PAGE_BYTES,
    }
    write_results_section("routes", collected)


# --- demo data and sessions ---------------------------------------------------------------------------------------


def make_demo(chiyoda: Any) -> tuple[Demo, Any]:
    """Synthetic residents, a signed application pulled into casework, a draft with complete answers, a receipt."""
    from madoguchi.casework.models import Case
    from madoguchi.casework.tests.helpers import CHILD, make_world, pull_all, submit_child_allowance
    from madoguchi.intake import services as intake
    from madoguchi.intake.models import Draft
    from madoguchi.intake.tests.helpers import child_allowance_answers
    from madoguchi.procedures.engine import get_catalogue
    from madoguchi.registry.models import RegistryEvent
    from madoguchi.registry.tests.factories import load_residents

    people = load_residents(chiyoda, 20, seed=11)
    person = next(p for p in people if p.status == "current" and p.household_id is not None)
    assert person.household_id is not None
    world = make_world(chiyoda)
    submitted = submit_child_allowance(chiyoda, world)
    pull_all()
    case = Case.objects.get(receipt_number=submitted.application.receipt_number)
    intake.issue_receipt_document(identity=submitted.identity, application=submitted.application)
    submitted.application.refresh_from_db()
    # A second draft of the same procedure, complete, so the review and sign pages render rather than redirect.
    draft = intake.start_draft(
        identity=submitted.identity, municipality_code=chiyoda.code, procedure_code=CHILD
    )
    Draft.objects.filter(pk=draft.pk).update(answers=child_allowance_answers(world))
    event = RegistryEvent.objects.filter(resident_id=person.pk).order_by("pk").first()
    assert event is not None
    from madoguchi.casework.tests.helpers import make_counter_sessions, make_disposal_proposal

    counter_demo = make_counter_sessions(chiyoda, world)
    disposal_id = make_disposal_proposal(chiyoda, counter_demo.done_receipt_number)
    from madoguchi.office.tests.child_allowance_helpers import make_payment_demo

    payment_demo = make_payment_demo(chiyoda, world)
    from madoguchi.office.tests.child_allowance_changes_helpers import make_change_proposal

    change_proposal = make_change_proposal(payment_demo.recipient_id)
    from madoguchi.benefits.tests.care_helpers import make_care_demo

    care_demo = make_care_demo(chiyoda)
    from madoguchi.benefits.tests.childcare_helpers import make_placement_demo

    placement = make_placement_demo(chiyoda)
    from madoguchi.benefits.tests.pregnancy_helpers import make_pregnancy_demo

    pregnancy_demo = make_pregnancy_demo(chiyoda)
    from madoguchi.benefits.tests.child_rearing_helpers import make_child_rearing_demo

    child_rearing = make_child_rearing_demo(chiyoda)
    demo = Demo(
        resident_id=person.pk,
        household_id=person.household_id,
        procedure_code=CHILD,
        draft_id=draft.public_id,
        page_key=get_catalogue().procedures[CHILD].form.pages[0].key,
        receipt_number=submitted.application.receipt_number,
        case_id=case.pk,
        document_id=submitted.application.receipt_document_id,
        event_id=event.pk,
        counter_id=counter_demo.open_id,
        counter_page_key=counter_demo.open_first_page,
        counter_done_id=counter_demo.done_id,
        disposal_id=disposal_id,
        recipient_id=payment_demo.recipient_id,
        run_id=payment_demo.draft_run_id,
        exported_run_id=payment_demo.exported_run_id,
        care_resident_id=care_demo.resident_id,
        care_certification_id=care_demo.committee_id,
        care_received_id=care_demo.received_id,
        placement_id=placement.pk,
        pregnancy_fresh_id=pregnancy_demo.fresh_id,
        pregnancy_approved_id=pregnancy_demo.approved_id,
        change_proposal_id=change_proposal.pk,
        child_rearing_recipient_id=child_rearing.recipient_id,
        child_rearing_review_id=child_rearing.review_id,
        child_rearing_confirmed_review_id=child_rearing.confirmed_review_id,
    )
    return demo, submitted.identity


def resident_session_cookie(identity: Any, base_url: str) -> dict[str, Any]:
    """A portal session for `identity`, as the card login leaves it, as a browser cookie."""
    engine = import_module(settings.SESSION_ENGINE)
    store = engine.SessionStore()
    store[SESSION_KEY] = asdict(identity)
    store.save()
    return {"name": settings.SESSION_COOKIE_NAME, "value": store.session_key, "url": base_url}


def staff_storage_state(browser: Browser, base_url: str, user: Any) -> Any:
    """Log a staff member in once through the real form; the cookies are reused by every scanning context."""
    ctx = browser.new_context(
        base_url=base_url, viewport=VIEWPORTS["desktop"], locale="ja-JP", bypass_csp=True
    )
    try:
        page = ctx.new_page()
        office_login(page, user)
        return ctx.storage_state()
    finally:
        ctx.close()


# --- measuring one page -------------------------------------------------------------------------------------------

WEIGHT_JS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const parts = [{url: location.href, kind: 'document', bytes: nav ? nav.decodedBodySize : document.documentElement.outerHTML.length}];
  for (const e of performance.getEntriesByType('resource')) {
    const path = new URL(e.name).pathname;
    const kind = path.endsWith('.css') ? 'css' : path.endsWith('.js') || path.endsWith('.mjs') ? 'js' : null;
    if (kind) parts.push({url: e.name, kind, bytes: e.decodedBodySize});
  }
  return parts;
}"""
OVERFLOW_JS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
# The innermost elements that stick out past the right edge (to name the culprit of horizontal scrolling).
WIDE_JS = """() => {
  const limit = document.documentElement.clientWidth + 1;
  const wide = [...document.body.querySelectorAll('*')].filter(e => e.getBoundingClientRect().right > limit);
  const inner = wide.filter(e => ![...e.children].some(c => wide.includes(c)));
  const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
    (typeof e.className === 'string' && e.className ? '.' + e.className.trim().split(/\\s+/).join('.') : '');
  return inner.slice(0, 3).map(e => (e.parentElement ? name(e.parentElement) + ' > ' : '') + name(e));
}"""


def scan(page: Page, url: str, lands_on: str | None) -> dict[str, dict[str, Any]]:
    """Open the page once, measure its weight, then at each viewport (the window resized, no reload: the pages
    have no script that lays them out at load) check overflow and run axe. Returns one result per viewport."""
    page.set_viewport_size(VIEWPORTS["phone"])
    response = page.goto(url, wait_until="load")
    status = response.status if response else 0
    final_path = urlparse(page.url).path
    parts = page.evaluate(WEIGHT_JS)
    common = {
        "status": status,
        "final_path": final_path,
        "redirected": final_path != urlparse(lands_on or url).path,
        "lang": page.evaluate("document.documentElement.lang"),
        "title": page.title(),
        "bytes": sum(int(p["bytes"]) for p in parts),
        "bytes_by_kind": {
            k: sum(int(p["bytes"]) for p in parts if p["kind"] == k) for k in ("document", "css", "js")
        },
    }
    results: dict[str, dict[str, Any]] = {}
    for name, size in VIEWPORTS.items():
        if name != "phone":
            page.set_viewport_size(size)
        overflow_px = int(page.evaluate(OVERFLOW_JS))
        too_wide = page.evaluate(WIDE_JS) if overflow_px > 0 else []
        violations = axe_violations(page)
        results[name] = {
            **common,
            "overflow_px": overflow_px,
            "too_wide": too_wide,
            "violations": [
                {
                    "id": v["id"],
                    "impact": v["impact"],
                    "help": v["help"],
                    "tags": [t for t in v["tags"] if t.startswith("wcag")],
                    "nodes": [n["target"] for n in v["nodes"][:5]],
                }
                for v in violations
            ],
        }
    return results


def problems_of(result: dict[str, Any], viewport: str, language: str) -> list[str]:
    """Why a scan result fails, in words (empty when it passes)."""
    out: list[str] = []
    if result["status"] != 200:
        out.append(f"HTTP {result['status']}")
    if result["redirected"]:
        out.append(f"redirected to {result['final_path']}")
    if result["lang"] != html_lang(language):
        out.append(f"html lang={result['lang']!r}, expected {html_lang(language)!r} for {language}")
    if result["violations"]:
        out.append("axe: " + ", ".join(f"{v['id']} {v['nodes']}" for v in result["violations"]))
    if viewport == "phone" and result["overflow_px"] > 0:
        out.append(f"scrolls horizontally by {result['overflow_px']}px at 375px: {result['too_wide']}")
    if result["bytes"] > MAX_PAGE_BYTES:
        out.append(f"weighs {result['bytes']} bytes > {MAX_PAGE_BYTES} ({result['bytes_by_kind']})")
    return out


def test_every_html_page_is_accessible_light_and_reflows(
    browser: Browser,
    live_server: Any,
    transactional_db: None,
    chiyoda: Any,
    make_staff: Callable[..., Any],
    settings: Any,
    route_results: dict[str, Any],
) -> None:
    """axe WCAG 2.2 A/AA, no horizontal scroll at 375 px, ≤ 100 KB: every page × its zone's languages × {phone,
    desktop} (portal 7 languages, office ja/en)."""
    base = live_server.url
    settings.MADOGUCHI_OIDC_ISSUER = f"{base}/oidc"
    settings.MADOGUCHI_PORTAL_URL = base
    demo, identity = make_demo(chiyoda)
    states: dict[str, Any] = {
        APPROVER: staff_storage_state(browser, base, make_staff(chiyoda, "approver")),
        AUDITOR: staff_storage_state(browser, base, make_staff(chiyoda, "auditor")),
    }
    resident_cookie = resident_session_cookie(identity, base)

    keys = {k for k, _, _ in all_routes()}
    targets: list[tuple[str, HtmlPage, str]] = []
    for key, route in sorted(ROUTES.items()):
        if key not in keys:
            continue
        if isinstance(route, HtmlPage):
            targets.extend((key, route, url) for url in route.urls(demo))
        else:
            route_results["excluded"].append({"route": key, **dataclasses.asdict(route)})
    assert len(targets) >= 40
    only = {k for k in os.environ.get("A11Y_ROUTES", "").split(",") if k}  # a developer's quick re-run
    if only:
        targets = [t for t in targets if t[0] in only]

    # The rule set axe ran (rule → WCAG tags), so the report can say which success criteria were checked.
    probe = browser.new_context(base_url=base, bypass_csp=True)
    try:
        probe_page = probe.new_page()
        probe_page.goto("/healthz")
        axe_violations(probe_page)
        route_results["axe_rules"] = probe_page.evaluate(
            "(tags) => axe.getRules(tags).map(r => ({id: r.ruleId, tags: r.tags, help: r.help}))", WCAG_TAGS
        )
    finally:
        probe.close()

    languages = [x for x in os.environ.get("A11Y_LANGUAGES", "").split(",") if x] or list(LANGUAGES)
    zone_languages = {"portal": LANGUAGES, "office": OFFICE_LANGUAGES}
    failures: list[str] = []
    started = time.perf_counter()
    # One browser context per login (anonymous, resident, two staff roles), reused for every language (switching
    # language is only a cookie) and both viewports (the window is resized, the page is not reloaded).
    contexts: dict[str, BrowserContext] = {}
    try:
        for auth in (ANON, RESIDENT, APPROVER, AUDITOR):
            ctx = browser.new_context(
                base_url=base,
                viewport=VIEWPORTS["phone"],
                locale="ja-JP",
                bypass_csp=True,  # only so that axe-core can be injected
                storage_state=states.get(auth),
            )
            if auth == RESIDENT:
                ctx.add_cookies([resident_cookie])
            contexts[auth] = ctx
        pages = {auth: ctx.new_page() for auth, ctx in contexts.items()}
        for page in pages.values():
            # The pages are reused across languages: without the cache, every load transfers its CSS and JS
            # again, so the weight check measures what a first visit costs.
            cdp = page.context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        for language in languages:
            for ctx in contexts.values():
                ctx.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base}])
            for key, route, url in targets:
                if language not in zone_languages[route.zone]:
                    continue
                lands_on = route.lands_on(demo) if route.lands_on else None
                for viewport_name, result in scan(pages[route.auth], url, lands_on).items():
                    problems = problems_of(result, viewport_name, language)
                    route_results["pages"].append(
                        {
                            "route": key,
                            "zone": route.zone,
                            "auth": route.auth,
                            "url": url,
                            "language": language,
                            "viewport": viewport_name,
                            "passed": not problems,
                            "problems": problems,
                            **result,
                        }
                    )
                    failures.extend(f"[{language} {viewport_name}] {url}: {p}" for p in problems)
    finally:
        for ctx in contexts.values():
            ctx.close()
    route_results["scan_seconds"] = round(time.perf_counter() - started, 1)
    assert not failures, f"{len(failures)} problem(s):\n" + "\n".join(failures)


def results_path() -> Path:
    """Where the scan writes its JSON (for scripts/accessibility-report)."""
    return RESULTS_FILE
