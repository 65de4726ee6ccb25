"""Writes of core data: staff accounts and their TOTP devices (each audited in the same transaction)."""

from __future__ import annotations

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from .access import require
from .audit import Actor, record_audit
from .errors import BusinessRuleViolation
from .models import Municipality, StaffUser
from .roles import Action, Role


def _create_staff(
    *, municipality: Municipality, username: str, password: str, role: str, last_name: str, first_name: str
) -> tuple[StaffUser, TOTPDevice]:
    if role not in Role.values:
        raise BusinessRuleViolation(
            "role", "役割が正しくありません。", f"Unknown role {role!r}.", "invalid_role"
        )
    if StaffUser.objects.filter(username=username).exists():
        raise BusinessRuleViolation(
            "username", "このユーザー名は既に使われています。", "This username is already taken.", "duplicate"
        )
    user = StaffUser(
        username=username, municipality=municipality, role=role, last_name=last_name, first_name=first_name
    )
    user.set_password(password)
    user.save()
    device = TOTPDevice.objects.create(user=user, name="TOTP", confirmed=True)
    return user, device


def create_staff_user(
    *,
    actor: StaffUser | Actor | None,
    municipality: Municipality,
    username: str,
    password: str,
    role: str,
    last_name: str = "",
    first_name: str = "",
) -> tuple[StaffUser, TOTPDevice]:
    """Create a staff account with a confirmed TOTP device. Administrators of that municipality (or the system)."""
    if isinstance(actor, StaffUser):
        require(actor, Action.MANAGE_STAFF)
        if actor.municipality_id != municipality.code:
            raise BusinessRuleViolation(
                "municipality",
                "他の自治体の職員アカウントは作成できません。",
                "You cannot create accounts for another municipality.",
                "forbidden",
            )
    with transaction.atomic():
        user, device = _create_staff(
            municipality=municipality,
            username=username,
            password=password,
            role=role,
            last_name=last_name,
            first_name=first_name,
        )
        record_audit(
            actor=actor,
            municipality=municipality,
            action="create_staff_user",
            target_type="staff_user",
            target_id=user.pk,
            after={"username": username, "role": role, "name": f"{last_name} {first_name}".strip()},
        )
    return user, device
