from django.core.management.base import BaseCommand
from django.db import transaction

from madoguchi.core.models import Municipality
from madoguchi.core.municipality_data import load_municipalities


class Command(BaseCommand):
    help = "Load or refresh the bundled 全国地方公共団体コード list (idempotent)."

    def handle(self, *args: object, **options: object) -> None:
        with transaction.atomic():
            count = load_municipalities(Municipality)
        self.stdout.write(self.style.SUCCESS(f"{count} municipalities loaded"))
