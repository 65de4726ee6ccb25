"""scripts/check-catalogues on a tiny fixture project: it passes a complete catalogue and names every gap."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "check-catalogues"


@pytest.fixture(scope="module")
def checker() -> ModuleType:
    loader = importlib.machinery.SourceFileLoader("check_catalogues", str(SCRIPT))
    spec = importlib.util.spec_from_loader("check_catalogues", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_catalogues"] = module  # dataclasses look their module up while the class is built
    loader.exec_module(module)
    return module


HEADER = textwrap.dedent(
    """\
    msgid ""
    msgstr ""
    "Content-Type: text/plain; charset=UTF-8\\n"
    "Plural-Forms: nplurals=1; plural=0;\\n"

    """
)

# msgid → (en, ja-easy)
COMPLETE = {
    "ホーム": ("Home", "ホーム"),
    "%(name)sさんの申請": ("Application of %(name)s", "%(name)sさんの ｛申請｜しんせい｝"),
    "職員だけが見る画面": ("Staff-only screen", ""),
}
REFS = {
    "ホーム": "portal/templates/portal/page.html:2",
    "%(name)sさんの申請": "intake/views.py:5",
    "職員だけが見る画面": "office/views.py:5",
}


def write_project(
    root: Path, translations: dict[str, tuple[str, str]], flags: dict[str, str] | None = None
) -> Path:
    """A src/madoguchi-like tree: one portal template, one intake view, one office view, en + ja_Easy catalogues."""
    src = root / "madoguchi"
    (src / "portal/templates/portal").mkdir(parents=True)
    (src / "intake").mkdir()
    (src / "office").mkdir()
    (src / "portal/templates/portal/page.html").write_text(
        '{% load i18n %}\n<h1>{% translate "ホーム" %}</h1>\n', encoding="utf-8"
    )
    (src / "intake/views.py").write_text(
        "from django.utils.translation import gettext as _\n\n\ndef title(name):\n"
        '    return _("%(name)sさんの申請") % {"name": name}\n',
        encoding="utf-8",
    )
    (src / "office/views.py").write_text(
        "from django.utils.translation import gettext as _\n\n\ndef title():\n"
        '    return _("職員だけが見る画面")\n',
        encoding="utf-8",
    )
    for index, locale in ((0, "en"), (1, "ja_Easy")):
        lines = [HEADER]
        for msgid, pair in translations.items():
            lines.append(f"#: {REFS.get(msgid, 'portal/views.py:1')}\n")
            flag = (flags or {}).get(msgid)
            if flag or "%(" in msgid:
                lines.append(
                    "#, "
                    + ", ".join(f for f in (flag, "python-format" if "%(" in msgid else None) if f)
                    + "\n"
                )
            lines.append(f'msgid "{msgid}"\nmsgstr "{pair[index]}"\n\n')
        folder = src / "locale" / locale / "LC_MESSAGES"
        folder.mkdir(parents=True)
        (folder / "django.po").write_text("".join(lines), encoding="utf-8")
    return src


def run(checker: ModuleType, src: Path) -> list[str]:
    problems, _ = checker.check(src, ["en", "ja-easy"], overlays=False)
    return [str(p) for p in problems]


def test_complete_catalogues_pass(checker: ModuleType, tmp_path: Path) -> None:
    src = write_project(tmp_path, COMPLETE)
    assert run(checker, src) == []
    assert checker.main(["--src", str(src), "--languages", "en,ja-easy", "--no-overlays"]) == 0


def test_untranslated_portal_string_fails_naming_file_msgid_language(
    checker: ModuleType, tmp_path: Path
) -> None:
    src = write_project(tmp_path, {**COMPLETE, "ホーム": ("Home", "")})
    problems = run(checker, src)
    assert len(problems) == 1
    assert "locale/ja_Easy/LC_MESSAGES/django.po:" in problems[0]
    assert "[ja-easy] 'ホーム': untranslated" in problems[0]
    assert checker.main(["--src", str(src), "--languages", "en,ja-easy", "--no-overlays"]) == 1


def test_office_only_strings_are_claimed_by_english_only(checker: ModuleType, tmp_path: Path) -> None:
    src = write_project(tmp_path, {**COMPLETE, "職員だけが見る画面": ("", "")})
    problems = run(checker, src)
    assert len(problems) == 1 and "[en] '職員だけが見る画面': untranslated" in problems[0]


def test_fuzzy_fails(checker: ModuleType, tmp_path: Path) -> None:
    src = write_project(tmp_path, COMPLETE, flags={"ホーム": "fuzzy"})
    problems = run(checker, src)
    assert len(problems) == 2  # en and ja-easy
    assert all("fuzzy" in p for p in problems)


def test_lost_placeholder_fails(checker: ModuleType, tmp_path: Path) -> None:
    src = write_project(
        tmp_path, {**COMPLETE, "%(name)sさんの申請": ("Application of %(nmae)s", "%(name)sさんの 申請")}
    )
    problems = run(checker, src)
    assert problems == [p for p in problems if "[en]" in p]
    assert "loses placeholder(s) %(name)s" in problems[0]


def test_malformed_furigana_fails_for_easy_japanese(checker: ModuleType, tmp_path: Path) -> None:
    src = write_project(tmp_path, {**COMPLETE, "ホーム": ("Home", "｛ホーム｜ほーむ")})
    problems = run(checker, src)
    assert len(problems) == 1 and "[ja-easy]" in problems[0] and "furigana" in problems[0]


def test_new_string_in_source_missing_from_catalogue_fails(checker: ModuleType, tmp_path: Path) -> None:
    src = write_project(tmp_path, COMPLETE)
    page = src / "portal/templates/portal/page.html"
    page.write_text(
        page.read_text(encoding="utf-8") + '<p>{% translate "新しい文" %}</p>\n', encoding="utf-8"
    )
    problems = run(checker, src)
    assert sorted(p.split("] ")[0].rsplit("[", 1)[1] for p in problems) == ["en", "ja-easy"]
    assert all("'新しい文': missing from the catalogue" in p for p in problems)
    # Without the fresh extraction the gap would go unnoticed: that is what the extraction is for.
    assert checker.check(src, ["en", "ja-easy"], extract=False, overlays=False)[0] == []
    # The project's own catalogues were not touched by the extraction.
    assert "新しい文" not in (src / "locale/en/LC_MESSAGES/django.po").read_text(encoding="utf-8")


def test_missing_catalogue_file_fails(checker: ModuleType, tmp_path: Path) -> None:
    src = write_project(tmp_path, COMPLETE)
    problems, _ = checker.check(src, ["ko"], overlays=False)
    assert {p.msgid for p in problems} == {"ホーム", "%(name)sさんの申請"}
    assert all(p.what == "no catalogue for this language" for p in problems)


def test_portal_scope_from_references(checker: ModuleType) -> None:
    assert checker.is_portal_reference("portal/templates/portal/home.html:3")
    assert checker.is_portal_reference("intake/models.py:40")
    assert checker.is_portal_reference("procedures/labels.py:9")
    assert checker.is_portal_reference("identity/templates/identity/login.html:4")
    assert checker.is_portal_reference("identity/login.py:50")
    assert checker.is_portal_reference("templates/base.html:7")
    assert not checker.is_portal_reference("office/views.py:3")
    assert not checker.is_portal_reference("casework/services.py:3")
    assert not checker.is_portal_reference("registry/models.py:3")
    assert not checker.is_portal_reference("identity/models.py:3")
    assert not checker.is_portal_reference("procedures/models.py:3")


def test_placeholders(checker: ModuleType) -> None:
    assert checker.placeholders("%(a)s と %(b)d、100%%") == ["a", "b"]
    assert checker.placeholders("%s の %d") == ["%", "%"]
