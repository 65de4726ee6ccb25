"""Kana conversion and loose kana search keys.

振り仮名 are stored exactly as filed: small kana (ャュョッ…) and 濁点/半濁点 are significant
(registry.md §2, §10). Only `kana_search_key` folds them, so that legacy data such as キヨウコ (for キョウコ)
or a ハシ/バシ 連濁 difference can still be *found*; it must never be used to store or print a reading.
"""

from __future__ import annotations

import unicodedata

_HIRAGANA_FIRST = 0x3041  # ぁ
_HIRAGANA_LAST = 0x3096  # ゖ
_KANA_OFFSET = 0x60  # distance from a hiragana to its katakana in Unicode

_COMBINING_VOICED = "\u3099"
_COMBINING_SEMI_VOICED = "\u309a"
_HALFWIDTH_VOICED = "\uff9e"  # ﾞ
_HALFWIDTH_SEMI_VOICED = "\uff9f"  # ﾟ

# Half-width katakana block (U+FF61–U+FF9D) in code-point order, paired with its full-width form.
_HALF_KATAKANA = "｡｢｣､･ｦｧｨｩｪｫｬｭｮｯｰｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜﾝ"
_FULL_KATAKANA = (
    "。「」、・ヲァィゥェォャュョッーアイウエオカキクケコサシスセソ"
    "タチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン"
)
_HALF_TO_FULL = dict(zip(_HALF_KATAKANA, _FULL_KATAKANA, strict=True))
_FULL_TO_HALF = {full: half for half, full in _HALF_TO_FULL.items()}
# Full-width letters with no half-width form: map to the nearest half-width kana
# (as 全銀 bank-transfer kana conversion does).
_FULL_TO_HALF.update({"ヵ": "ｶ", "ヶ": "ｹ", "ヮ": "ﾜ", "ヰ": "ｲ", "ヱ": "ｴ", "゛": "ﾞ", "゜": "ﾟ", "　": " "})

# Precomposed voiced / semi-voiced katakana, keyed by (base, mark).
_VOICED: dict[tuple[str, str], str] = {}
for _base in "カキクケコサシスセソタチツテトハヒフヘホウワヰヱヲヽ":
    _composed = unicodedata.normalize("NFC", _base + _COMBINING_VOICED)
    if len(_composed) == 1:
        _VOICED[(_base, _COMBINING_VOICED)] = _composed
for _base in "ハヒフヘホ":
    _VOICED[(_base, _COMBINING_SEMI_VOICED)] = unicodedata.normalize("NFC", _base + _COMBINING_SEMI_VOICED)
_DECOMPOSED = {composed: base_mark for base_mark, composed in _VOICED.items()}

_SMALL_TO_LARGE = str.maketrans(
    "ァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ",
    "アイウエオツヤユヨワカケクシストヌハヒフヘホムラリルレロ",
)
# Obsolete kana that appear in old readings; folded to their modern sound in search keys only.
_OBSOLETE_TO_MODERN = str.maketrans("ヰヱヲ", "イエオ")
_FULLWIDTH_ASCII = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_MIDDLE_DOTS = "・･·‧∙"

# Letters accepted by `is_katakana`: ァ–ヺ (incl. ヴヵヶヷ–ヺ), ー, ・, ヽヾ
# and the small kana extension ㇰ–ㇿ.
_KATAKANA_CHARS = frozenset(
    [chr(cp) for cp in range(0x30A1, 0x30FB)]
    + ["ー", "・", "ヽ", "ヾ"]
    + [chr(cp) for cp in range(0x31F0, 0x3200)]
)
_SPACES = frozenset(" \u3000")


def hiragana_to_katakana(s: str) -> str:
    """Convert hiragana (ぁ–ゖ, ゝゞ) to full-width katakana; everything else is unchanged."""
    out = []
    for ch in s:
        cp = ord(ch)
        if _HIRAGANA_FIRST <= cp <= _HIRAGANA_LAST or ch in "ゝゞ":
            out.append(chr(cp + _KANA_OFFSET))
        else:
            out.append(ch)
    return "".join(out)


def to_fullwidth_katakana(s: str) -> str:
    """Convert half-width katakana to full width, composing ﾞ/ﾟ (and combining U+3099/309A) onto the base."""
    out: list[str] = []
    for ch in s:
        if ch in (_HALFWIDTH_VOICED, _COMBINING_VOICED, _HALFWIDTH_SEMI_VOICED, _COMBINING_SEMI_VOICED):
            mark = (
                _COMBINING_VOICED if ch in (_HALFWIDTH_VOICED, _COMBINING_VOICED) else _COMBINING_SEMI_VOICED
            )
            composed = unicodedata.normalize("NFC", out[-1] + mark) if out else ""
            if len(composed) == 1:  # also covers hiragana, e.g. か + U+3099 → が
                out[-1] = composed
            else:  # nothing to combine with: keep a visible spacing mark
                out.append("゛" if mark == _COMBINING_VOICED else "゜")
        else:
            out.append(_HALF_TO_FULL.get(ch, ch))
    return "".join(out)


def to_halfwidth_katakana(s: str) -> str:
    """Convert hiragana/katakana, full-width ASCII/digits/spaces to half-width (ガ→ｶﾞ, ヴ→ｳﾞ)."""
    out: list[str] = []
    for ch in hiragana_to_katakana(s):
        cp = ord(ch)
        if ch in _DECOMPOSED:
            base, mark = _DECOMPOSED[ch]
            out.append(_FULL_TO_HALF[base])
            out.append(_HALFWIDTH_VOICED if mark == _COMBINING_VOICED else _HALFWIDTH_SEMI_VOICED)
        elif ch in _FULL_TO_HALF:
            out.append(_FULL_TO_HALF[ch])
        elif 0xFF01 <= cp <= 0xFF5E:
            out.append(chr(cp - 0xFEE0))
        elif ch == _COMBINING_VOICED:
            out.append(_HALFWIDTH_VOICED)
        elif ch == _COMBINING_SEMI_VOICED:
            out.append(_HALFWIDTH_SEMI_VOICED)
        else:
            out.append(ch)
    return "".join(out)


def is_katakana(s: str, allow_space: bool = True) -> bool:
    """True if `s` is non-empty full-width katakana (incl. ー, small kana, ・), optionally with spaces."""
    if not s:
        return False
    has_kana = False
    for ch in s:
        if ch in _KATAKANA_CHARS:
            has_kana = True
        elif not (allow_space and ch in _SPACES):
            return False
    return has_kana


def kana_search_key(s: str) -> str:
    """Loose kana key: katakana, width-folded, no spaces/dots, small→large and voiced→unvoiced kana."""
    text = to_fullwidth_katakana(hiragana_to_katakana(s)).translate(_FULLWIDTH_ASCII)
    text = "".join(ch for ch in text if not ch.isspace() and ch not in _MIDDLE_DOTS)
    # NFD splits ガ into カ + U+3099; dropping the marks folds voiced/semi-voiced onto the plain kana.
    text = unicodedata.normalize("NFD", text)
    text = "".join(ch for ch in text if ch not in "\u3099\u309a゛゜")
    text = unicodedata.normalize("NFC", text)
    return text.translate(_SMALL_TO_LARGE).translate(_OBSOLETE_TO_MODERN).casefold()
