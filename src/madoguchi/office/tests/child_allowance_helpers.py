"""Test helpers: 児童手当 recipients certified through the benefits service, the paying account, payment runs."""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from typing import Any

from madoguchi.benefits import child_allowance_services as services
from madoguchi.benefits.models import ChildAllowanceRecipient, PaymentRun, PaymentSettings
from madoguchi.core.models import Municipality, StaffUser
from madoguchi.core.services import create_staff_user
from madoguchi.intake.tests.helpers import World, child_allowance_answers

FEB = dt.date(2027, 2, 1)  # pays 2026-12 and 2027-01
APR = dt.date(2027, 4, 1)  # pays 2027-02 and 2027-03


def bank(holder: str, number: str = "7654321") -> dict[str, Any]:
    return {
        "method": "bank_account",
        "bank_account": {
            "bank_code": "0009",
            "branch_code": "123",
            "account_type": "ordinary",
            "account_number": number,
            "holder_kana": holder,
        },
    }


def certify(
    municipality: Municipality,
    world: World,
    approver: StaffUser,
    reference: str,
    holder: str = "ヤマダ　タロウ",
    **overrides: Any,
) -> ChildAllowanceRecipient:
    """The Yamada head certified from a 認定請求 (moved in 2026-11-17, claimed 2026-11-20 → from 2026-12)."""
    answers = child_allowance_answers(
        world, **{"payment": copy.deepcopy(bank(holder)), "claim.event_on": "2026-11-17", **overrides}
    )
    return services.certify_child_allowance(
        actor=approver,
        municipality_code=municipality.code,
        case_reference=reference,
        answers=answers,
        claimed_on=dt.date(2026, 11, 20),
    )


def certify_wife(
    municipality: Municipality, world: World, approver: StaffUser, reference: str, holder: str = "ﾔﾏﾀﾞ ﾊﾅｺ"
) -> ChildAllowanceRecipient:
    """The wife as a second recipient, her account holder given in half-width kana."""
    return certify(
        municipality,
        world,
        approver,
        reference,
        holder,
        **{"applicant.name": "山田　花子", "applicant.birth_date": "1990-03-15"},
    )


def set_settings(actor: StaffUser) -> PaymentSettings:
    """The worked example's paying account (payments.md §5)."""
    return services.set_payment_settings(
        actor=actor,
        requester_code="1234567890",
        requester_name_kana="マドグチシ",
        bank_code="0001",
        bank_name_kana="ミズホ",
        branch_code="001",
        branch_name_kana="トウキョウエイギョウブ",
        account_type="1",
        account_number="1234567",
        payment_day=10,
    )


@dataclass(frozen=True)
class PaymentDemo:
    recipient_id: int
    exported_run_id: int
    draft_run_id: int  # with one blocked payee (holder name mismatch)


def make_payment_demo(municipality: Municipality, world: World) -> PaymentDemo:
    """Two recipients, an exported February run and an April run in preparation with a blocked payee."""
    approver, _device = create_staff_user(
        actor=None,
        municipality=municipality,
        username=f"benefits-demo-{municipality.code}",
        password="demo-only-not-a-login-9f3",
        role="approver",
        last_name="給付",
        first_name="担当",
    )
    set_settings(approver)
    head = certify(municipality, world, approver, "DEMO-1")
    certify_wife(municipality, world, approver, "DEMO-2", holder="ヤマダ　ハナエ")
    exported: PaymentRun = services.create_payment_run(actor=approver, payment_month=FEB)
    services.export_payment_run(actor=approver, run_id=exported.pk, confirm_blocked=True)
    draft = services.create_payment_run(actor=approver, payment_month=APR)
    return PaymentDemo(head.pk, exported.pk, draft.pk)
