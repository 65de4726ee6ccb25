"""妊娠の届出 (母子保健法 §15, 施行規則 §3) and 妊婦のための支援給付 (子ども・子育て支援法, from 2025-04-01).

benefits.md §4: 1st payment 50,000 after the 妊婦給付認定 (fetal heartbeat confirmed) and an interview;
2nd payment number of fetuses × 50,000 after the 胎児の数の届出. Miscarriage and stillbirth remain eligible.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from madoguchi.benefits.parameters import in_force


@dataclass(frozen=True)
class SupportBenefitParameters:
    effective_from: dt.date
    first_payment_yen: int
    per_fetus_yen: int


PARAMETERS: tuple[SupportBenefitParameters, ...] = (
    SupportBenefitParameters(
        effective_from=dt.date(2025, 4, 1), first_payment_yen=50_000, per_fetus_yen=50_000
    ),
)


def parameters_for(on: dt.date) -> SupportBenefitParameters:
    """Parameters in force on `on` (ValueError before 2025-04-01, when the benefit was created)."""
    return in_force(PARAMETERS, on, what="pregnancy support benefit (from 2025-04-01)")


def first_payment_yen(certified_on: dt.date, params: SupportBenefitParameters | None = None) -> int:
    """1st payment (妊婦支援給付金 1回目) for a 妊婦給付認定 made on `certified_on`."""
    return (params or parameters_for(certified_on)).first_payment_yen


def second_payment_yen(
    fetus_count: int, notified_on: dt.date, params: SupportBenefitParameters | None = None
) -> int:
    """2nd payment: number of fetuses × the per-fetus amount, for a 胎児の数の届出 made on `notified_on`."""
    if fetus_count < 1:
        raise ValueError("fetus_count must be at least 1")
    return fetus_count * (params or parameters_for(notified_on)).per_fetus_yen


def maternal_handbooks_to_issue(fetus_count: int) -> int:
    """母子健康手帳 to issue (母子保健法 §16): one per fetus, so a multiple pregnancy gets extra copies."""
    if fetus_count < 1:
        raise ValueError("fetus_count must be at least 1")
    return fetus_count


@dataclass(frozen=True)
class PregnancyNotification:
    """The items of a 妊娠の届出 (施行規則 §3); 個人番号 is collected by the form but never held here."""

    filed_on: dt.date
    name: str
    age: int
    occupation: str
    address: str
    pregnancy_months: int  # 妊娠月数
    examiner_name: str | None  # 診断又は保健指導を受けた医師・助産師 (if any)
    std_tb_checkup_done: bool | None  # 性病及び結核に関する健康診断の有無 (None = not answered)


def validate_notification(notification: PregnancyNotification, today: dt.date) -> dict[str, str]:
    """Field → Japanese message for each problem in a 妊娠の届出 (empty when it is acceptable)."""
    errors: dict[str, str] = {}
    if notification.filed_on > today:
        errors["filed_on"] = "届出年月日が未来の日付です。"
    for field in ("name", "occupation", "address"):
        if not getattr(notification, field).strip():
            errors[field] = "入力してください。"
    if not 10 <= notification.age <= 70:
        errors["age"] = "年齢を確認してください。"
    # 妊娠月数 is counted 1–10 (数え); anything else is a typo.
    if not 1 <= notification.pregnancy_months <= 10:
        errors["pregnancy_months"] = "妊娠月数は1から10の範囲で入力してください。"
    if notification.std_tb_checkup_done is None:
        errors["std_tb_checkup_done"] = "性病及び結核に関する健康診断の有無を選択してください。"
    return errors
