"""Effective-dated parameter lookup.

benefits.md: amounts and thresholds are revised by law or annually, so every amount lives in a table
of parameter sets keyed by the date they take effect, never as a bare constant in the rule code. The
tables in the rule modules are the seed values from the reference; the Django layer may load its own
and pass them in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol, TypeVar


class EffectiveDated(Protocol):
    @property
    def effective_from(self) -> dt.date: ...


P = TypeVar("P", bound=EffectiveDated)


def in_force(table: Sequence[P], on: dt.date, *, what: str) -> P:
    """The parameter set with the latest `effective_from` on or before `on` (ValueError if none)."""
    candidates = [p for p in table if p.effective_from <= on]
    if not candidates:
        known = ", ".join(sorted(p.effective_from.isoformat() for p in table)) or "none"
        raise ValueError(f"no {what} parameters in force on {on.isoformat()} (known from: {known})")
    return max(candidates, key=lambda p: p.effective_from)
