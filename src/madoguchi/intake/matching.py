"""Name and address comparison tolerant of 異体字, width, spacing and the card's substitute character 〓."""

from __future__ import annotations

import re

from madoguchi.common.names import name_search_key, names_match

GETA = "\u3013"  # 〓: the JPKI certificate's substitute for a character outside JIS
_HYPHENS = re.compile("[-‐‑‒–—―−－ｰ]")


def comparison_key(text: str) -> str:
    """Key for comparing: NFKC, no spaces, 異体字 folded, hyphen-like characters unified."""
    return _HYPHENS.sub("-", name_search_key(text))


def texts_match(registry_text: str, given_text: str) -> bool:
    """True when `given_text` is the registry's name/address up to 異体字, width, spaces and 〓 substitutions."""
    if not registry_text or not given_text:
        return False
    if names_match(registry_text, given_text):
        return True
    registry_key, given_key = comparison_key(registry_text), comparison_key(given_text)
    if registry_key == given_key:
        return True
    if GETA not in given_text or len(registry_key) != len(given_key):
        return False
    return all(g in (GETA, r) for r, g in zip(registry_key, given_key, strict=True))
