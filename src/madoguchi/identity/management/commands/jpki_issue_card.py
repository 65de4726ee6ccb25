"""`madoguchi jpki_issue_card --resident ID`: issue a SIMULATED My Number card (test card) to a registry resident.

The signing certificate carries the resident's 基本4情報 from the registry record; the authentication certificate
carries none. PINs have the real formats (signing: 6–16 upper-case letters and digits; auth: 4 digits).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.core.audit import Actor
from madoguchi.core.errors import BusinessRuleViolation, NotFoundInMunicipality
from madoguchi.identity.jpki import SoftwareCard, serial_hex
from madoguchi.identity.services import issue_test_card, reissue_test_card

COMMAND_ACTOR = Actor(id="system:jpki_issue_card", display="テストカード発行（模擬）")
DEMO_SIGNING_PIN = "MADO2026"
DEMO_AUTH_PIN = "1234"


class Command(BaseCommand):
    help = (
        "Issue a TEST card (simulation) to a resident; --reissue CARD_ID re-issues its signing certificate."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--resident", type=int, help="registry Resident id")
        parser.add_argument("--signing-pin", default=DEMO_SIGNING_PIN, help="署名用 PIN (6–16 A–Z/0–9)")
        parser.add_argument("--auth-pin", default=DEMO_AUTH_PIN, help="利用者証明用 PIN (4 digits)")
        parser.add_argument(
            "--reissue", metavar="CARD_ID", help="re-issue the signing certificate of this card"
        )
        parser.add_argument(
            "--reason", default="affiliationChanged", help="revocation reason of the old signing certificate"
        )

    def handle(self, *args: str, **options: Any) -> None:
        try:
            if options["reissue"]:
                record, link = reissue_test_card(
                    actor=COMMAND_ACTOR, card_id=options["reissue"], reason=options["reason"]
                )
                self.stdout.write(
                    f"署名用電子証明書を再発行しました（模擬）: {link.predecessor.serial if link.predecessor else '?'}"
                    f" → {link.serial} ({options['reason']})"
                )
                return
            if options["resident"] is None:
                raise CommandError("--resident ID is required")
            record = issue_test_card(
                actor=COMMAND_ACTOR,
                resident_id=options["resident"],
                signing_pin=options["signing_pin"],
                auth_pin=options["auth_pin"],
            )
        except NotFoundInMunicipality as exc:
            raise CommandError(str(exc)) from exc
        except BusinessRuleViolation as exc:
            raise CommandError(f"{exc.field}: {exc.message_en}") from exc
        card = SoftwareCard.from_dict(record.card_data)
        self.stdout.write(
            self.style.SUCCESS(f"テストカード（模擬）を発行しました / TEST card issued: {record.label}")
        )
        self.stdout.write(f"  card id        {record.card_id}")
        self.stdout.write(f"  署名用 serial   {serial_hex(card.signing_certificate().serial_number)}")
        self.stdout.write(
            f"  利用者証明用 serial {serial_hex(card.authentication_certificate().serial_number)}"
        )
        self.stdout.write(f"  署名用 PIN      {options['signing_pin']}  (5 tries)")
        self.stdout.write(f"  利用者証明用 PIN {options['auth_pin']}  (3 tries)")
