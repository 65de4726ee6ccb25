"""`madoguchi core_system_register --municipality CODE --name NAME --procedure CODE [--procedure CODE …]`:
register a core business system (基幹システム) that may pull the decided cases of these procedures.

Prints the client id and the signing key. The key is shown this once (it is stored encrypted); keep it in the core
system's secret store. Audited (casework.core_system_register).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.casework import core_systems
from madoguchi.core.errors import BusinessRuleViolation


class Command(BaseCommand):
    help = "Register a core system (client id + signing key, shown once) allowed to pull some procedures."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", required=True, help="6-digit local government code")
        parser.add_argument("--name", required=True, help="the system's name, e.g. 児童手当システム")
        parser.add_argument(
            "--procedure", action="append", required=True, help="a procedure code it may pull (repeat)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            issued = core_systems.register_core_system(
                municipality_code=options["municipality"],
                name=options["name"],
                procedures=list(options["procedure"]),
            )
        except BusinessRuleViolation as exc:
            raise CommandError(f"{exc.field}: {exc.message_en}") from None
        system = issued.system
        self.stdout.write(f"registered {system.name} in {system.municipality_id}")
        self.stdout.write(f"procedures: {', '.join(system.procedures)}")
        self.stdout.write(f"client id: {system.client_id}")
        self.stdout.write(f"signing key (shown once, store it now): {issued.secret}")
