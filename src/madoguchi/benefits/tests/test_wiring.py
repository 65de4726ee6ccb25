"""Wiring checks: the simulators are in the committed OpenAPI document, and the rule modules stay Django-free."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from drf_spectacular.generators import SchemaGenerator

ROOT = Path(__file__).resolve().parents[4]
PATHS = {
    "/api/v1/benefits/child-allowance/quote": (
        "ChildAllowanceQuoteRequestRequest",
        "ChildAllowanceQuote",
    ),
    "/api/v1/benefits/child-rearing-allowance/quote": (
        "ChildRearingQuoteRequestRequest",
        "ChildRearingQuote",
    ),
}


def _check(schema: dict[str, Any]) -> None:
    for path, (request_name, response_name) in PATHS.items():
        operation = schema["paths"][path]["post"]
        assert operation["security"] == [{}]  # public: no authentication
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        assert body["$ref"] == f"#/components/schemas/{request_name}"
        ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert ok["$ref"] == f"#/components/schemas/{response_name}"
        problem = operation["responses"]["400"]["content"]["application/problem+json"]
        assert problem["schema"]["$ref"] == "#/components/schemas/FieldProblem"
        assert all(example["value"]["field"] for example in problem["examples"].values())
    components = schema["components"]["schemas"]
    assert components["ChildRearingQuote"]["properties"]["monthly_yen"]["type"] == "integer"
    assert {"field", "errors", "detail"} <= set(components["FieldProblem"]["properties"])


@pytest.mark.django_db
def test_generated_schema_documents_the_simulators() -> None:
    _check(SchemaGenerator().get_schema(request=None, public=True))


def test_committed_openapi_has_the_simulators() -> None:
    _check(yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text(encoding="utf-8")))


def test_rule_modules_do_not_import_django() -> None:
    code = (
        "import sys, madoguchi.benefits.rules.child_allowance, madoguchi.benefits.rules.child_rearing_allowance; "
        "sys.exit(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
