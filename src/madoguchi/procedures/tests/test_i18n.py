"""Catalogue texts in the portal languages: the pick rule, the overlay loader and check, the source strings and
the `catalogue_strings` command."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from madoguchi.procedures import i18n
from madoguchi.procedures.checks import check_catalogue_overlays
from madoguchi.procedures.engine import get_catalogue, validate_page
from madoguchi.procedures.schema import CATALOGUE_DIR, CatalogueError
from madoguchi.procedures.texts import CatalogueText, SourceMessage

NAME_JA = "妊娠の届出"


@pytest.fixture
def overlays(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """An empty overlay folder in place of the packaged one; write(code, mapping) installs an overlay."""
    monkeypatch.setattr(i18n, "OVERLAY_DIR", tmp_path)
    i18n.load_overlay.cache_clear()

    def write(code: str, data: object) -> Path:
        path = tmp_path / f"{code}.json"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        i18n.load_overlay.cache_clear()
        return path

    yield write
    i18n.load_overlay.cache_clear()


# ---- which text is shown ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("ja", "ja"),
        ("ja-JP", "ja"),
        ("en", "en"),
        ("en-us", "en"),
        ("ja-easy", "ja-easy"),
        ("zh-hans", "zh-hans"),
        ("zh_Hans", "zh-hans"),
        ("pt-BR", "pt-br"),
        ("ko", "ko"),
    ],
)
def test_language_codes_are_normalised(code: str, expected: str) -> None:
    assert i18n.catalogue_language(code) == expected


def test_pick_follows_the_rule_for_every_language(overlays) -> None:
    overlays("zh-hans", {"手続": "手续"})
    overlays("ja-easy", {"手続": "てつづき"})
    # ja → Japanese; en → English (Japanese when there is none)
    assert i18n.pick("手続", "Procedure", "やさしい", lang="ja") == "手続"
    assert i18n.pick("手続", "Procedure", lang="en") == "Procedure"
    assert i18n.pick("手続", "", lang="en") == "手続"
    # ja-easy → the catalogue's easy text, else the overlay, else Japanese
    assert i18n.pick("手続", "Procedure", "やさしい", lang="ja-easy") == "やさしい"
    assert i18n.pick("手続", "Procedure", lang="ja-easy") == "てつづき"
    assert i18n.pick("別の文", "Other", lang="ja-easy") == "別の文"
    # other languages → overlay, else English, else Japanese
    assert i18n.pick("手続", "Procedure", lang="zh-hans") == "手续"
    assert i18n.pick("別の文", "Other", lang="zh-hans") == "Other"
    assert i18n.pick("別の文", "", lang="zh-hans") == "別の文"
    assert i18n.pick("別の文", "Other", lang="ko") == "Other"  # no overlay file at all
    assert i18n.pick("", "English only", lang="ja") == ""


def test_pick_uses_the_active_language(overlays) -> None:
    overlays("ko", {"手続": "절차"})
    with translation.override("ko"):
        assert i18n.pick("手続", "Procedure") == "절차"
    with translation.override("en"):
        assert i18n.pick("手続", "Procedure") == "Procedure"


def test_text_of_reads_the_catalogue_fields(overlays) -> None:
    p = get_catalogue().get("pregnancy_notification")
    overlays("vi", {NAME_JA: "Thông báo mang thai"})
    assert i18n.text_of(p, "name", lang="ja") == NAME_JA
    assert i18n.text_of(p, "name", lang="en") == p.name_en
    assert i18n.text_of(p, "name", lang="vi") == "Thông báo mang thai"
    assert i18n.text_of(p, "summary", lang="vi") == p.summary_en  # not in the overlay: English
    assert i18n.text_of(p, "summary", lang="ja-easy") == p.summary_ja_easy  # the catalogue's own easy text


def test_an_empty_translation_counts_as_missing(overlays) -> None:
    overlays("pt-br", {NAME_JA: "  "})
    assert i18n.load_overlay("pt-br") == {}
    assert i18n.pick(NAME_JA, "Pregnancy notification", lang="pt-br") == "Pregnancy notification"


# ---- the overlay loader and its check -----------------------------------------------------------------------------


def test_overlay_is_read_once_and_cached(overlays) -> None:
    path = overlays("ko", {NAME_JA: "임신 신고"})
    assert i18n.load_overlay("ko") == {NAME_JA: "임신 신고"}
    path.write_text(json.dumps({NAME_JA: "changed"}), encoding="utf-8")
    assert i18n.load_overlay("ko")[NAME_JA] == "임신 신고"  # cached per process


def test_no_overlay_for_japanese_english_or_a_strange_code(overlays) -> None:
    overlays("en", {NAME_JA: "should not be used"})
    assert i18n.load_overlay("en") == {}
    assert i18n.load_overlay("ja") == {}
    assert i18n.load_overlay("../etc") == {}
    with pytest.raises(ValueError):
        i18n.overlay_path("../etc")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("[1, 2]", "must be a JSON object"),
        ('{"妊娠の届出": 3}', "must be a string"),
        ("{not json", "cannot read the overlay"),
    ],
)
def test_a_malformed_overlay_is_rejected_naming_the_file(overlays, content: str, problem: str) -> None:
    path = overlays("vi", {})
    path.write_text(content, encoding="utf-8")
    i18n.load_overlay.cache_clear()
    with pytest.raises(CatalogueError) as exc:
        i18n.load_overlay("vi")
    assert "vi.json" in str(exc.value) and problem in str(exc.value)
    errors, warnings = i18n.overlay_problems(get_catalogue(), path.parent)
    assert len(errors) == 1 and problem in errors[0] and not warnings


def test_check_reports_keys_that_are_not_source_texts(overlays) -> None:
    overlays("zh-hans", {NAME_JA: "怀孕申报", "妊娠の届け出": "typo in the key"})
    messages = check_catalogue_overlays()
    assert [m.id for m in messages] == ["procedures.W001"]
    assert "'妊娠の届け出' is not a Japanese source text" in messages[0].msg
    assert "zh-hans.json" in messages[0].msg


def test_check_reports_an_unreadable_overlay_as_an_error(overlays) -> None:
    (i18n.OVERLAY_DIR / "ko.json").write_text("{", encoding="utf-8")
    assert [m.id for m in check_catalogue_overlays()] == ["procedures.E001"]


def test_packaged_overlays_are_valid() -> None:
    i18n.load_overlay.cache_clear()
    errors, warnings = i18n.overlay_problems(get_catalogue())
    assert errors == [] and warnings == []


# ---- source strings -----------------------------------------------------------------------------------------------


def _raw_japanese_texts() -> set[str]:
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                # item_counter_ja (人目, 件目) is not translated: other languages number items with digits only.
                if (
                    key.endswith("_ja")
                    and key != "item_counter_ja"
                    and isinstance(value, str)
                    and value.strip()
                ):
                    found.add(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for path in sorted(CATALOGUE_DIR.glob("*.json")):
        walk(json.loads(path.read_text(encoding="utf-8")))
    return found


def test_all_scope_is_every_japanese_text_of_the_catalogue() -> None:
    texts = i18n.source_strings(get_catalogue(), "all")
    assert len(texts) == len(set(texts))  # no repeats
    assert set(texts) >= _raw_japanese_texts()
    assert "" not in texts


def test_claimed_scope_is_the_procedure_pages_and_the_main_journey_forms() -> None:
    catalogue = get_catalogue()
    claimed = set(i18n.source_strings(catalogue, "claimed"))
    assert claimed <= set(i18n.source_strings(catalogue, "all"))
    for p in catalogue:
        assert p.name_ja in claimed and p.summary_ja in claimed
        for lb in p.legal_basis:
            assert lb.statute_ja in claimed
        for a in p.attachments:
            assert a.name_ja in claimed
        if p.deadline is not None:
            assert p.deadline.text_ja in claimed
    for r in catalogue.referrals:
        assert {r.name_ja, r.authority_ja, r.explanation_ja, r.link_text_ja} <= claimed
    for code in i18n.MAIN_JOURNEY_PROCEDURES:
        form = catalogue.get(code).form
        for page in form.pages:
            assert page.title_ja in claimed
        for _page, f in form.iter_fields():
            assert f.label_ja in claimed
            assert {o.label_ja for o in f.options} <= claimed
    # A label that only the form of another procedure has is not claimed.
    main_texts = {
        t for code in i18n.MAIN_JOURNEY_PROCEDURES for t in i18n.form_texts(catalogue.get(code).form)
    }
    other = catalogue.get("home_modification").form
    only_there = [
        f.label_ja
        for _page, f in other.iter_fields()
        if f.label_ja not in main_texts
        and not any(f.label_ja in i18n.procedure_page_texts(p) for p in catalogue)
    ]
    assert only_there and only_there[0] not in claimed


def test_claimed_includes_the_labels_that_attachment_conditions_name() -> None:
    catalogue = get_catalogue()
    claimed = set(i18n.source_strings(catalogue, "claimed"))
    # 住宅改修: 「申請の段階」が「工事の前の申請（事前申請）」、かつ「住宅の所有者は被保険者本人ですか」が「いいえ」
    form = catalogue.get("home_modification").form
    condition = form.attachment("owner_consent").required_when
    for path in i18n._condition_fields(condition):
        assert form.field(path).label_ja in claimed


def test_main_journey_procedures_exist() -> None:
    catalogue = get_catalogue()
    for code in i18n.MAIN_JOURNEY_PROCEDURES:
        assert catalogue.get(code).form.pages


def test_missing_strings(overlays) -> None:
    catalogue = get_catalogue()
    claimed = i18n.source_strings(catalogue, "claimed")
    overlays("zh-hans", {claimed[0]: "译文", claimed[1]: ""})
    missing = i18n.missing_strings(catalogue, "zh-hans")
    assert claimed[0] not in missing and claimed[1] in missing
    assert len(missing) == len(claimed) - 1
    assert i18n.missing_strings(catalogue, "en") == []
    # やさしい日本語: what the catalogue already gives in *_ja_easy is not missing
    easy = i18n.missing_strings(catalogue, "ja-easy")
    assert catalogue.get("pregnancy_notification").summary_ja not in easy
    assert catalogue.get("care_needs_certification").summary_ja in easy  # no summary_ja_easy there


# ---- messages ----------------------------------------------------------------------------------------------------


def test_engine_messages_follow_the_page_language(overlays) -> None:
    form = get_catalogue().get("pregnancy_notification").form
    first = form.pages[0]
    errors = validate_page(form, first.key, {})
    error = next(e for errs in errors.values() for e in errs)
    assert isinstance(error.message_ja, SourceMessage)
    label = next(v for v in error.message_ja.params.values() if isinstance(v, CatalogueText))
    assert i18n.message_text(error, lang="ja") == str(error.message_ja)
    assert i18n.message_text(error, lang="en") == error.message_en
    # A language without a translation of the template: English, as for catalogue texts.
    assert i18n.message_text(error, lang="fr") == error.message_en
    # やさしい日本語 without a translation: the Japanese message, with the overlay's label.
    overlays("ja-easy", {str(label): "やさしいラベル"})
    easy = i18n.message_text(error, lang="ja-easy")
    assert "やさしいラベル" in easy and easy != str(error.message_ja)


def test_a_translated_template_gets_translated_parameters(overlays, monkeypatch: pytest.MonkeyPatch) -> None:
    overlays("zh-hans", {"氏名": "姓名"})
    message = SourceMessage("「%(field)s」を入力してください", {"field": CatalogueText("氏名", "Full name")})
    monkeypatch.setattr(
        i18n, "_translated", lambda template, code: "请输入“%(field)s”" if code == "zh-hans" else None
    )
    assert i18n.localize(message, lang="zh-hans", english_text='Enter "Full name"') == "请输入“姓名”"
    overlays("zh-hans", {})
    assert i18n.localize(message, lang="zh-hans") == "请输入“Full name”"  # label falls back to English


def test_a_broken_translation_falls_back_instead_of_failing(monkeypatch: pytest.MonkeyPatch) -> None:
    message = SourceMessage("「%(field)s」を入力してください", {"field": "氏名"})
    monkeypatch.setattr(i18n, "_translated", lambda template, code: "%(feld)s")
    assert i18n.localize(message, lang="vi", english_text="Enter name") == "Enter name"


def test_source_messages_stay_japanese_strings() -> None:
    message = SourceMessage("「%(field)s」は%(n)s文字以内で入力してください", {"field": "氏名", "n": 30})
    assert message == "「氏名」は30文字以内で入力してください"
    assert json.dumps({"m": message}, ensure_ascii=False) == '{"m": "「氏名」は30文字以内で入力してください"}'
    import copy

    again = copy.deepcopy(message)
    assert again == message and again.template == message.template and again.params == message.params


# ---- the command --------------------------------------------------------------------------------------------------


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("catalogue_strings", *args, stdout=out)
    return out.getvalue()


def test_command_lists_all_source_strings_one_per_line() -> None:
    lines = _run().splitlines()
    assert lines == i18n.source_strings(get_catalogue(), "all")


def test_command_json_claimed() -> None:
    texts = json.loads(_run("--scope", "claimed", "--format", "json"))
    assert texts == i18n.source_strings(get_catalogue(), "claimed")
    assert NAME_JA in texts


def test_command_missing_for_a_language(overlays) -> None:
    claimed = i18n.source_strings(get_catalogue(), "claimed")
    overlays("ko", {text: f"번역 {n}" for n, text in enumerate(claimed[:-2])})
    assert _run("--missing", "--lang", "ko").splitlines() == claimed[-2:]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--missing",), "--missing needs --lang"),
        (("--lang", "ja", "--missing"), "Japanese and English are in the catalogue"),
        (("--lang", "../x"), "not a language code"),
    ],
)
def test_command_rejects_bad_arguments(args: tuple[str, ...], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        _run(*args)


def test_command_reports_an_invalid_overlay(overlays) -> None:
    (i18n.OVERLAY_DIR / "vi.json").write_text('{"a": 1}', encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="overlay is invalid"):
        call_command("catalogue_strings", "--missing", "--lang", "vi", stdout=io.StringIO(), stderr=err)
    assert "vi.json" in err.getvalue()


# ---- pages --------------------------------------------------------------------------------------------------------

PORTAL_LANGUAGES = [
    ("ja", "日本語"),
    ("ja-easy", "やさしい にほんご"),
    ("en", "English"),
    ("zh-hans", "简体中文"),
]


@pytest.mark.django_db
def test_procedure_page_in_an_overlay_language(client, chiyoda, overlays, settings) -> None:
    settings.LANGUAGES = PORTAL_LANGUAGES
    p = get_catalogue().get("pregnancy_notification")
    overlays("zh-hans", {NAME_JA: "怀孕申报", "母子保健法": "母子保健法（中文）"})
    client.cookies["django_language"] = "zh-hans"
    body = client.get("/procedures/pregnancy_notification/").content.decode()
    assert '怀孕申报 <span class="official-name" lang="ja">妊娠の届出</span>' in body
    assert p.summary_en in body  # not translated yet: English
    assert (
        '母子保健法（中文） 第15条 <span lang="ja">（母子保健法 第15条）</span>' not in body
    )  # article: English
    assert "母子保健法（中文）" in body and '<span lang="ja">（母子保健法 第15条）</span>' in body
    assert 'id="easy-title"' not in body
    listing = client.get("/procedures/", {"q": "怀孕"}).content.decode()  # search finds the translation
    assert "怀孕申报" in listing


@pytest.mark.django_db
def test_procedure_page_in_easy_japanese_uses_the_easy_texts(client, chiyoda, overlays, settings) -> None:
    settings.LANGUAGES = PORTAL_LANGUAGES
    p = get_catalogue().get("pregnancy_notification")
    client.cookies["django_language"] = "ja-easy"
    body = client.get("/procedures/pregnancy_notification/").content.decode()
    assert p.summary_ja_easy in body
    assert 'class="official-name"' not in body
