"""続柄 (relationship to the 世帯主) code table.

A 続柄 is always stated relative to the head of the household and is built as a chain of links from the head
(registry.md §4: 子の妻 = the head's child's wife). Since 1995-03-01 every child, adopted or not, is 「子」.
The official numeric 続柄コード of the 住民記録システム標準仕様書 (基本データリスト) is not reproduced here; these codes are
Madoguchi's own, stable and never reused. Each entry keeps its links so a later mapping to the official chained
codes (up to 4 links) is mechanical.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy, gettext_noop


@dataclass(frozen=True)
class Relationship:
    """One 続柄: a stable code, the printed label and the chain of links from the head.

    The label is the official Japanese wording, stored in the registry and printed on certificates; pages show
    it in their language through `display` (the labels are gettext msgids)."""

    code: str
    label: str
    links: tuple[str, ...]


HEAD_CODE = "01"

RELATIONSHIPS: tuple[Relationship, ...] = (
    Relationship("01", gettext_noop("世帯主"), ()),
    Relationship("02", gettext_noop("妻"), ("wife",)),
    Relationship("03", gettext_noop("夫"), ("husband",)),
    Relationship("04", gettext_noop("妻（未届）"), ("wife_unregistered",)),
    Relationship("05", gettext_noop("夫（未届）"), ("husband_unregistered",)),
    Relationship("10", gettext_noop("子"), ("child",)),
    Relationship("11", gettext_noop("妻の子"), ("wife", "child")),
    Relationship("12", gettext_noop("夫の子"), ("husband", "child")),
    Relationship("13", gettext_noop("子の妻"), ("child", "wife")),
    Relationship("14", gettext_noop("子の夫"), ("child", "husband")),
    Relationship("15", gettext_noop("子の子"), ("child", "child")),
    Relationship("16", gettext_noop("子の子の子"), ("child", "child", "child")),
    Relationship("20", gettext_noop("父"), ("father",)),
    Relationship("21", gettext_noop("母"), ("mother",)),
    Relationship("22", gettext_noop("父の父"), ("father", "father")),
    Relationship("23", gettext_noop("父の母"), ("father", "mother")),
    Relationship("24", gettext_noop("母の父"), ("mother", "father")),
    Relationship("25", gettext_noop("母の母"), ("mother", "mother")),
    Relationship("26", gettext_noop("妻の父"), ("wife", "father")),
    Relationship("27", gettext_noop("妻の母"), ("wife", "mother")),
    Relationship("28", gettext_noop("夫の父"), ("husband", "father")),
    Relationship("29", gettext_noop("夫の母"), ("husband", "mother")),
    Relationship("30", gettext_noop("兄"), ("elder_brother",)),
    Relationship("31", gettext_noop("姉"), ("elder_sister",)),
    Relationship("32", gettext_noop("弟"), ("younger_brother",)),
    Relationship("33", gettext_noop("妹"), ("younger_sister",)),
    Relationship("34", gettext_noop("兄の子"), ("elder_brother", "child")),
    Relationship("35", gettext_noop("姉の子"), ("elder_sister", "child")),
    Relationship("36", gettext_noop("弟の子"), ("younger_brother", "child")),
    Relationship("37", gettext_noop("妹の子"), ("younger_sister", "child")),
    Relationship("38", gettext_noop("父の兄"), ("father", "elder_brother")),
    Relationship("39", gettext_noop("父の姉"), ("father", "elder_sister")),
    Relationship("40", gettext_noop("母の兄"), ("mother", "elder_brother")),
    Relationship("41", gettext_noop("母の姉"), ("mother", "elder_sister")),
    Relationship("42", gettext_noop("兄の妻"), ("elder_brother", "wife")),
    Relationship("43", gettext_noop("弟の妻"), ("younger_brother", "wife")),
    Relationship("44", gettext_noop("妻の兄"), ("wife", "elder_brother")),
    Relationship("45", gettext_noop("妻の姉"), ("wife", "elder_sister")),
    Relationship("46", gettext_noop("妻の弟"), ("wife", "younger_brother")),
    Relationship("47", gettext_noop("妻の妹"), ("wife", "younger_sister")),
    Relationship("48", gettext_noop("夫の兄"), ("husband", "elder_brother")),
    Relationship("49", gettext_noop("夫の姉"), ("husband", "elder_sister")),
    Relationship("50", gettext_noop("夫の弟"), ("husband", "younger_brother")),
    Relationship("51", gettext_noop("夫の妹"), ("husband", "younger_sister")),
    Relationship("52", gettext_noop("妻の子の子"), ("wife", "child", "child")),
    Relationship("53", gettext_noop("夫の子の子"), ("husband", "child", "child")),
    Relationship("60", gettext_noop("縁故者"), ("relative_other",)),
    Relationship("61", gettext_noop("同居人"), ("cohabitant",)),
)

_BY_CODE = {r.code: r for r in RELATIONSHIPS}
_BY_LABEL = {r.label: r for r in RELATIONSHIPS}


def by_code(code: str) -> Relationship | None:
    """The relationship with this code, or None."""
    return _BY_CODE.get(code)


def label_for(code: str) -> str:
    """The printed label for a code; KeyError for an unknown code."""
    return _BY_CODE[code].label


def code_for_label(label: str) -> str | None:
    """The code for a printed label (「本人」 is read as 世帯主), or None when the label is not in the table."""
    if label == "本人":
        return HEAD_CODE
    found = _BY_LABEL.get(label)
    return found.code if found else None


def is_valid_code(code: str) -> bool:
    """Whether `code` is in the table."""
    return code in _BY_CODE


def choices(*, include_head: bool = True) -> list[tuple[str, Promise]]:
    """(code, label) pairs for a select box, in the page language; without 世帯主 for members who are not the head."""
    return [(r.code, gettext_lazy(r.label)) for r in RELATIONSHIPS if include_head or r.code != HEAD_CODE]


def display(label: str) -> str:
    """A stored 続柄 label in the page language ("妻" → "Wife" on English pages); other text is shown as stored."""
    return gettext(label) if label else ""
