"""Intake use cases: drafts, attachments, the intake checks, signed submission, withdrawal, correction, status.

The intake checks are the 2020 特別定額給付金 lessons (procedures.md §5): an application that the office would have
to reject or fix by hand is stopped at submission with a plain message naming the field — form rules, signer =
applicant (or an authorised proxy), registry match of the applicant (異体字/width tolerant), 世帯主-only
procedures, children in the household, attachments (presence, type by content, size) — and a second application
for the same subject while one is open shows the existing receipt instead of creating another, also under double
clicks and concurrent requests (partial unique constraint + row locks; SQLite IMMEDIATE transactions serialize).
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from madoguchi.core.audit import Actor, record_audit
from madoguchi.core.errors import NotFoundInMunicipality
from madoguchi.identity.jpki import Verdict, matches_with_substitutions
from madoguchi.identity.portal_session import PortalIdentity
from madoguchi.procedures.conditions import get_path
from madoguchi.procedures.engine import (
    Attachment as AttachmentRule,
)
from madoguchi.procedures.engine import (
    FormDefinition,
    Procedure,
    apply_prefill,
    canonical_json,
    check_upload,
    clean_answers,
    errors_by_page,
    field_label,
    get_catalogue,
    prefilled_paths,
    required_attachments,
)
from madoguchi.procedures.texts import CatalogueText, SourceMessage, gettext_noop

from . import signing
from .channel import OPTIONAL_FACTS, HouseholdFacts, OfficeAnswers, get_office_answers
from .files import detect_mime_type
from .matching import texts_match
from .models import (
    DRAFT_RETENTION,
    OPEN_STATUSES,
    TRANSITIONS,
    Application,
    ApplicationStatus,
    ApplicationStatusEvent,
    Attachment,
    Draft,
    ReceiptCounter,
    SignatureUse,
)

# Duplicate detection: what makes two applications "the same" besides applicant and procedure. Procedures not
# listed allow one open application per applicant (児童手当の認定請求, 要介護認定 …).
SUBJECT_FIELDS: dict[str, tuple[str, ...]] = {
    "pregnancy_notification": ("mother.name", "mother.birth_date", "pregnancy.due_on"),
    "disaster_damage_certificate": ("disaster.name", "disaster.occurred_on", "property.address"),
    "child_allowance_amount_revision": ("change.reason", "change.event_on"),
    "childcare_placement_application": ("child.name", "child.birth_date"),
    "childcare_eligibility_certification": ("child.name", "child.birth_date"),
}
HOUSEHOLD_CHILDREN_SOURCE = "office.household_children"
CARE_INSURED_NUMBER_SOURCE = "office.care_insured_number"


# ---------------------------------------------------------------------------------------------------------------
# Problems and results


@dataclasses.dataclass(frozen=True)
class IntakeProblem:
    """One reason an application cannot be accepted; the message names the field and how to fix it."""

    field: str
    code: str
    message_ja: str
    message_en: str
    page_key: str = ""

    def as_json(self) -> dict[str, str]:
        return {
            "field": self.field,
            "code": self.code,
            "message_ja": self.message_ja,
            "message_en": self.message_en,
            "page": self.page_key,
        }


class IntakeRejected(Exception):
    """The application was not stored; `problems` lists every reason (nothing was written)."""

    def __init__(self, problems: Sequence[IntakeProblem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(p.message_en for p in self.problems))

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.problems]


@dataclasses.dataclass(frozen=True)
class SubmissionResult:
    """The application now on file: created by this call, or the existing open one for the same subject."""

    application: Application
    created: bool
    duplicate: bool = False


def resident_actor(identity: PortalIdentity) -> Actor:
    """The audit actor for a resident acting in the portal (identified by the auth certificate serial)."""
    return Actor(id=f"resident:{identity.auth_serial}"[:64], display="住民（電子申請）")


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


# ---------------------------------------------------------------------------------------------------------------
# Procedures


def procedure_enabled(municipality_code: str, procedure_code: str) -> bool:
    """Whether the municipality accepts this procedure online (the procedures app's per-municipality setting)."""
    from madoguchi.procedures.selectors import is_enabled

    return is_enabled(municipality_code, procedure_code)


def get_procedure(municipality_code: str, procedure_code: str, *, require_enabled: bool = True) -> Procedure:
    """The catalogue procedure (enabled here unless `require_enabled=False`); NotFoundInMunicipality otherwise.

    New drafts and new submissions need the procedure enabled; drafts already begun stay readable and a
    correction (補正) of an application on file can still be resubmitted after a municipality switches it off.
    """
    procedure = get_catalogue().procedures.get(procedure_code)
    if procedure is None or (require_enabled and not procedure_enabled(municipality_code, procedure_code)):
        raise NotFoundInMunicipality("procedure")
    return procedure


def get_form(procedure: Procedure, version: int) -> FormDefinition:
    """The form definition of `version` (current or previous); NotFoundInMunicipality for an unknown version."""
    try:
        return procedure.form_version(version)
    except (KeyError, ValueError) as exc:
        raise NotFoundInMunicipality("form version") from exc


def _optional_facts(form: FormDefinition) -> tuple[str, ...]:
    """The optional office facts (`channel.OPTIONAL_FACTS`) this form's prefill names, e.g. care_insured_number."""
    names = {rule.source.split(".", 1)[1] for rule in form.prefill if rule.source.startswith("office.")}
    return tuple(sorted(names & OPTIONAL_FACTS))


def _prefill_sources(identity: PortalIdentity, facts: HouseholdFacts | None) -> dict[str, Any]:
    card: dict[str, Any] = {}
    for key in ("name", "address", "birth_date", "sex"):
        value = getattr(identity, key)
        if value:
            card[key] = value
    sources: dict[str, Any] = {"card": card}
    if facts is not None:
        sources["office"] = facts.prefill_source()
    return sources


# ---------------------------------------------------------------------------------------------------------------
# Drafts


def find_open_draft(*, identity: PortalIdentity, municipality_code: str, procedure_code: str) -> Draft | None:
    """The resident's unexpired, unsubmitted draft (not a correction) for this procedure, if any."""
    return (
        Draft.objects.filter(
            municipality_id=municipality_code,
            applicant_auth_serial=identity.auth_serial,
            procedure_code=procedure_code,
            submitted_application__isnull=True,
            correcting__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .order_by("-updated_at")
        .first()
    )


def start_draft(
    *,
    identity: PortalIdentity,
    municipality_code: str,
    procedure_code: str,
    office: OfficeAnswers | None = None,
    now: dt.datetime | None = None,
) -> Draft:
    """Start (or resume) the resident's application: a draft prefilled from the card and the office answers."""
    at = _now(now)
    procedure = get_procedure(municipality_code, procedure_code)
    existing = find_open_draft(
        identity=identity, municipality_code=municipality_code, procedure_code=procedure_code
    )
    if existing is not None:
        return existing
    form = procedure.form
    facts = (office or get_office_answers()).household_facts(
        municipality_code=municipality_code,
        applicant=identity,
        purpose=f"prefill:{procedure_code}",
        asks=_optional_facts(form),
    )
    sources = _prefill_sources(identity, facts)
    answers = apply_prefill(form, sources)
    with transaction.atomic():
        draft = Draft.objects.create(
            municipality_id=municipality_code,
            applicant_auth_serial=identity.auth_serial,
            procedure_code=procedure.code,
            form_version=form.version,
            answers=answers,
            prefilled=prefilled_paths(form, sources),
            current_page=form.pages[0].key,
            created_at=at,
            updated_at=at,
            expires_at=at + DRAFT_RETENTION,
        )
        record_audit(
            actor=resident_actor(identity),
            municipality=municipality_code,
            action="intake.start_draft",
            target_type="draft",
            target_id=draft.public_id,
            after={
                "procedure": procedure.code,
                "form_version": form.version,
                "prefilled": sorted(draft.prefilled),
            },
        )
    return draft


def get_draft(*, identity: PortalIdentity, municipality_code: str, public_id: str) -> Draft:
    """The resident's own unexpired, unsubmitted draft; NotFoundInMunicipality for anyone else's."""
    draft = Draft.objects.filter(
        municipality_id=municipality_code,
        public_id=public_id,
        applicant_auth_serial=identity.auth_serial,
        expires_at__gt=timezone.now(),
    ).first()
    if draft is None:
        raise NotFoundInMunicipality("draft")
    return draft


def merge_answer(target: dict[str, Any], path: str, value: Any) -> None:
    """Set the answer at a dotted field path (creating sections on the way); None removes it."""
    parts = path.split(".")
    node = target
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    if value is None:
        node.pop(parts[-1], None)
    else:
        node[parts[-1]] = value


def _care_subject(form: FormDefinition, answers: Mapping[str, Any]) -> tuple[str, str, str]:
    """Whom the care form is about: ("self", "", "") or ("other", insured name, ISO birth date as answered)."""
    cleaned = clean_answers(form, answers)
    if _role(cleaned) == "self":
        return ("self", "", "")
    name, birth = get_path(cleaned, "insured.name"), get_path(cleaned, "insured.birth_date")
    return ("other", name if isinstance(name, str) else "", birth if isinstance(birth, str) else "")


def _refresh_care_insured_number(
    *,
    identity: PortalIdentity,
    draft: Draft,
    answers: dict[str, Any],
    values: Mapping[str, Any],
    office: OfficeAnswers | None,
) -> dict[str, str] | None:
    """Keep an office-prefilled 被保険者番号 about the person the form is about; the new `prefilled` map, or None.

    The draft is prefilled with the applicant's own number. When the resident says they apply for someone else
    (家族・代理人), that number is wrong: it is replaced by the number of the household member named on the
    insured-person page (asked from the office), or removed. A number the resident typed is never touched.
    """
    procedure = get_procedure(draft.municipality_id, draft.procedure_code, require_enabled=False)
    form = get_form(procedure, draft.form_version)
    targets = [r.target for r in form.prefill if r.source == CARE_INSURED_NUMBER_SOURCE and r.item is None]
    if not targets:
        return None
    prefilled = dict(draft.prefilled)
    for target in targets:  # typed over: the resident's own value from now on
        if (
            target in values
            and prefilled.get(target) == "office"
            and values[target] != get_path(draft.answers, target)
        ):
            prefilled.pop(target)
    before, after = _care_subject(form, draft.answers), _care_subject(form, answers)
    stale = [t for t in targets if prefilled.get(t) == "office" or get_path(answers, t) in (None, "")]
    if before == after or not stale:
        return prefilled
    number = ""
    if after[0] == "self" or (after[1] and after[2]):
        number = (office or get_office_answers()).care_insured_number(
            municipality_code=draft.municipality_id,
            applicant=identity,
            purpose=f"prefill:{draft.procedure_code}",
            insured_name=after[1],
            insured_birth_date=after[2],
        )
    for target in stale:
        merge_answer(answers, target, number or None)
        if number:
            prefilled[target] = "office"
        else:
            prefilled.pop(target, None)
    return prefilled


def save_draft_answers(
    *,
    identity: PortalIdentity,
    draft: Draft,
    values: Mapping[str, Any],
    current_page: str = "",
    office: OfficeAnswers | None = None,
    now: dt.datetime | None = None,
) -> Draft:
    """Store answers (field path → raw value; None removes) in the draft and push its expiry forward."""
    at = _now(now)
    if draft.applicant_auth_serial != identity.auth_serial or draft.submitted_application_id is not None:
        raise NotFoundInMunicipality("draft")
    with transaction.atomic():
        locked = Draft.objects.select_for_update().get(pk=draft.pk)
        answers = copy.deepcopy(locked.answers)
        for path, value in values.items():
            merge_answer(answers, path, value)
        prefilled = _refresh_care_insured_number(
            identity=identity, draft=locked, answers=answers, values=values, office=office
        )
        locked.answers = answers
        fields = ["answers", "current_page", "updated_at", "expires_at"]
        if prefilled is not None and prefilled != locked.prefilled:
            locked.prefilled = prefilled
            fields.append("prefilled")
        if current_page:
            locked.current_page = current_page
        locked.updated_at = at
        locked.expires_at = at + DRAFT_RETENTION
        locked.save(update_fields=fields)
        record_audit(
            actor=resident_actor(identity),
            municipality=locked.municipality_id,
            action="intake.save_draft",
            target_type="draft",
            target_id=locked.public_id,
            after={"fields": sorted(values)},
        )
    return locked


def delete_draft(*, identity: PortalIdentity, draft: Draft) -> None:
    """Delete the resident's draft and its uploaded files."""
    if draft.applicant_auth_serial != identity.auth_serial or draft.submitted_application_id is not None:
        raise NotFoundInMunicipality("draft")
    with transaction.atomic():
        Attachment.objects.filter(draft=draft, application__isnull=True).delete()
        record_audit(
            actor=resident_actor(identity),
            municipality=draft.municipality_id,
            action="intake.delete_draft",
            target_type="draft",
            target_id=draft.public_id,
            before={"procedure": draft.procedure_code},
        )
        draft.delete()


# ---------------------------------------------------------------------------------------------------------------
# Attachments


def _sync_file_answers(draft: Draft, form: FormDefinition) -> None:
    """Point the form's file fields at the draft's current uploads (their public ids), inside the caller's transaction."""
    answers = dict(draft.answers)
    changed = False
    for _page, f in form.iter_fields():
        if f.type != "file" or not f.attachment:
            continue
        refs = list(
            Attachment.objects.filter(draft=draft, attachment_code=f.attachment)
            .order_by("uploaded_at", "id")
            .values_list("public_id", flat=True)
        )
        merge_answer(answers, f.path, refs or None)
        changed = True
    if changed:
        Draft.objects.filter(pk=draft.pk).update(answers=answers)
        draft.answers = answers


def add_attachment(
    *,
    identity: PortalIdentity,
    draft: Draft,
    attachment_code: str,
    filename: str,
    content: bytes,
    now: dt.datetime | None = None,
) -> Attachment:
    """Store one uploaded file for the draft after checking its type (by content), size and count."""
    at = _now(now)
    procedure = get_procedure(draft.municipality_id, draft.procedure_code, require_enabled=False)
    form = get_form(procedure, draft.form_version)
    try:
        rule = form.attachment(attachment_code)
    except KeyError as exc:
        raise NotFoundInMunicipality("attachment type") from exc
    mime_type = detect_mime_type(content)
    problems = [
        IntakeProblem(f"attachments.{rule.code}", e.code, e.message_ja, e.message_en, "attachments")
        for e in check_upload(
            rule, mime_type=mime_type or "application/octet-stream", size_bytes=len(content)
        )
    ]
    if not content:
        problems.append(
            IntakeProblem(
                f"attachments.{rule.code}",
                "file_empty",
                SourceMessage(
                    gettext_noop("「%(name)s」のファイルが空です。もう一度選んでください。"),
                    {"name": CatalogueText(rule.name_ja, rule.name_en)},
                ),
                f'The file for "{rule.name_en}" is empty.',
                "attachments",
            )
        )
    existing = Attachment.objects.filter(draft=draft, attachment_code=rule.code).count()
    if existing >= rule.max_files:
        problems.append(
            IntakeProblem(
                f"attachments.{rule.code}",
                "too_many_files",
                SourceMessage(
                    gettext_noop(
                        "「%(name)s」は%(count)sファイルまで添付できます。先に添付済みのファイルを削除してください。"
                    ),
                    {"name": CatalogueText(rule.name_ja, rule.name_en), "count": rule.max_files},
                ),
                f'"{rule.name_en}" takes at most {rule.max_files} files.',
                "attachments",
            )
        )
    if problems:
        raise IntakeRejected(problems)
    with transaction.atomic():
        attachment = Attachment.objects.create(
            municipality_id=draft.municipality_id,
            applicant_auth_serial=identity.auth_serial,
            draft=draft,
            attachment_code=rule.code,
            filename=(filename or "file")[:200],
            content=content,
            size_bytes=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            mime_type=mime_type,
            uploaded_at=at,
        )
        record_audit(
            actor=resident_actor(identity),
            municipality=draft.municipality_id,
            action="intake.add_attachment",
            target_type="draft",
            target_id=draft.public_id,
            after={"attachment": rule.code, "sha256": attachment.sha256, "mime_type": mime_type},
        )
        _sync_file_answers(draft, form)
    return attachment


def remove_attachment(*, identity: PortalIdentity, draft: Draft, attachment_public_id: str) -> None:
    """Remove one uploaded file from the draft."""
    attachment = Attachment.objects.filter(
        draft=draft, public_id=attachment_public_id, application__isnull=True
    ).first()
    if attachment is None or draft.applicant_auth_serial != identity.auth_serial:
        raise NotFoundInMunicipality("attachment")
    with transaction.atomic():
        record_audit(
            actor=resident_actor(identity),
            municipality=draft.municipality_id,
            action="intake.remove_attachment",
            target_type="draft",
            target_id=draft.public_id,
            before={"attachment": attachment.attachment_code, "sha256": attachment.sha256},
        )
        attachment.delete()
        procedure = get_procedure(draft.municipality_id, draft.procedure_code, require_enabled=False)
        _sync_file_answers(draft, get_form(procedure, draft.form_version))


def attachment_hashes(attachments: Iterable[Attachment]) -> dict[str, list[str]]:
    """{attachment code: sorted SHA-256 list} as signed in the canonical JSON."""
    out: dict[str, list[str]] = {}
    for a in attachments:
        out.setdefault(a.attachment_code, []).append(a.sha256)
    return {code: sorted(hashes) for code, hashes in sorted(out.items())}


def draft_signing_content(draft: Draft) -> bytes:
    """The exact bytes the resident signs for this draft: canonical JSON of answers, attachment hashes and form."""
    procedure = get_procedure(draft.municipality_id, draft.procedure_code, require_enabled=False)
    form = get_form(procedure, draft.form_version)
    cleaned = clean_answers(form, draft.answers)
    return canonical_json(cleaned, attachment_hashes(draft.attachments.all()), form=form)


# ---------------------------------------------------------------------------------------------------------------
# The intake checks


def _page_of(form: FormDefinition, path: str) -> str:
    parts = path.split(".")
    for n in range(len(parts), 0, -1):  # "children.0.name" is on the page of the group "children"
        try:
            return form.page_of(".".join(parts[:n])).key
        except KeyError:
            continue
    return ""


def _problem(form: FormDefinition, field: str, code: str, ja: str, en: str) -> IntakeProblem:
    return IntakeProblem(field, code, ja, en, _page_of(form, field))


def form_problems(form: FormDefinition, answers: Mapping[str, Any]) -> list[IntakeProblem]:
    """Every form-rule problem (engine validation), with the page each field is on."""
    out = []
    for page_key, errors in errors_by_page(form, answers).items():
        for path, field_errors in errors.items():
            for e in field_errors:
                out.append(IntakeProblem(path, e.code, e.message_ja, e.message_en, page_key))
    return out


def attachment_problems(
    procedure: Procedure, form: FormDefinition, answers: Mapping[str, Any], attachments: Sequence[Attachment]
) -> list[IntakeProblem]:
    """Required attachments missing, and files whose detected type or size is not allowed."""
    out: list[IntakeProblem] = []
    by_code: dict[str, list[Attachment]] = {}
    for a in attachments:
        by_code.setdefault(a.attachment_code, []).append(a)
    for rule in required_attachments(procedure, answers, version=form.version):
        if not by_code.get(rule.code):
            out.append(
                IntakeProblem(
                    f"attachments.{rule.code}",
                    "attachment_missing",
                    SourceMessage(
                        gettext_noop("「%(name)s」を添付してください。"),
                        {"name": CatalogueText(rule.name_ja, rule.name_en)},
                    ),
                    f'Attach "{rule.name_en}".',
                    "attachments",
                )
            )
    for code, files in by_code.items():
        try:
            allowed: AttachmentRule = form.attachment(code)
        except KeyError:
            continue
        for a in files:
            # The stored type was detected from the content at upload; detect again, never trust the name.
            mime = detect_mime_type(bytes(a.content)) or "application/octet-stream"
            for e in check_upload(allowed, mime_type=mime, size_bytes=a.size_bytes):
                out.append(
                    IntakeProblem(f"attachments.{code}", e.code, e.message_ja, e.message_en, "attachments")
                )
    return out


def _role(answers: Mapping[str, Any]) -> str:
    value = get_path(answers, "applicant.role")
    return value if isinstance(value, str) else "self"


def _household_children_groups(form: FormDefinition) -> list[str]:
    return [rule.target for rule in form.prefill if rule.source == HOUSEHOLD_CHILDREN_SOURCE and rule.item]


def registry_problems(
    *,
    procedure: Procedure,
    form: FormDefinition,
    answers: Mapping[str, Any],
    identity: PortalIdentity,
    municipality_code: str,
    office: OfficeAnswers,
) -> tuple[list[IntakeProblem], HouseholdFacts | None]:
    """Checks against the office's answers: registry match, 世帯主-only, children in the household."""
    out: list[IntakeProblem] = []
    role = _role(answers)
    name = get_path(answers, "applicant.name")
    birth = get_path(answers, "applicant.birth_date")
    address = get_path(answers, "applicant.address")
    supplement = get_path(answers, "applicant.address_supplement")
    if isinstance(address, str) and isinstance(supplement, str) and supplement:
        address = f"{address}　{supplement}"
    asked = dataclasses.replace(
        identity,
        name=name if isinstance(name, str) else identity.name,
        birth_date=birth if isinstance(birth, str) else identity.birth_date,
        address=address if isinstance(address, str) else identity.address,
    )
    facts = office.household_facts(
        municipality_code=municipality_code, applicant=asked, purpose=procedure.code
    )
    if role == "proxy":
        # A proxy may live anywhere; their authority comes from the authorization attachment instead.
        return out, facts
    messages = {
        "name": (
            "applicant.name",
            SourceMessage(
                gettext_noop(
                    "「氏名」が住民票の記載と一致しません。住民票のとおりに入力してください"
                    "（旧字体・異体字や全角・半角の違いは問題ありません）。"
                )
            ),
            'The "Full name" does not match the resident record. Enter it as in the resident record.',
        ),
        "birth_date": (
            "applicant.birth_date",
            SourceMessage(
                gettext_noop(
                    "「生年月日」が住民票の記載と一致しません。マイナンバーカードのとおりに入力してください。"
                )
            ),
            'The "Date of birth" does not match the resident record.',
        ),
        "address": (
            "applicant.address",
            SourceMessage(
                gettext_noop(
                    "「住所」が住民票の記載と一致しません。住民票の住所を、都道府県から番地まで入力してください。"
                )
            ),
            'The "Address" does not match the resident record. Enter the address of your resident record.',
        ),
    }
    if not facts.registry_match:
        for attribute in facts.mismatches or ("name", "birth_date", "address"):
            path, ja, en = messages[attribute]
            out.append(_problem(form, path, "registry_mismatch", ja, en))
        return out, facts
    if procedure.household_head_only and not facts.is_head_of_household:
        head_message = (
            SourceMessage(
                gettext_noop(
                    "この手続きは世帯主の方だけが申請できます。あなたは住民票上の世帯主ではありません。"
                    "世帯主（%(head)sさん）のマイナンバーカードで申請してください。"
                ),
                {"head": facts.household_head_name},
            )
            if facts.household_head_name
            else SourceMessage(
                gettext_noop(
                    "この手続きは世帯主の方だけが申請できます。あなたは住民票上の世帯主ではありません。"
                    "世帯主のマイナンバーカードで申請してください。"
                )
            )
        )
        out.append(
            _problem(
                form,
                "applicant.name",
                "not_head_of_household",
                head_message,
                "Only the head of household may apply for this procedure. Apply with the head's card.",
            )
        )
    if role == "head_of_household" and not facts.is_head_of_household:
        out.append(
            _problem(
                form,
                "applicant.role",
                "not_head_of_household",
                SourceMessage(
                    gettext_noop(
                        "「申請する方の立場」で世帯主が選ばれていますが、住民票ではあなたは世帯主ではありません。"
                        "世帯員として申請してください。"
                    )
                ),
                "You selected head of household, but the resident record shows you are not the head.",
            )
        )
    for group_path in _household_children_groups(form):
        items = get_path(answers, group_path)
        if not isinstance(items, list):
            continue
        group = form.field(group_path)
        name_field = next((f for f in group.fields if f.key == "name"), None)
        for index, item in enumerate(items):
            if not isinstance(item, Mapping):
                continue
            child_name = item.get("name")
            child_birth = item.get("birth_date")
            found = any(
                texts_match(c.name, str(child_name or "")) and c.birth_date == child_birth
                for c in facts.children
            )
            if found:
                continue
            label = (
                field_label(name_field, group, index)
                if name_field
                else CatalogueText(group.label_ja, group.label_en)
            )
            out.append(
                _problem(
                    form,
                    f"{group_path}.{index}.name",
                    "child_not_in_household",
                    SourceMessage(
                        gettext_noop(
                            "「%(label)s」の%(child)sさんは、あなたの世帯の住民票に見当たりません。"
                            "氏名と生年月日を住民票のとおりに直してください。別の住所に住んでいるお子さんは、"
                            "別居しているお子さんのページで入力してください。"
                        ),
                        {"label": label, "child": child_name or ""},
                    ),
                    f"Child {index + 1} is not in your household in the resident record. Correct the name and "
                    "date of birth, or enter a child living elsewhere on the page for children living apart.",
                )
            )
    return out, facts


def proxy_problems(
    procedure: Procedure, form: FormDefinition, answers: Mapping[str, Any], attachments: Sequence[Attachment]
) -> list[IntakeProblem]:
    """A proxy needs a procedure that allows proxies and the attachment proving the authority (委任状)."""
    if _role(answers) != "proxy":
        return []
    roles = {r.role: r for r in procedure.who_may_apply}
    if "proxy" not in roles:
        return [
            _problem(
                form,
                "applicant.role",
                "proxy_not_allowed",
                SourceMessage(
                    gettext_noop(
                        "この手続きは代理人による申請を受け付けていません。ご本人のマイナンバーカードで申請してください。"
                    )
                ),
                "This procedure does not accept applications by a proxy.",
            )
        ]
    code = roles["proxy"].authorization_attachment
    if code and not any(a.attachment_code == code for a in attachments):
        rule = form.attachment(code)
        name = CatalogueText(rule.name_ja, rule.name_en)
        return [
            IntakeProblem(
                f"attachments.{code}",
                "authorization_missing",
                SourceMessage(
                    gettext_noop("代理人として申請する場合は「%(name)s」を添付してください。"), {"name": name}
                ),
                "Attach the letter of authorization to apply as a proxy.",
                "attachments",
            )
        ]
    return []


def signer_problems(
    form: FormDefinition, answers: Mapping[str, Any], identity: PortalIdentity, verdict: Verdict
) -> list[IntakeProblem]:
    """The signature is valid and made by the logged-in resident, who is the applicant on the form."""
    if not verdict.valid:
        return [
            IntakeProblem(
                "signature",
                f"signature_{verdict.reason}",
                verdict.message_ja,
                verdict.detail or verdict.reason,
            )
        ]
    subject = verdict.subject
    if subject is None:  # pragma: no cover - verify() always reads the attributes of a valid signing cert
        return [
            IntakeProblem("signature", "signature_malformed", verdict.message_ja, "no subject attributes")
        ]

    def same_name(text: str) -> bool:
        return texts_match(text, subject.name) or matches_with_substitutions(
            text, subject.name, subject.name_substitutions
        )

    out: list[IntakeProblem] = []
    login_mismatch = (identity.name and not same_name(identity.name)) or (
        identity.birth_date and subject.birth_date and identity.birth_date != subject.birth_date.isoformat()
    )
    if login_mismatch:
        out.append(
            IntakeProblem(
                "signature",
                "signer_not_logged_in_resident",
                SourceMessage(
                    gettext_noop(
                        "署名に使われたマイナンバーカードが、ログインしている方のカードと一致しません。"
                        "ご自分のカードで署名してください。"
                    )
                ),
                "The card used to sign is not the card of the logged-in resident.",
            )
        )
        return out
    name = get_path(answers, "applicant.name")
    birth = get_path(answers, "applicant.birth_date")
    if isinstance(name, str) and not same_name(name):
        out.append(
            _problem(
                form,
                "applicant.name",
                "signer_not_applicant",
                SourceMessage(
                    gettext_noop(
                        "「氏名」が署名した方（マイナンバーカード）の氏名と一致しません。申請者はご本人として入力し、"
                        "代理で申請する場合は代理人として申請してください。"
                    )
                ),
                'The "Full name" is not the name of the person who signed.',
            )
        )
    if isinstance(birth, str) and subject.birth_date is not None and birth != subject.birth_date.isoformat():
        out.append(
            _problem(
                form,
                "applicant.birth_date",
                "signer_not_applicant",
                SourceMessage(
                    gettext_noop("「生年月日」が署名した方（マイナンバーカード）の生年月日と一致しません。")
                ),
                'The "Date of birth" is not that of the person who signed.',
            )
        )
    return out


def precheck(
    *,
    identity: PortalIdentity,
    municipality_code: str,
    procedure: Procedure,
    form: FormDefinition,
    answers: Mapping[str, Any],
    attachments: Sequence[Attachment],
    office: OfficeAnswers | None = None,
) -> list[IntakeProblem]:
    """Every check that does not need the signature (shown on the check-your-answers page before signing)."""
    problems = form_problems(form, answers)
    cleaned = clean_answers(form, answers)
    problems += attachment_problems(procedure, form, cleaned, attachments)
    problems += proxy_problems(procedure, form, cleaned, attachments)
    if not problems:
        registry, _facts = registry_problems(
            procedure=procedure,
            form=form,
            answers=cleaned,
            identity=identity,
            municipality_code=municipality_code,
            office=office or get_office_answers(),
        )
        problems += registry
    return problems


# ---------------------------------------------------------------------------------------------------------------
# Submission


def subject_key(procedure_code: str, answers: Mapping[str, Any]) -> str:
    """Duplicate-detection key: SHA-256 of the procedure's subject fields (names folded for 異体字/width)."""
    values = []
    for path in SUBJECT_FIELDS.get(procedure_code, ()):
        value = get_path(answers, path)
        if isinstance(value, str):
            from madoguchi.intake.matching import comparison_key

            value = comparison_key(value)
        values.append(value)
    return hashlib.sha256(json.dumps([procedure_code, values], ensure_ascii=False).encode()).hexdigest()


def _next_receipt_number(municipality_code: str, at: dt.datetime) -> str:
    year = timezone.localtime(at).year
    # One statement locks the counter row and takes the next number (the lock is held until commit, so every
    # statement saved here shortens the part of a submission that runs one at a time per municipality).
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {ReceiptCounter._meta.db_table} SET last_number = last_number + 1 "  # noqa: S608 - model's table
            "WHERE municipality_id = %s AND year = %s RETURNING last_number",
            [municipality_code, year],
        )
        row = cursor.fetchone()
    if row is None:  # the municipality's first application this year
        ReceiptCounter.objects.get_or_create(municipality_id=municipality_code, year=year)
        return _next_receipt_number(municipality_code, at)
    return f"{year}-{row[0]:06d}"


def _event(
    application: Application,
    *,
    to_status: str,
    from_status: str,
    actor: Actor,
    at: dt.datetime,
    message_ja: str = "",
) -> ApplicationStatusEvent:
    return ApplicationStatusEvent.objects.create(
        municipality_id=application.municipality_id,
        application=application,
        at=at,
        from_status=from_status,
        to_status=to_status,
        actor_id=actor.id,
        actor_display=actor.display,
        message_ja=message_ja,
    )


def _collect_attachments(
    *,
    identity: PortalIdentity,
    municipality_code: str,
    draft: Draft | None,
    hashes: Mapping[str, Sequence[str]] | None,
) -> tuple[list[Attachment], list[IntakeProblem]]:
    if draft is not None:
        return list(draft.attachments.filter(application__isnull=True)), []
    found: list[Attachment] = []
    problems: list[IntakeProblem] = []
    for code, digests in (hashes or {}).items():
        for digest in [digests] if isinstance(digests, str) else digests:
            attachment = (
                Attachment.objects.filter(
                    municipality_id=municipality_code,
                    applicant_auth_serial=identity.auth_serial,
                    attachment_code=code,
                    sha256=str(digest).lower(),
                    application__isnull=True,
                )
                .order_by("-uploaded_at")
                .first()
            )
            if attachment is None:
                problems.append(
                    IntakeProblem(
                        f"attachments.{code}",
                        "attachment_unknown",
                        SourceMessage(
                            gettext_noop(
                                "署名した添付ファイルが見つかりません。ファイルをもう一度添付してください。"
                            )
                        ),
                        f"No uploaded file with SHA-256 {digest} for {code}.",
                        "attachments",
                    )
                )
            else:
                found.append(attachment)
    return found, problems


def submit_application(
    *,
    identity: PortalIdentity,
    municipality_code: str,
    procedure_code: str,
    form_version: int,
    answers: Mapping[str, Any],
    signature: bytes,
    signing_certificate_pem: str,
    draft: Draft | None = None,
    attachment_sha256: Mapping[str, Sequence[str]] | None = None,
    office: OfficeAnswers | None = None,
    now: dt.datetime | None = None,
) -> SubmissionResult:
    """Check and store a signed application (or resubmit a correction); IntakeRejected lists every problem.

    Idempotent: a second submit of the same draft, or a new one for the same open subject, returns the
    application already on file (`created=False`) instead of storing another.
    """
    at = _now(now)
    if draft is not None and draft.submitted_application_id is not None:
        return SubmissionResult(Application.objects.get(pk=draft.submitted_application_id), created=False)
    correcting = draft.correcting if draft is not None else None
    procedure = get_procedure(municipality_code, procedure_code, require_enabled=correcting is None)
    form = get_form(procedure, form_version)
    office = office or get_office_answers()
    problems = form_problems(form, answers)
    cleaned = clean_answers(form, answers)
    attachments, problems_found = _collect_attachments(
        identity=identity, municipality_code=municipality_code, draft=draft, hashes=attachment_sha256
    )
    problems += problems_found
    problems += attachment_problems(procedure, form, cleaned, attachments)
    problems += proxy_problems(procedure, form, cleaned, attachments)
    if problems:
        raise IntakeRejected(problems)

    hashes = attachment_hashes(attachments)
    content = canonical_json(cleaned, hashes, form=form)
    verdict = signing.verify_application_signature(
        certificate_pem=signing_certificate_pem, data=content, signature=signature, at=at
    )
    problems += signer_problems(form, cleaned, identity, verdict)
    if problems:
        raise IntakeRejected(problems)
    registry, facts = registry_problems(
        procedure=procedure,
        form=form,
        answers=cleaned,
        identity=identity,
        municipality_code=municipality_code,
        office=office,
    )
    if registry:
        raise IntakeRejected(registry)

    key = subject_key(procedure.code, cleaned)
    signature_sha256 = hashlib.sha256(signature).hexdigest()
    actor = resident_actor(identity)
    checks = {
        "checked_at": at.isoformat(),
        "registry_match": bool(facts and facts.registry_match),
        "is_head_of_household": bool(facts and facts.is_head_of_household),
        "role": _role(cleaned),
    }
    replayed = IntakeRejected(
        [
            IntakeProblem(
                "signature",
                "signature_replayed",
                SourceMessage(
                    gettext_noop(
                        "この電子署名はすでに別の申請で使われています。内容を確認して、もう一度署名してください。"
                    )
                ),
                "This signature value was already used for a submission.",
            )
        ]
    )

    with transaction.atomic():
        if draft is not None:
            locked_draft = Draft.objects.select_for_update().get(pk=draft.pk)
            if locked_draft.submitted_application_id is not None:  # double click: the first request won
                return SubmissionResult(
                    Application.objects.get(pk=locked_draft.submitted_application_id), created=False
                )
        if SignatureUse.objects.filter(signature_sha256=signature_sha256).exists():
            raise replayed
        if correcting is not None:
            application = _resubmit(
                correcting,
                identity=identity,
                cleaned=cleaned,
                hashes=hashes,
                content=content,
                signature=signature,
                certificate_pem=signing_certificate_pem,
                verdict=verdict,
                checks=checks,
                attachments=attachments,
                actor=actor,
                at=at,
            )
            created = True
        else:
            existing = (
                Application.objects.select_for_update()
                .filter(
                    municipality_id=municipality_code,
                    applicant_auth_serial=identity.auth_serial,
                    procedure_code=procedure.code,
                    subject_key=key,
                    status__in=OPEN_STATUSES,
                )
                .first()
            )
            if existing is not None:
                return SubmissionResult(existing, created=False, duplicate=True)
            try:
                with transaction.atomic():
                    application = Application.objects.create(
                        municipality_id=municipality_code,
                        # Numbered just before the audit row (below); until then a unique placeholder that no
                        # other transaction can see.
                        receipt_number=f"~{signature_sha256[:19]}",
                        procedure_code=procedure.code,
                        form_version=form.version,
                        procedure_name=procedure.name_ja,
                        applicant_auth_serial=identity.auth_serial,
                        applicant_sign_serial=verdict.serial,
                        applicant_name=str(get_path(cleaned, "applicant.name") or identity.name)[:120],
                        applicant_role=_role(cleaned),
                        answers=cleaned,
                        attachment_hashes=hashes,
                        signed_content=content,
                        signature=signature,
                        signing_certificate_pem=signing_certificate_pem,
                        verification_reason=verdict.reason,
                        verification_evidence=verdict.evidence(),
                        intake_checks=checks,
                        status=ApplicationStatus.RECEIVED,
                        subject_key=key,
                        processing_days=procedure.processing_days,
                        created_at=draft.created_at if draft is not None else at,
                        submitted_at=at,
                        updated_at=at,
                    )
                    SignatureUse.objects.create(
                        municipality_id=municipality_code,
                        signature_sha256=signature_sha256,
                        application=application,
                        used_at=at,
                    )
            except IntegrityError:
                # A concurrent request stored the same subject (or the same signature) first.
                winner = Application.objects.filter(
                    municipality_id=municipality_code,
                    applicant_auth_serial=identity.auth_serial,
                    procedure_code=procedure.code,
                    subject_key=key,
                    status__in=OPEN_STATUSES,
                ).first()
                if winner is not None:
                    return SubmissionResult(winner, created=False, duplicate=True)
                raise replayed from None
            _event(application, to_status=ApplicationStatus.RECEIVED, from_status="", actor=actor, at=at)
            created = True
        Attachment.objects.filter(pk__in=[a.pk for a in attachments]).update(application=application)
        if draft is not None:
            Draft.objects.filter(pk=draft.pk).update(submitted_application=application, updated_at=at)
        if correcting is None:
            # The receipt counter and the audit-chain head are locked until commit, so that part of a submission
            # runs one at a time per municipality: take them last, after every other write.
            application.receipt_number = _next_receipt_number(municipality_code, at)
            Application.objects.filter(pk=application.pk).update(receipt_number=application.receipt_number)
        record_audit(
            actor=actor,
            municipality=municipality_code,
            action="intake.resubmit_application" if correcting is not None else "intake.submit_application",
            target_type="application",
            target_id=application.receipt_number,
            after={
                "procedure": procedure.code,
                "form_version": form.version,
                "sign_serial": verdict.serial,
                "signature_sha256": signature_sha256,
                "content_sha256": hashlib.sha256(content).hexdigest(),
                "attachments": hashes,
                "status": application.status,
            },
        )
    return SubmissionResult(application, created=created)


def _resubmit(
    application: Application,
    *,
    identity: PortalIdentity,
    cleaned: dict[str, Any],
    hashes: dict[str, list[str]],
    content: bytes,
    signature: bytes,
    certificate_pem: str,
    verdict: Verdict,
    checks: dict[str, Any],
    attachments: Sequence[Attachment],
    actor: Actor,
    at: dt.datetime,
) -> Application:
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if locked.applicant_auth_serial != identity.auth_serial:
        raise NotFoundInMunicipality("application")
    if locked.status != ApplicationStatus.RETURNED_FOR_CORRECTION:
        raise IntakeRejected(
            [
                IntakeProblem(
                    "application",
                    "not_returned_for_correction",
                    SourceMessage(
                        gettext_noop("この申請は現在、修正を受け付けていません。申請の状況をご確認ください。")
                    ),
                    "This application is not awaiting a correction.",
                )
            ]
        )
    locked.previous_submissions = [
        *locked.previous_submissions,
        {
            "submitted_at": locked.submitted_at.isoformat(),
            "answers": locked.answers,
            "attachment_hashes": locked.attachment_hashes,
            "signed_content_b64": base64.b64encode(bytes(locked.signed_content)).decode(),
            "signature_b64": base64.b64encode(bytes(locked.signature)).decode(),
            "signing_certificate_pem": locked.signing_certificate_pem,
            "verification_evidence": locked.verification_evidence,
        },
    ]
    previous_status = locked.status
    locked.answers = cleaned
    locked.attachment_hashes = hashes
    locked.signed_content = content
    locked.signature = signature
    locked.signing_certificate_pem = certificate_pem
    locked.applicant_sign_serial = verdict.serial
    locked.verification_reason = verdict.reason
    locked.verification_evidence = verdict.evidence()
    locked.intake_checks = checks
    locked.status = ApplicationStatus.IN_REVIEW
    locked.submitted_at = at
    locked.updated_at = at
    locked.resubmission_count += 1
    locked.save()
    SignatureUse.objects.create(
        municipality_id=locked.municipality_id,
        signature_sha256=hashlib.sha256(signature).hexdigest(),
        application=locked,
        used_at=at,
    )
    _event(
        locked,
        to_status=ApplicationStatus.IN_REVIEW,
        from_status=previous_status,
        actor=actor,
        at=at,
        # Stored in Japanese; the status page translates it when shown (a gettext msgid).
        message_ja=gettext_noop("修正した内容を再提出しました。審査を再開します。"),
    )
    return locked


def submit_draft_with_card(
    *,
    identity: PortalIdentity,
    draft: Draft,
    pin: str,
    office: OfficeAnswers | None = None,
    now: dt.datetime | None = None,
) -> SubmissionResult:
    """Demo journey: sign the draft's canonical content with the resident's test card, then submit it."""
    if draft.submitted_application_id is not None:
        return SubmissionResult(Application.objects.get(pk=draft.submitted_application_id), created=False)
    content = draft_signing_content(draft)
    made = signing.sign_with_card(identity, content, pin)
    return submit_application(
        identity=identity,
        municipality_code=draft.municipality_id,
        procedure_code=draft.procedure_code,
        form_version=draft.form_version,
        answers=draft.answers,
        signature=made.signature,
        signing_certificate_pem=made.certificate_pem,
        draft=draft,
        office=office,
        now=now,
    )


# ---------------------------------------------------------------------------------------------------------------
# After submission


def get_application(*, identity: PortalIdentity, municipality_code: str, receipt_number: str) -> Application:
    """The resident's own application by receipt number; NotFoundInMunicipality for anyone else's."""
    application = Application.objects.filter(
        municipality_id=municipality_code,
        receipt_number=receipt_number,
        applicant_auth_serial=identity.auth_serial,
    ).first()
    if application is None:
        raise NotFoundInMunicipality("application")
    return application


def withdraw_application(
    *, identity: PortalIdentity, application: Application, now: dt.datetime | None = None
) -> Application:
    """取下げ: the applicant withdraws an application that has not been decided yet."""
    at = _now(now)
    actor = resident_actor(identity)
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if locked.applicant_auth_serial != identity.auth_serial:
            raise NotFoundInMunicipality("application")
        if not locked.can_withdraw:
            raise IntakeRejected(
                [
                    IntakeProblem(
                        "application",
                        "not_withdrawable",
                        SourceMessage(gettext_noop("決定後または取下げ済みの申請は取り下げられません。")),
                        "A decided or withdrawn application cannot be withdrawn.",
                    )
                ]
            )
        previous = locked.status
        locked.status = ApplicationStatus.WITHDRAWN
        locked.updated_at = at
        locked.save(update_fields=["status", "updated_at"])
        _event(locked, to_status=ApplicationStatus.WITHDRAWN, from_status=previous, actor=actor, at=at)
        Draft.objects.filter(correcting=locked, submitted_application__isnull=True).delete()
        record_audit(
            actor=actor,
            municipality=locked.municipality_id,
            action="intake.withdraw_application",
            target_type="application",
            target_id=locked.receipt_number,
            before={"status": previous},
            after={"status": locked.status},
        )
    return locked


def change_application_status(
    *,
    actor: Actor | Any,
    municipality_code: str,
    receipt_number: str,
    to_status: str,
    message_ja: str = "",
    now: dt.datetime | None = None,
) -> Application:
    """Office side: move an application along the status model (受付 → 審査 → 補正/決定 …), appending the event."""
    at = _now(now)
    who = Actor.of(actor)
    with transaction.atomic():
        application = (
            Application.objects.select_for_update()
            .filter(municipality_id=municipality_code, receipt_number=receipt_number)
            .first()
        )
        if application is None:
            raise NotFoundInMunicipality("application")
        previous = application.status
        if to_status not in TRANSITIONS.get(previous, frozenset()):
            raise ValueError(f"cannot move an application from {previous} to {to_status}")
        if to_status == ApplicationStatus.RETURNED_FOR_CORRECTION and not message_ja.strip():
            raise ValueError("a correction request must tell the applicant what to correct")
        application.status = to_status
        application.updated_at = at
        application.save(update_fields=["status", "updated_at"])
        _event(
            application, to_status=to_status, from_status=previous, actor=who, at=at, message_ja=message_ja
        )
        record_audit(
            actor=who,
            municipality=municipality_code,
            action="intake.change_status",
            target_type="application",
            target_id=receipt_number,
            before={"status": previous},
            after={"status": to_status},
        )
    return application


def start_correction(
    *, identity: PortalIdentity, application: Application, now: dt.datetime | None = None
) -> Draft:
    """補正: a draft holding the application's answers and files, to be resubmitted into the same application."""
    at = _now(now)
    if application.applicant_auth_serial != identity.auth_serial:
        raise NotFoundInMunicipality("application")
    if not application.needs_correction:
        raise IntakeRejected(
            [
                IntakeProblem(
                    "application",
                    "not_returned_for_correction",
                    SourceMessage(gettext_noop("この申請は現在、修正を受け付けていません。")),
                    "This application is not awaiting a correction.",
                )
            ]
        )
    existing = Draft.objects.filter(
        correcting=application, submitted_application__isnull=True, expires_at__gt=at
    ).first()
    if existing is not None:
        return existing
    procedure = get_procedure(application.municipality_id, application.procedure_code, require_enabled=False)
    form = get_form(procedure, application.form_version)
    current = set()
    for digests in application.attachment_hashes.values():
        current.update(digests)
    with transaction.atomic():
        draft = Draft.objects.create(
            municipality_id=application.municipality_id,
            applicant_auth_serial=identity.auth_serial,
            procedure_code=application.procedure_code,
            form_version=application.form_version,
            answers=application.answers,
            prefilled={},
            current_page=form.pages[0].key,
            created_at=at,
            updated_at=at,
            expires_at=at + DRAFT_RETENTION,
            correcting=application,
        )
        seen = set()
        for a in application.attachments.order_by("-uploaded_at"):
            if a.sha256 in current and a.sha256 not in seen:
                seen.add(a.sha256)
                Attachment.objects.create(
                    municipality_id=a.municipality_id,
                    applicant_auth_serial=a.applicant_auth_serial,
                    draft=draft,
                    attachment_code=a.attachment_code,
                    filename=a.filename,
                    content=bytes(a.content),
                    size_bytes=a.size_bytes,
                    sha256=a.sha256,
                    mime_type=a.mime_type,
                    uploaded_at=at,
                )
        _sync_file_answers(draft, form)
        record_audit(
            actor=resident_actor(identity),
            municipality=application.municipality_id,
            action="intake.start_correction",
            target_type="application",
            target_id=application.receipt_number,
            after={"draft": draft.public_id},
        )
    return draft


def issue_receipt_document(*, identity: PortalIdentity, application: Application) -> bytes:
    """The signed PDF 受付票 of the application (issued once through the documents app, then served again)."""
    from django.template.loader import render_to_string

    from madoguchi.core.models import Municipality
    from madoguchi.documents.models import IssuedDocument
    from madoguchi.documents.services import issue_document

    if application.applicant_auth_serial != identity.auth_serial:
        raise NotFoundInMunicipality("application")
    if application.receipt_document_id:
        document = IssuedDocument.objects.filter(public_id=application.receipt_document_id).first()
        if document is not None:
            return bytes(document.pdf)
    municipality = Municipality.objects.get(code=application.municipality_id)
    html = render_to_string(
        "intake/receipt_pdf.html",
        {
            "application": application,
            "municipality": municipality,
            "content_sha256": hashlib.sha256(bytes(application.signed_content)).hexdigest(),
        },
    )
    document = issue_document(
        actor=resident_actor(identity),
        municipality=municipality,
        kind="receipt",
        title="電子申請の受付票",
        html=html,
        subject_type="application",
        subject_id=application.receipt_number,
        purpose="receipt",
    )
    with transaction.atomic():
        Application.objects.filter(pk=application.pk, receipt_document_id="").update(
            receipt_document_id=document.public_id
        )
    application.receipt_document_id = document.public_id
    return bytes(document.pdf)


def purge_expired_drafts(*, now: dt.datetime | None = None) -> int:
    """Delete unsubmitted drafts past their expiry and their unsubmitted files (system job); returns the count."""
    at = _now(now)
    expired = Draft.objects.filter(expires_at__lte=at, submitted_application__isnull=True)
    count = 0
    for draft in expired.iterator():
        with transaction.atomic():
            Attachment.objects.filter(draft=draft, application__isnull=True).delete()
            record_audit(
                actor=None,
                municipality=draft.municipality_id,
                action="intake.purge_expired_draft",
                target_type="draft",
                target_id=draft.public_id,
                before={"procedure": draft.procedure_code, "expires_at": draft.expires_at.isoformat()},
            )
            draft.delete()
            count += 1
    return count


# ---------------------------------------------------------------------------------------------------------------
# Counter (書かない窓口): an application a clerk entered with the resident present


ASSISTANCE_REQUIRED = ("clerk_id", "identity_method", "identity_confirmed_at", "content_sha256")


def submit_assisted_application(
    *,
    actor: Actor,
    applicant: PortalIdentity,
    municipality_code: str,
    procedure_code: str,
    form_version: int,
    answers: Mapping[str, Any],
    assistance: Mapping[str, Any],
    office: OfficeAnswers | None = None,
    now: dt.datetime | None = None,
) -> SubmissionResult:
    """Store an application entered at the counter (office zone only; `actor` is the clerk).

    The same checks, duplicate guard, receipt numbering and timeline as `submit_application`, without a card
    signature: `assistance` (clerk, identity documents seen, time, SHA-256 of the content the resident confirmed on
    the confirmation sheet) is the evidence instead, kept on the application with `is_assisted`.
    """
    from .models import new_public_id

    at = _now(now)
    procedure = get_procedure(municipality_code, procedure_code)
    form = get_form(procedure, form_version)
    problems: list[IntakeProblem] = []
    if any(not assistance.get(key) for key in ASSISTANCE_REQUIRED):
        problems.append(
            IntakeProblem(
                "identity",
                "identity_not_confirmed",
                SourceMessage(
                    gettext_noop(
                        "本人確認が記録されていません。確認した書類を選んで本人確認を記録してください。"
                    )
                ),
                "The identity check (documents seen, clerk, time) is missing.",
            )
        )
    problems += form_problems(form, answers)
    cleaned = clean_answers(form, answers)
    problems += attachment_problems(procedure, form, cleaned, [])
    problems += proxy_problems(procedure, form, cleaned, [])
    if problems:
        raise IntakeRejected(problems)
    content = canonical_json(cleaned, {}, form=form)
    content_sha256 = hashlib.sha256(content).hexdigest()
    if assistance["content_sha256"] != content_sha256:
        raise IntakeRejected(
            [
                IntakeProblem(
                    "confirmation_sheet",
                    "confirmation_sheet_outdated",
                    SourceMessage(
                        gettext_noop(
                            "確認票を出した後に内容が変わりました。確認票を出し直して、申請者に確認してもらってください。"
                        )
                    ),
                    "The answers changed after the confirmation sheet was produced.",
                )
            ]
        )
    registry, facts = registry_problems(
        procedure=procedure,
        form=form,
        answers=cleaned,
        identity=applicant,
        municipality_code=municipality_code,
        office=office or get_office_answers(),
    )
    if registry:
        raise IntakeRejected(registry)
    key = subject_key(procedure.code, cleaned)
    checks = {
        "checked_at": at.isoformat(),
        "registry_match": bool(facts and facts.registry_match),
        "is_head_of_household": bool(facts and facts.is_head_of_household),
        "role": _role(cleaned),
        "channel": "counter",
    }
    open_same_subject = {
        "municipality_id": municipality_code,
        "applicant_auth_serial": applicant.auth_serial,
        "procedure_code": procedure.code,
        "subject_key": key,
        "status__in": OPEN_STATUSES,
    }
    with transaction.atomic():
        existing = Application.objects.select_for_update().filter(**open_same_subject).first()
        if existing is not None:
            return SubmissionResult(existing, created=False, duplicate=True)
        try:
            with transaction.atomic():
                application = Application.objects.create(
                    municipality_id=municipality_code,
                    receipt_number=f"~{new_public_id()[:19]}",  # numbered last, as in submit_application
                    procedure_code=procedure.code,
                    form_version=form.version,
                    procedure_name=procedure.name_ja,
                    applicant_auth_serial=applicant.auth_serial,
                    applicant_sign_serial="",
                    applicant_name=str(get_path(cleaned, "applicant.name") or applicant.name)[:120],
                    applicant_role=_role(cleaned),
                    answers=cleaned,
                    attachment_hashes={},
                    signed_content=content,
                    signature=b"",
                    signing_certificate_pem="",
                    verification_reason="assisted",
                    verification_evidence={},
                    intake_checks=checks,
                    status=ApplicationStatus.RECEIVED,
                    subject_key=key,
                    processing_days=procedure.processing_days,
                    created_at=at,
                    submitted_at=at,
                    updated_at=at,
                    is_assisted=True,
                    assistance=dict(assistance),
                )
        except IntegrityError:
            winner = Application.objects.filter(**open_same_subject).first()
            if winner is None:
                raise
            return SubmissionResult(winner, created=False, duplicate=True)
        _event(
            application,
            to_status=ApplicationStatus.RECEIVED,
            from_status="",
            actor=actor,
            at=at,
            message_ja=gettext_noop("窓口で職員が入力し、申請者が確認票で内容を確認した申請です。"),
        )
        application.receipt_number = _next_receipt_number(municipality_code, at)
        Application.objects.filter(pk=application.pk).update(receipt_number=application.receipt_number)
        record_audit(
            actor=actor,
            municipality=municipality_code,
            action="intake.submit_assisted_application",
            target_type="application",
            target_id=application.receipt_number,
            after={
                "procedure": procedure.code,
                "form_version": form.version,
                "content_sha256": content_sha256,
                "identity_method": assistance["identity_method"],
                "clerk_id": assistance["clerk_id"],
                "status": application.status,
            },
        )
    return SubmissionResult(application, created=True)
