"""児童手当 review: registry events and age transitions become proposals a clerk approves or rejects.

`run_child_allowance_review` (the `madoguchi child_allowance_review` command and the office page's button) looks at
every certified recipient against the resident registry and the rule functions (`rules.child_allowance`):

- 出生 in the recipient's household (a child not yet counted) → `birth_in_household`: an increase needs the
  recipient's 額改定認定請求 (the 15日特例 applies), so the proposal tells the clerk; approving it records the
  child from the month the claim gives.
- a child passing the 18歳年度末 / 22歳年度末 → `age_transition` (減額 or the child leaves the count, ex officio).
- the recipient's 転出 / 死亡 → `recipient_moved_out` / `recipient_died` (消滅: paid through the month of the event).
- a counted child's 転出 / 死亡 → `child_moved_out` (減額 from the following month).

A proposal is written once per event or transition (unique source key), so re-running the scan never duplicates
one. Approving appends revisions (`models_child_allowance_changes.ChildAllowanceRevision`) and, for a stop, sets the
recipient's 支給終了月 — each write with its audit row in one transaction. Payment runs compute every month from the
children in force for that month (`inputs_in_force`) and stop after the end month.

Granted 額改定認定請求 (`child_allowance_amount_revision`) and 受給事由消滅届 (`child_allowance_eligibility_loss`)
cases are applied by the decision handlers at the end of this module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from madoguchi.benefits import decisions
from madoguchi.benefits.models import ChildAllowanceRecipient, PaidMonth
from madoguchi.benefits.models_child_allowance_changes import (
    ChildAllowanceChangeProposal,
    ChildAllowanceRevision,
    ProposalKind,
    ProposalStatus,
    RevisionAction,
    child_key,
    children_in_force,
)
from madoguchi.benefits.rules import child_allowance as rules
from madoguchi.benefits.rules._months import add_months, first_of_month
from madoguchi.common.names import names_match
from madoguchi.common.wareki import parse_japanese_date
from madoguchi.core.access import require, scoped
from madoguchi.core.audit import record_audit
from madoguchi.core.errors import BusinessRuleViolation, NotFoundInMunicipality
from madoguchi.core.models import StaffUser
from madoguchi.core.roles import Action
from madoguchi.procedures.conditions import get_path
from madoguchi.registry.models import EventKind, RegistryEvent, Resident

AMOUNT_REVISION_CODE = "child_allowance_amount_revision"
ELIGIBILITY_LOSS_CODE = "child_allowance_eligibility_loss"
_AGE_REASONS = {rules.ChangeReason.PASSED_18_FY_END, rules.ChangeReason.PASSED_22_FY_END}


def _violation(field_name: str, ja: str, en: str, code: str = "invalid") -> BusinessRuleViolation:
    return BusinessRuleViolation(field_name, ja, en, code)


def _total(month: dt.date, inputs: list[rules.ChildInput]) -> int:
    return rules.quote(month, inputs).total_monthly_yen


# ---------------------------------------------------------------------------------------------------------------
# The scan


@dataclass
class ReviewResult:
    on: dt.date
    recipients: int = 0
    created: list[ChildAllowanceChangeProposal] = field(default_factory=list)


@dataclass(frozen=True)
class _Found:
    kind: str
    source_key: str
    event: RegistryEvent | None
    event_on: dt.date
    effective_month: dt.date
    old_total_yen: int
    new_total_yen: int
    proposed_end_month: dt.date | None
    reason: str
    needs_claim: bool = False
    child_name: str = ""
    child_name_kana: str = ""
    child_birth_date: dt.date | None = None


def _found_for(recipient: ChildAllowanceRecipient, on: dt.date) -> list[_Found]:
    revisions = list(ChildAllowanceRevision.objects.filter(recipient=recipient))
    base = list(recipient.children.all())

    def named(month: dt.date) -> list[tuple[str, rules.ChildInput]]:
        return children_in_force(base, revisions, month)

    def inputs(month: dt.date) -> list[rules.ChildInput]:
        return [c for _n, c in named(month)]

    found: list[_Found] = []
    since = recipient.claimed_on
    ended = recipient.end_month
    resident = recipient.resident
    # The recipient's own 転出 / 死亡: 消滅, paid through the month of the event (児童手当法 §8②).
    for event in RegistryEvent.objects.filter(
        resident=resident,
        kind__in=[EventKind.MOVE_OUT, EventKind.DEATH],
        effective_on__gte=since,
        effective_on__lte=on,
    ):
        end = rules.end_month(event.effective_on)
        if ended is not None and ended <= end:
            continue
        died = event.kind == EventKind.DEATH
        found.append(
            _Found(
                kind=ProposalKind.RECIPIENT_DIED if died else ProposalKind.RECIPIENT_MOVED_OUT,
                source_key=f"event:{event.pk}",
                event=event,
                event_on=event.effective_on,
                effective_month=add_months(end, 1),
                old_total_yen=_total(max(end, recipient.start_month), inputs(end)),
                new_total_yen=0,
                proposed_end_month=end,
                reason=(
                    f"受給者が{event.effective_on:%Y-%m-%d}に死亡しました。{end:%Y年%m月}分で支給を終了します。"
                    if died
                    else f"受給者が{event.effective_on:%Y-%m-%d}に転出しました。{end:%Y年%m月}分で支給を終了します"
                    "（転出先の市区町村で新たに認定請求が必要です）。"
                ),
            )
        )
    # 出生 in the recipient's household: an increase that needs the recipient's 額改定請求.
    if resident.household_id is not None:
        for event in RegistryEvent.objects.filter(
            municipality_id=recipient.municipality_id,
            kind=EventKind.BIRTH,
            household_id=resident.household_id,
            effective_on__gte=since,
            effective_on__lte=on,
        ).select_related("resident"):
            newborn = event.resident
            born_on = newborn.birth_date or event.effective_on
            month = add_months(first_of_month(born_on), 1)
            if ended is not None and month > ended:
                continue
            current = named(month)
            if any(c.birth_date == born_on and names_match(n, newborn.full_name) for n, c in current):
                continue  # already counted (the claim was applied)
            month = max(month, recipient.start_month)
            before = [c for _n, c in current]
            after = [*before, rules.ChildInput(born_on)]
            found.append(
                _Found(
                    kind=ProposalKind.BIRTH_IN_HOUSEHOLD,
                    source_key=f"event:{event.pk}",
                    event=event,
                    event_on=born_on,
                    effective_month=month,
                    old_total_yen=_total(month, before),
                    new_total_yen=_total(month, after),
                    proposed_end_month=None,
                    reason=(
                        f"受給者の世帯で{born_on:%Y-%m-%d}に出生がありました。増額には受給者の額改定認定請求が必要です"
                        "（出生日の翌日から15日以内の請求なら出生の翌月分から）。請求を受けてから承認してください。"
                    ),
                    needs_claim=True,
                    child_name=newborn.full_name,
                    child_name_kana=newborn.full_name_kana,
                    child_birth_date=born_on,
                )
            )
    # A counted child's 転出 / 死亡: 減額 from the following month.
    now_children = named(max(first_of_month(on), recipient.start_month))
    for name, child in now_children:
        candidates = [
            r
            for r in Resident.objects.filter(
                municipality_id=recipient.municipality_id, birth_date=child.birth_date
            )
            if names_match(r.full_name, name)
        ]
        for event in RegistryEvent.objects.filter(
            resident__in=candidates,
            kind__in=[EventKind.MOVE_OUT, EventKind.DEATH],
            effective_on__gte=since,
            effective_on__lte=on,
        ):
            month = max(add_months(first_of_month(event.effective_on), 1), recipient.start_month)
            if ended is not None and month > ended:
                continue
            before = inputs(month)
            key = child_key(name, child.birth_date)
            after = [c for n, c in named(month) if child_key(n, c.birth_date) != key]
            new_total = _total(month, after)
            stop: dt.date | None = add_months(month, -1) if new_total == 0 else None
            what = "死亡" if event.kind == EventKind.DEATH else "転出"
            found.append(
                _Found(
                    kind=ProposalKind.CHILD_MOVED_OUT,
                    source_key=f"event:{event.pk}",
                    event=event,
                    event_on=event.effective_on,
                    effective_month=month,
                    old_total_yen=_total(month, before),
                    new_total_yen=new_total,
                    proposed_end_month=stop,
                    reason=f"対象児童（{name}）が{event.effective_on:%Y-%m-%d}に{what}しました。{month:%Y年%m月}分から減額します"
                    + (
                        f"（支給対象の児童がいなくなるため{stop:%Y年%m月}分で支給を終了します）。"
                        if stop
                        else "。"
                    ),
                    child_name=name,
                    child_birth_date=child.birth_date,
                )
            )
    # Age transitions (18歳年度末・22歳年度末) up to the month after `on`.
    first = recipient.start_month
    last = add_months(first_of_month(on), 1)
    if ended is not None:
        last = min(last, add_months(ended, 1))
    if last > first:
        for change in rules.amount_changes(inputs(last), first, last):
            if not _AGE_REASONS.intersection(change.reasons):
                continue
            previous = add_months(change.month, -1)
            leaving = [
                (n, c)
                for n, c in named(change.month)
                if change.month == add_months(rules.last_paid_month(c.birth_date), 1)
                or (
                    c.supported
                    and change.month == add_months(first_of_month(rules.counted_until_on(c.birth_date)), 1)
                )
            ]
            for name, child in leaving:
                last_month: dt.date | None = previous if change.total_yen == 0 else None
                found.append(
                    _Found(
                        kind=ProposalKind.AGE_TRANSITION,
                        source_key=f"age:{change.month:%Y-%m}:{child.birth_date.isoformat()}",
                        event=None,
                        event_on=previous,
                        effective_month=change.month,
                        old_total_yen=change.previous_total_yen,
                        new_total_yen=change.total_yen,
                        proposed_end_month=last_month,
                        reason=f"対象児童（{name}）が年度末の年齢に達しました。{change.month:%Y年%m月}分から月額が変わります（職権の額改定）"
                        + (
                            f"。支給対象の児童がいなくなるため{last_month:%Y年%m月}分で支給を終了します。"
                            if last_month
                            else "。"
                        ),
                        child_name=name,
                        child_birth_date=child.birth_date,
                    )
                )
    return found


def run_child_allowance_review(
    *,
    municipality_code: str | None = None,
    on: dt.date | None = None,
    actor: StaffUser | None = None,
    now: dt.datetime | None = None,
) -> ReviewResult:
    """Scan the recipients (one municipality, or all) and write the proposals not yet written; idempotent.

    From the office page `actor` is the clerk (審査担当 or 決裁権者, their municipality only); the command runs
    without one (system).
    """
    if actor is not None:
        require(actor, Action.REVIEW_CASE)
        if municipality_code not in (None, actor.municipality_id):
            raise NotFoundInMunicipality("municipality")
        municipality_code = actor.municipality_id
    at = now or timezone.now()
    day = on or timezone.localdate(at)
    result = ReviewResult(day)
    recipients = ChildAllowanceRecipient.objects.select_related("resident").prefetch_related("children")
    if municipality_code is not None:
        recipients = recipients.filter(municipality_id=municipality_code)
    for recipient in recipients.order_by("municipality_id", "certification_number"):
        result.recipients += 1
        with transaction.atomic():
            existing = set(
                ChildAllowanceChangeProposal.objects.filter(recipient=recipient).values_list(
                    "kind", "source_key"
                )
            )
            for f in _found_for(recipient, day):
                if (f.kind, f.source_key) in existing:
                    continue
                existing.add((f.kind, f.source_key))
                proposal = ChildAllowanceChangeProposal.objects.create(
                    municipality_id=recipient.municipality_id,
                    recipient=recipient,
                    kind=f.kind,
                    source_key=f.source_key,
                    source_event=f.event,
                    event_on=f.event_on,
                    effective_month=f.effective_month,
                    old_total_yen=f.old_total_yen,
                    new_total_yen=f.new_total_yen,
                    proposed_end_month=f.proposed_end_month,
                    child_name=f.child_name,
                    child_name_kana=f.child_name_kana,
                    child_birth_date=f.child_birth_date,
                    reason=f.reason[:300],
                    needs_claim=f.needs_claim,
                    created_at=at,
                )
                record_audit(
                    actor=actor,
                    municipality=recipient.municipality_id,
                    action="benefits.propose_child_allowance_change",
                    target_type="resident",
                    target_id=recipient.resident_id,
                    after={
                        "proposal": proposal.pk,
                        "recipient": recipient.pk,
                        "kind": f.kind,
                        "source": f.source_key,
                        "effective_month": f.effective_month.isoformat(),
                        "old_total_yen": f.old_total_yen,
                        "new_total_yen": f.new_total_yen,
                    },
                )
                result.created.append(proposal)
    return result


# ---------------------------------------------------------------------------------------------------------------
# Revisions (approve / reject, decided cases)


def _revise(
    *,
    actor: StaffUser,
    recipient: ChildAllowanceRecipient,
    action: str,
    month: dt.date,
    at: dt.datetime,
    proposal: ChildAllowanceChangeProposal | None = None,
    case_reference: str = "",
    child_name: str = "",
    child_name_kana: str = "",
    child_birth_date: dt.date | None = None,
    child_supported: bool = False,
    end_month: dt.date | None = None,
) -> ChildAllowanceRevision:
    revisions = list(ChildAllowanceRevision.objects.filter(recipient=recipient))
    base = list(recipient.children.all())
    quoted = max(month, recipient.start_month)
    before = [c for _n, c in children_in_force(base, revisions, quoted)]
    end_before = recipient.end_month
    if action == RevisionAction.END:
        assert end_month is not None
        if end_month < recipient.start_month:
            raise _violation(
                "end_month",
                "支給終了月が支給開始月より前になります。認定の取消しとして扱ってください。",
                "The end month would be before the start month.",
                "end_before_start",
            )
        if end_before is not None and end_before <= end_month:
            raise _violation(
                "end_month",
                f"支給はすでに{end_before:%Y年%m月}分で終了しています。",
                "The allowance has already ended.",
                "already_ended",
            )
        recipient.end_month = end_month
        recipient.save(update_fields=["end_month"])
        after_total = 0
    revision = ChildAllowanceRevision.objects.create(
        municipality_id=recipient.municipality_id,
        recipient=recipient,
        action=action,
        effective_month=add_months(end_month, 1)
        if end_month is not None and action == RevisionAction.END
        else month,
        child_name=child_name,
        child_name_kana=child_name_kana,
        child_birth_date=child_birth_date,
        child_supported=child_supported,
        end_month_before=end_before,
        end_month_after=recipient.end_month,
        previous_total_yen=_total(quoted, before),
        total_yen=0,
        proposal=proposal,
        case_reference=case_reference,
        recorded_at=at,
        recorded_by=actor,
    )
    if action != RevisionAction.END:
        after_total = _total(quoted, [c for _n, c in children_in_force(base, [*revisions, revision], quoted)])
    revision.total_yen = after_total
    revision.save(update_fields=["total_yen"])
    overpaid: list[str] = []
    if recipient.end_month is not None:
        overpaid = [
            m.isoformat()
            for m in PaidMonth.objects.filter(recipient=recipient, allowance_month__gt=recipient.end_month)
            .order_by("allowance_month")
            .values_list("allowance_month", flat=True)
        ]
    record_audit(
        actor=actor,
        municipality=recipient.municipality_id,
        action="benefits.revise_child_allowance",
        target_type="resident",
        target_id=recipient.resident_id,
        before={
            "end_month": end_before.isoformat() if end_before else None,
            "monthly_yen": revision.previous_total_yen,
        },
        after={
            "revision": revision.pk,
            "recipient": recipient.pk,
            "action": action,
            "effective_month": revision.effective_month.isoformat(),
            "end_month": recipient.end_month.isoformat() if recipient.end_month else None,
            "monthly_yen": revision.total_yen,
            "proposal": proposal.pk if proposal else None,
            "case": case_reference or None,
            "paid_after_end": overpaid,
        },
    )
    return revision


def _locked_proposal(actor: StaffUser, proposal_id: int) -> ChildAllowanceChangeProposal:
    proposal = (
        scoped(ChildAllowanceChangeProposal.objects.select_for_update(), actor).filter(pk=proposal_id).first()
    )
    if proposal is None:
        raise NotFoundInMunicipality("child allowance change proposal")
    if proposal.status != ProposalStatus.PENDING:
        raise _violation(
            "proposal",
            "この提案はすでに処理されています。",
            "The proposal was already decided.",
            "already_decided",
        )
    return proposal


def approve_proposal(
    *,
    actor: StaffUser,
    proposal_id: int,
    claimed_on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> ChildAllowanceChangeProposal:
    """Approve: append the revision(s) the proposal stands for. A birth needs the date of the 額改定請求."""
    require(actor, Action.DECIDE_CASE)
    at = now or timezone.now()
    with transaction.atomic():
        proposal = _locked_proposal(actor, proposal_id)
        recipient = ChildAllowanceRecipient.objects.select_for_update().get(pk=proposal.recipient_id)
        note = ""
        common: dict[str, Any] = {"actor": actor, "recipient": recipient, "at": at, "proposal": proposal}
        kind = proposal.kind
        if kind == ProposalKind.BIRTH_IN_HOUSEHOLD:
            assert proposal.child_birth_date is not None
            if claimed_on is None:
                raise _violation(
                    "claimed_on",
                    "額改定認定請求の請求日を入力してください（増額には受給者の請求が必要です）。",
                    "The date of the amount revision claim is required.",
                    "claimed_on_required",
                )
            if claimed_on < proposal.child_birth_date:
                raise _violation(
                    "claimed_on", "請求日が出生日より前です。", "The claim is before the birth.", "claimed_on"
                )
            month = max(rules.start_month(claimed_on, proposal.child_birth_date), recipient.start_month)
            _revise(
                **common,
                action=RevisionAction.ADD_CHILD,
                month=month,
                child_name=proposal.child_name,
                child_name_kana=proposal.child_name_kana,
                child_birth_date=proposal.child_birth_date,
            )
            note = f"{claimed_on:%Y-%m-%d}の額改定請求により{month:%Y年%m月}分から増額"
        elif kind in (ProposalKind.RECIPIENT_MOVED_OUT, ProposalKind.RECIPIENT_DIED):
            assert proposal.proposed_end_month is not None
            _revise(
                **common,
                action=RevisionAction.END,
                month=proposal.effective_month,
                end_month=proposal.proposed_end_month,
            )
        else:  # child moved out / age transition
            assert proposal.child_birth_date is not None
            month = proposal.effective_month
            counted = True
            if kind == ProposalKind.AGE_TRANSITION:
                # A supported 大学生年代 child still counts for the birth order after the 18歳年度末: kept.
                revisions = list(ChildAllowanceRevision.objects.filter(recipient=recipient))
                named = children_in_force(list(recipient.children.all()), revisions, month)
                quote = rules.quote(month, [c for _n, c in named])
                key = child_key(proposal.child_name, proposal.child_birth_date)
                counted = any(
                    child_key(n, c.birth_date) == key and q.birth_order is not None
                    for (n, c), q in zip(named, quote.children, strict=True)
                )
            if kind == ProposalKind.CHILD_MOVED_OUT or not counted:
                _revise(
                    **common,
                    action=RevisionAction.REMOVE_CHILD,
                    month=month,
                    child_name=proposal.child_name,
                    child_birth_date=proposal.child_birth_date,
                )
            else:
                note = "大学生年代として多子の数え方に残ります（月額は規則により変わります）"
            if proposal.proposed_end_month is not None:
                _revise(
                    **common, action=RevisionAction.END, month=month, end_month=proposal.proposed_end_month
                )
        proposal.status = ProposalStatus.APPROVED
        proposal.decided_at, proposal.decided_by, proposal.decision_note = at, actor, note[:300]
        proposal.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
        record_audit(
            actor=actor,
            municipality=proposal.municipality_id,
            action="benefits.approve_child_allowance_change",
            target_type="resident",
            target_id=recipient.resident_id,
            after={"proposal": proposal.pk, "kind": kind, "note": note or None},
        )
    return proposal


def reject_proposal(
    *, actor: StaffUser, proposal_id: int, reason: str, now: dt.datetime | None = None
) -> ChildAllowanceChangeProposal:
    """Reject with a reason (kept on the proposal and in the audit); nothing about the recipient changes."""
    require(actor, Action.DECIDE_CASE)
    reason = reason.strip()
    if not reason:
        raise _violation(
            "reason", "却下の理由を入力してください。", "A reason is required.", "reason_required"
        )
    if len(reason) > 300:
        raise _violation(
            "reason", "却下の理由は300文字以内で入力してください。", "At most 300 characters.", "reason"
        )
    at = now or timezone.now()
    with transaction.atomic():
        proposal = _locked_proposal(actor, proposal_id)
        proposal.status = ProposalStatus.REJECTED
        proposal.decided_at, proposal.decided_by, proposal.decision_note = at, actor, reason
        proposal.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
        record_audit(
            actor=actor,
            municipality=proposal.municipality_id,
            action="benefits.reject_child_allowance_change",
            target_type="resident",
            target_id=proposal.recipient.resident_id,
            after={"proposal": proposal.pk, "kind": proposal.kind, "reason": reason},
        )
    return proposal


# ---------------------------------------------------------------------------------------------------------------
# Decided cases: 額改定認定請求 and 受給事由消滅届


def _date(value: Any, field_name: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        try:
            return parse_japanese_date(str(value))
        except ValueError:
            raise _violation(
                field_name, "日付が読み取れません。", f"{field_name} is not a date.", "date"
            ) from None


def _recipient_for_case(case: decisions.DecidedCase) -> ChildAllowanceRecipient:
    recipients = ChildAllowanceRecipient.objects.select_for_update().filter(
        municipality_id=case.municipality_code
    )
    number = str(get_path(case.answers, "recipient.number") or "").strip()
    found = None
    if number:
        found = recipients.filter(certification_number=number).first()
    if found is None and case.resident_id is not None:
        found = recipients.filter(resident_id=case.resident_id).order_by("-certified_at").first()
    if found is None:
        raise _violation(
            "recipient",
            "届出人の児童手当の受給者記録が見つかりません。受給者番号または住民の特定を確認してください。",
            "No child allowance recipient found for the applicant.",
            "recipient_not_found",
        )
    return found


def _close_pending(
    recipient: ChildAllowanceRecipient,
    kinds: set[str],
    birth: dt.date | None,
    note: str,
    actor: StaffUser,
    at: dt.datetime,
) -> None:
    pending = ChildAllowanceChangeProposal.objects.filter(
        recipient=recipient, kind__in=kinds, status=ProposalStatus.PENDING
    )
    if birth is not None:
        pending = pending.filter(child_birth_date=birth)
    pending.update(status=ProposalStatus.APPROVED, decided_at=at, decided_by=actor, decision_note=note[:300])


@decisions.handles(AMOUNT_REVISION_CODE)
def _on_amount_revision_granted(*, actor: StaffUser, case: decisions.DecidedCase) -> None:
    # 額改定認定請求: added children from the month the claim gives (15日特例 for births), removed children from the
    # month after the event (減額).
    recipient = _recipient_for_case(case)
    kind = str(get_path(case.answers, "revision.kind") or "")
    reason = str(get_path(case.answers, "revision.reason") or "")
    event_on = _date(get_path(case.answers, "revision.event_on"), "revision.event_on")
    at = case.decided_at
    note = f"額改定認定請求（{case.receipt_number}）で処理"
    common: dict[str, Any] = {
        "actor": actor,
        "recipient": recipient,
        "at": at,
        "case_reference": case.receipt_number,
    }
    if kind == "increase":
        children = [c for c in get_path(case.answers, "added_children") or [] if isinstance(c, Mapping)]
        if not children:
            raise _violation("added_children", "追加する児童がありません。", "No child to add.", "no_child")
        grace = event_on if reason in ("birth", "started_caring") and event_on <= case.received_on else None
        month = max(rules.start_month(case.received_on, grace), recipient.start_month)
        for index, child in enumerate(children, start=1):
            birth = _date(child.get("birth_date"), f"added_children.{index}.birth_date")
            _revise(
                **common,
                action=RevisionAction.ADD_CHILD,
                month=month,
                child_name=str(child.get("name") or ""),
                child_name_kana=str(child.get("name_kana") or ""),
                child_birth_date=birth,
                child_supported=reason == "university_age_support",
            )
            _close_pending(recipient, {ProposalKind.BIRTH_IN_HOUSEHOLD}, birth, note, actor, at)
    elif kind == "decrease":
        children = [c for c in get_path(case.answers, "removed_children") or [] if isinstance(c, Mapping)]
        if not children:
            raise _violation(
                "removed_children", "減額となる児童がありません。", "No child to remove.", "no_child"
            )
        month = max(add_months(first_of_month(event_on), 1), recipient.start_month)
        for index, child in enumerate(children, start=1):
            birth = _date(child.get("birth_date"), f"removed_children.{index}.birth_date")
            _revise(
                **common,
                action=RevisionAction.REMOVE_CHILD,
                month=month,
                child_name=str(child.get("name") or ""),
                child_birth_date=birth,
            )
            _close_pending(
                recipient, {ProposalKind.CHILD_MOVED_OUT, ProposalKind.AGE_TRANSITION}, birth, note, actor, at
            )
    else:
        raise _violation(
            "revision.kind", "増額・減額の別が読み取れません。", "Unknown revision kind.", "kind"
        )


@decisions.handles(ELIGIBILITY_LOSS_CODE)
def _on_eligibility_loss_granted(*, actor: StaffUser, case: decisions.DecidedCase) -> None:
    # 受給事由消滅届: paid through the month of the event (児童手当法 §8②).
    recipient = _recipient_for_case(case)
    event_on = _date(get_path(case.answers, "loss.event_on"), "loss.event_on")
    end = rules.end_month(event_on)
    _revise(
        actor=actor,
        recipient=recipient,
        at=case.decided_at,
        action=RevisionAction.END,
        month=add_months(end, 1),
        end_month=end,
        case_reference=case.receipt_number,
    )
    _close_pending(
        recipient,
        {ProposalKind.RECIPIENT_MOVED_OUT, ProposalKind.RECIPIENT_DIED},
        None,
        f"受給事由消滅届（{case.receipt_number}）で処理",
        actor,
        case.decided_at,
    )
