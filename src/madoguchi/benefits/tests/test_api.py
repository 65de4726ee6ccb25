"""Public simulator API: 児童手当 and 児童扶養手当 quotes (tables) and every 400 problem naming its field."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import clear_url_caches
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

import madoguchi.urls

CA_URL = "/api/v1/benefits/child-allowance/quote"
CRA_URL = "/api/v1/benefits/child-rearing-allowance/quote"


def post(client: Client, url: str, body: Any) -> Any:
    raw = body if isinstance(body, str) else json.dumps(body)
    return client.post(url, raw, content_type="application/json")


def kids(*birth_dates: str, supported: bool = True) -> list[dict[str, Any]]:
    return [{"birth_date": d, "supported": supported} for d in birth_dates]


# ---- 児童手当: amounts ------------------------------------------------------------------------------------------

# Birth dates giving these ages in November 2026.
AGE_23 = "2003-06-01"  # 22歳年度末 = 2026-03-31: no longer counted
AGE_20 = "2006-06-01"  # 大学生年代 (18歳年度末 2025-03-31, 22歳年度末 2029-03-31)
AGE_17 = "2009-06-01"
AGE_15 = "2011-05-10"
AGE_10 = "2016-09-20"
AGE_2 = "2024-01-05"
AGE_1 = "2025-06-01"


@pytest.mark.parametrize(
    ("month", "children", "expected", "total"),
    [
        # benefits.md §1.1: a 20-year-old supported student counts as 第1子, lifting the 10-year-old to 第3子.
        (
            "2026-11",
            kids(AGE_20, AGE_15, AGE_10),
            [(1, False, 0), (2, True, 10_000), (3, True, 30_000)],
            40_000,
        ),
        (
            "2026-11",
            kids(AGE_20, AGE_15, AGE_10, AGE_2),
            [(1, False, 0), (2, True, 10_000), (3, True, 30_000), (4, True, 30_000)],
            70_000,
        ),
        # Not supported → the student is not counted and the others move up.
        (
            "2026-11",
            kids(AGE_20, supported=False) + kids(AGE_15, AGE_10),
            [(None, False, 0), (1, True, 10_000), (2, True, 10_000)],
            20_000,
        ),
        # Past the 22歳年度末: never counted, even when supported.
        (
            "2026-11",
            kids(AGE_23, AGE_15, AGE_10),
            [(None, False, 0), (1, True, 10_000), (2, True, 10_000)],
            20_000,
        ),
        ("2026-11", kids(AGE_17, AGE_1), [(1, True, 10_000), (2, True, 15_000)], 25_000),
        # Input order is kept in the answer; ranking is by age (oldest = 第1子).
        (
            "2026-11",
            kids(AGE_10, AGE_20, AGE_15),
            [(3, True, 30_000), (1, False, 0), (2, True, 10_000)],
            40_000,
        ),
        # Under-18 children count whatever `supported` says.
        ("2026-11", kids(AGE_15, AGE_10, supported=False), [(1, True, 10_000), (2, True, 10_000)], 20_000),
    ],
)
def test_child_allowance_examples(
    client: Client, month: str, children: list[dict[str, Any]], expected: list[tuple], total: int
) -> None:
    response = post(client, CA_URL, {"month": month, "children": children})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["month"] == month
    assert [(c["birth_order"], c["eligible"], c["monthly_yen"]) for c in body["children"]] == expected
    assert [c["birth_date"] for c in body["children"]] == [c["birth_date"] for c in children]
    assert body["total_monthly_yen"] == total
    assert set(body) == {"month", "children", "total_monthly_yen"}
    assert set(body["children"][0]) == {"birth_date", "birth_order", "eligible", "monthly_yen"}


@pytest.mark.parametrize(
    ("birth_date", "month", "birth_order", "eligible", "yen"),
    [
        # 3-year boundary: 15,000 through the month containing the 3rd birthday, 10,000 from the next.
        ("2023-11-15", "2026-11", 1, True, 15_000),
        ("2023-11-15", "2026-12", 1, True, 10_000),
        ("2023-11-30", "2026-11", 1, True, 15_000),
        # Born on the 1st: reaches 3 on 31 October, yet keeps 15,000 through November (児童手当法 §6).
        ("2023-11-01", "2026-11", 1, True, 15_000),
        ("2023-11-01", "2026-12", 1, True, 10_000),
        ("2023-10-31", "2026-11", 1, True, 10_000),
        # 18歳年度末: 1 April births reach 18 on 31 March and leave a year earlier than 2 April births.
        ("2008-04-01", "2026-03", 1, True, 10_000),
        ("2008-04-01", "2026-04", None, False, 0),  # unsupported 大学生年代: not counted either
        ("2008-04-02", "2026-04", 1, True, 10_000),
        ("2008-04-02", "2027-03", 1, True, 10_000),
        ("2008-04-02", "2027-04", None, False, 0),
        # Born during the month: counts from the next month.
        ("2026-11-30", "2026-11", None, False, 0),
        ("2026-11-01", "2026-11", None, False, 0),
        ("2026-11-30", "2026-12", 1, True, 15_000),
        # The first and last supported months.
        ("2024-09-30", "2024-10", 1, True, 15_000),
        ("2099-11-30", "2099-12", 1, True, 15_000),
    ],
)
def test_child_allowance_month_boundaries(
    client: Client, birth_date: str, month: str, birth_order: int | None, eligible: bool, yen: int
) -> None:
    children = [{"birth_date": birth_date, "supported": False}]
    body = post(client, CA_URL, {"month": month, "children": children}).json()
    assert (body["children"][0]["birth_order"], body["children"][0]["eligible"]) == (birth_order, eligible)
    assert body["children"][0]["monthly_yen"] == yen == body["total_monthly_yen"]


@pytest.mark.parametrize(
    ("month", "third_yen"),
    [
        # A supported student born 2004-04-01 reaches 22 on 2026-03-31: counted through March 2026 only.
        ("2026-03", 30_000),
        ("2026-04", 10_000),
    ],
)
def test_22_year_boundary_changes_the_third_child(client: Client, month: str, third_yen: int) -> None:
    children = kids("2004-04-01", "2012-06-01", "2016-06-01")
    body = post(client, CA_URL, {"month": month, "children": children}).json()
    assert body["children"][2]["monthly_yen"] == third_yen


def test_supported_defaults_to_false(client: Client) -> None:
    body = post(
        client, CA_URL, {"month": "2026-11", "children": [{"birth_date": AGE_20}, {"birth_date": AGE_10}]}
    ).json()
    assert body["children"][0]["birth_order"] is None
    assert body["total_monthly_yen"] == 10_000


# ---- 児童扶養手当: amounts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("children", "income_yen", "dependents", "monthly_yen", "kind"),
    [
        # 扶養1人: full below 1,070,000, partial below 2,460,000 (limits from 2024-11).
        (1, 1_000_000, 1, 46_690, "full"),
        (2, 1_069_999, 1, 46_690 + 11_030, "full"),
        (3, 0, 1, 46_690 + 2 * 11_030, "full"),
        # A limit itself falls in the next bracket (「以上」).
        (2, 1_070_000, 1, 46_680 + 11_020, "partial"),
        # benefits.md §2 worked example: 35,650 + 9,320.
        (2, 1_500_000, 1, 44_970, "partial"),
        (1, 2_459_999, 1, 11_010, "partial"),
        (1, 2_460_000, 1, 0, "none"),
        (3, 5_000_000, 1, 0, "none"),
        # 扶養0人: 690,000 / 2,080,000.
        (1, 689_999, 0, 46_690, "full"),
        (1, 690_000, 0, 46_680, "partial"),
        (1, 2_080_000, 0, 0, "none"),
        # Beyond the table: +380,000 per further dependant (6 → 2,970,000 full limit).
        (1, 2_969_999, 6, 46_690, "full"),
        (1, 2_970_000, 6, 46_680, "partial"),
    ],
)
def test_child_rearing_allowance_table(
    client: Client, children: int, income_yen: int, dependents: int, monthly_yen: int, kind: str
) -> None:
    body = {"fiscal_year": 2025, "children": children, "income_yen": income_yen, "dependents": dependents}
    response = post(client, CRA_URL, body)
    assert response.status_code == 200, response.content
    assert response.json() == {"monthly_yen": monthly_yen, "kind": kind}


# ---- 400 problems ------------------------------------------------------------------------------------------------


def assert_problem(response: Any, field: str, *fragments: str) -> dict[str, Any]:
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 400 and body["type"] == "about:blank"
    assert body["field"] == field
    assert field in body["errors"]
    assert body["detail"].startswith(f"{field}: ")
    for fragment in fragments:
        assert fragment in body["detail"]
    return body


ONE = [{"birth_date": "2016-09-20", "supported": True}]


@pytest.mark.parametrize(
    ("body", "field", "fragments"),
    [
        ({"month": "2024-09", "children": ONE}, "month", ("2024-10", "supported range")),
        ({"month": "2019-04", "children": ONE}, "month", ("supported range: 2024-10 to 2099-12",)),
        (
            {"month": "2100-01", "children": ONE},
            "month",
            ("after 2099-12", "supported range: 2024-10 to 2099-12"),
        ),
        ({"month": "9999-12", "children": [{"birth_date": "9999-01-01"}]}, "month", ("after 2099-12",)),
        ({"month": "2026-13", "children": ONE}, "month", ("YYYY-MM",)),
        ({"month": "202611", "children": ONE}, "month", ("YYYY-MM",)),
        ({"month": "令和8年11月", "children": ONE}, "month", ("YYYY-MM",)),
        ({"children": ONE}, "month", ("required",)),
        ({"month": "2026-11", "children": []}, "children", ("empty",)),
        ({"month": "2026-11", "children": ONE * 21}, "children", ("20",)),
        ({"month": "2026-11"}, "children", ("required",)),
        ({"month": "2026-11", "children": "2016-09-20"}, "children", ("list",)),
        (
            {"month": "2026-11", "children": [*ONE, {"birth_date": "2026-12-01"}]},
            "children[1].birth_date",
            ("after the month 2026-11",),
        ),
        (
            {"month": "2026-11", "children": [*ONE, {"birth_date": "2026/11/01"}]},
            "children[1].birth_date",
            ("YYYY-MM-DD",),
        ),
        ({"month": "2026-11", "children": [{"supported": True}]}, "children[0].birth_date", ("required",)),
        (
            {"month": "2026-11", "children": [{"birth_date": "2016-09-20", "supported": "maybe"}]},
            "children[0].supported",
            ("boolean",),
        ),
        ([ONE], "body", ("dictionary",)),
    ],
)
def test_child_allowance_invalid_input(
    client: Client, body: Any, field: str, fragments: tuple[str, ...]
) -> None:
    assert_problem(post(client, CA_URL, body), field, *fragments)


def test_all_invalid_fields_are_listed(client: Client) -> None:
    body = {
        "month": "2026-11",
        "children": [{"birth_date": "x"}, {"birth_date": "2016-09-20"}, {"birth_date": "y"}],
    }
    problem = assert_problem(post(client, CA_URL, body), "children[0].birth_date")
    assert set(problem["errors"]) == {"children[0].birth_date", "children[2].birth_date"}


@pytest.mark.parametrize(
    ("body", "field", "fragments"),
    [
        (
            {"fiscal_year": 2024, "children": 1, "income_yen": 0, "dependents": 0},
            "fiscal_year",
            ("2024", "supported fiscal years: 2025"),
        ),
        (
            {"fiscal_year": 2030, "children": 1, "income_yen": 0, "dependents": 0},
            "fiscal_year",
            ("supported fiscal years: 2025",),
        ),
        ({"fiscal_year": "abc", "children": 1, "income_yen": 0, "dependents": 0}, "fiscal_year", ()),
        ({"fiscal_year": 2025, "children": 0, "income_yen": 0, "dependents": 0}, "children", ("1",)),
        ({"fiscal_year": 2025, "children": -1, "income_yen": 0, "dependents": 0}, "children", ()),
        ({"fiscal_year": 2025, "children": 21, "income_yen": 0, "dependents": 0}, "children", ("20",)),
        (
            {"fiscal_year": 2025, "children": 1, "income_yen": -1, "dependents": 0},
            "income_yen",
            ("greater than or equal to 0",),
        ),
        (
            {"fiscal_year": 2025, "children": 1, "income_yen": 0, "dependents": -1},
            "dependents",
            ("greater than or equal to 0",),
        ),
        ({"fiscal_year": 2025, "children": 1, "dependents": 0}, "income_yen", ("required",)),
        ({"fiscal_year": 2025, "children": 1, "income_yen": 1.5, "dependents": 0}, "income_yen", ()),
    ],
)
def test_child_rearing_allowance_invalid_input(
    client: Client, body: Any, field: str, fragments: tuple[str, ...]
) -> None:
    assert_problem(post(client, CRA_URL, body), field, *fragments)


@pytest.mark.parametrize("url", [CA_URL, CRA_URL])
@pytest.mark.parametrize("raw", ['{"month": "2026-11", ', "not json", "{'month': '2026-11'}"])
def test_malformed_json_is_a_problem(client: Client, url: str, raw: str) -> None:
    body = assert_problem(post(client, url, raw), "body", "not valid JSON")
    assert body["title"] == "Malformed JSON" and body["code"] == "parse_error"


@pytest.mark.parametrize(("url", "field"), [(CA_URL, "month"), (CRA_URL, "fiscal_year")])
def test_empty_body_names_the_first_required_field(client: Client, url: str, field: str) -> None:
    assert_problem(post(client, url, ""), field, "required")


def test_problems_are_english_whatever_the_language(client: Client) -> None:
    response = client.post(
        CA_URL,
        json.dumps({"month": "2026-11", "children": []}),
        content_type="application/json",
        headers={"Accept-Language": "ja"},
    )
    assert assert_problem(response, "children")["detail"] == "children: This list may not be empty."


@pytest.mark.parametrize("url", [CA_URL, CRA_URL])
def test_only_post(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"


# ---- zones -------------------------------------------------------------------------------------------------------


@pytest.fixture
def zone(settings: Any) -> Iterator[Any]:
    def use(name: str) -> None:
        settings.MADOGUCHI_ZONE = name
        importlib.reload(madoguchi.urls)
        clear_url_caches()

    yield use
    settings.MADOGUCHI_ZONE = "all"
    importlib.reload(madoguchi.urls)
    clear_url_caches()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["portal", "office", "all"])
def test_api_is_public_in_every_zone(zone: Any, name: str) -> None:
    zone(name)
    client = Client(enforce_csrf_checks=True)
    response = post(client, CA_URL, {"month": "2026-11", "children": ONE})
    assert response.status_code == 200
    assert response.json()["total_monthly_yen"] == 10_000
    pages = client.get("/benefits/child-allowance/").status_code
    assert pages == (404 if name == "office" else 200)


# ---- robustness --------------------------------------------------------------------------------------------------

_json_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=12) | st.floats(allow_nan=False)
_month_texts = st.from_regex(r"\A\d{4}-\d{2}\Z") | _json_scalars
_date_texts = st.dates().map(lambda d: d.isoformat()) | _json_scalars


@hypothesis_settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    month=_month_texts,
    births=st.lists(
        st.fixed_dictionaries({"birth_date": _date_texts, "supported": st.booleans()}), max_size=4
    ),
)
def test_child_allowance_never_fails_with_a_500(client: Client, month: Any, births: list[Any]) -> None:
    response = post(client, CA_URL, {"month": month, "children": births})
    assert response.status_code in {200, 400}
    if response.status_code == 200:
        body = response.json()
        assert body["total_monthly_yen"] == sum(c["monthly_yen"] for c in body["children"])


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    fiscal_year=st.integers(2000, 2100) | _json_scalars,
    children=st.integers(-3, 25) | _json_scalars,
    income_yen=st.integers(-10, 10**11) | _json_scalars,
    dependents=st.integers(-3, 25) | _json_scalars,
)
def test_child_rearing_allowance_never_fails_with_a_500(
    client: Client, fiscal_year: Any, children: Any, income_yen: Any, dependents: Any
) -> None:
    body = {
        "fiscal_year": fiscal_year,
        "children": children,
        "income_yen": income_yen,
        "dependents": dependents,
    }
    response = post(client, CRA_URL, body)
    assert response.status_code in {200, 400}
    if response.status_code == 200:
        assert response.json()["kind"] in {"full", "partial", "none"}
