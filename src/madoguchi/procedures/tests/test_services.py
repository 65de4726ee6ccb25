"""configure_procedure: administrators only, per municipality, validated and audited."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from madoguchi.core.audit import verify_chain
from madoguchi.core.errors import ActionNotPermitted, BusinessRuleViolation
from madoguchi.core.models import AuditEntry
from madoguchi.procedures import selectors
from madoguchi.procedures.models import MunicipalProcedureSetting
from madoguchi.procedures.services import configure_procedure

pytestmark = pytest.mark.django_db


def test_administrator_disables_and_reenables_with_audit(make_staff, chiyoda, sapporo) -> None:
    admin = make_staff(chiyoda, "administrator")
    setting = configure_procedure(
        actor=admin,
        code="disaster_damage_certificate",
        enabled=False,
        local_note_ja="災害時は臨時窓口（区民会館）で受け付けます。",
        contact_section_ja="防災課",
        contact_phone="０３－３２６４－２１１１",
    )
    assert setting.municipality_id == "131016"
    assert setting.contact_phone == "03-3264-2111"  # NFKC: full-width digits and hyphens accepted
    assert selectors.is_enabled("131016", "disaster_damage_certificate") is False
    assert selectors.is_enabled(sapporo.code, "disaster_damage_certificate") is True

    entry = AuditEntry.objects.filter(municipality_id="131016", action="configure_procedure").get()
    assert entry.target_type == "procedure_setting"
    assert entry.target_id == "disaster_damage_certificate"
    assert entry.before is None
    assert entry.after["enabled"] is False
    assert entry.actor_id == f"staff:{admin.pk}"

    configure_procedure(actor=admin, code="disaster_damage_certificate", enabled=True)
    assert selectors.is_enabled("131016", "disaster_damage_certificate") is True
    assert MunicipalProcedureSetting.objects.filter(municipality_id="131016").count() == 1
    second = AuditEntry.objects.filter(action="configure_procedure").order_by("sequence").last()
    assert second is not None
    assert second.before is not None and second.before["enabled"] is False
    assert second.after["enabled"] is True and second.after["local_note_ja"] == ""
    checked, breaks = verify_chain("131016")
    assert checked >= 2 and breaks == []


@pytest.mark.parametrize("role", ["counter_clerk", "reviewer", "approver", "auditor"])
def test_other_roles_may_not_configure(make_staff, chiyoda, role: str) -> None:
    user = make_staff(chiyoda, role)
    with pytest.raises(ActionNotPermitted):
        configure_procedure(actor=user, code="pregnancy_notification", enabled=False)
    assert not MunicipalProcedureSetting.objects.exists()
    assert not AuditEntry.objects.filter(action="configure_procedure").exists()


@pytest.mark.parametrize(
    ("kwargs", "field", "code"),
    [
        ({"code": "no_such_procedure"}, "code", "unknown_procedure"),
        ({"code": "vehicle_parking_certificate"}, "code", "unknown_procedure"),  # referrals are not municipal
        ({"contact_phone": "123"}, "contact_phone", "invalid_phone"),
        ({"contact_phone": "03-1234-567"}, "contact_phone", "invalid_phone"),
        ({"contact_section_ja": "課" * 81}, "contact_section_ja", "too_long"),
    ],
)
def test_invalid_input_names_the_field(
    make_staff, chiyoda, kwargs: dict[str, str], field: str, code: str
) -> None:
    admin = make_staff(chiyoda, "administrator")
    args = {"code": "pregnancy_notification", "enabled": True, **kwargs}
    with pytest.raises(BusinessRuleViolation) as exc:
        configure_procedure(actor=admin, **args)  # type: ignore[arg-type]
    assert exc.value.field == field
    assert exc.value.code == code
    assert not MunicipalProcedureSetting.objects.exists()


def test_procedures_check_command_ok(capsys) -> None:
    call_command("procedures_check")
    assert "27 procedures" in capsys.readouterr().out


def test_procedures_check_command_fails_on_broken_catalogue(tmp_path) -> None:
    (tmp_path / "index.json").write_text(
        '{"schema_version": 1, "catalogue_version": "x", "procedures": ["missing_one"], "referrals": "referrals.json"}',
        encoding="utf-8",
    )
    (tmp_path / "referrals.json").write_text('{"referrals": []}', encoding="utf-8")
    with pytest.raises(CommandError, match="1 problem"):
        call_command("procedures_check", path=str(tmp_path))
