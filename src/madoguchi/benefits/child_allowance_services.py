"""児童手当 writes: certify the 受給者 from a granted 認定請求, the paying account, and payment runs (全銀 総合振込).

Called by casework when the last approval grants a `child_allowance_certification` case (casework sits above
benefits in the layers, so casework calls this module and passes what it knows about the case) and by the
office pages. Every write runs in one transaction with its audit row. Amounts always come from the rule functions
in `rules.child_allowance`; nothing here knows an amount.

Payment runs (benefits.md §1, payments.md): a run pays the two allowance months before an even payment month. The
no-double-pay guarantee is in the database: `PaidMonth` has one row per recipient and allowance month paid (unique),
written when the run is exported; the selection skips months already there, and at most one run per month can be in
preparation (partial unique constraint), so two clerks creating the same month at once get a clear refusal.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from madoguchi.benefits import decisions
from madoguchi.benefits.models import (
    ChildAllowanceChild,
    ChildAllowancePaymentMethod,
    ChildAllowanceRecipient,
    PaidMonth,
    PaymentItem,
    PaymentItemStatus,
    PaymentRun,
    PaymentRunStatus,
    PaymentSettings,
)
from madoguchi.benefits.models_child_allowance_changes import (
    ChildAllowanceRevision,
    children_in_force,
    inputs_in_force,
)
from madoguchi.benefits.numbering import next_yearly_number
from madoguchi.benefits.rules import child_allowance as rules
from madoguchi.benefits.rules._months import first_of_month
from madoguchi.benefits.zengin import (
    Transfer,
    TransferHeader,
    ZenginError,
    build_transfer_file,
    holder_name_matches,
    to_zengin_kana,
)
from madoguchi.common.holidays import is_holiday, is_year_end_closure
from madoguchi.common.kana import is_katakana, to_fullwidth_katakana
from madoguchi.common.names import names_match
from madoguchi.common.wareki import parse_japanese_date
from madoguchi.core.access import require, scoped
from madoguchi.core.audit import record_audit
from madoguchi.core.errors import BusinessRuleViolation, NotFoundInMunicipality
from madoguchi.core.models import StaffUser
from madoguchi.core.roles import Action
from madoguchi.procedures.conditions import get_path
from madoguchi.registry.models import Resident, ResidentStatus

PROCEDURE_CODE = "child_allowance_certification"
# 15日特例 covers births and move-ins only (児童手当法 §8③).
GRACE_REASONS = frozenset({"birth", "moving_in"})
# The form engine's account types → 全銀 預金種目.
ACCOUNT_TYPES = {"ordinary": "1", "current": "2", "savings": "4"}
ACCOUNT_TYPE_LABELS = {"1": "普通", "2": "当座", "4": "貯蓄", "9": "その他"}


def _violation(field_name: str, ja: str, en: str, code: str = "invalid") -> BusinessRuleViolation:
    return BusinessRuleViolation(field_name, ja, en, code)


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        try:
            return parse_japanese_date(str(value))
        except ValueError:
            return None


# ---------------------------------------------------------------------------------------------------------------
# Certification (認定)


@dataclass(frozen=True)
class ClaimedChild:
    name: str
    name_kana: str
    birth_date: dt.date
    supported: bool
    is_university_age: bool


def claimed_children(answers: Mapping[str, Any]) -> list[ClaimedChild]:
    """The children of a 認定請求 the claimant cares for, plus the 大学生年代 children they support (確認書)."""
    out: list[ClaimedChild] = []
    groups = (("children", False), ("children_apart", False), ("older_children", True))
    for key, university in groups:
        if key == "children_apart" and not get_path(answers, "children_apart_exists"):
            continue
        if key == "older_children" and not get_path(answers, "older_children_exists"):
            continue
        for index, child in enumerate(get_path(answers, key) or [], start=1):
            if not isinstance(child, Mapping):
                continue
            if key == "children" and child.get("is_cared_for") is False:
                continue  # 監護していない児童 is not the claimant's
            birth = _date(child.get("birth_date"))
            if birth is None:
                raise _violation(
                    f"{key}.{index}.birth_date",
                    "児童の生年月日が読み取れません。",
                    "A child's date of birth cannot be read.",
                    "child_birth_date",
                )
            out.append(
                ClaimedChild(
                    name=str(child.get("name") or ""),
                    name_kana=str(child.get("name_kana") or ""),
                    birth_date=birth,
                    # The form asks only for 大学生年代 children the claimant supports (生活費を負担している).
                    supported=university,
                    is_university_age=university,
                )
            )
    return out


def _find_applicant(municipality_code: str, answers: Mapping[str, Any]) -> Resident | None:
    name = str(get_path(answers, "applicant.name") or "")
    birth = _date(get_path(answers, "applicant.birth_date"))
    if not name or birth is None:
        return None
    candidates = Resident.objects.filter(
        municipality_id=municipality_code, birth_date=birth, status=ResidentStatus.CURRENT
    )
    matching = [r for r in candidates if names_match(r.full_name, name)]
    return matching[0] if len(matching) == 1 else None


def _next_certification_number(municipality_code: str, year: int) -> str:
    return next_yearly_number(
        ChildAllowanceRecipient,
        "certification_number",
        municipality_code=municipality_code,
        prefix=f"{year:04d}",
    )


def _bank_account(answers: Mapping[str, Any]) -> dict[str, str]:
    method = get_path(answers, "payment.method")
    if method == ChildAllowancePaymentMethod.PUBLIC_FUND_ACCOUNT:
        return {"payment_method": ChildAllowancePaymentMethod.PUBLIC_FUND_ACCOUNT}
    account = get_path(answers, "payment.bank_account")
    if method != ChildAllowancePaymentMethod.BANK_ACCOUNT or not isinstance(account, Mapping):
        raise _violation(
            "payment.bank_account",
            "振込先口座が申請書にありません。",
            "The application has no bank account.",
            "bank_account",
        )
    values = {
        "bank_code": str(account.get("bank_code") or ""),
        "branch_code": str(account.get("branch_code") or ""),
        "account_number": str(account.get("account_number") or ""),
        "account_type": ACCOUNT_TYPES.get(str(account.get("account_type") or ""), ""),
    }
    for key, digits in (("bank_code", 4), ("branch_code", 3), ("account_number", 7)):
        if not (values[key].isascii() and values[key].isdigit() and len(values[key]) == digits):
            raise _violation(
                f"payment.bank_account.{key}",
                f"振込先口座の番号が正しくありません（{digits}桁の数字）。",
                f"The bank account's {key} must be {digits} digits.",
                key,
            )
    if not values["account_type"]:
        raise _violation(
            "payment.bank_account.account_type",
            "振込先口座の預金種目が正しくありません。",
            "Unknown account type.",
            "account_type",
        )
    holder = to_fullwidth_katakana(str(account.get("holder_kana") or "")).strip()
    if not holder or not is_katakana(holder):
        raise _violation(
            "payment.bank_account.holder_kana",
            "口座名義（カナ）が正しくありません。",
            "The account holder name must be katakana.",
            "holder_kana",
        )
    return {
        **values,
        "payment_method": ChildAllowancePaymentMethod.BANK_ACCOUNT,
        "account_holder_kana": holder,
        "bank_name": str(account.get("bank_name") or "")[:60],
        "branch_name": str(account.get("branch_name") or "")[:60],
    }


def certify_child_allowance(
    *,
    actor: StaffUser,
    municipality_code: str,
    case_reference: str,
    answers: Mapping[str, Any],
    claimed_on: dt.date,
    resident_id: int | None = None,
    now: dt.datetime | None = None,
) -> ChildAllowanceRecipient:
    """認定: create the 受給者 from a granted 認定請求 (children, birth order, start month, payee account).

    Called by casework inside the decision's transaction by the approver who gives the final approval. The
    applicant is the resident identified by casework (`resident_id`), else the one current resident with the
    applicant's name and date of birth; an unidentifiable applicant refuses the decision (nothing is written).
    """
    require(actor, Action.DECIDE_CASE)
    if actor.municipality_id != municipality_code:
        raise NotFoundInMunicipality("municipality")
    at = now or timezone.now()
    children = claimed_children(answers)
    reason = str(get_path(answers, "claim.reason") or "")
    event_on = _date(get_path(answers, "claim.event_on")) if reason in GRACE_REASONS else None
    if event_on is not None and event_on > claimed_on:
        event_on = None  # an event after the claim gives no 15日特例 (and cannot be recorded as such)
    try:
        start = rules.start_month(claimed_on, event_on)
    except ValueError as exc:
        raise _violation("claim.event_on", "請求日から支給開始月を決められません。", str(exc)) from None
    inputs = [rules.ChildInput(c.birth_date, c.supported) for c in children]
    quote = rules.quote(start, inputs)
    if quote.total_monthly_yen == 0:
        raise _violation(
            "children",
            "支給開始月に支給対象となる児童がいません。認定ではなく却下を起案してください。",
            "No child is eligible in the first allowance month.",
            "no_eligible_child",
        )
    account = _bank_account(answers)
    with transaction.atomic():
        residents = Resident.objects.select_for_update().filter(municipality_id=municipality_code)
        resident = (
            residents.filter(pk=resident_id).first()
            if resident_id is not None
            else _find_applicant(municipality_code, answers)
        )
        if resident is None:
            raise _violation(
                "applicant",
                "申請者を住民記録で特定できません。住民記録を確認してから決裁してください。",
                "The applicant cannot be identified in the resident registry.",
                "applicant_not_found",
            )
        if ChildAllowanceRecipient.objects.filter(
            municipality_id=municipality_code, case_reference=case_reference
        ).exists():
            raise _violation(
                "case",
                "この申請の受給者はすでに認定されています。",
                "Already certified.",
                "already_certified",
            )
        number = _next_certification_number(municipality_code, timezone.localdate(at).year)
        recipient = ChildAllowanceRecipient.objects.create(
            municipality_id=municipality_code,
            resident=resident,
            certification_number=number,
            case_reference=case_reference,
            claim_reason=reason,
            claimed_on=claimed_on,
            event_on=event_on,
            start_month=start,
            certified_at=at,
            certified_by=actor,
            **account,
        )
        ChildAllowanceChild.objects.bulk_create(
            [
                ChildAllowanceChild(
                    municipality_id=municipality_code,
                    recipient=recipient,
                    position=position,
                    name=child.name,
                    name_kana=child.name_kana,
                    birth_date=child.birth_date,
                    supported=child.supported,
                    is_university_age=child.is_university_age,
                    birth_order=child_quote.birth_order,
                    monthly_yen=child_quote.monthly_yen,
                )
                for position, (child, child_quote) in enumerate(
                    zip(children, quote.children, strict=True), start=1
                )
            ]
        )
        record_audit(
            actor=actor,
            municipality=municipality_code,
            action="benefits.certify_child_allowance",
            target_type="resident",
            target_id=resident.pk,
            after={
                "recipient": recipient.pk,
                "certification_number": number,
                "case": case_reference,
                "start_month": start.isoformat(),
                "grace_event_on": event_on.isoformat() if event_on else None,
                "children": len(children),
                "monthly_yen": quote.total_monthly_yen,
                "payment_method": account["payment_method"],
            },
        )
    return recipient


def child_inputs(recipient: ChildAllowanceRecipient) -> list[rules.ChildInput]:
    """The recipient's children as rule inputs (in the order of the application)."""
    return [
        rules.ChildInput(c.birth_date, c.supported) for c in recipient.children.all().order_by("position")
    ]


# ---------------------------------------------------------------------------------------------------------------
# The paying account (振込依頼人)


def set_payment_settings(
    *,
    actor: StaffUser,
    requester_code: str,
    requester_name_kana: str,
    bank_code: str,
    bank_name_kana: str,
    branch_code: str,
    branch_name_kana: str,
    account_type: str,
    account_number: str,
    payment_day: int,
    now: dt.datetime | None = None,
) -> PaymentSettings:
    """Set the municipality's paying account for 全銀 files (checked with the 全銀 encoder); payment staff only."""
    require(actor, Action.RUN_BENEFIT_PAYMENTS)
    assert actor.municipality_id is not None
    values = {
        "requester_code": requester_code.strip(),
        "requester_name_kana": to_zengin_kana(requester_name_kana.strip()),
        "bank_code": bank_code.strip(),
        "bank_name_kana": to_zengin_kana(bank_name_kana.strip()),
        "branch_code": branch_code.strip(),
        "branch_name_kana": to_zengin_kana(branch_name_kana.strip()),
        "account_type": account_type.strip(),
        "account_number": account_number.strip(),
        "payment_day": payment_day,
    }
    if not 1 <= payment_day <= 28:
        raise _violation(
            "payment_day", "支払日は1日から28日の間で指定してください。", "Day 1–28.", "payment_day"
        )
    header = _header(values, dt.date(2026, 2, 10))
    try:
        # Writing a one-line test file runs every 全銀 field check on the header values.
        build_transfer_file(header, [_probe_transfer()])
    except ZenginError as exc:
        raise _violation(exc.field, exc.message_ja, str(exc), "zengin") from None
    with transaction.atomic():
        previous = PaymentSettings.objects.filter(municipality_id=actor.municipality_id).first()
        before = {k: getattr(previous, k) for k in values} if previous else None
        settings_row, _created = PaymentSettings.objects.update_or_create(
            municipality_id=actor.municipality_id, defaults={**values, "updated_at": now or timezone.now()}
        )
        record_audit(
            actor=actor,
            municipality=actor.municipality_id,
            action="benefits.set_payment_settings",
            target_type="payment_settings",
            target_id=actor.municipality_id,
            before=before,
            after=values,
        )
    return settings_row


def _probe_transfer() -> Transfer:
    return Transfer("0001", "001", "1", "0000001", "ｱ", 1)


def _header(values: Mapping[str, Any], transfer_on: dt.date) -> TransferHeader:
    return TransferHeader(
        requester_code=str(values["requester_code"]),
        requester_name=str(values["requester_name_kana"]),
        transfer_on=transfer_on,
        bank_code=str(values["bank_code"]),
        branch_code=str(values["branch_code"]),
        account_type=str(values["account_type"]),
        account_number=str(values["account_number"]),
        bank_name=str(values["bank_name_kana"]),
        branch_name=str(values["branch_name_kana"]),
    )


# ---------------------------------------------------------------------------------------------------------------
# Payment runs


@dataclass(frozen=True)
class PlannedPayment:
    recipient: ChildAllowanceRecipient
    months: tuple[dt.date, ...]
    month_amounts: tuple[int, ...]
    amount_yen: int
    registered_name_kana: str
    blocked_reason: str = ""

    @property
    def blocked(self) -> bool:
        return bool(self.blocked_reason)


@dataclass
class PaymentPlan:
    payment_month: dt.date
    covered: tuple[dt.date, dt.date]
    payments: list[PlannedPayment] = field(default_factory=list)

    @property
    def included(self) -> list[PlannedPayment]:
        return [p for p in self.payments if not p.blocked]

    @property
    def blocked(self) -> list[PlannedPayment]:
        return [p for p in self.payments if p.blocked]

    @property
    def total_yen(self) -> int:
        return sum(p.amount_yen for p in self.included)


def require_payment_month(value: dt.date) -> dt.date:
    """The first of an even month, or a BusinessRuleViolation naming `payment_month`."""
    month = first_of_month(value)
    if month.month % 2:
        raise _violation(
            "payment_month",
            "児童手当の支払月は偶数月（2・4・6・8・10・12月）です。",
            "Child allowance is paid in even months only.",
            "odd_month",
        )
    return month


def blocked_reason_for(recipient: ChildAllowanceRecipient, resident: Resident) -> str:
    """Why a recipient cannot be paid now ('' when they can): no account, removed record, holder name mismatch."""
    if resident.status != ResidentStatus.CURRENT:
        return gettext_noop("住民記録が消除されています（転出・死亡）。支給の終了を確認してください。")
    if recipient.payment_method != ChildAllowancePaymentMethod.BANK_ACCOUNT or not recipient.account_number:
        return gettext_noop("振込先口座が登録されていません（公金受取口座の確認が必要です）。")
    if not holder_name_matches(resident.full_name_kana, recipient.account_holder_kana):
        return gettext_noop("口座名義（カナ）が住民記録の氏名（フリガナ）と一致しません。")
    return ""


def plan_payment(*, municipality_code: str, payment_month: dt.date) -> PaymentPlan:
    """Who is due what in `payment_month`: the two covered months not yet paid, with the block reasons."""
    month = require_payment_month(payment_month)
    covered = rules.covered_months(month)
    plan = PaymentPlan(month, covered)
    recipients = (
        ChildAllowanceRecipient.objects.filter(municipality_id=municipality_code, start_month__lte=covered[1])
        .exclude(end_month__lt=covered[0])
        .select_related("resident")
        .prefetch_related("children")
        .order_by("certification_number")
    )
    paid = set(
        PaidMonth.objects.filter(municipality_id=municipality_code, allowance_month__in=covered).values_list(
            "recipient_id", "allowance_month"
        )
    )
    revisions_by_recipient: dict[int, list[ChildAllowanceRevision]] = {}
    for revision in ChildAllowanceRevision.objects.filter(
        municipality_id=municipality_code, recipient__in=recipients
    ):
        revisions_by_recipient.setdefault(revision.recipient_id, []).append(revision)
    for recipient in recipients:
        months = [
            m
            for m in covered
            if recipient.start_month <= m
            and (recipient.end_month is None or m <= recipient.end_month)
            and (recipient.pk, m) not in paid
        ]
        if not months:
            continue
        # The children in force for each month: the certified ones with the approved revisions applied.
        revisions = revisions_by_recipient.get(recipient.pk, [])
        amounts = [
            rules.quote(
                m, [c for _n, c in children_in_force(recipient.children.all(), revisions, m)]
            ).total_monthly_yen
            for m in months
        ]
        if sum(amounts) == 0:
            continue
        resident = recipient.resident
        plan.payments.append(
            PlannedPayment(
                recipient=recipient,
                months=tuple(months),
                month_amounts=tuple(amounts),
                amount_yen=sum(amounts),
                registered_name_kana=resident.full_name_kana,
                blocked_reason=blocked_reason_for(recipient, resident),
            )
        )
    return plan


def _transfer_on(payment_month: dt.date, day: int) -> dt.date:
    holidays = {
        d
        for d in (payment_month + dt.timedelta(days=i) for i in range(31))
        if d.month == payment_month.month and (is_holiday(d) or is_year_end_closure(d))
    }
    return rules.payment_date(payment_month, day, holidays)


def create_payment_run(
    *, actor: StaffUser, payment_month: dt.date, now: dt.datetime | None = None
) -> PaymentRun:
    """Create the run for an even payment month from the current plan (confirmed preview); payment staff only."""
    require(actor, Action.RUN_BENEFIT_PAYMENTS)
    assert actor.municipality_id is not None
    month = require_payment_month(payment_month)
    at = now or timezone.now()
    settings_row = PaymentSettings.objects.filter(municipality_id=actor.municipality_id).first()
    if settings_row is None:
        raise _violation(
            "payment_settings",
            "振込元の口座が設定されていません。先に「振込元の設定」をしてください。",
            "The paying account is not set.",
            "no_settings",
        )
    with transaction.atomic():
        plan = plan_payment(municipality_code=actor.municipality_id, payment_month=month)
        if not plan.payments:
            raise _violation(
                "payment_month",
                "この支払月に支払う受給者はいません（支払済みを含む）。",
                "Nobody is due a payment in this month.",
                "nothing_due",
            )
        try:
            with transaction.atomic():
                run = PaymentRun.objects.create(
                    municipality_id=actor.municipality_id,
                    payment_month=month,
                    transfer_on=_transfer_on(month, settings_row.payment_day),
                    created_at=at,
                    created_by=actor,
                    payee_count=len(plan.included),
                    total_yen=plan.total_yen,
                )
        except IntegrityError:
            raise _violation(
                "payment_month",
                "この支払月の支払データはすでに作成されています（未出力）。一覧から開いてください。",
                "A run for this month is already being prepared.",
                "draft_exists",
            ) from None
        PaymentItem.objects.bulk_create(
            [
                PaymentItem(
                    municipality_id=actor.municipality_id,
                    run=run,
                    recipient=p.recipient,
                    months=[m.isoformat() for m in p.months],
                    amount_yen=p.amount_yen,
                    status=PaymentItemStatus.BLOCKED if p.blocked else PaymentItemStatus.INCLUDED,
                    blocked_reason=p.blocked_reason,
                    registered_name_kana=p.registered_name_kana,
                    bank_code=p.recipient.bank_code,
                    branch_code=p.recipient.branch_code,
                    account_type=p.recipient.account_type,
                    account_number=p.recipient.account_number,
                    account_holder_kana=p.recipient.account_holder_kana,
                )
                for p in plan.payments
            ]
        )
        record_audit(
            actor=actor,
            municipality=actor.municipality_id,
            action="benefits.create_payment_run",
            target_type="payment_run",
            target_id=run.pk,
            after={
                "payment_month": month.isoformat(),
                "included": len(plan.included),
                "blocked": len(plan.blocked),
                "total_yen": plan.total_yen,
            },
        )
    return run


def _locked_run(actor: StaffUser, run_id: int) -> PaymentRun:
    run = scoped(PaymentRun.objects.select_for_update(), actor).filter(pk=run_id).first()
    if run is None:
        raise NotFoundInMunicipality("payment run")
    if run.status == PaymentRunStatus.EXPORTED:
        raise _violation(
            "run",
            "この支払データは出力済みのため変更できません（出力したファイルが銀行に渡るものです）。",
            "The run was exported and cannot be changed.",
            "exported",
        )
    return run


def _register_csv(run: PaymentRun, items: Sequence[PaymentItem]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        [
            "認定番号",
            "受給者氏名",
            "金融機関コード",
            "支店コード",
            "預金種目",
            "口座番号",
            "口座名義（全銀）",
            "手当月",
            "振込金額",
            "状況",
            "保留の理由",
        ]
    )
    included_total = 0
    for item in items:
        included = item.status == PaymentItemStatus.INCLUDED
        included_total += item.amount_yen if included else 0
        writer.writerow(
            [
                item.recipient.certification_number,
                item.recipient.resident.full_name,
                item.bank_code,
                item.branch_code,
                ACCOUNT_TYPE_LABELS.get(item.account_type, item.account_type),
                item.account_number,
                to_zengin_kana(item.account_holder_kana) if item.account_holder_kana else "",
                "・".join(f"{m[:4]}年{int(m[5:7])}月" for m in item.months),
                item.amount_yen,
                "振込" if included else "保留",
                item.blocked_reason,
            ]
        )
    writer.writerow(
        ["合計", "", "", "", "", "", "", f"{run.payment_month:%Y年%m月}支払", included_total, "", ""]
    )
    return buffer.getvalue()


def _recheck_names(actor: StaffUser, run: PaymentRun) -> list[PaymentItem]:
    """Block the payees that cannot be paid any more (registry name changed, record removed); audited."""
    items = list(
        run.items.select_related("recipient", "recipient__resident").order_by(
            "recipient__certification_number"
        )
    )
    newly: list[str] = []
    for item in items:
        if item.status != PaymentItemStatus.INCLUDED:
            continue
        reason = blocked_reason_for(item.recipient, item.recipient.resident)
        if reason:
            item.status, item.blocked_reason = PaymentItemStatus.BLOCKED, reason
            item.registered_name_kana = item.recipient.resident.full_name_kana
            item.save(update_fields=["status", "blocked_reason", "registered_name_kana"])
            newly.append(item.recipient.certification_number)
    if newly:
        included = [i for i in items if i.status == PaymentItemStatus.INCLUDED]
        run.payee_count = len(included)
        run.total_yen = sum(i.amount_yen for i in included)
        run.save(update_fields=["payee_count", "total_yen"])
        record_audit(
            actor=actor,
            municipality=run.municipality_id,
            action="benefits.block_payees",
            target_type="payment_run",
            target_id=run.pk,
            after={"blocked": newly},
        )
    return items


def export_payment_run(
    *, actor: StaffUser, run_id: int, confirm_blocked: bool = False, now: dt.datetime | None = None
) -> PaymentRun:
    """Write the 全銀 file and the register, mark the months paid and lock the run; payment staff only.

    Holder names are checked again against the registry first. Payees that cannot be paid (blocked) are left out
    only when the clerk confirms it (`confirm_blocked`); they stay due and are picked up by a later run.
    """
    require(actor, Action.RUN_BENEFIT_PAYMENTS)
    at = now or timezone.now()
    # The re-check is committed on its own, so that a payee blocked now is listed on the page (with the
    # confirmation to give) even when the export is refused for want of that confirmation.
    with transaction.atomic():
        _recheck_names(actor, _locked_run(actor, run_id))
    with transaction.atomic():
        run = _locked_run(actor, run_id)
        settings_row = PaymentSettings.objects.filter(municipality_id=run.municipality_id).first()
        if settings_row is None:
            raise _violation(
                "payment_settings", "振込元の口座が設定されていません。", "No paying account.", "no_settings"
            )
        items = _recheck_names(actor, run)
        included = [i for i in items if i.status == PaymentItemStatus.INCLUDED]
        blocked = [i for i in items if i.status == PaymentItemStatus.BLOCKED]
        if blocked and not confirm_blocked:
            raise _violation(
                "confirm_blocked",
                f"振込保留の受給者が{len(blocked)}人います。保留の理由を確認し、除いて出力することを確認してください。",
                f"{len(blocked)} payees are blocked; confirm to export without them.",
                "blocked_not_confirmed",
            )
        if not included:
            raise _violation(
                "run", "振込できる受給者がいません。", "No payee can be paid.", "nothing_to_export"
            )
        transfers = [
            Transfer(
                bank_code=i.bank_code,
                branch_code=i.branch_code,
                account_type=i.account_type,
                account_number=i.account_number,
                holder_name=to_zengin_kana(i.account_holder_kana),
                amount_yen=i.amount_yen,
                new_code="0",
                customer_code_1=i.recipient.certification_number,
                customer_code_2=f"{run.payment_month:%Y%m}",
            )
            for i in included
        ]
        try:
            data = build_transfer_file(_header(settings_row.__dict__, run.transfer_on), transfers)
        except ZenginError as exc:
            raise _violation(exc.field, exc.message_ja, str(exc), "zengin") from None
        try:
            with transaction.atomic():
                PaidMonth.objects.bulk_create(
                    [
                        PaidMonth(
                            municipality_id=run.municipality_id,
                            recipient_id=i.recipient_id,
                            allowance_month=dt.date.fromisoformat(month),
                            run=run,
                            amount_yen=rules.quote(
                                dt.date.fromisoformat(month),
                                inputs_in_force(i.recipient, dt.date.fromisoformat(month)),
                            ).total_monthly_yen,
                        )
                        for i in included
                        for month in i.months
                    ]
                )
        except IntegrityError:
            raise _violation(
                "run",
                "この支払データの手当月の一部は、別の支払ですでに支払済みです。支払データを作り直してください。",
                "Some months were already paid by another run.",
                "already_paid",
            ) from None
        run.transfer_file = data
        run.file_sha256 = hashlib.sha256(data).hexdigest()
        run.register_csv = _register_csv(run, items)
        run.payee_count = len(included)
        run.total_yen = sum(i.amount_yen for i in included)
        run.blocked_confirmed_by = actor if blocked else None
        run.exported_at = at
        run.exported_by = actor
        run.status = PaymentRunStatus.EXPORTED
        run.save()
        record_audit(
            actor=actor,
            municipality=run.municipality_id,
            action="benefits.export_payment_run",
            target_type="payment_run",
            target_id=run.pk,
            after={
                "payment_month": run.payment_month.isoformat(),
                "sha256": run.file_sha256,
                "payees": run.payee_count,
                "total_yen": run.total_yen,
                "blocked": [i.recipient.certification_number for i in blocked],
            },
        )
    return run


def discard_payment_run(*, actor: StaffUser, run_id: int) -> None:
    """Discard a run that was not exported (e.g. to recreate it after fixing an account); payment staff only."""
    require(actor, Action.RUN_BENEFIT_PAYMENTS)
    with transaction.atomic():
        run = _locked_run(actor, run_id)
        month = run.payment_month
        run.items.all().delete()
        run.delete()
        record_audit(
            actor=actor,
            municipality=actor.municipality_id or "",
            action="benefits.discard_payment_run",
            target_type="payment_run",
            target_id=run_id,
            before={"payment_month": month.isoformat()},
        )


@decisions.handles(PROCEDURE_CODE)
def _on_certification_granted(*, actor: StaffUser, case: decisions.DecidedCase) -> None:
    # A granted 認定請求 makes the 受給者; if it cannot be made the approval is refused and nothing is recorded.
    certify_child_allowance(
        actor=actor,
        municipality_code=case.municipality_code,
        case_reference=case.receipt_number,
        answers=case.answers,
        claimed_on=case.received_on,
        resident_id=case.resident_id,
        now=case.decided_at,
    )
