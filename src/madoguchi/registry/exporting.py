"""Export residents and households in the standard resident CSV layout (the same layout the importer reads)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import IO

from django.db import transaction

from madoguchi.core.audit import Actor, record_audit
from madoguchi.core.crypto import decrypt_individual_number
from madoguchi.core.errors import BusinessRuleViolation
from madoguchi.core.models import Municipality, StaffUser
from madoguchi.core.roles import Action

from .csv_format import HEADERS, resident_row
from .importing import require_transfer_permission
from .models import Resident

EXPORT_ENCODINGS = ("utf-8", "utf-8-sig", "cp932")


def export_residents(
    *,
    actor: StaffUser | Actor | None,
    municipality: Municipality,
    stream: IO[bytes],
    encoding: str = "utf-8",
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Write every resident record of `municipality` (除票 included) as CSV; staff need EXPORT_RESIDENTS.

    The output contains 個人番号 in plain text (特定個人情報); one audit row records the export. Rows are ordered by
    世帯番号, head first, so that the file re-imports household by household. cp932 output fails, naming the line
    and column, on a character cp932 cannot hold (e.g. an IVS sequence) — use UTF-8 for such data.
    """
    require_transfer_permission(actor, municipality, Action.EXPORT_RESIDENTS)
    if encoding not in EXPORT_ENCODINGS:
        raise ValueError(f"encoding must be one of {', '.join(EXPORT_ENCODINGS)}")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADERS)
    stream.write(buffer.getvalue().encode(encoding))
    queryset = (
        Resident.objects.filter(municipality=municipality)
        .select_related("household")
        .order_by("household__household_number", "-is_head", "id")
    )
    count = 0
    line = 1
    for resident in queryset.iterator(chunk_size=5000):
        number = (
            decrypt_individual_number(resident.individual_number_encrypted)
            if resident.individual_number_encrypted
            else ""
        )
        row = resident_row(resident, individual_number=number)
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(row)
        line += 1
        try:
            data = buffer.getvalue().encode(encoding)
        except UnicodeEncodeError as exc:
            column = next((HEADERS[i] for i, cell in enumerate(row) if _unencodable(cell, encoding)), "")
            bad = exc.object[exc.start : exc.end]
            raise BusinessRuleViolation(
                column,
                f"{line} 行目（{column}）の文字「{bad}」は {encoding} で出力できません。UTF-8 で出力してください。",
                f"line {line} ({column}): character U+{ord(bad[0]):04X} cannot be written in {encoding}; use UTF-8",
                "unencodable_character",
            ) from None
        stream.write(data)
        count += 1
        if on_progress and count % 5000 == 0:
            on_progress(5000)
    if on_progress and count % 5000:
        on_progress(count % 5000)
    with transaction.atomic():
        record_audit(
            actor=actor,
            municipality=municipality,
            action=Action.EXPORT_RESIDENTS.value,
            target_type="municipality",
            target_id=municipality.code,
            after={"residents": count, "encoding": encoding, "contains_individual_numbers": True},
        )
    return count


def _unencodable(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return True
    return False
