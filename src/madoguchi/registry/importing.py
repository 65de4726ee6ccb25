"""Import residents and households from the standard resident CSV (docs/formats/residents-csv.md).

Rows are checked one by one (dates, kana, 個人番号 check digit, duplicates in the file and in the database) and
household by household (exactly one head; rows of a household consecutive). A household with any rejected row is
rejected as a whole, so a household is never loaded without its head. Valid households load in one transaction per
file (default) or per declared batch; a crash or kill mid-way leaves the database as before that transaction.

Each imported resident gets an `initial_registration` RegistryEvent carrying its state, and each transaction one
audit row. The bulk path writes rows with executemany (SQLite) or COPY (PostgreSQL) on the Django connection, inside
the same transaction as the audit row; values are prepared with the backend's own adapters.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from typing import IO, Any

from django.db import connection, models, transaction
from django.utils import timezone

from madoguchi.core.access import require
from madoguchi.core.audit import Actor, record_audit
from madoguchi.core.crypto import encrypt_individual_number, individual_number_index
from madoguchi.core.errors import ActionNotPermitted
from madoguchi.core.models import Municipality, StaffUser
from madoguchi.core.roles import Action

from .csv_format import COLUMN_BY_KEY, RowError, RowParser, header_positions, open_csv_text
from .models import EventKind, Household, RegistryEvent, Resident
from .services import STATE_FIELDS, search_keys

# Rows written per INSERT/COPY round and per duplicate check against the database.
CHUNK_ROWS = 5000
# SQLite page cache during an import, in KiB: the resident table carries a dozen indexes, and with the default 2 MB
# cache every insert re-reads index pages from the file.
IMPORT_SQLITE_CACHE_KIB = 1024 * 1024
IMPORT_REASON = "住民CSV取込（移行登録）"


@dataclass
class ImportReport:
    """What an import did: rows read, loaded and rejected (with reasons), transactions committed."""

    encoding: str
    dry_run: bool
    rows: int = 0
    imported: int = 0
    households: int = 0
    batches: int = 0
    rejected: list[RowError] = field(default_factory=list)

    @property
    def rejected_rows(self) -> int:
        """Number of distinct lines rejected."""
        return len({e.line for e in self.rejected})


@dataclass
class _Household:
    number: str
    rows: list[tuple[int, dict[str, Any]]]  # (line, values)
    created_on: dt.date | None = None


def require_transfer_permission(
    actor: StaffUser | Actor | None, municipality: Municipality, action: str
) -> None:
    """Staff need the import/export action in their own municipality; a system Actor (a command) may always."""
    if isinstance(actor, StaffUser):
        require(actor, action)
        if actor.municipality_id != municipality.code:
            raise ActionNotPermitted(action, "他の自治体の住民データは取り込み・出力できません。")


def import_residents(
    *,
    actor: StaffUser | Actor | None,
    municipality: Municipality,
    stream: IO[bytes],
    batch_size: int | None = None,
    dry_run: bool = False,
    today: dt.date | None = None,
    on_progress: Callable[[int], None] | None = None,
    source_name: str = "",
) -> ImportReport:
    """Check and load a resident CSV into `municipality`; staff need IMPORT_RESIDENTS (commands run as system).

    `batch_size` None = the whole file in one transaction; N = a transaction (and an audit row) per N rows or more
    (households are never split). `dry_run` checks everything, the database included, and writes nothing.
    """
    require_transfer_permission(actor, municipality, Action.IMPORT_RESIDENTS)
    if batch_size is not None and batch_size < 1:
        raise ValueError("batch_size must be positive")
    text, encoding = open_csv_text(stream)
    report = ImportReport(encoding=encoding, dry_run=dry_run)
    importer = _Importer(
        actor=actor,
        municipality=municipality,
        text=text,
        report=report,
        today=today or timezone.localdate(),
        on_progress=on_progress,
        source_name=source_name,
    )
    cache_before = _sqlite_cache_size(IMPORT_SQLITE_CACHE_KIB)
    try:
        chunk_rows = min(CHUNK_ROWS, batch_size) if batch_size else CHUNK_ROWS
        if dry_run:
            for chunk in importer.chunks(chunk_rows):
                kept = importer.check_database(chunk)
                report.imported += sum(len(h.rows) for h in kept)
                report.households += len(kept)
        elif batch_size is None:
            with transaction.atomic():
                for chunk in importer.chunks(chunk_rows):
                    importer.write(importer.check_database(chunk))
                importer.audit(batch=None)
        else:
            chunks = importer.chunks(chunk_rows)
            done = False
            while not done:
                with transaction.atomic():
                    before = report.imported
                    written_rows = 0
                    for chunk in chunks:
                        importer.write(importer.check_database(chunk))
                        written_rows += sum(len(h.rows) for h in chunk)
                        if written_rows >= batch_size:
                            break
                    else:
                        done = True
                    if report.imported > before:
                        importer.audit(batch=report.batches + 1, first=before)
                        report.batches += 1
    finally:
        # Leave the caller's stream open (a TextIOWrapper closes what it wraps when collected).
        text.detach()
        if cache_before is not None:
            _sqlite_cache_size(cache_before)
    if not dry_run and batch_size is None:
        report.batches = 1
    report.rejected.sort(key=lambda e: (e.line, e.column))
    return report


class _Importer:
    def __init__(
        self,
        *,
        actor: StaffUser | Actor | None,
        municipality: Municipality,
        text: IO[str],
        report: ImportReport,
        today: dt.date,
        on_progress: Callable[[int], None] | None,
        source_name: str,
    ) -> None:
        self.actor = actor
        self.who = Actor.of(actor)
        self.municipality = municipality
        self.text = text
        self.report = report
        self.today = today
        self.on_progress = on_progress
        self.source_name = source_name
        self.seen_codes: set[str] = set()
        self.seen_numbers: set[str] = set()
        self.seen_households: set[str] = set()
        self.file_households = 0
        self._plans: tuple[_Plan, _Plan] | None = None
        self._progress_mark = 0
        self._key_cache: dict[tuple[str, str, str, str], dict[str, str]] = {}
        # An empty municipality cannot clash with the file (file duplicates are caught before), so the per-chunk
        # duplicate queries are skipped; the unique constraints still stand guard against a concurrent writer.
        self.database_empty = not Household.objects.filter(municipality=municipality).exists() and not (
            Resident.objects.filter(municipality=municipality).exists()
        )

    # --- reading and row checks ------------------------------------------------------------------------------
    def _groups(self) -> Iterator[tuple[str, list[tuple[int, list[str]]]]]:
        reader = csv.reader(self.text)
        try:
            header = next(reader)
        except StopIteration:
            header = []
        self.positions = header_positions(header, self.report.encoding)
        self.parser = RowParser(
            self.positions,
            prefecture=self.municipality.prefecture,
            city=self.municipality.name,
            today=self.today,
        )
        position = self.positions["household_number"]
        current: str | None = None
        group: list[tuple[int, list[str]]] = []
        line = reader.line_num
        for cells in reader:
            start, line = line + 1, reader.line_num
            if not any(c.strip() for c in cells):
                continue  # blank line
            number = cells[position].strip() if len(cells) > position else ""
            if number != current and group:
                yield current or "", group
                group = []
            current = number
            group.append((start, cells))
        if group:
            yield current or "", group

    def _reject(self, errors: list[RowError]) -> None:
        self.report.rejected.extend(errors)

    def _reject_household(
        self, household: _Household, code: str, ja: str, en: str, *, column: str = ""
    ) -> None:
        for line, _values in household.rows:
            self.report.rejected.append(RowError(line, column, code, ja, en))

    def households(self) -> Iterator[_Household]:
        """Households whose rows all pass the row and household checks (file-level duplicates included)."""
        header_number = COLUMN_BY_KEY["household_number"].header
        for number, group in self._groups():
            self.report.rows += len(group)
            parsed: list[tuple[int, dict[str, Any]]] = []
            failed: list[int] = []
            for line, cells in group:
                values, errors = self.parser.parse(line, cells)
                if errors:
                    self._reject(errors)
                    failed.append(line)
                else:
                    assert values is not None
                    parsed.append((line, values))
            household = _Household(number=number, rows=parsed)
            if failed:
                first = failed[0]
                self._reject_household(
                    household,
                    "household_rejected",
                    f"同じ世帯の {first} 行目に誤りがあるため、この世帯は取り込みません",
                    f"another row of this household (line {first}) was rejected, so the household is not imported",
                )
                continue
            if number in self.seen_households:
                self._reject_household(
                    household,
                    "household_not_consecutive",
                    f"世帯番号 {number} の行が連続していないか、ファイル内で重複しています",
                    f"rows of household {number} are not consecutive or the number is repeated in the file",
                    column=header_number,
                )
                continue
            self.seen_households.add(number)
            heads = sum(1 for _line, v in parsed if v["is_head"])
            if heads != 1:
                self._reject_household(
                    household,
                    "household_head_count",
                    f"世帯番号 {number} の世帯主が {heads} 人です（世帯主はちょうど1人必要です）",
                    f"household {number} has {heads} heads (exactly one is required)",
                    column=COLUMN_BY_KEY["is_head"].header,
                )
                continue
            if not self._file_duplicates(household):
                continue
            self._household_created_on(household)
            yield household

    def _file_duplicates(self, household: _Household) -> bool:
        codes: set[str] = set()
        numbers: set[str] = set()
        errors: list[RowError] = []
        for line, values in household.rows:
            code = values["resident_record_code"]
            if code in self.seen_codes or code in codes:
                errors.append(
                    RowError(
                        line,
                        COLUMN_BY_KEY["resident_record_code"].header,
                        "duplicate_record_code_in_file",
                        f"住民票コード {code} がファイル内で重複しています",
                        f"resident record code {code} appears more than once in the file",
                    )
                )
            codes.add(code)
            number = values["individual_number"]
            if number:
                index = individual_number_index(number)
                values["individual_number_index"] = index
                if index in self.seen_numbers or index in numbers:
                    errors.append(
                        RowError(
                            line,
                            COLUMN_BY_KEY["individual_number"].header,
                            "duplicate_individual_number_in_file",
                            "個人番号がファイル内で重複しています",
                            "the individual number appears more than once in the file",
                        )
                    )
                numbers.add(index)
            else:
                values["individual_number_index"] = ""
        self.seen_codes |= codes
        self.seen_numbers |= numbers
        if errors:
            self._reject(errors)
            bad = {e.line for e in errors}
            for line, _values in household.rows:
                if line not in bad:
                    self.report.rejected.append(
                        RowError(
                            line,
                            "",
                            "household_rejected",
                            f"同じ世帯の {min(bad)} 行目に誤りがあるため、この世帯は取り込みません",
                            f"another row of this household (line {min(bad)}) was rejected",
                        )
                    )
            return False
        return True

    def _household_created_on(self, household: _Household) -> None:
        declared = {v["household_created_on"] for _l, v in household.rows if v["household_created_on"]}
        head = next(v for _l, v in household.rows if v["is_head"])
        household.created_on = head["household_created_on"] or (
            min(declared) if declared else min(v["became_resident_on"] for _l, v in household.rows)
        )

    def chunks(self, chunk_rows: int) -> Iterator[list[_Household]]:
        """Valid households grouped into chunks of at least `chunk_rows` rows (households are never split)."""
        chunk: list[_Household] = []
        rows = 0
        for household in self.households():
            chunk.append(household)
            rows += len(household.rows)
            if rows >= chunk_rows:
                yield chunk
                chunk, rows = [], 0
        if chunk:
            yield chunk

    # --- database checks and writes -----------------------------------------------------------------------------
    def check_database(self, chunk: list[_Household]) -> list[_Household]:
        """Drop (and report) households that clash with rows already in the database."""
        m = self.municipality
        if self.database_empty:
            self._progress()
            return chunk
        existing_households = set(
            Household.objects.filter(
                municipality=m, household_number__in=[h.number for h in chunk]
            ).values_list("household_number", flat=True)
        )
        codes = [v["resident_record_code"] for h in chunk for _l, v in h.rows]
        existing_codes = set(
            Resident.objects.filter(municipality=m, resident_record_code__in=codes).values_list(
                "resident_record_code", flat=True
            )
        )
        indexes = [
            v["individual_number_index"] for h in chunk for _l, v in h.rows if v["individual_number_index"]
        ]
        existing_indexes = set(
            Resident.objects.filter(municipality=m, individual_number_index__in=indexes).values_list(
                "individual_number_index", flat=True
            )
        )
        kept: list[_Household] = []
        for household in chunk:
            errors: list[RowError] = []
            if household.number in existing_households:
                self._reject_household(
                    household,
                    "household_exists",
                    f"世帯番号 {household.number} は既に登録されています",
                    f"household {household.number} already exists in the database",
                    column=COLUMN_BY_KEY["household_number"].header,
                )
                continue
            for line, values in household.rows:
                if values["resident_record_code"] in existing_codes:
                    errors.append(
                        RowError(
                            line,
                            COLUMN_BY_KEY["resident_record_code"].header,
                            "duplicate_record_code_in_database",
                            f"住民票コード {values['resident_record_code']} は既に登録されています",
                            f"resident record code {values['resident_record_code']} already exists in the database",
                        )
                    )
                if values["individual_number_index"] in existing_indexes:
                    errors.append(
                        RowError(
                            line,
                            COLUMN_BY_KEY["individual_number"].header,
                            "duplicate_individual_number_in_database",
                            "この個人番号は既に別の住民に登録されています",
                            "the individual number is already registered for another resident",
                        )
                    )
            if errors:
                self._reject(errors)
                bad = {e.line for e in errors}
                for line, _values in household.rows:
                    if line not in bad:
                        self.report.rejected.append(
                            RowError(
                                line,
                                "",
                                "household_rejected",
                                f"同じ世帯の {min(bad)} 行目に誤りがあるため、この世帯は取り込みません",
                                f"another row of this household (line {min(bad)}) was rejected",
                            )
                        )
                continue
            kept.append(household)
        self._progress()
        return kept

    def _progress(self) -> None:
        if self.on_progress:
            self.on_progress(self.report.rows - self._progress_mark)
            self._progress_mark = self.report.rows

    def _column_plans(self) -> tuple[_Plan, _Plan]:
        """Column lists for the raw inserts, taken from the models so added fields get their defaults."""
        if self._plans is None:
            self._plans = (_plan(Resident, _RESIDENT_FILLED), _plan(RegistryEvent, _EVENT_FILLED))
        return self._plans

    def write(self, chunk: list[_Household]) -> None:
        """Insert households, residents and their initial_registration events for one checked chunk."""
        if not chunk:
            return
        m = self.municipality
        household_ids = _reserve_ids(Household, len(chunk))
        ids = {h.number: pk for h, pk in zip(chunk, household_ids, strict=True)}
        adapt = connection.ops.adapt_datefield_value
        _insert(
            Household,
            ["id", "municipality_id", "household_number", "created_on"],
            [(pk, m.code, h.number, adapt(h.created_on)) for h, pk in zip(chunk, household_ids, strict=True)],
        )
        count = sum(len(h.rows) for h in chunk)
        resident_ids = _reserve_ids(Resident, count)
        ops = connection.ops
        adapt_date = ops.adapt_datefield_value
        now = timezone.now()
        recorded_at = ops.adapt_datetimefield_value(now)
        resident_plan, event_plan = self._column_plans()
        defaults = _resident_defaults()
        resident_rows: list[tuple[Any, ...]] = []
        event_rows: list[tuple[Any, ...]] = []
        ids_iter = iter(resident_ids)
        for household in chunk:
            household_id = ids[household.number]
            for _line, v in household.rows:
                pk = next(ids_iter)
                number = v["individual_number"]
                v.update(
                    self._search_keys(
                        v["family_name"], v["given_name"], v["family_name_kana"], v["given_name_kana"]
                    )
                )
                v["id"] = pk
                v["municipality_id"] = m.code
                v["household_id"] = household_id
                v["individual_number_encrypted"] = encrypt_individual_number(number) if number else ""
                state = {name: v[name] if name in v else defaults.get(name) for name in STATE_FIELDS}
                for name in _STATE_DATES:
                    value = state[name]
                    if value is not None:
                        state[name] = value.isoformat()
                state["household_number"] = household.number
                db = dict(v)
                for name in _RESIDENT_DATES:
                    value = db[name]
                    if value is not None:
                        db[name] = adapt_date(value)
                db.update(resident_plan.constants)
                resident_rows.append(resident_plan.row(db))
                event = {
                    "municipality_id": m.code,
                    "resident_id": pk,
                    "kind": EventKind.INITIAL_REGISTRATION.value,
                    "effective_on": db["became_resident_on"],
                    "filed_on": None,
                    "recorded_at": recorded_at,
                    "household_id": household_id,
                    "state_after": json.dumps(state, ensure_ascii=False),
                    "reason": IMPORT_REASON,
                    "actor_id": self.who.id,
                    "actor_display": self.who.display,
                }
                event.update(event_plan.constants)
                event_rows.append(event_plan.row(event))
        _insert(Resident, resident_plan.columns, resident_rows)
        _insert(RegistryEvent, event_plan.columns, event_rows)
        self.report.imported += count
        self.report.households += len(chunk)

    def _search_keys(self, family: str, given: str, family_kana: str, given_kana: str) -> dict[str, str]:
        # Names repeat a lot within a municipality (families, common given names), so the keys of a name are
        # computed once per import; the cache is bounded so memory stays flat on a huge file.
        name = (family, given, family_kana, given_kana)
        keys = self._key_cache.get(name)
        if keys is None:
            keys = search_keys(
                family_name=family, given_name=given, family_name_kana=family_kana, given_name_kana=given_kana
            )
            if len(self._key_cache) < 200_000:
                self._key_cache[name] = keys
        return keys

    def audit(self, *, batch: int | None, first: int = 0) -> None:
        """One audit row per transaction: counts only (no personal data in the audit log)."""
        after: dict[str, Any] = {
            "source": self.source_name,
            "encoding": self.report.encoding,
            "residents": self.report.imported - first,
            "rows_read": self.report.rows,
            "rejected_rows": len({e.line for e in self.report.rejected}),
        }
        if batch is not None:
            after["batch"] = batch
            after["residents_before_batch"] = first
        record_audit(
            actor=self.actor,
            municipality=self.municipality,
            action=Action.IMPORT_RESIDENTS.value,
            target_type="municipality",
            target_id=self.municipality.code,
            after=after,
        )


_STATE_DATES = [
    n for n in STATE_FIELDS if n in ("birth_date", "became_resident_on", "address_set_on", "removed_on")
]
_RESIDENT_DATES = ("birth_date", "became_resident_on", "address_set_on", "removed_on")


_RESIDENT_FILLED = frozenset(
    (set(COLUMN_BY_KEY) - {"household_number", "individual_number", "household_created_on"})
    | {
        "id",
        "municipality_id",
        "household_id",
        "individual_number_encrypted",
        "individual_number_index",
        "name_search_key",
        "kana_search_key",
    }
)
_EVENT_FILLED = frozenset(
    {
        "municipality_id",
        "resident_id",
        "kind",
        "effective_on",
        "filed_on",
        "recorded_at",
        "household_id",
        "state_after",
        "reason",
        "actor_id",
        "actor_display",
    }
)


class _Plan:
    """Columns of a raw insert, and constants (the database form of the model field's default) for the columns the
    importer does not fill — so a field added to the model later still gets a value."""

    def __init__(self, columns: list[str], constants: dict[str, Any]) -> None:
        self.columns = columns
        self.constants = constants
        self.row = itemgetter(*columns)


def _plan(model: type[models.Model], filled: frozenset[str]) -> _Plan:
    columns: list[str] = []
    constants: dict[str, Any] = {}
    for f in model._meta.concrete_fields:
        if f.primary_key and f.attname not in filled:
            continue  # auto-numbered
        columns.append(f.attname)
        if f.attname in filled:
            continue
        if isinstance(f, models.JSONField):
            constants[f.attname] = json.dumps(f.get_default())
        else:
            constants[f.attname] = f.get_db_prep_save(f.get_default(), connection)
    return _Plan(columns, constants)


def _sqlite_cache_size(kib: int) -> int | None:
    """Set SQLite's page cache (KiB) on this connection and return the previous value; None on other backends."""
    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = int(cursor.fetchone()[0])
        before_kib = -before if before < 0 else before * 4  # positive = pages (4 KiB by default)
        cursor.execute(f"PRAGMA cache_size = -{int(kib)}")
    return before_kib


def _resident_defaults() -> dict[str, Any]:
    """Python defaults of resident fields the CSV does not carry (for the event's state snapshot)."""
    return {f.attname: f.get_default() for f in Resident._meta.concrete_fields}


def _reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """Primary keys for `count` new rows, taken before the insert so events can point at their residents."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite: the write lock is held from BEGIN (transaction_mode IMMEDIATE), so no other writer can take these.
        cursor.execute(f'SELECT COALESCE(MAX("id"), 0) FROM "{table}"')  # noqa: S608 - table name from the model
        start = int(cursor.fetchone()[0]) + 1
        return list(range(start, start + count))


def _insert(model: type[models.Model], columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Bulk insert prepared rows: COPY on PostgreSQL, executemany elsewhere (same transaction either way)."""
    if not rows:
        return
    names = columns
    fields = {f.attname: f.column for f in model._meta.concrete_fields}
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    column_sql = ", ".join(quote(fields[n]) for n in names)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({column_sql}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(names))
            cursor.executemany(f"INSERT INTO {table} ({column_sql}) VALUES ({placeholders})", rows)  # noqa: S608
