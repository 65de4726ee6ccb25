"""Reads of the procedure catalogue combined with each municipality's local policy (public data: no actor)."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from madoguchi.common.kana import kana_search_key
from madoguchi.core.errors import NotFoundInMunicipality

from .engine import get_catalogue
from .i18n import EASY_JAPANESE, SOURCE_LANGUAGE, catalogue_language, load_overlay, text_of
from .models import MunicipalProcedureSetting
from .schema import CATEGORIES, LIFE_SITUATIONS, Procedure, Referral

# Referrals (自動車保有関係, procedures.md §1.4) have no municipal category; they are listed under "vehicle".
REFERRAL_CATEGORY = "vehicle"
LIST_CATEGORIES = (*CATEGORIES, REFERRAL_CATEGORY)

# Default contact when a municipality has not configured one: the section that usually handles the business.
# Section names differ between municipalities, so the page also tells residents to confirm at the main number.
_DEFAULT_SECTION: dict[str, tuple[str, str]] = {
    "child_allowance": ("子育て支援課（児童手当担当）", "Child Support Section (child allowance)"),
    "child_rearing_allowance": (
        "子育て支援課（ひとり親担当）",
        "Child Support Section (single-parent families)",
    ),
    "childcare": ("保育課", "Childcare Section"),
    "pregnancy": ("健康推進課（母子保健担当）", "Health Promotion Section (maternal and child health)"),
    "care_insurance": ("介護保険課", "Long-Term Care Insurance Section"),
    "disaster": ("防災課（罹災証明担当）", "Disaster Management Section (disaster damage certificates)"),
}
DEFAULT_HOURS_JA = "平日 8時30分から17時15分まで（土日・祝日・年末年始を除く）"
DEFAULT_HOURS_EN = "Weekdays 8:30–17:15 (closed on weekends, public holidays and 29 Dec–3 Jan)"

# Readings of the words residents type in kana (保育 → ほいく), so a hiragana query finds a kanji name.
_READINGS: dict[str, str] = {
    "児童手当": "じどうてあて",
    "児童扶養手当": "じどうふようてあて",
    "保育": "ほいく",
    "保育園": "ほいくえん",
    "幼稚園": "ようちえん",
    "介護": "かいご",
    "要介護": "ようかいご",
    "要支援": "ようしえん",
    "介護保険": "かいごほけん",
    "妊娠": "にんしん",
    "母子健康手帳": "ぼしけんこうてちょう",
    "出生": "しゅっせい",
    "罹災証明書": "りさいしょうめいしょ",
    "罹災": "りさい",
    "災害": "さいがい",
    "給食": "きゅうしょく",
    "寄附": "きふ",
    "現況届": "げんきょうとどけ",
    "転入": "てんにゅう",
    "転出": "てんしゅつ",
    "転居": "てんきょ",
    "福祉用具": "ふくしようぐ",
    "住宅改修": "じゅうたくかいしゅう",
    "被保険者証": "ひほけんしゃしょう",
    "負担割合証": "ふたんわりあいしょう",
    "負担限度額": "ふたんげんどがく",
    "高額介護": "こうがくかいご",
    "再交付": "さいこうふ",
    "自動車": "じどうしゃ",
    "車庫": "しゃこ",
    "保管場所": "ほかんばしょ",
    "ケアプラン": "けあぷらん",
}


def _lang(lang: str) -> str:
    """Local settings (notes, contact) exist in Japanese and English: Japanese for ja and やさしい日本語, English
    (else Japanese) for every other language."""
    return "ja" if catalogue_language(lang) in (SOURCE_LANGUAGE, EASY_JAPANESE) else "en"


def search_key(text: str) -> str:
    """Normalised search key: NFKC, then kana-folded (hiragana = katakana, width- and case-insensitive)."""
    return kana_search_key(unicodedata.normalize("NFKC", text))


def _haystack(texts: Iterable[str]) -> str:
    joined = " ".join(t for t in texts if t)
    readings = [reading for word, reading in _READINGS.items() if word in joined]
    return search_key(" ".join([joined, *readings]).replace(" ", ""))


@dataclass(frozen=True)
class LocalSetting:
    """A municipality's effective setting for one procedure (defaults when it has configured nothing)."""

    enabled: bool
    configured: bool
    note_ja: str
    note_en: str
    section_ja: str
    section_en: str
    phone: str
    hours_ja: str
    hours_en: str

    def note(self, lang: str) -> str:
        """The local note in `lang` (Japanese when no translation was given)."""
        return self.note_en or self.note_ja if _lang(lang) == "en" else self.note_ja

    def section(self, lang: str) -> str:
        """The contact section in `lang`."""
        return self.section_en or self.section_ja if _lang(lang) == "en" else self.section_ja

    def hours(self, lang: str) -> str:
        """The contact hours in `lang`."""
        return self.hours_en or self.hours_ja if _lang(lang) == "en" else self.hours_ja


def _effective(business: str | None, row: MunicipalProcedureSetting | None) -> LocalSetting:
    section_ja, section_en = _DEFAULT_SECTION.get(business or "", ("", ""))
    if row is None:
        return LocalSetting(
            enabled=business is not None,  # referrals are never municipal online procedures
            configured=False,
            note_ja="",
            note_en="",
            section_ja=section_ja,
            section_en=section_en,
            phone="",
            hours_ja=DEFAULT_HOURS_JA,
            hours_en=DEFAULT_HOURS_EN,
        )
    return LocalSetting(
        enabled=row.enabled and business is not None,
        configured=True,
        note_ja=row.local_note_ja,
        note_en=row.local_note_en,
        section_ja=row.contact_section_ja or section_ja,
        section_en=row.contact_section_en or (section_en if not row.contact_section_ja else ""),
        phone=row.contact_phone,
        hours_ja=row.contact_hours_ja or DEFAULT_HOURS_JA,
        hours_en=row.contact_hours_en or (DEFAULT_HOURS_EN if not row.contact_hours_ja else ""),
    )


def _has_form(procedure: Procedure) -> bool:
    return procedure.form.version > 0 and bool(procedure.form.pages)


@dataclass(frozen=True)
class ProcedureListing:
    """One row of the procedure list, in the requested language."""

    code: str
    number: int
    is_referral: bool
    category: str
    business: str
    life_situations: tuple[str, ...]
    name: str
    name_ja: str
    name_en: str
    summary: str
    processing_days: int | None
    signature_required: bool
    deadline_text: str
    attachment_count: int
    enabled: bool
    online_available: bool  # enabled here and has a form: the resident can apply online now
    authority: str  # referrals: who handles it


@dataclass(frozen=True)
class ProcedurePage:
    """Everything a procedure page shows: the catalogue entry (or referral) and the municipality's setting."""

    municipality_code: str
    procedure: Procedure | None
    referral: Referral | None
    setting: LocalSetting

    @property
    def code(self) -> str:
        entry = self.procedure or self.referral
        assert entry is not None
        return entry.code

    @property
    def is_referral(self) -> bool:
        return self.referral is not None

    @property
    def has_form(self) -> bool:
        return self.procedure is not None and _has_form(self.procedure)

    @property
    def online_available(self) -> bool:
        """Whether the resident can apply online here now (enabled by the municipality and a form exists)."""
        return self.setting.enabled and self.has_form


def _settings_for(municipality_code: str) -> dict[str, MunicipalProcedureSetting]:
    return {
        s.procedure_code: s
        for s in MunicipalProcedureSetting.objects.filter(municipality_id=municipality_code)
    }


def _procedure_listing(p: Procedure, setting: LocalSetting, lang: str) -> ProcedureListing:
    return ProcedureListing(
        code=p.code,
        number=p.number,
        is_referral=False,
        category=p.category,
        business=p.business,
        life_situations=p.life_situations,
        name=text_of(p, "name", lang=lang),
        name_ja=p.name_ja,
        name_en=p.name_en,
        summary=text_of(p, "summary", lang=lang),
        processing_days=p.processing_days,
        signature_required=p.signature_required,
        deadline_text=text_of(p.deadline, "text", lang=lang) if p.deadline else "",
        attachment_count=len(p.attachments),
        enabled=setting.enabled,
        online_available=setting.enabled and _has_form(p),
        authority="",
    )


def _referral_listing(r: Referral, lang: str) -> ProcedureListing:
    return ProcedureListing(
        code=r.code,
        number=r.number,
        is_referral=True,
        category=REFERRAL_CATEGORY,
        business="",
        life_situations=r.life_situations,
        name=text_of(r, "name", lang=lang),
        name_ja=r.name_ja,
        name_en=r.name_en,
        summary=text_of(r, "explanation", lang=lang),
        processing_days=None,
        signature_required=False,
        deadline_text="",
        attachment_count=0,
        enabled=False,
        online_available=False,
        authority=text_of(r, "authority", lang=lang),
    )


@functools.lru_cache(maxsize=256)
def _procedure_haystack_for(code: str) -> str:
    p = get_catalogue().get(code)
    return _haystack(
        [p.name_ja, p.name_en, p.name_ja_easy, p.summary_ja, p.summary_en, p.summary_ja_easy]
        + [lb.statute_ja for lb in p.legal_basis]
    )


def _procedure_haystack(p: Procedure) -> str:
    # The packaged catalogue is immutable for the life of the process, so the search keys are computed once.
    return _procedure_haystack_for(p.code)


@functools.lru_cache(maxsize=64)
def _referral_haystack_for(code: str) -> str:
    r = next(r for r in get_catalogue().referrals if r.code == code)
    return _haystack(
        [r.name_ja, r.name_en, r.explanation_ja, r.explanation_en, r.authority_ja, r.authority_en]
    )


def _referral_haystack(r: Referral) -> str:
    return _referral_haystack_for(r.code)


def _translated_haystack(*texts_ja: str, lang: str) -> str:
    """Search text of an entry in an overlay language (empty for ja/en, whose texts are in the main haystack)."""
    overlay = load_overlay(lang)
    return _haystack(overlay.get(t, "") for t in texts_ja) if overlay else ""


def _matches(haystack: str, query: str) -> bool:
    terms = [search_key(t) for t in unicodedata.normalize("NFKC", query).split()]
    return all(t in haystack for t in terms if t)


def list_procedures(
    *,
    municipality_code: str,
    life_situation: str | None = None,
    category: str | None = None,
    query: str = "",
    lang: str = "ja",
) -> list[ProcedureListing]:
    """Procedures and referrals in priority-list order, filtered by situation, category and a kana-folded search.

    An unknown `life_situation` or `category` gives an empty list (adapters validate their input first).
    Names and summaries are in `lang` (see procedures.i18n); the search also matches their translation.
    """
    lang = catalogue_language(lang)
    catalogue = get_catalogue()
    rows = _settings_for(municipality_code)
    out: list[ProcedureListing] = []
    for p in catalogue:
        if life_situation and life_situation not in p.life_situations:
            continue
        if category and category != p.category:
            continue
        if query.strip() and not (
            _matches(_procedure_haystack(p), query)
            or _matches(_translated_haystack(p.name_ja, p.summary_ja, lang=lang), query)
        ):
            continue
        out.append(_procedure_listing(p, _effective(p.business, rows.get(p.code)), lang))
    for r in catalogue.referrals:
        if life_situation and life_situation not in r.life_situations:
            continue
        if category and category != REFERRAL_CATEGORY:
            continue
        if query.strip() and not (
            _matches(_referral_haystack(r), query)
            or _matches(_translated_haystack(r.name_ja, r.explanation_ja, lang=lang), query)
        ):
            continue
        out.append(_referral_listing(r, lang))
    return out


def life_situation_counts() -> dict[str, int]:
    """How many catalogue entries (procedures and referrals) each life situation has, in catalogue enum order."""
    catalogue = get_catalogue()
    counts = dict.fromkeys(LIFE_SITUATIONS, 0)
    for entry in [*catalogue, *catalogue.referrals]:
        for s in entry.life_situations:
            counts[s] += 1
    return counts


def get_procedure_page(*, municipality_code: str, code: str) -> ProcedurePage:
    """The catalogue entry (procedure or referral) with the municipality's setting; NotFoundInMunicipality if unknown."""
    catalogue = get_catalogue()
    if code in catalogue.procedures:
        procedure = catalogue.procedures[code]
        row = MunicipalProcedureSetting.objects.filter(
            municipality_id=municipality_code, procedure_code=code
        ).first()
        return ProcedurePage(municipality_code, procedure, None, _effective(procedure.business, row))
    for referral in catalogue.referrals:
        if referral.code == code:
            return ProcedurePage(municipality_code, None, referral, _effective(None, None))
    raise NotFoundInMunicipality("procedure")


def is_enabled(municipality_code: str, code: str) -> bool:
    """Whether the municipality accepts `code` online (a known catalogue procedure with a form, not switched off)."""
    catalogue = get_catalogue()
    procedure = catalogue.procedures.get(code)
    if procedure is None or not _has_form(procedure):
        return False
    row = MunicipalProcedureSetting.objects.filter(
        municipality_id=municipality_code, procedure_code=code
    ).first()
    return row is None or row.enabled
