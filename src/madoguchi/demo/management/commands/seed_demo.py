"""`madoguchi seed_demo`: the demo municipality with synthetic residents, their 介護保険 qualifications and demo
staff (idempotent)."""

from __future__ import annotations

import base64
import datetime as dt
import io
from typing import Any

import segno
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from madoguchi.benefits.childcare_services import FacilitySpec, ensure_facilities
from madoguchi.benefits.services import enroll_category_1_residents
from madoguchi.common.checkdigits import is_valid_local_government_code
from madoguchi.core.audit import Actor
from madoguchi.core.models import Municipality, StaffUser
from madoguchi.core.roles import Role
from madoguchi.core.services import create_staff_user
from madoguchi.registry.demo import generate
from madoguchi.registry.models import Resident
from madoguchi.registry.services import load_demo_residents

SEED_ACTOR = Actor(id="system:seed_demo", display="デモデータ投入")
DEMO_PASSWORD = "madoguchi-demo-2026"  # noqa: S105 - printed demo credential for synthetic data only
# Synthetic 保育施設 for the 利用申込 demo (codes the demo applications can name).
DEMO_FACILITIES = [
    FacilitySpec("F001", "まどぐち中央保育園", "認可保育所", 90),
    FacilitySpec("F002", "さくら認定こども園", "認定こども園", 120),
    FacilitySpec("F003", "ひかり小規模保育室", "小規模保育", 19),
    FacilitySpec("F004", "みどり保育園", "認可保育所", 60),
]
DEMO_STAFF = [
    ("clerk", Role.COUNTER_CLERK, "窓口", "花子"),
    ("reviewer", Role.REVIEWER, "審査", "一郎"),
    ("approver", Role.APPROVER, "決裁", "次郎"),
    ("admin", Role.ADMINISTRATOR, "管理", "三郎"),
    ("auditor", Role.AUDITOR, "監査", "四郎"),
]


def demo_totp_key(municipality: str, username: str) -> bytes:
    """A fixed 20-byte TOTP key per demo account, so the printed secret stays valid across re-runs."""
    import hashlib

    return hashlib.sha256(f"madoguchi-demo-totp:{municipality}:{username}".encode()).digest()[:20]


class Command(BaseCommand):
    help = "Create the demo municipality's synthetic residents and demo staff accounts (safe to re-run)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--municipality", default="131016", help="6-digit 地方公共団体コード (default 131016)"
        )
        parser.add_argument("--residents", type=int, default=2000, help="number of synthetic residents")
        parser.add_argument("--seed", type=int, default=1, help="random seed (same seed → same people)")
        parser.add_argument("--today", help="reference date YYYY-MM-DD (default: today)")
        parser.add_argument("--no-staff", action="store_true", help="do not create demo staff accounts")
        parser.add_argument("--quiet-logins", action="store_true", help="do not print the demo logins")

    def handle(self, *args: Any, **opts: Any) -> None:
        code = opts["municipality"]
        if not is_valid_local_government_code(code):
            raise CommandError(f"{code} is not a valid 6-digit local government code (check digit)")
        municipality = Municipality.objects.filter(code=code).first()
        if municipality is None:
            raise CommandError(f"Unknown municipality code {code}; run `madoguchi migrate` first")
        if opts["residents"] < 0:
            raise CommandError("--residents must be zero or more")
        today = dt.date.fromisoformat(opts["today"]) if opts["today"] else timezone.localdate()

        existing = Resident.objects.filter(municipality=municipality).count()
        if existing >= opts["residents"]:
            self.stdout.write(f"{municipality.name}: {existing} residents already present — nothing to add")
        elif existing:
            raise CommandError(
                f"{municipality.name} already has {existing} residents (fewer than {opts['residents']}); "
                "demo data is loaded once — use a fresh database for a different size"
            )
        else:
            self._load(municipality, opts["residents"], opts["seed"], today)
        # 介護保険: every resident who has reached 65 is insured (第1号); numbers in a fixed order (benefits app).
        enrolled = enroll_category_1_residents(
            actor=SEED_ACTOR, municipality_code=municipality.code, on=today
        )
        if enrolled:
            self.stdout.write(
                f"{municipality.name}: {enrolled} 介護保険 qualifications (第1号被保険者) recorded"
            )
        facilities = ensure_facilities(
            actor=SEED_ACTOR, municipality_code=municipality.code, facilities=DEMO_FACILITIES
        )
        if facilities:
            self.stdout.write(f"{municipality.name}: {len(facilities)} 保育施設 added")
        if not opts["no_staff"]:
            self._staff(municipality)
            if not opts["quiet_logins"]:
                self._print_logins(municipality)
        seed_demo_test_cards(self, municipality, quiet=opts["quiet_logins"])

    def _load(self, municipality: Municipality, count: int, seed: int, today: dt.date) -> None:
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, transient=False) as progress:
            gen_task = progress.add_task("synthetic residents", total=count)
            households = generate(
                municipality_code=municipality.code,
                count=count,
                seed=seed,
                today=today,
                on_progress=lambda n: progress.advance(gen_task, n),
            )
            total = sum(len(h.members) for h in households)
            db_task = progress.add_task("saving", total=total)
            created = load_demo_residents(
                actor=SEED_ACTOR,
                municipality=municipality,
                households=households,
                on_progress=lambda n: progress.advance(db_task, n),
                # Every 10th long-settled household moved within the city once, so timelines have history.
                relocation_every=10,
                today=today,
            )
        self.stdout.write(self.style.SUCCESS(f"{municipality.name}: {created} synthetic residents loaded"))

    def _staff(self, municipality: Municipality) -> None:
        for suffix, role, last, first in DEMO_STAFF:
            username = f"{suffix}-{municipality.code}"
            if StaffUser.objects.filter(username=username).exists():
                continue
            with transaction.atomic():
                _user, device = create_staff_user(
                    actor=SEED_ACTOR,
                    municipality=municipality,
                    username=username,
                    password=DEMO_PASSWORD,
                    role=role,
                    last_name=last,
                    first_name=first,
                )
                device.key = demo_totp_key(municipality.code, username).hex()
                device.save(update_fields=["key"])

    def _print_logins(self, municipality: Municipality) -> None:
        out = self.stdout
        out.write("")
        out.write(f"デモ職員ログイン / demo staff logins — {municipality.name} ({municipality.code})")
        out.write(f"  password for every account: {DEMO_PASSWORD}")
        for suffix, role, _last, _first in DEMO_STAFF:
            username = f"{suffix}-{municipality.code}"
            device = TOTPDevice.objects.filter(user__username=username).first()
            if device is None:
                continue
            secret = base64.b32encode(bytes.fromhex(device.key)).decode().rstrip("=")
            out.write(f"  {username:<22} {Role(role).label:<10} TOTP secret {secret}")
        first = f"clerk-{municipality.code}"
        device = TOTPDevice.objects.filter(user__username=first).first()
        if device is not None:
            out.write(f"  QR for {first} (scan with an authenticator app):")
            buffer = io.StringIO()
            segno.make(device.config_url, error="m").terminal(out=buffer, compact=True)
            out.write(buffer.getvalue())
            out.write(f"  otpauth URI: {device.config_url}")
        out.write("  Current codes: `madoguchi demo_totp` prints each account's code right now.")
        residents = Resident.objects.filter(
            municipality=municipality, status="current", is_head=True
        ).order_by("id")[:3]
        if residents:
            out.write("デモ住民 / demo residents (synthetic):")
            for r in residents:
                out.write(f"  #{r.pk} {r.full_name}（{r.full_name_kana}） {r.birth_date} {r.address}")


# --- demo test cards (identity app) ----------------------------------------------------------------------------------
def seed_demo_test_cards(command: BaseCommand, municipality: Municipality, *, quiet: bool = False) -> None:
    """Issue SIMULATED My Number cards (test cards) to the 3 printed demo residents, once; print their PINs."""
    from madoguchi.identity.management.commands.jpki_issue_card import DEMO_AUTH_PIN, DEMO_SIGNING_PIN
    from madoguchi.identity.models import TestCardRecord
    from madoguchi.identity.services import issue_test_card

    residents = Resident.objects.filter(municipality=municipality, status="current", is_head=True).order_by(
        "id"
    )[:3]
    for resident in residents:
        if not TestCardRecord.objects.filter(resident=resident).exists():
            issue_test_card(
                actor=SEED_ACTOR,
                resident_id=resident.pk,
                signing_pin=DEMO_SIGNING_PIN,
                auth_pin=DEMO_AUTH_PIN,
            )
    if quiet or not residents:
        return
    out = command.stdout
    out.write("デモ用テストカード（模擬） / demo TEST cards (simulation — not real My Number cards):")
    out.write(
        f"  利用者証明用 PIN (login, 4 digits): {DEMO_AUTH_PIN}   署名用 PIN (signing): {DEMO_SIGNING_PIN}"
    )
    for record in TestCardRecord.objects.filter(resident__in=list(residents)).order_by("id"):
        out.write(f"  {record.label}  (card {record.card_id[:8]}…)")
    out.write("  Log in at /login/ (card) or /login/oidc/start (デジタル認証アプリ, simulated).")
