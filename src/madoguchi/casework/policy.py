"""Who may do what with cases, and the approval chain rules (決裁ルート). Reads only; no writes here.

The role × action matrix stays in `core.roles`: REVIEW_CASE (審査) for examining, DECIDE_CASE (決裁) for approving.
Auditors read cases (and their history) but change nothing — their VIEW_AUDIT_LOG right is what lets them look.
"""

from __future__ import annotations

from collections.abc import Sequence

from madoguchi.core.errors import ActionNotPermitted, BusinessRuleViolation
from madoguchi.core.models import StaffUser
from madoguchi.core.roles import Action, Role

from .models import ApprovalRule

VIEW_CASES = "view_cases"
DEFAULT_CHAIN: tuple[str, ...] = (Role.REVIEWER, Role.APPROVER)

# A role may act on a step meant for the same or a lower rank (an approver may draft what a reviewer drafts).
ROLE_RANK: dict[str, int] = {Role.REVIEWER: 1, Role.APPROVER: 2}


def can_view_cases(actor: StaffUser) -> bool:
    """Reviewers, approvers and (read-only) auditors see the cases of their municipality."""
    return any(actor.can(a) for a in (Action.REVIEW_CASE, Action.DECIDE_CASE, Action.VIEW_AUDIT_LOG))


def require_view(actor: StaffUser) -> None:
    """ActionNotPermitted unless the actor may see cases."""
    if not can_view_cases(actor):
        raise ActionNotPermitted(VIEW_CASES, "申請の一覧・内容を見る権限がありません。")


def is_read_only(actor: StaffUser) -> bool:
    """True for those who may look but not act (auditors)."""
    return not (actor.can(Action.REVIEW_CASE) or actor.can(Action.DECIDE_CASE))


def validate_chain(steps: Sequence[str]) -> tuple[str, ...]:
    """A chain is a drafting role then one or more approving roles, each allowed to decide (DECIDE_CASE)."""
    chain = tuple(steps)
    if len(chain) < 2:
        raise BusinessRuleViolation(
            "steps",
            "決裁の順序には、起案する役割と、少なくとも1つの承認する役割が必要です。",
            "A chain needs a drafting role and at least one approving role.",
            "chain_too_short",
        )
    if chain[0] not in ROLE_RANK:
        raise BusinessRuleViolation(
            "steps",
            "起案する役割は「審査担当」または「決裁権者」です。",
            "The drafting role must be reviewer or approver.",
            "invalid_role",
        )
    from madoguchi.core.roles import role_can

    for role in chain[1:]:
        if role not in ROLE_RANK or not role_can(role, Action.DECIDE_CASE):
            raise BusinessRuleViolation(
                "steps",
                "承認する役割は「決裁権者」です（決裁の権限がある役割のみ）。",
                "Approving roles must hold the decide_case permission.",
                "invalid_role",
            )
    return chain


def chain_for(municipality_code: str, procedure_code: str) -> tuple[str, ...]:
    """The approval chain for a procedure: its own rule, else the municipality default, else reviewer → approver."""
    rules = {
        r.procedure_code: r
        for r in ApprovalRule.objects.filter(
            municipality_id=municipality_code, procedure_code__in=[procedure_code, ""]
        )
    }
    rule = rules.get(procedure_code) or rules.get("")
    return tuple(rule.steps) if rule is not None and rule.steps else DEFAULT_CHAIN


def may_act_on_step(actor: StaffUser, role: str) -> bool:
    """Whether the actor's role reaches the rank a step asks for."""
    return ROLE_RANK.get(actor.role, 0) >= ROLE_RANK.get(role, 99)
