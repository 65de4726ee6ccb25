"""Reads of cases: the queue with filters, "my work" counts, one case (access-logged) and the registry comparison."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext

from madoguchi.common.wareki import parse_japanese_date
from madoguchi.core.access import log_access, scoped
from madoguchi.core.errors import NotFoundInMunicipality
from madoguchi.core.models import AccessPurpose, StaffUser
from madoguchi.core.roles import Action
from madoguchi.intake.matching import texts_match
from madoguchi.procedures.conditions import get_path
from madoguchi.procedures.engine import get_catalogue
from madoguchi.procedures.i18n import text_of
from madoguchi.procedures.labels import BUSINESS_LABELS
from madoguchi.registry import relationships
from madoguchi.registry import selectors as registry
from madoguchi.registry.models import Resident

from . import deadlines
from .models import OPEN_STATUSES, ApprovalStep, Case, CaseStatus
from .policy import can_view_cases, may_act_on_step, require_view
from .services import OTHER_QUEUE, open_proposal, proposal_from_steps

SORTS: dict[str, tuple[str, ...]] = {
    "due_on": ("due_on", "received_at", "id"),
    "-due_on": ("-due_on", "-received_at", "-id"),
    "received_at": ("received_at", "id"),
    "-received_at": ("-received_at", "-id"),
    "receipt_number": ("receipt_number",),
    "-receipt_number": ("-receipt_number",),
    "status": ("status", "due_on", "id"),
    "-status": ("-status", "due_on", "id"),
}
DEFAULT_SORT = "due_on"


# The columns a page of the case list reads, in `CaseRow`'s order (the rows are tuples, not model instances): the
# list never loads the answers, attachments or assistance JSON of 50 cases it does not display.
ROW_COLUMNS: tuple[str, ...] = (
    "id",
    "receipt_number",
    "procedure_code",
    "procedure_name",
    "applicant_name",
    "is_assisted",
    "signature_valid",
    "status",
    "queue",
    "received_at",
    "due_on",
    "assignee_id",
    "assignee__username",
    "assignee__last_name",
    "assignee__first_name",
)
# The same columns for `list_cases` (model instances with their assignee, `.only()`).
LIST_FIELDS: tuple[str, ...] = (
    "municipality_id",
    "assignee__id",
    *(c for c in ROW_COLUMNS if c != "assignee_id"),
)
# Above this many matches the list says "1,000 件以上" instead of counting every case on every page view.
COUNT_LIMIT = 1000
_RECEIPT = re.compile(r"^(\d{4})-?(\d{1,6})$")


def _is_open() -> RawSQL:
    """`status IN (<open statuses>)` with the statuses written as literals, the very predicate of the partial
    indexes on open cases (`case_list_open_*`): SQLite uses a partial index only when the query repeats its
    predicate term for term, and a bound parameter never matches a literal. The statuses are the model's constants."""
    return RawSQL(_open_sql(_CASE_TABLE), (), output_field=BooleanField())  # noqa: S611 - the model's own constants


def list_cases(
    *,
    actor: StaffUser,
    status: str = "",
    procedure_code: str = "",
    assignee: str = "",
    queue: str = "",
    overdue: bool = False,
    search: str = "",
    sort: str = DEFAULT_SORT,
    today: dt.date,
) -> QuerySet[Case]:
    """The actor's municipality's cases, filtered and sorted (reviewers, approvers, auditors), list columns only.

    `status` is a status or "open"; `assignee` is "me", "none" or a staff id; `queue` is a 担当業務; `overdue` keeps
    open cases past their deadline; `search` is a receipt number (2026-000123, exact) or the start of the
    applicant's name. Every filter is an index range that starts with the municipality (`case_list_indexes`).
    """
    require_view(actor)
    qs = scoped(Case.objects.select_related("assignee"), actor).only(*LIST_FIELDS)
    if status == "open":
        qs = qs.filter(_is_open())
    elif status in CaseStatus.values:
        qs = qs.filter(status=status)
    if procedure_code:
        qs = qs.filter(procedure_code=procedure_code)
    if queue:
        qs = qs.filter(queue=queue)
    if assignee == "me":
        qs = qs.filter(assignee=actor)
    elif assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif assignee.isdigit():
        qs = qs.filter(assignee_id=int(assignee))
    if overdue:
        # The clock is stopped while the resident corrects (paused cases are not overdue).
        qs = qs.filter(_is_open(), due_on__lt=today).exclude(status=CaseStatus.RETURNED_FOR_CORRECTION)
    search = search.strip()
    if search:
        receipt = _RECEIPT.match(search)
        if receipt:
            qs = qs.filter(receipt_number=f"{receipt[1]}-{int(receipt[2]):06d}")
        else:
            # A prefix as a range (SQLite cannot use an index for Django's LIKE … ESCAPE; see registry search).
            qs = qs.filter(applicant_name__gte=search, applicant_name__lt=search + "\U0010ffff")
    return qs.order_by(*SORTS.get(sort, SORTS[DEFAULT_SORT]))


@dataclass(frozen=True, slots=True)
class CaseRow:
    """One line of the case list: the columns it shows, read as a tuple (no model instance, no second object for
    the assignee)."""

    pk: int
    receipt_number: str
    procedure_code: str
    procedure_name: str
    applicant_name: str
    is_assisted: bool
    signature_valid: bool
    status: str
    queue: str
    received_at: dt.datetime
    due_on: dt.date | None
    assignee_id: int | None
    assignee_username: str | None
    assignee_last_name: str | None
    assignee_first_name: str | None

    @property
    def id(self) -> int:
        return self.pk

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def assignee_name(self) -> str:
        """The assignee's display name (as `StaffUser.display_name`), "" when nobody is assigned."""
        if self.assignee_id is None:
            return ""
        name = f"{self.assignee_last_name or ''} {self.assignee_first_name or ''}".strip()
        return name or (self.assignee_username or "")

    def get_status_display(self) -> str:
        return str(CaseStatus(self.status).label) if self.status in CaseStatus.values else self.status


@dataclass(frozen=True)
class CasePage:
    """One page of the case list: its rows, whether there are pages around it and a count bounded at
    `COUNT_LIMIT` (`count_is_lower_bound`: at least that many)."""

    rows: list[CaseRow]
    number: int
    size: int
    count: int
    count_is_lower_bound: bool
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def num_pages(self) -> int | None:
        """The last page number, or None while the count is only a lower bound."""
        if self.count_is_lower_bound:
            return None
        return max(1, -(-self.count // self.size))


def case_page(
    *,
    actor: StaffUser,
    number: Any,
    size: int,
    today: dt.date,
    status: str = "",
    procedure_code: str = "",
    assignee: str = "",
    queue: str = "",
    overdue: bool = False,
    search: str = "",
    sort: str = DEFAULT_SORT,
) -> CasePage:
    """Page `number` (1-based; anything else is page 1) of the case list `list_cases` describes, in one statement.

    The list is what staff open all day, so its page is written as SQL here rather than compiled by the ORM on every
    view (the compilation cost more than the database's work): `size` rows + 1 (is there a next page?) on the
    sort's index, the assignee's name by a join, and the matches counted up to `COUNT_LIMIT` + 1 by an uncorrelated
    subquery over the same index (evaluated once). Past the first page the offset is walked over the ids in a
    subquery (index only), then only the page's rows are read. The filters mean exactly what `list_cases` does with
    the same arguments (tested side by side); every value is a bound parameter, every name the model's own.
    """
    require_view(actor)
    try:
        page = max(1, int(number))
    except (TypeError, ValueError):
        page = 1
    if actor.municipality_id is None:
        return CasePage([], page, size, 0, False, False)
    filters = _ListFilters(status, procedure_code, assignee, queue, overdue, search.strip(), today)
    where, params = _list_where(actor, filters, alias="c")
    order = ", ".join(
        f'c."{_COLUMN[f.lstrip("-")]}" {"DESC" if f.startswith("-") else "ASC"}'
        for f in SORTS.get(sort, SORTS[DEFAULT_SORT])
    )
    bounded_where, bounded_params = _list_where(actor, filters, alias="b")
    sql = [
        f"SELECT {_ROW_SELECT}, (SELECT COUNT(*) FROM (SELECT 1 FROM {_CASE_TABLE} b WHERE {bounded_where}"  # noqa: S608 - names from the model, values bound
        f" LIMIT {COUNT_LIMIT + 1}) bounded_matches) AS matches"
        f' FROM {_CASE_TABLE} c LEFT OUTER JOIN {_STAFF_TABLE} s ON s."id" = c."assignee_id" WHERE {where}'
    ]
    args: list[Any] = [*bounded_params, *params]
    offset = (page - 1) * size
    if offset:
        inner_where, inner_params = _list_where(actor, filters, alias="d")
        inner_order = order.replace('c."', 'd."')
        sql.append(
            f'AND c."id" IN (SELECT d."id" FROM {_CASE_TABLE} d WHERE {inner_where} ORDER BY {inner_order}'  # noqa: S608
            " LIMIT %s OFFSET %s)"
        )
        args += [*inner_params, size + 1, offset]
    sql.append(f"ORDER BY {order} LIMIT %s")
    args.append(size + 1)
    with connection.cursor() as cursor:
        cursor.execute(" ".join(sql), args)
        window = cursor.fetchall()
        if window:
            count = window[0][-1]
        else:  # a stale link past the last page: no row carries the count
            cursor.execute(
                f"SELECT COUNT(*) FROM (SELECT 1 FROM {_CASE_TABLE} b WHERE {bounded_where}"  # noqa: S608
                f" LIMIT {COUNT_LIMIT + 1}) bounded_matches",
                bounded_params,
            )
            count = cursor.fetchone()[0]
    rows = [_case_row(row) for row in window[:size]]
    return CasePage(rows, page, size, min(count, COUNT_LIMIT), count > COUNT_LIMIT, len(window) > size)


@dataclass(frozen=True)
class _ListFilters:
    status: str
    procedure_code: str
    assignee: str
    queue: str
    overdue: bool
    search: str
    today: dt.date


_CASE_TABLE = f'"{Case._meta.db_table}"'
_STAFF_TABLE = f'"{StaffUser._meta.db_table}"'
_COLUMN = {f.name: f.column for f in Case._meta.concrete_fields}
_ROW_SELECT = ", ".join(
    [
        *(f'c."{_COLUMN[name]}"' for name in ROW_COLUMNS if "__" not in name and name != "assignee_id"),
        'c."assignee_id"',
        's."username"',
        's."last_name"',
        's."first_name"',
    ]
)
assert ROW_COLUMNS[11:] == (
    "assignee_id",
    "assignee__username",
    "assignee__last_name",
    "assignee__first_name",
)


def _open_sql(alias: str) -> str:
    """The open-case predicate with the statuses as literals (the partial indexes' own predicate; see `_is_open`)."""
    assert all(s.isascii() and s.replace("_", "").isalpha() for s in OPEN_STATUSES)
    statuses = ", ".join(f"'{s}'" for s in OPEN_STATUSES)
    return f'{alias}."status" IN ({statuses})'


def _list_where(actor: StaffUser, f: _ListFilters, *, alias: str) -> tuple[str, list[Any]]:
    """The WHERE clause of the case list for `f` on table alias `alias` (the same filters as `list_cases`)."""
    a = alias
    where = [f'{a}."municipality_id" = %s']
    params: list[Any] = [actor.municipality_id]
    if f.status == "open":
        where.append(_open_sql(a))
    elif f.status in CaseStatus.values:
        where.append(f'{a}."status" = %s')
        params.append(f.status)
    if f.procedure_code:
        where.append(f'{a}."procedure_code" = %s')
        params.append(f.procedure_code)
    if f.queue:
        where.append(f'{a}."queue" = %s')
        params.append(f.queue)
    if f.assignee == "me":
        where.append(f'{a}."assignee_id" = %s')
        params.append(actor.pk)
    elif f.assignee == "none":
        where.append(f'{a}."assignee_id" IS NULL')
    elif f.assignee.isdigit():
        where.append(f'{a}."assignee_id" = %s')
        params.append(int(f.assignee))
    if f.overdue:
        where += [_open_sql(a), f'{a}."due_on" < %s', f'NOT ({a}."status" = %s)']
        params += [f.today, CaseStatus.RETURNED_FOR_CORRECTION]
    if f.search:
        receipt = _RECEIPT.match(f.search)
        if receipt:
            where.append(f'{a}."receipt_number" = %s')
            params.append(f"{receipt[1]}-{int(receipt[2]):06d}")
        else:
            where += [f'{a}."applicant_name" >= %s', f'{a}."applicant_name" < %s']
            params += [f.search, f.search + "\U0010ffff"]
    return " AND ".join(where), params


def _case_row(row: tuple[Any, ...]) -> CaseRow:
    values = list(row[: len(ROW_COLUMNS)])
    received = values[9]
    if isinstance(received, dt.datetime) and received.tzinfo is None:  # SQLite keeps UTC without an offset
        values[9] = received.replace(tzinfo=dt.UTC)
    values[5], values[6] = bool(values[5]), bool(values[6])
    return CaseRow(*values)


@dataclass(frozen=True)
class MyWork:
    """The counts on top of the case list (UX.md: queues first)."""

    assigned: int
    due_soon: int
    overdue: int
    returned: int
    unassigned: int
    awaiting_my_approval: int
    unassigned_is_lower_bound: bool = False  # more than COUNT_LIMIT: "1000 件以上"


def awaiting_approval_by(actor: StaffUser) -> list[Case]:
    """Cases whose open proposal's next step this actor may decide (not their own draft or approval)."""
    if not actor.can(Action.DECIDE_CASE):
        return []
    # Every candidate's steps in one more query (not two queries per case on every list page view).
    candidates = (
        scoped(Case.objects.filter(status=CaseStatus.IN_REVIEW), actor)
        .filter(pk__in=ApprovalStep.objects.values("case_id"))
        .prefetch_related(Prefetch("approval_steps", queryset=ApprovalStep.objects.select_related("actor")))
        .order_by("due_on", "id")
    )
    out = []
    for case in candidates:
        proposal = proposal_from_steps(case.approval_steps.all())
        if (
            proposal is not None
            and actor.pk not in proposal.actor_ids
            and may_act_on_step(actor, proposal.next_role)
        ):
            out.append(case)
    return out


def my_work(*, actor: StaffUser, today: dt.date) -> MyWork:
    """Counts of the actor's work: assigned open cases, due soon, overdue, awaiting correction, unassigned, approvals.

    One statement over the open-case indexes (like the list's page, written here rather than compiled on every
    view): the actor's own open cases counted in one pass with conditions — due soon is a date range, see
    `deadlines.due_soon_until` — and the unassigned open cases counted up to COUNT_LIMIT + 1. Approvals are asked
    only of staff who may decide."""
    require_view(actor)
    if actor.municipality_id is None:
        return MyWork(0, 0, 0, 0, 0, 0)
    returned = CaseStatus.RETURNED_FOR_CORRECTION
    # Names from the model, values bound.
    sql = (
        "SELECT COUNT(*),"  # noqa: S608
        ' COALESCE(SUM(CASE WHEN m."status" = %s THEN 1 ELSE 0 END), 0),'
        ' COALESCE(SUM(CASE WHEN m."status" <> %s AND m."due_on" < %s THEN 1 ELSE 0 END), 0),'
        ' COALESCE(SUM(CASE WHEN m."status" <> %s AND m."due_on" >= %s AND m."due_on" <= %s THEN 1 ELSE 0 END), 0),'
        f' (SELECT COUNT(*) FROM (SELECT 1 FROM {_CASE_TABLE} u WHERE u."municipality_id" = %s AND {_open_sql("u")}'
        f' AND u."assignee_id" IS NULL LIMIT {COUNT_LIMIT + 1}) bounded_unassigned)'
        f' FROM {_CASE_TABLE} m WHERE m."municipality_id" = %s AND {_open_sql("m")} AND m."assignee_id" = %s'
    )
    params: list[Any] = [
        returned,
        returned,
        today,
        returned,
        today,
        deadlines.due_soon_until(today),
        actor.municipality_id,
        actor.municipality_id,
        actor.pk,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        assigned, returned_count, overdue, due_soon, unassigned = cursor.fetchone()
    return MyWork(
        assigned=int(assigned),
        due_soon=int(due_soon),
        overdue=int(overdue),
        returned=int(returned_count),
        unassigned=min(int(unassigned), COUNT_LIMIT),
        awaiting_my_approval=len(awaiting_approval_by(actor)),
        unassigned_is_lower_bound=int(unassigned) > COUNT_LIMIT,
    )


def access_case(*, actor: StaffUser, case_id: int, purpose: str = AccessPurpose.CASE_REVIEW) -> Case:
    """One case with its application data, for a stated purpose; the read is access-logged."""
    require_view(actor)
    case = scoped(Case.objects.select_related("assignee"), actor).filter(pk=case_id).first()
    if case is None:
        raise NotFoundInMunicipality("case")
    log_access(actor=actor, subject_type="case", subject_id=case.receipt_number, purpose=purpose)
    return case


def get_case_exists(*, actor: StaffUser, case_id: int) -> bool:
    """Whether the case exists in the actor's municipality (no personal data, not logged)."""
    return can_view_cases(actor) and scoped(Case.objects.all(), actor).filter(pk=case_id).exists()


# ---------------------------------------------------------------------------------------------------------------
# The registry side by side


@dataclass(frozen=True)
class ComparisonRow:
    label: str
    applied: str
    registered: str
    matches: bool | None  # None: nothing to compare


@dataclass
class RegistryComparison:
    """The applicant's answers next to the registry record; `found_by` says how the resident was identified."""

    resident: Resident | None
    found_by: str  # "serial" | "attributes" | ""
    rows: list[ComparisonRow] = field(default_factory=list)
    message: str = ""

    @property
    def differences(self) -> int:
        return sum(1 for r in self.rows if r.matches is False)


def _date(value: Any) -> dt.date | None:
    if not value:
        return None
    try:
        return parse_japanese_date(str(value))
    except ValueError:
        return None


def _find_resident(actor: StaffUser, case: Case) -> tuple[int | None, str]:
    if case.applicant_sign_serial:
        try:
            from madoguchi.identity.selectors import resolve_resident_by_serial
        except ImportError:  # the link table is optional
            resolve_resident_by_serial = None  # type: ignore[assignment]
        if resolve_resident_by_serial is not None:
            resident = resolve_resident_by_serial(
                case.applicant_sign_serial, "sign", municipality=case.municipality_id
            )
            if resident is not None:
                return resident.pk, "serial"
    name = str(get_path(case.answers, "applicant.name") or case.applicant_name)
    birth = _date(get_path(case.answers, "applicant.birth_date"))
    address = str(get_path(case.answers, "applicant.address") or "")
    if not name or birth is None:
        return None, ""
    candidates = registry.search_residents(actor=actor, name=name, birth_date=birth, limit=20)
    matching = [r for r in candidates if texts_match(r.full_name, name)]
    if address:
        matching = [r for r in matching if texts_match(r.address, address)] or matching
    return (matching[0].pk, "attributes") if len(matching) == 1 else (None, "")


def _row(label: str, applied: Any, registered: Any, *, kind: str = "text") -> ComparisonRow:
    applied_text = "" if applied in (None, "") else str(applied)
    registered_text = "" if registered in (None, "") else str(registered)
    if not applied_text or not registered_text:
        return ComparisonRow(label, applied_text, registered_text, None)
    if kind == "date":
        a, r = _date(applied_text), _date(registered_text)
        matches = a is not None and a == r
    elif kind == "postal":
        matches = applied_text.replace("-", "") == registered_text.replace("-", "")
    else:
        matches = texts_match(registered_text, applied_text)
    return ComparisonRow(label, applied_text, registered_text, matches)


def registry_comparison(*, actor: StaffUser, case: Case) -> RegistryComparison:
    """The applicant's registry record beside the answers (purpose 申請の審査, access-logged), differences marked.

    The resident is found by the signing certificate serial through the identity link table, else by name, birth
    date and address (異体字/width tolerant). Staff without registry access get an explanation instead.
    """
    if not actor.can(Action.VIEW_RESIDENT):
        return RegistryComparison(
            None, "", message=gettext("住民記録を参照する権限がないため、突合は表示しません。")
        )
    resident_id, found_by = _find_resident(actor, case)
    if resident_id is None:
        return RegistryComparison(
            None,
            "",
            message=gettext(
                "申請者に該当する住民記録が見つかりません（転入前・転出後の方、または入力の誤りの可能性があります）。"
            ),
        )
    resident = registry.access_resident(
        actor=actor, resident_id=resident_id, purpose=AccessPurpose.CASE_REVIEW
    )
    answers = case.answers
    rows = [
        _row(gettext("氏名"), get_path(answers, "applicant.name") or case.applicant_name, resident.full_name),
        _row(gettext("氏名（フリガナ）"), get_path(answers, "applicant.name_kana"), resident.full_name_kana),
        _row(
            gettext("生年月日"),
            get_path(answers, "applicant.birth_date"),
            resident.birth_date.isoformat() if resident.birth_date else "",
            kind="date",
        ),
        _row(gettext("住所"), get_path(answers, "applicant.address"), resident.address),
        _row(
            gettext("郵便番号"),
            get_path(answers, "applicant.postal_code"),
            resident.postal_code,
            kind="postal",
        ),
        _row(
            gettext("世帯主"),
            "",
            gettext("はい")
            if resident.is_head
            else gettext("いいえ（続柄: %(relationship)s）")
            % {"relationship": relationships.display(resident.relationship)},
        ),
    ]
    return RegistryComparison(resident, found_by, rows)


def status_choices() -> list[tuple[str, str]]:
    """Status filter options (with "open" first)."""
    return [("open", gettext("処理中（未完了）")), *[(s.value, str(s.label)) for s in CaseStatus]]


def procedure_choices() -> list[tuple[str, str]]:
    """(code, name in the page language) of every municipal procedure of the catalogue, for the filter: the list
    is the catalogue's (no query; a procedure a municipality disabled keeps its cases findable)."""
    return [(p.code, text_of(p, "name")) for p in get_catalogue() if p.business]


def queue_choices() -> list[tuple[str, str]]:
    """(queue, label) of the 担当業務 a case can be in: one per business of the catalogue, then "other"."""
    return [*((b, str(label)) for b, label in BUSINESS_LABELS.items()), (OTHER_QUEUE, gettext("その他"))]


def assignable_staff(*, actor: StaffUser) -> list[StaffUser]:
    """Staff of the actor's municipality who may examine cases (for filters and assignment)."""
    require_view(actor)
    staff = scoped(StaffUser.objects.filter(is_active=True), actor).filter(
        Q(role="reviewer") | Q(role="approver")
    )
    fields = ("id", "municipality_id", "username", "first_name", "last_name", "role")
    return list(staff.only(*fields).order_by("last_name", "first_name", "id"))


def available_actions(*, actor: StaffUser, case: Case) -> list[str]:
    """The action slugs the actor can take on the case now (what the detail page offers; services re-check)."""
    can_review = actor.can(Action.REVIEW_CASE)
    can_decide = actor.can(Action.DECIDE_CASE)
    out: list[str] = []
    if not (can_review or can_decide) or case.is_archived:
        return out  # archived (保存済み): nothing may change it any more
    mine = case.assignee_id == actor.pk
    if can_review and case.is_open and case.assignee_id is None:
        out.append("claim")
    if can_decide and case.is_open:
        out.append("assign")
    if can_review and case.status == CaseStatus.RECEIVED:
        out.append("accept")
    if can_review and mine and case.status == CaseStatus.ACCEPTED:
        out.append("start-review")
    proposal = open_proposal(case)
    if can_review and mine and case.status == CaseStatus.IN_REVIEW and proposal is None:
        out += ["request-correction", "propose"]
    if (
        can_decide
        and proposal is not None
        and actor.pk not in proposal.actor_ids
        and may_act_on_step(actor, proposal.next_role)
    ):
        out += ["approve", "send-back", "reject"]
    out.append("note")
    return out
