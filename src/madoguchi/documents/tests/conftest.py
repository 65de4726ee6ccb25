"""Shared fixtures: one TEST signing identity (and one from an unrelated CA) per test session."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from madoguchi.documents.pki import SigningIdentity, create_test_signing_identity
from madoguchi.documents.rendering import render_pdf
from madoguchi.documents.signing import sign_pdf

JST = dt.timezone(dt.timedelta(hours=9), "JST")
# Synthetic municipality (the code only has to pass the 地方公共団体コード check digit).
MUNICIPALITY_NAME = "窓口市"
MUNICIPALITY_CODE = "131016"
SIGNED_AT = dt.datetime(2025, 4, 1, 9, 30, tzinfo=JST)

SAMPLE_HTML = """<!DOCTYPE html>
<html lang="ja">
<head><meta charset="utf-8"><title>住民票の写し</title></head>
<body>
  <h1>住民票の写し</h1>
  <table class="official">
    <tr><th>氏名</th><td class="name">髙橋 﨑子</td></tr>
    <tr><th>住所</th><td class="address">窓口市本町一丁目2番3号</td></tr>
  </table>
  <p class="certification">この写しは、住民票の原本と相違ないことを証明する。</p>
</body>
</html>
"""


@pytest.fixture(scope="session")
def identity_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("signing-identity")


@pytest.fixture(scope="session")
def identity(identity_dir: Path) -> SigningIdentity:
    return create_test_signing_identity(
        identity_dir,
        municipality_name=MUNICIPALITY_NAME,
        municipality_code=MUNICIPALITY_CODE,
        now=dt.datetime.now(dt.UTC),
    )


@pytest.fixture(scope="session")
def foreign_identity(tmp_path_factory: pytest.TempPathFactory) -> SigningIdentity:
    """A signing identity under a different (equally named) TEST CA: must never be trusted by ours."""
    return create_test_signing_identity(
        tmp_path_factory.mktemp("foreign-identity"),
        municipality_name=MUNICIPALITY_NAME,
        municipality_code=MUNICIPALITY_CODE,
    )


@pytest.fixture(scope="session")
def unsigned_pdf() -> bytes:
    return render_pdf(SAMPLE_HTML)


@pytest.fixture(scope="session")
def signed_pdf(unsigned_pdf: bytes, identity: SigningIdentity) -> bytes:
    return sign_pdf(
        unsigned_pdf, identity, reason="住民票の写しの交付", location=MUNICIPALITY_NAME, timestamp=SIGNED_AT
    )
