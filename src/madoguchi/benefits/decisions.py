"""What a decided case means for the benefit businesses (受給者, 認定, 給付の記録 …).

Casework sits above benefits in the layers, so it cannot be imported here: when a case is decided, casework hands
the facts of the case to `apply_decision` inside the decision's transaction, and the handler registered for the
case's procedure writes the business records (with its own audit rows). A handler that raises
`BusinessRuleViolation` refuses the decision: nothing of it is recorded, and the approver sees the reason.

Each business registers its handlers in its own module with `@handles("procedure_code", ...)`; the modules are
imported by `BenefitsConfig.ready()` so that the registry is complete before any request.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from madoguchi.core.models import StaffUser

GRANT = "grant"
DENY = "deny"


@dataclasses.dataclass(frozen=True)
class DecidedCase:
    """The facts of a decided case a business needs (no casework objects cross the layer)."""

    municipality_code: str
    receipt_number: str
    procedure_code: str
    form_version: int
    outcome: str  # GRANT | DENY
    answers: Mapping[str, Any]
    received_on: dt.date
    decided_at: dt.datetime
    # The applicant's registry record as casework identified it (certificate serial with succession links, or the
    # resident a clerk chose at the counter); None when it could not be identified.
    resident_id: int | None
    is_assisted: bool = False


Handler = Callable[..., None]
_HANDLERS: dict[str, list[tuple[frozenset[str], Handler]]] = {}


def handles(*procedure_codes: str, outcomes: tuple[str, ...] = (GRANT,)) -> Callable[[Handler], Handler]:
    """Register `handler(*, actor, case)` for decisions with one of `outcomes` on these procedures."""

    def register(handler: Handler) -> Handler:
        for code in procedure_codes:
            _HANDLERS.setdefault(code, []).append((frozenset(outcomes), handler))
        return handler

    return register


def has_handler(procedure_code: str) -> bool:
    return procedure_code in _HANDLERS


def apply_decision(*, actor: StaffUser, case: DecidedCase) -> None:
    """Run the handlers registered for the case's procedure and outcome (in the caller's transaction)."""
    for outcomes, handler in _HANDLERS.get(case.procedure_code, []):
        if case.outcome in outcomes:
            handler(actor=actor, case=case)
