import pytest

from madoguchi.common.checkdigits import local_government_code_check_digit
from madoguchi.core.models import Municipality

pytestmark = pytest.mark.django_db


def test_bundled_list_is_loaded_by_migration() -> None:
    assert Municipality.objects.count() == 1965
    assert Municipality.objects.filter(kind="prefecture").count() == 47
    hamamatsu = Municipality.objects.get(code="221384")
    assert hamamatsu.name == "浜松市中央区"
    assert hamamatsu.parent_id == "221309"


@pytest.mark.parametrize(
    ("code", "name", "kind"),
    [
        ("131016", "千代田区", "special_ward"),
        ("011002", "札幌市", "designated_city"),
        ("130001", "東京都", "prefecture"),
    ],
)
def test_api_returns_the_municipality(client, code: str, name: str, kind: str) -> None:
    response = client.get(f"/api/v1/municipalities/{code}")
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == code and body["name"] == name and body["kind"] == kind
    assert set(body) == {"code", "name", "name_kana", "prefecture", "kind"}


@pytest.mark.parametrize("code", ["131017", "011003", "141501"])
def test_wrong_check_digit_is_a_400_problem(client, code: str) -> None:
    response = client.get(f"/api/v1/municipalities/{code}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 400 and "check digit" in body["detail"]
    assert body["code"] == "check_digit"


@pytest.mark.parametrize("code", ["13101", "1310166", "13101a", "１３１０１６", "abcdef"])
def test_malformed_code_is_a_400_problem(client, code: str) -> None:
    response = client.get(f"/api/v1/municipalities/{code}")
    assert response.status_code == 400
    assert response.json()["code"] == "malformed"


def test_well_formed_unknown_code_is_404(client) -> None:
    code5 = "13199"  # no such ward; give it a correct check digit
    code = code5 + str(local_government_code_check_digit(code5))
    response = client.get(f"/api/v1/municipalities/{code}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert code in response.json()["detail"]


def test_portal_lookup_page_explains_errors_in_japanese(client) -> None:
    ok = client.get("/municipalities/", {"code": "１３１０１６"})
    assert ok.status_code == 200 and "千代田区" in ok.content.decode()
    bad = client.get("/municipalities/", {"code": "131017"})
    assert bad.status_code == 400 and "検査数字" in bad.content.decode()
