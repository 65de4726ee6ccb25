"""`madoguchi core_system_credential CLIENT_ID (--rotate | --revoke | --procedure CODE …)`: manage a registered
core system (基幹システム).

- `--rotate`: issue a new signing key (printed once); the old key stops working at once. Re-enables a revoked system.
- `--revoke`: revoke the key; every request of the system fails with 401 until a new key is issued (--rotate).
- `--procedure CODE` (repeat): replace the procedures the system may pull.

Every change is audited (casework.core_system_rotate / _revoke / _procedures).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.casework import core_systems
from madoguchi.core.errors import BusinessRuleViolation


class Command(BaseCommand):
    help = "Rotate or revoke a core system's signing key, or set the procedures it may pull."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("client_id", help="the client id printed at registration")
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--rotate", action="store_true", help="issue a new key (shown once)")
        action.add_argument("--revoke", action="store_true", help="revoke the key")
        action.add_argument("--procedure", action="append", help="a procedure code it may pull (repeat)")

    def handle(self, *args: Any, **options: Any) -> None:
        client_id = str(options["client_id"])
        try:
            if options["rotate"]:
                issued = core_systems.rotate_credential(client_id=client_id)
                self.stdout.write(
                    f"new signing key for {client_id} (shown once, store it now): {issued.secret}"
                )
                self.stdout.write("the previous key no longer works")
            elif options["revoke"]:
                system = core_systems.revoke_credential(client_id=client_id)
                self.stdout.write(f"revoked the signing key of {system.client_id} ({system.name})")
            else:
                system = core_systems.set_procedures(
                    client_id=client_id, procedures=list(options["procedure"])
                )
                self.stdout.write(f"{system.client_id} may pull: {', '.join(system.procedures)}")
        except BusinessRuleViolation as exc:
            raise CommandError(f"{exc.field}: {exc.message_en}") from None
