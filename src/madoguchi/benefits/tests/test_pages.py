"""Portal simulator pages (no login, no JavaScript): forms, plain-Japanese results, errors linked to fields."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from madoguchi.benefits.forms import parse_month, parse_yen

pytestmark = pytest.mark.django_db

CA_PAGE = "/benefits/child-allowance/"
CRA_PAGE = "/benefits/child-rearing-allowance/"


def rows(*entries: tuple[str, bool], total: int = 6) -> dict[str, str]:
    data = {"children-TOTAL_FORMS": str(total), "children-INITIAL_FORMS": "0"}
    for index, (birth_date, supported) in enumerate(entries):
        data[f"children-{index}-birth_date"] = birth_date
        if supported:
            data[f"children-{index}-supported"] = "on"
    return data


def text(response: Any) -> str:
    """The page's visible text with tags removed and whitespace collapsed."""
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def error_links(response: Any) -> list[tuple[str, str]]:
    """(href, text) of the links in the error summary."""
    html = response.content.decode()
    summary = html[
        html.index('class="error-summary"') : html.index("</div>", html.index('class="error-summary"'))
    ]
    return re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)


# ---- parsing helpers ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "month"),
    [
        ("2026-11", dt.date(2026, 11, 1)),
        ("２０２６／１１", dt.date(2026, 11, 1)),
        ("2026年11月", dt.date(2026, 11, 1)),
        ("2026年1月", dt.date(2026, 1, 1)),
        ("令和8年11月", dt.date(2026, 11, 1)),
        ("R8.11", dt.date(2026, 11, 1)),
        ("令和元年5月", dt.date(2019, 5, 1)),
    ],
)
def test_parse_month(raw: str, month: dt.date) -> None:
    assert parse_month(raw) == month


@pytest.mark.parametrize("raw", ["", "2026-13", "0000-01", "11月", "令和8年13月", "平成31年5月", "abc"])
def test_parse_month_rejects(raw: str) -> None:
    with pytest.raises(ValueError):
        parse_month(raw)


@pytest.mark.parametrize(
    ("raw", "yen"),
    [("1500000", 1_500_000), ("1,500,000円", 1_500_000), ("１５０００００", 1_500_000), ("0", 0)],
)
def test_parse_yen(raw: str, yen: int) -> None:
    assert parse_yen(raw) == yen


@pytest.mark.parametrize("raw", ["-1", "1.5", "百万", ""])
def test_parse_yen_rejects(raw: str) -> None:
    with pytest.raises(ValueError):
        parse_yen(raw)


# ---- 児童手当 page -----------------------------------------------------------------------------------------------


@time_machine.travel(dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC))
def test_blank_page_offers_six_rows_and_this_month(client: Client) -> None:
    response = client.get(CA_PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>児童手当はいくらもらえる？</h1>" in html
    assert 'name="children-TOTAL_FORMS" value="6"' in html
    assert html.count('name="children-5-birth_date"') == 1 and "children-6-birth_date" not in html
    assert 'value="2026-11"' in html
    assert 'href="/procedures/child_allowance_certification/"' in html
    assert "目安" in text(response) and "<script" not in html
    assert "error-summary" not in html


def test_result_explains_each_child_and_the_total(client: Client) -> None:
    # 20-year-old supported student (和暦), 15-year-old, 10-year-old, 2-year-old (R-abbreviation) → 70,000.
    data = {"month": "令和8年11月"} | rows(
        ("平成18年6月1日", True), ("2011-05-10", False), ("2016/09/20", False), ("R6.1.5", False)
    )
    response = client.get(CA_PAGE, data)
    assert response.status_code == 200
    page = text(response)
    assert "計算結果（2026年11月（令和8年11月）分）" in page
    assert "ひと月の合計: 70,000円" in page
    assert "1人目（2006年6月1日（平成18年6月1日）生まれ・20歳）" in page
    assert "第1子" in page and "確認書" in page and "対象外（0円）" in page
    assert "第2子で、3歳から高校生年代（18歳の年度末）までなので、月10,000円です。" in page
    assert "第3子（3人目以降）なので、年齢にかかわらず月30,000円です。" in page
    assert "第4子（3人目以降）" in page
    # Payment schedule: even months, two months at a time; November is paid in December with October.
    assert "偶数月（2月・4月・6月・8月・10月・12月）" in page
    assert "2026年11月（令和8年11月）分は、2026年10月分と一緒に 2026年12月 に支払われます。" in page
    assert "2026年12月（令和8年12月） （計算した月を含む） 10月・11月分 140,000円" in page
    # The 2-year-old turns 3 in January 2027: still 30,000 as 第4子, so February 2027 pays the same.
    assert "2027年2月（令和9年2月） 12月・1月分 140,000円" in page


def test_unsupported_student_and_under_three_explanations(client: Client) -> None:
    data = {"month": "2026-11"} | rows(("2006-06-01", False), ("2025-06-01", False), ("2023-11-01", False))
    page = text(client.get(CA_PAGE, data))
    assert "生活費を負担していない（チェックがない）ため、きょうだいの数え方にも入りません。" in page
    assert "第1子で、3歳の誕生月（2026年11月分）までなので、月15,000円です。" in page
    assert "第2子で、3歳の誕生月（2028年6月分）までなので、月15,000円です。" in page
    assert "ひと月の合計: 30,000円" in page


def test_child_born_in_the_month_and_past_22(client: Client) -> None:
    data = {"month": "2026-11"} | rows(("2003-06-01", True), ("2026-11-20", False))
    page = text(client.get(CA_PAGE, data))
    assert "22歳の年度末（2026年3月31日（令和8年3月31日））を過ぎているため" in page
    assert "翌月分から手当の対象になります" in page
    assert "ひと月の合計: 0円" in page


def test_add_more_rows_keeps_the_input_without_errors(client: Client) -> None:
    data = {"month": "2026-11", "add_rows": "1"} | rows(("2016-09-20", True), ("bad date", False))
    response = client.get(CA_PAGE, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="children-TOTAL_FORMS" value="9"' in html
    assert 'name="children-8-birth_date"' in html
    assert 'value="2016-09-20"' in html and 'value="bad date"' in html
    assert 'id="id_children-0-supported" checked' in html
    assert "error-summary" not in html and "field-error" not in html and "計算結果" not in html


def test_rows_are_capped_at_twenty(client: Client) -> None:
    html = client.get(CA_PAGE, {"month": "2026-11", "add_rows": "1"} | rows(total=18)).content.decode()
    assert 'name="children-TOTAL_FORMS" value="20"' in html
    assert 'name="add_rows"' not in html and "20人までです" in html


def test_month_before_the_reform_is_linked_to_the_field(client: Client) -> None:
    response = client.get(CA_PAGE, {"month": "2024-09"} | rows(("2016-09-20", False)))
    assert response.status_code == 400
    [(anchor, message)] = error_links(response)
    assert anchor == "id_month"
    assert message.startswith("計算する月: 2024年10月分より前は計算できません。")
    assert 'aria-invalid="true"' in response.content.decode()


def test_month_after_the_supported_range(client: Client) -> None:
    response = client.get(CA_PAGE, {"month": "9999-12"} | rows(("9999-01-01", False)))
    assert response.status_code == 400
    assert error_links(response) == [
        ("id_month", "計算する月: 2099年12月分までを計算できます。それより前の月を入力してください。")
    ]


def test_birth_date_after_the_month_and_bad_dates_name_the_row(client: Client) -> None:
    data = {"month": "2026-11"} | rows(
        ("2016-09-20", False), ("2026-12-01", False), ("令和8年2月30日", False)
    )
    response = client.get(CA_PAGE, data)
    assert response.status_code == 400
    links = error_links(response)
    assert [anchor for anchor, _m in links] == ["id_children-1-birth_date", "id_children-2-birth_date"]
    assert links[0][1] == (
        "2人目の生年月日: 計算する月（2026年11月）より後の日付です。生年月日か計算する月をご確認ください。"
    )
    assert links[1][1].startswith("3人目の生年月日: 「令和8年2月30日」は存在しない日付です")
    html = response.content.decode()
    assert 'id="id_children-1-birth_date-error"' in html
    assert "計算結果" not in html


def test_no_children_is_an_error_on_the_first_row(client: Client) -> None:
    response = client.get(CA_PAGE, {"month": "2026-11"} | rows())
    assert response.status_code == 400
    assert error_links(response) == [
        ("id_children-0-birth_date", "1人目の生年月日: 少なくとも1人のお子さまの生年月日を入力してください。")
    ]


def test_checked_row_without_birth_date_is_an_error(client: Client) -> None:
    data = {"month": "2026-11", "children-2-supported": "on"} | rows(("2016-09-20", False))
    response = client.get(CA_PAGE, data)
    assert error_links(response) == [
        ("id_children-2-birth_date", "3人目の生年月日: 生年月日を入力してください。")
    ]


def test_month_link_prefills_the_form(client: Client) -> None:
    response = client.get(CA_PAGE, {"month": "令和8年4月"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="令和8年4月"' in html and 'name="children-TOTAL_FORMS" value="6"' in html
    assert "error-summary" not in html


@pytest.mark.parametrize("total", ["0", "abc", "-3"])
def test_tampered_row_count_starts_again(client: Client, total: str) -> None:
    response = client.get(
        CA_PAGE, {"month": "2026-11", "children-TOTAL_FORMS": total, "children-0-birth_date": "2016-09-20"}
    )
    assert response.status_code == 400
    assert "お子さまの入力欄を読み取れませんでした" in text(response)
    assert 'name="children-TOTAL_FORMS" value="6"' in response.content.decode()


def test_post_is_not_allowed(client: Client) -> None:
    assert client.post(CA_PAGE, {"month": "2026-11"}).status_code == 405


# ---- 児童扶養手当 page -------------------------------------------------------------------------------------------


def cra(**overrides: str) -> dict[str, str]:
    return {
        "fiscal_year": "2025",
        "children": "2",
        "income": "1580000",
        "child_support": "",
        "dependents": "1",
    } | overrides


def test_child_rearing_blank_page(client: Client) -> None:
    response = client.get(CRA_PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>児童扶養手当はいくら？</h1>" in html
    assert '<option value="2025" selected>2025年度（2025年4月〜2026年3月）</option>' in html
    assert "error-summary" not in html and "計算結果" not in html


def test_child_rearing_partial_worked_example(client: Client) -> None:
    # 所得 1,580,000 − 80,000 = 所得額 1,500,000 (benefits.md §2 worked example) → 35,650 + 9,320.
    response = client.get(CRA_PAGE, cra())
    assert response.status_code == 200
    page = text(response)
    assert "ひと月の額: 44,970円 （一部支給）" in page
    assert "所得 1,580,000円 ＋ 養育費の8割 0円 − 一律控除 80,000円 ＝ 所得額 1,500,000円" in page
    assert "「全部支給」の限度額 1,070,000円 以上で、「一部支給」の限度額 2,460,000円 より少ない" in page
    assert "1人目のお子さま（本体） 35,650円" in page
    assert "2人目以降のお子さま（加算 9,320円 × 1人） 9,320円" in page
    assert "奇数月（1月・3月・5月・7月・9月・11月）" in page
    assert "目安" in page


def test_child_rearing_child_support_counts_at_80_percent(client: Client) -> None:
    # 1,000,000 + 500,000 × 0.8 − 80,000 = 1,320,000.
    page = text(client.get(CRA_PAGE, cra(income="1,000,000", child_support="５０００００円", children="1")))
    assert "養育費の8割 400,000円" in page and "所得額 1,320,000円" in page


@pytest.mark.parametrize(
    ("income", "dependents", "children", "expected"),
    [
        ("1149999", "1", "3", "ひと月の額: 68,750円 （全部支給）"),
        ("2540000", "1", "1", "ひと月の額: 0円 （支給停止）"),
        ("0", "0", "1", "ひと月の額: 46,690円 （全部支給）"),
    ],
)
def test_child_rearing_kinds(
    client: Client, income: str, dependents: str, children: str, expected: str
) -> None:
    page = text(client.get(CRA_PAGE, cra(income=income, dependents=dependents, children=children)))
    assert expected in page


def test_child_rearing_errors_are_linked(client: Client) -> None:
    response = client.get(
        CRA_PAGE, cra(fiscal_year="2024", children="0", income="-5", child_support="abc", dependents="-1")
    )
    assert response.status_code == 400
    assert [anchor for anchor, _m in error_links(response)] == [
        "id_fiscal_year",
        "id_children",
        "id_income",
        "id_child_support",
        "id_dependents",
    ]
    links = dict(error_links(response))
    assert links["id_children"] == "対象となるお子さまの人数: お子さまの人数は1人以上で入力してください。"
    assert links["id_dependents"] == "扶養親族等の数: 扶養親族等の数は0以上で入力してください。"
    assert links["id_income"].startswith("前年の所得（円）: 0以上の整数（円）")
    assert "計算結果" not in text(response)


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    month=st.text(max_size=12) | st.from_regex(r"\A\d{4}-\d{2}\Z"),
    birth_dates=st.lists(st.text(max_size=14) | st.dates().map(lambda d: d.isoformat()), max_size=3),
)
def test_child_allowance_page_never_fails_with_a_500(
    client: Client, month: str, birth_dates: list[str]
) -> None:
    data = {"month": month} | rows(*[(b, False) for b in birth_dates])
    response = client.get(CA_PAGE, data)
    assert response.status_code in {200, 400}
    if response.status_code == 400:
        assert error_links(response) or "お子さまの入力欄" in text(response)
