"""Search keys for people's names (氏名) that tolerate 異体字, width and variation-selector differences.

異体字 such as 髙/高 or 﨑/崎 are distinct identities in the registry and are stored exactly, IVS included
(registry.md §11). Other systems (JPKI certificates substitute non-JIS characters, legacy 外字 conversions,
typed search input) often hold a different variant, so matching needs a key in which the variants coincide.
The key is for searching and candidate matching only — never store, print or compare it for identity.

Why NFKC alone is not enough: NFKC folds only characters that have a compatibility or canonical
decomposition, e.g. 塚 U+FA10 → 塚 U+585A or half-width ｶﾅ → カナ. Ordinary unified ideographs such
as 髙 U+9AD9, 邊/邉, 澤, 嶋 have no decomposition and stay as they are, and even twelve "compatibility
ideographs" (U+FA0E, FA0F, FA11 﨑, FA13, FA14, FA1F, FA21, FA23, FA24, FA27–FA29) are in fact unified
ideographs without a decomposition, so NFKC keeps 﨑 U+FA11 apart from 崎 U+5D0E. Hence the curated
variant table below.
"""

from __future__ import annotations

import unicodedata

from madoguchi.common.kana import kana_search_key

# Groups of characters treated as the same in name search keys. The first character of each group is the
# representative (the 常用/JIS level-1 form where there is one). Deliberately small and conservative: only
# variants commonly seen in Japanese surnames and given names; characters whose readings or meanings differ
# in names (e.g. 嶺 vs 峰, 埼 vs 崎) are not grouped.
VARIANT_GROUPS: tuple[str, ...] = (
    "高髙",
    "崎﨑嵜碕",
    "辺邊邉",
    "斎齋齊斉",
    "浜濵濱",
    "沢澤",
    "徳德",
    "桜櫻",
    "広廣",
    "国國",
    "島嶋嶌",
    "槙槇",
    "富冨",
    "籠篭",
    "曽曾",
    "真眞",
    "恵惠",
    "竜龍",
    "峰峯",
    "蔵藏",
    "条條",
    "瀬瀨",
    "渕淵渊",
    "来來",
    "寿壽",
    "栄榮",
    "実實",
    "円圓",
    "万萬",
    "与與",
    "礼禮",
    "顕顯",
    "弥彌",
    "児兒",
    "亜亞",
    "悪惡",
    "吉𠮷",
    "橋槗",
    "渋澁",
    "黒黑",
    "館舘",
    "野埜",
    "村邨",
    "岳嶽",
    "滝瀧",
    "柳栁",
    "桧檜",
    "鉄鐵",
    "会會",
    "学學",
    "関關",
    "清淸",
    "静靜",
    "穂穗",
    "戸戶",
    "荘莊",
    "済濟",
    "衛衞",
)


def _build_variant_map(groups: tuple[str, ...]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for group in groups:
        representative = group[0]
        for ch in group:
            if ch in mapping:
                raise ValueError(f"character {ch!r} (U+{ord(ch):04X}) appears in two variant groups")
            mapping[ch] = representative
    return mapping


VARIANT_TO_REPRESENTATIVE: dict[str, str] = _build_variant_map(VARIANT_GROUPS)
_VARIANT_TABLE = str.maketrans(VARIANT_TO_REPRESENTATIVE)


def _is_variation_selector(ch: str) -> bool:
    cp = ord(ch)
    # U+FE00–FE0F standardized variation selectors; U+E0100–E01EF Ideographic Variation Selectors (IVS).
    return 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF


def strip_variation_selectors(s: str) -> str:
    """Remove standardized variation selectors and IVS (for keys only; storage keeps them)."""
    return "".join(ch for ch in s if not _is_variation_selector(ch))


def name_search_key(s: str) -> str:
    """Loose key for a kanji/romaji name: no selectors, NFKC, no spaces, casefolded, 異体字 folded."""
    text = unicodedata.normalize("NFKC", strip_variation_selectors(s))
    text = "".join(ch for ch in text if not ch.isspace())
    return text.translate(_VARIANT_TABLE).casefold()


def names_match(a: str, b: str) -> bool:
    """True if the two names have the same non-empty `name_search_key`."""
    key = name_search_key(a)
    return bool(key) and key == name_search_key(b)


def kana_names_match(a: str, b: str) -> bool:
    """True if the two kana readings have the same non-empty `kana_search_key`."""
    key = kana_search_key(a)
    return bool(key) and key == kana_search_key(b)
