"""`madoguchi demo_totp`: print the current TOTP code of each demo staff account (demo convenience only)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from .seed_demo import DEMO_STAFF


class Command(BaseCommand):
    help = "Print the current 6-digit TOTP code of each demo staff account of a municipality."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--municipality", default="131016")

    def handle(self, *args: Any, **opts: Any) -> None:
        code = opts["municipality"]
        usernames = [f"{suffix}-{code}" for suffix, *_ in DEMO_STAFF]
        devices = TOTPDevice.objects.filter(user__username__in=usernames).select_related("user")
        if not devices:
            raise CommandError(
                f"No demo staff for {code}; run `madoguchi seed_demo --municipality {code}` first"
            )
        now = int(timezone.now().timestamp())
        for device in sorted(devices, key=lambda d: d.user.username):
            token = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=0)
            self.stdout.write(
                f"{device.user.username:<22} {token:0{device.digits}d}  (valid {30 - now % 30}s more)"
            )
