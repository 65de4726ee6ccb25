"""Counter mode (書かない窓口): a clerk fills in an application with the resident at the counter.

The clerk finds the resident in the registry (office zone: a direct, access-logged read, purpose 窓口での届出・相談対応),
picks a procedure, and the form arrives prefilled exactly as online (the form's prefill rules over the registry's
basic four attributes and the office answers). The clerk completes it with the resident, records the identity
check (My Number Card seen, or other documents from a list), and produces the confirmation sheet (確認票, a signed
PDF from the documents app) that the resident checks. On confirmation the application goes through the intake
app's own checks, duplicate guard and receipt numbering (`channel.AssistedIntake`), and its case is created the
same way a pull creates one, marked `is_assisted`: there is no card signature, the clerk's record is the evidence.

Services (writes) and selectors (reads) of counter mode; each write checks permission and audits in its
transaction.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import hashlib
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_noop

from madoguchi.common.wareki import to_wareki
from madoguchi.core.access import require, scoped
from madoguchi.core.audit import Actor, record_audit
from madoguchi.core.errors import BusinessRuleViolation, NotFoundInMunicipality
from madoguchi.core.models import AccessPurpose, Municipality, StaffUser
from madoguchi.core.roles import Action
from madoguchi.documents.models import IssuedDocument
from madoguchi.documents.services import issue_document
from madoguchi.identity.portal_session import PortalIdentity
from madoguchi.intake.channel import OPTIONAL_FACTS, get_office_answers
from madoguchi.intake.services import merge_answer
from madoguchi.procedures.engine import (
    FormDefinition,
    Procedure,
    apply_prefill,
    canonical_json,
    clean_answers,
    get_catalogue,
)
from madoguchi.procedures.selectors import is_enabled
from madoguchi.registry import selectors as registry
from madoguchi.registry.models import Resident

from .channel import AssistedIntake, get_assisted_intake
from .models import (
    PHOTO_DOCUMENTS,
    Case,
    CounterSession,
    CounterStatus,
    IdentityDocument,
    IdentityMethod,
)
from .services import ingest_assisted_item

COUNTER_PURPOSE = AccessPurpose.COUNTER_SERVICE
SHEET_TITLE = "窓口申請の確認票"


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _rule(field: str, ja: str, en: str, code: str) -> BusinessRuleViolation:
    return BusinessRuleViolation(field, ja, en, code)


# ---------------------------------------------------------------------------------------------------------------
# Which procedures the counter takes


def accepts_counter_intake(procedure: Procedure) -> bool:
    """A procedure the counter can take: one whose form needs no document that is always required.

    Paper documents seen at the counter are not carried into the electronic application yet, so a procedure
    that always needs an attached file (e.g. 罹災証明 photos) stays on the paper route.
    """
    return not any(a.required_when is None and not a.optional for a in procedure.form.attachments)


def counter_procedures(*, actor: StaffUser) -> list[Procedure]:
    """Procedures enabled in the actor's municipality that accept counter intake, in catalogue order."""
    require(actor, Action.TAKE_COUNTER_APPLICATION)
    assert actor.municipality_id is not None
    return [
        p
        for p in sorted(get_catalogue().procedures.values(), key=lambda p: p.number)
        if is_enabled(actor.municipality_id, p.code) and accepts_counter_intake(p)
    ]


# ---------------------------------------------------------------------------------------------------------------
# The applicant as the registry holds them


def _sex_code(resident: Resident) -> str:
    # The card's code (JIS X 0303), which the forms' prefill maps: 1 male, 2 female, 9 not applicable.
    return {"male": "1", "female": "2"}.get(resident.sex, "9")


def _current_auth_serial(resident: Resident, at: dt.datetime) -> str:
    """The serial of the resident's valid 利用者証明用 certificate, when the link table has one."""
    from madoguchi.identity.models import CertificatePurpose
    from madoguchi.identity.selectors import linked_serials

    link = (
        linked_serials(resident)
        .filter(purpose=CertificatePurpose.AUTH, revoked_at__isnull=True, expires_at__gt=at)
        .first()
    )
    return link.serial if link is not None else ""


def applicant_key(resident: Resident, at: dt.datetime) -> str:
    """The applicant handle the portal files the application under.

    The resident's card (auth certificate serial) when they have one: the duplicate guard then sees online and
    counter applications of the same person, and the resident finds the application in their portal list.
    Without a card, an opaque per-resident key (no registry data leaves the office).
    """
    serial = _current_auth_serial(resident, at)
    if serial:
        return serial
    digest = hashlib.sha256(f"{resident.municipality_id}:{resident.pk}".encode()).hexdigest()
    return f"counter:{digest[:32]}"


def applicant_identity(resident: Resident, at: dt.datetime) -> PortalIdentity:
    """The applicant as the intake checks see them: the registry's basic four attributes, as a card would give."""
    return PortalIdentity(
        method="counter",
        auth_serial=applicant_key(resident, at),
        authenticated_at=at.isoformat(),
        name=resident.full_name,
        name_kana=resident.full_name_kana,
        address=resident.address,
        birth_date=resident.birth_date.isoformat() if resident.birth_date else "",
        sex=_sex_code(resident),
    )


def access_counter_resident(*, actor: StaffUser, resident_id: int) -> Resident:
    """The resident a counter application is for (access-logged, purpose 窓口での届出・相談対応); current only."""
    require(actor, Action.TAKE_COUNTER_APPLICATION)
    resident = registry.access_resident(actor=actor, resident_id=resident_id, purpose=COUNTER_PURPOSE)
    if resident.status != "current":
        raise _rule(
            "resident",
            gettext_noop("住民票が消除された方（除票）の申請は、窓口申請では受け付けられません。"),
            "A removed resident record cannot apply at the counter.",
            "resident_removed",
        )
    return resident


# ---------------------------------------------------------------------------------------------------------------
# Sessions


def _procedure(actor: StaffUser, code: str) -> Procedure:
    for p in counter_procedures(actor=actor):
        if p.code == code:
            return p
    raise _rule(
        "procedure_code",
        gettext_noop("窓口で受け付ける手続を一覧から選んでください。"),
        "Choose a procedure the counter accepts.",
        "invalid_procedure",
    )


def form_of(session: CounterSession) -> FormDefinition:
    """The form definition the session was started on."""
    return get_catalogue().form(session.procedure_code, session.form_version)


def get_counter_session(*, actor: StaffUser, public_id: str) -> CounterSession:
    """A counter session of the actor's municipality (the clerks of one counter share them)."""
    require(actor, Action.TAKE_COUNTER_APPLICATION)
    session = scoped(CounterSession.objects.all(), actor).filter(public_id=public_id).first()
    if session is None:
        raise NotFoundInMunicipality("counter session")
    return session


def _audit(actor: StaffUser, session: CounterSession, action: str, after: dict[str, Any]) -> None:
    record_audit(
        actor=actor,
        municipality=session.municipality_id,
        action=f"casework.counter_{action}",
        target_type="counter_session",
        target_id=session.public_id,
        after=after,
    )


def start_counter_application(
    *, actor: StaffUser, resident_id: int, procedure_code: str, now: dt.datetime | None = None
) -> CounterSession:
    """Start a counter application for a resident, prefilled from the registry with the form's prefill rules."""
    at = _now(now)
    procedure = _procedure(actor, procedure_code)
    resident = access_counter_resident(actor=actor, resident_id=resident_id)
    identity = applicant_identity(resident, at)
    form = procedure.form
    asks = tuple(
        sorted(
            {r.source.split(".", 1)[1] for r in form.prefill if r.source.startswith("office.")}
            & OPTIONAL_FACTS
        )
    )
    facts = get_office_answers().household_facts(
        municipality_code=resident.municipality_id,
        applicant=identity,
        purpose=f"counter:{procedure.code}",
        asks=asks,
    )
    card = {
        key: value
        for key, value in (
            ("name", identity.name),
            ("address", identity.address),
            ("birth_date", identity.birth_date),
            ("sex", identity.sex),
        )
        if value
    }
    sources: dict[str, Any] = {"card": card, "office": facts.prefill_source()}
    answers = apply_prefill(form, sources)
    # Everything came from the registry here: one badge, 「市区町村の記録から入力済み」.
    prefilled = {rule.target: "office" for rule in form.prefill if _lookup(sources, rule.source) is not None}
    with transaction.atomic():
        session = CounterSession.objects.create(
            municipality_id=resident.municipality_id,
            public_id=uuid.uuid4().hex,
            clerk=actor,
            resident_id=resident.pk,
            applicant_name=resident.full_name[:120],
            procedure_code=procedure.code,
            form_version=form.version,
            answers=answers,
            prefilled=prefilled,
            created_at=at,
            updated_at=at,
        )
        _audit(
            actor,
            session,
            "start",
            {"procedure": procedure.code, "resident_id": resident.pk, "prefilled": sorted(prefilled)},
        )
    return session


def _lookup(sources: Mapping[str, Any], path: str) -> Any:
    node: Any = sources
    for part in path.split("."):
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node


def _require_open(session: CounterSession) -> None:
    if session.status != CounterStatus.OPEN:
        raise _rule(
            "status",
            gettext_noop("この窓口申請はすでに受け付けました。内容は申請管理の案件で確認してください。"),
            "This counter application was already submitted.",
            "already_submitted",
        )


def save_counter_answers(
    *, actor: StaffUser, public_id: str, values: Mapping[str, Any], now: dt.datetime | None = None
) -> CounterSession:
    """Store answers the clerk entered (field path → raw value; None removes)."""
    at = _now(now)
    with transaction.atomic():
        session = get_counter_session(actor=actor, public_id=public_id)
        session = CounterSession.objects.select_for_update().get(pk=session.pk)
        _require_open(session)
        answers = copy.deepcopy(session.answers)
        for path, value in values.items():
            merge_answer(answers, path, value)
        session.answers = answers
        session.updated_at = at
        session.save(update_fields=["answers", "updated_at"])
        # The answers may hold personal data: the audit row names the fields, not the values.
        _audit(actor, session, "save", {"fields": sorted(values)})
    return session


def confirm_identity(
    *,
    actor: StaffUser,
    public_id: str,
    method: str,
    documents: Sequence[str] = (),
    now: dt.datetime | None = None,
) -> CounterSession:
    """Record the identity check: the My Number Card seen, or other documents (one with a photo, or two)."""
    at = _now(now)
    if method not in IdentityMethod.values:
        raise _rule(
            "method",
            gettext_noop("本人確認の方法を選んでください。"),
            "Choose how the identity was checked.",
            "required",
        )
    chosen = list(dict.fromkeys(documents))
    if method == IdentityMethod.MY_NUMBER_CARD:
        chosen = []
    else:
        unknown = [d for d in chosen if d not in IdentityDocument.values]
        if unknown or not chosen:
            raise _rule(
                "documents",
                gettext_noop("確認した本人確認書類を一覧から選んでください。"),
                "Choose the identity documents seen.",
                "required",
            )
        if not any(d in PHOTO_DOCUMENTS for d in chosen) and len(chosen) < 2:
            raise _rule(
                "documents",
                gettext_noop(
                    "写真付きの書類がない場合は、本人確認書類を2点確認してください（例：健康保険の資格確認書と年金手帳）。"
                ),
                "Without a photo ID, two documents are needed.",
                "too_few_documents",
            )
    with transaction.atomic():
        session = get_counter_session(actor=actor, public_id=public_id)
        session = CounterSession.objects.select_for_update().get(pk=session.pk)
        _require_open(session)
        session.identity_method = method
        session.identity_documents = chosen
        session.identity_confirmed_by = actor
        session.identity_confirmed_at = at
        session.updated_at = at
        session.save()
        _audit(actor, session, "identity", {"method": method, "documents": chosen})
    return session


# ---------------------------------------------------------------------------------------------------------------
# The confirmation sheet (確認票)


def content_of(session: CounterSession) -> bytes:
    """The canonical content of the answers (what the sheet shows and the application stores)."""
    form = form_of(session)
    return canonical_json(clean_answers(form, session.answers), {}, form=form)


def sheet_is_current(session: CounterSession) -> bool:
    """Whether the confirmation sheet was produced for the answers as they are now."""
    return bool(session.sheet_document_id) and (
        session.sheet_content_sha256 == hashlib.sha256(content_of(session)).hexdigest()
    )


def issue_confirmation_sheet(
    *, actor: StaffUser, public_id: str, sections: list[dict[str, Any]], now: dt.datetime | None = None
) -> IssuedDocument:
    """Produce the confirmation sheet PDF (signed by the municipality) for the answers as they are now.

    `sections` are the answers as labelled on the form (the view builds them in the page language; the sheet
    itself is Japanese like every document). The same answers give the same sheet back.
    """
    at = _now(now)
    session = get_counter_session(actor=actor, public_id=public_id)
    _require_open(session)
    digest = hashlib.sha256(content_of(session)).hexdigest()
    if sheet_is_current(session):
        document = IssuedDocument.objects.filter(public_id=session.sheet_document_id).first()
        if document is not None:
            return document
    municipality = Municipality.objects.get(code=session.municipality_id)
    procedure = get_catalogue().procedures[session.procedure_code]
    html = render_to_string(
        "casework/counter_sheet_pdf.html",
        {
            "session": session,
            "procedure": procedure,
            "municipality": municipality,
            "sections": sections,
            "content_sha256": digest,
            "made_on": to_wareki(timezone.localdate(at)),
            "clerk": actor.display_name,
        },
    )
    document = issue_document(
        actor=actor,
        municipality=municipality,
        kind="receipt",
        title=SHEET_TITLE,
        html=html,
        subject_type="counter_session",
        subject_id=session.public_id,
        purpose="counter_application",
        audit_details={"content_sha256": digest},
        now=at,
    )
    with transaction.atomic():
        locked = CounterSession.objects.select_for_update().get(pk=session.pk)
        locked.sheet_document_id = document.public_id
        locked.sheet_content_sha256 = digest
        locked.updated_at = at
        locked.save(update_fields=["sheet_document_id", "sheet_content_sha256", "updated_at"])
        _audit(actor, locked, "sheet", {"document": document.public_id, "content_sha256": digest})
    return document


def get_confirmation_sheet(*, actor: StaffUser, public_id: str) -> IssuedDocument:
    """The session's latest confirmation sheet."""
    session = get_counter_session(actor=actor, public_id=public_id)
    document = scoped(IssuedDocument.objects.all(), actor).filter(public_id=session.sheet_document_id).first()
    if not session.sheet_document_id or document is None:
        raise NotFoundInMunicipality("confirmation sheet")
    return document


# ---------------------------------------------------------------------------------------------------------------
# Submission


class CounterRejected(Exception):
    """The intake checks refused the application; `problems` are the intake problems (nothing was stored)."""

    def __init__(self, problems: Sequence[Any]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(getattr(p, "message_en", p)) for p in self.problems))


@dataclasses.dataclass(frozen=True)
class CounterResult:
    """The application on file: created now (with its case), or the open one for the same subject (duplicate)."""

    receipt_number: str
    case: Case | None
    duplicate: bool = False


def submit_counter_application(
    *,
    actor: StaffUser,
    public_id: str,
    intake: AssistedIntake | None = None,
    now: dt.datetime | None = None,
) -> CounterResult:
    """The resident confirmed the sheet: file the application through intake and create its case (assisted)."""
    at = _now(now)
    require(actor, Action.TAKE_COUNTER_APPLICATION)
    with transaction.atomic():
        session = get_counter_session(actor=actor, public_id=public_id)
        session = CounterSession.objects.select_for_update().get(pk=session.pk)
        _require_open(session)
        if not session.identity_confirmed:
            raise _rule(
                "identity",
                gettext_noop("本人確認がまだです。確認した書類を記録してから受け付けてください。"),
                "Record the identity check before submitting.",
                "identity_not_confirmed",
            )
        if not sheet_is_current(session):
            raise _rule(
                "confirmation_sheet",
                gettext_noop(
                    "確認票が最新の内容ではありません。確認票を作成し、申請者に内容を確認してもらってから受け付けてください。"
                ),
                "Produce the confirmation sheet for the current answers first.",
                "sheet_outdated",
            )
        assert session.identity_confirmed_at is not None
        confirmed_by = session.identity_confirmed_by
        assistance = {
            "channel": "counter",
            "clerk_id": f"staff:{actor.pk}",
            "clerk_name": actor.display_name,
            "identity_method": session.identity_method,
            "identity_documents": list(session.identity_documents),
            "identity_confirmed_by": confirmed_by.display_name if confirmed_by else "",
            "identity_confirmed_at": session.identity_confirmed_at.isoformat(),
            "confirmation_sheet": session.sheet_document_id,
            "content_sha256": session.sheet_content_sha256,
            "confirmed_at": at.isoformat(),
            "counter_session": session.public_id,
        }
        resident = access_counter_resident(actor=actor, resident_id=session.resident_id)
        outcome = (intake or get_assisted_intake()).submit(
            actor=Actor.of(actor),
            applicant=applicant_identity(resident, at),
            municipality_code=session.municipality_id,
            procedure_code=session.procedure_code,
            form_version=session.form_version,
            answers=session.answers,
            assistance=assistance,
        )
        if outcome.problems:
            raise CounterRejected(outcome.problems)
        if outcome.duplicate or outcome.item is None:
            existing = Case.objects.filter(
                municipality_id=session.municipality_id, receipt_number=outcome.receipt_number
            ).first()
            _audit(actor, session, "duplicate", {"existing_receipt": outcome.receipt_number})
            return CounterResult(outcome.receipt_number, existing, duplicate=True)
        case = ingest_assisted_item(outcome.item, now=at)
        session.status = CounterStatus.SUBMITTED
        session.receipt_number = outcome.receipt_number
        session.updated_at = at
        session.save(update_fields=["status", "receipt_number", "updated_at"])
        _audit(
            actor,
            session,
            "submit",
            {
                "receipt_number": outcome.receipt_number,
                "identity_method": session.identity_method,
                "content_sha256": session.sheet_content_sha256,
            },
        )
    return CounterResult(outcome.receipt_number, case)
