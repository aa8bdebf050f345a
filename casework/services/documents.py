"""Issuing and serving documents. A document's number and data are fixed in the transaction of
the step that issues it; rendering the PDF happens afterwards (casework.documents)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from casework.authorization import refusal
from casework.deadlines import periods
from casework.deadlines.calendar import local_date
from casework.errors import CaseworkError, GuardFailure, GuardsFailed, NotAllowed
from casework.models import (
    AgencySetting,
    Approval,
    Case,
    CaseClock,
    CaseEvent,
    Document,
    DocumentService,
    DocumentSetting,
    DocumentStatus,
    DocumentType,
    EventKind,
    Role,
    ServiceMethod,
    User,
)
from casework.models.documents import TYPE_CHARACTERS
from casework.selectors.cases import PERSON_NAME_FIELDS
from casework.selectors.json_rows import RowShape
from casework.services.numbering import number_next

# Called with a document id after the issuing transaction commits; casework.documents sets it
# to the rendering task, so this module does not depend on how PDFs are made.
render_hooks: list[Callable[[int], None]] = []


class DocumentRenderFailed(CaseworkError):
    """Rendering a document's PDF failed; it stays pending and is retried."""


def agency_settings() -> AgencySetting:
    return AgencySetting.objects.order_by("pk").first() or AgencySetting()


_AGENCY_ROWS = RowShape(AgencySetting, order_by=("pk",))
_TYPE_CHARACTER_ROWS = RowShape(DocumentSetting)


def settings_columns() -> dict:
    """The agency settings and the type characters the administrator overrode, as JSON columns
    of a query that reads something else (both tables hold a handful of rows): a transition
    reads them with its case. `settings_from_columns` takes them back off the row."""
    return {"agency_rows": _AGENCY_ROWS.column(AgencySetting.objects.all()),
            "type_character_rows": _TYPE_CHARACTER_ROWS.column(DocumentSetting.objects.all())}


def settings_from_columns(row: dict, *, using: str = "default") -> tuple[AgencySetting, dict[str, str]]:
    """(agency settings, {document type: overridden type character}) from a row holding
    `settings_columns`."""
    agencies = _AGENCY_ROWS.load(row["agency_rows"], using=using)
    characters = {setting.document_type: setting.type_character
                  for setting in _TYPE_CHARACTER_ROWS.load(row["type_character_rows"], using=using)}
    return (agencies[0] if agencies else AgencySetting()), characters


# The first line of an approval form: the inspecting officer's findings. A transition reads the
# case's inspections, with who recorded each, in its one query on the case.
_INSPECTION_ROWS = RowShape(CaseEvent, fields=("case", "transition", "actor", "occurred_at", "data"),
                            order_by=("occurred_at", "id"),
                            related={"actor": RowShape(User, fields=PERSON_NAME_FIELDS)})


def _inspections_of(case) -> models.QuerySet[CaseEvent]:
    """The inspections of `case` (a case, or OuterRef to one)."""
    return CaseEvent.objects.filter(case=case, transition="inspect")


def inspection_columns() -> dict:
    """The case's inspections as a JSON column of a query on cases; `inspections_from_columns`
    takes them back off the row."""
    return {"inspection_rows": _INSPECTION_ROWS.column(_inspections_of(OuterRef("pk")))}


def inspections_from_columns(row: dict, *, using: str = "default") -> list[CaseEvent]:
    return _INSPECTION_ROWS.load(row["inspection_rows"], using=using)


@dataclass
class IssueContext:
    """What the documents of one step read besides the case, when the step has it at hand
    (a transition loads the agency settings and the case's history once for its guards, its
    clocks and its documents). What is left None is read from the database."""

    agency: AgencySetting | None = None
    # The type characters the administrator overrode, by document type.
    type_characters: dict[str, str] | None = None
    # The case's approvals in order (occurred_at, id), each with its approver.
    approvals: list[Approval] | None = None
    # The clocks the step has just stored for the case.
    clocks: list[CaseClock] | None = None
    # The case's inspections in order (occurred_at, id), each with its actor, as they stood
    # before the step (a step that inspects issues no approval form).
    inspections: list[CaseEvent] | None = None


def type_character(document_type: str, overrides: dict[str, str] | None = None) -> str:
    """The character of the document type in its numbers; `overrides`: the administrator's, by
    document type, if the caller has read them (settings_from_columns)."""
    if overrides is None:
        override = (DocumentSetting.objects.filter(document_type=document_type)
                    .values_list("type_character", flat=True).first())
    else:
        override = overrides.get(document_type)
    return override or TYPE_CHARACTERS[document_type]


def format_document_number(*, prefix: str, character: str, year: int, sequence: int) -> str:
    return f"{prefix}{character}字〔{year}〕第{sequence:04d}号"


def _new_verification_code() -> str:
    # 10 characters from an alphabet without look-alikes: short enough to type from paper.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))


# Approval forms (documents.md): the chain of opinions, officer in charge → squad leader →
# head of office, each with name, opinion and date.
APPROVAL_FORMS = frozenset({
    DocumentType.FILING_APPROVAL,
    DocumentType.DISMISSAL_APPROVAL,
    DocumentType.LEGAL_REVIEW_FORM,
    DocumentType.CLOSING_APPROVAL,
})
DECISION_TYPES = frozenset({
    DocumentType.DEMOLITION_DECISION,
    DocumentType.RECTIFICATION_NOTICE,
    DocumentType.EXECUTION_DECISION,
    DocumentType.TERMINATION_DECISION,
})


def _approvals(case: Case, context: IssueContext) -> list[Approval]:
    if context.approvals is not None:
        return context.approvals
    return list(case.approvals.select_related("approver").order_by("occurred_at", "id"))


def _approval_chain(case: Case, event: CaseEvent | None, approvals: list[Approval],
                    inspections: list[CaseEvent] | None) -> list[dict]:
    """Officer in charge, then each approver's opinion in order, the step's own actor last."""
    chain = []
    if inspections is None:
        inspection = _inspections_of(case).select_related("actor").order_by(*_INSPECTION_ROWS.order_by).first()
    else:
        inspection = inspections[0] if inspections else None
    if inspection:
        chain.append({"role": "承办人", "name": inspection.actor.display_name,
                      "opinion": inspection.data.get("findings") or "经现场检查，情况属实。",
                      "date": local_date(inspection.occurred_at).isoformat()})
    for approval in approvals:
        chain.append({"role": str(Role(approval.role).label) if approval.role in Role.values else approval.role,
                      "name": approval.approver.display_name,
                      "opinion": approval.opinion, "date": local_date(approval.occurred_at).isoformat(),
                      "decision": approval.decision})
    if event is not None and event.actor_id:
        role = "负责人" if event.actor.is_head_of_office else "中队长" if event.actor.is_supervisor else "承办人"
        data = event.data or {}
        opinion = data.get("opinion") or data.get("reason") or data.get("explanation") or "同意。"
        chain.append({"role": role, "name": event.actor.display_name, "opinion": opinion,
                      "date": local_date(event.occurred_at).isoformat()})
    return chain


def _clock_rows(case: Case, clocks: list[CaseClock] | None = None) -> list[dict]:
    """The case's stored clocks as a document prints them; `clocks`: the rows just stored,
    in the order and with the times (UTC) the database would give them back."""
    if clocks is None:
        clocks = list(case.clocks.order_by("due_at", "kind"))
    else:
        clocks = sorted(clocks, key=lambda clock: (clock.due_at, clock.kind))

    def utc(moment: dt.datetime) -> str:
        return moment.astimezone(dt.UTC).isoformat()

    return [
        {"kind": clock.kind, "label": str(clock.get_kind_display()), "started_at": utc(clock.started_at),
         "due_at": utc(clock.due_at), "last_day": local_date(clock.due_at - dt.timedelta(seconds=1)).isoformat(),
         "rule": clock.rule, "basis": clock.basis, "is_window": clock.is_window}
        for clock in clocks
    ]


def document_snapshot(
    *, case: Case, event: CaseEvent | None, document_type: str, issued_on: dt.date | None = None,
    extra: dict | None = None, context: IssueContext | None = None,
) -> dict:
    """Everything a document shows, frozen at issue: rendering reads only this, so the PDF is
    the same whenever it is rendered and whatever changes later (settings, periods, people).
    Labels are taken in Chinese whatever language the request that issues it speaks."""
    with translation.override(settings.LANGUAGE_CODE):
        return _document_snapshot(case=case, event=event, document_type=document_type, issued_on=issued_on,
                                  extra=extra, context=context or IssueContext())


def _document_snapshot(*, case, event, document_type, issued_on, extra, context: IssueContext) -> dict:
    agency = context.agency or agency_settings()
    approvals = _approvals(case, context)
    party = case.party
    # The officers who took part in this step (inspection, verification), else those assigned.
    officers = (event.data.get("officers") if event else None) or [
        {"id": o.pk, "name": o.display_name, "certificate_number": o.certificate_number}
        for o in sorted(case.officers.all(), key=lambda officer: officer.pk)
    ]
    issued_on = issued_on or (local_date(event.occurred_at) if event else local_date(timezone.now()))
    return {
        "document_type": document_type,
        "title": str(DocumentType(document_type).label),
        "issued_on": issued_on.isoformat(),
        "agency": {
            "name": agency.agency_name,
            "reconsideration_body": agency.reconsideration_body,
            "court": agency.court,
        },
        "case": {
            "number": case.number,
            "squad": case.squad.name,
            "community": case.community.name,
            "location": case.location,
            "illegal_area": str(case.illegal_area) if case.illegal_area is not None else None,
            "demolished_area": str(case.demolished_area),
            "violation_kind": str(case.get_violation_kind_display()),
            "structure_type": str(case.get_structure_type_display()) if case.structure_type else "",
            "floors": case.floors,
            "is_newly_added": case.is_newly_added,
            "construction_ongoing": case.construction_ongoing,
            "facts": case.facts,
            "evidence": case.evidence,
            "legal_basis": case.legal_basis,
            "decision_kind": case.decision_kind,
            "self_demolition_days": case.self_demolition_days,
            "commitment_date": case.commitment_date.isoformat() if case.commitment_date else None,
            "announcement_days": case.announcement_days,
            "remedies_stated": case.remedies_stated,
        },
        "party": {
            "kind": party.kind,
            "name": party.name,
            # The full number on documents addressed to or signed by the party (the legal record);
            # internal approval forms carry the masked one only (docs/security.md, "Personal data").
            "identifier": "" if document_type in APPROVAL_FORMS else party.identifier,
            "identifier_masked": party.masked_identifier,
            "address": party.address,
        } if party else None,
        "officers": officers,
        "event": {
            "transition": event.transition if event else "",
            "occurred_at": event.occurred_at.isoformat() if event else None,
            "actor": event.actor.display_name if event else "",
            "data": event.data if event else {},
        },
        "approvals": [
            {
                "step": a.step, "role": a.role, "approver": a.approver.display_name, "decision": a.decision,
                "opinion": a.opinion, "occurred_at": a.occurred_at.isoformat(),
            }
            for a in approvals
        ],
        "approval_chain": (_approval_chain(case, event, approvals, context.inspections)
                           if document_type in APPROVAL_FORMS else []),
        # The case's clocks as the deadlines module computed them when the step was taken.
        "clocks": _clock_rows(case, context.clocks),
        # The periods in force at issue, in the words the documents print them with.
        "periods": {
            "statement": periods.period_length("statement"),
            "hearing_request": periods.period_length("hearing_request"),
            "demand_statement": periods.period_length("demand_statement"),
            "announcement_service": periods.period_length("announcement_service"),
        },
        "remedies": {
            "reconsideration_days": periods.period_length("reconsideration"),
            "reconsideration_body": agency.reconsideration_body,
            "litigation_months": periods.period_length("litigation"),
            "court": agency.court,
        } if document_type in DECISION_TYPES else None,
        "extra": extra or {},
    }


def document_issue(
    *, case: Case, event: CaseEvent | None, document_type: str, issued_on: dt.date, extra: dict | None = None,
    supersedes: Document | None = None, context: IssueContext | None = None,
) -> Document:
    """Create the document row with its number; rendering is queued when the transaction commits."""
    context = context or IssueContext()
    if context.agency is None:
        context.agency = agency_settings()
    agency = context.agency
    sequence = number_next(series=f"doc:{document_type}", year=issued_on.year)
    document = Document.objects.create(
        case=case,
        event=event,
        document_type=document_type,
        year=issued_on.year,
        sequence=sequence,
        number=format_document_number(
            prefix=agency.prefix, year=issued_on.year, sequence=sequence,
            character=type_character(document_type, context.type_characters),
        ),
        data=document_snapshot(case=case, event=event, document_type=document_type, issued_on=issued_on, extra=extra,
                               context=context),
        supersedes=supersedes,
        verification_code=_new_verification_code(),
    )
    for hook in render_hooks:
        transaction.on_commit(lambda document_id=document.pk, hook=hook: hook(document_id))
    return document


def document_serve(
    *, document: Document, actor: User, served_at: dt.datetime, method: str, recipient: str, proof=None,
    proof_upload=None,
) -> DocumentService:
    """Record the service (送达) of a document; issues its 送达回证 and restarts the clocks.

    `proof_upload` (a photo or scan of the signed proof) is stored as an attachment of the
    service event, checked by content like every upload."""
    from casework.deadlines.clocks import clocks_refresh
    from casework.deadlines.history import CaseHistory

    with transaction.atomic():
        # Locks the document and its case (as before); the rest of the join is what the receipt prints.
        document = (
            Document.objects.select_for_update(of=("self", "case"))
            .select_related("case", "case__party", "case__squad", "case__community", "event")
            .get(pk=document.pk)
        )
        case = document.case
        if refusal(actor, "record_service", case=case):
            raise NotAllowed(_("Only field officers and supervisors of the case's squad record service."))
        # Loaded once, under the lock: whether this document is served already, the approvals
        # the receipt prints, the clocks that restart from the service.
        history = CaseHistory.load(case)
        failures = []
        if case.is_closed:
            failures.append(GuardFailure("service.case_closed", _("The case is closed.")))
        if not document.is_served_type:
            failures.append(GuardFailure("service.not_served_type", _("This document is internal and is not served.")))
        if any(service.document_id == document.pk for service in history.services):
            failures.append(GuardFailure("service.already_served", _("This document's service is already recorded.")))
        if served_at > timezone.now() + dt.timedelta(minutes=5):
            failures.append(GuardFailure("occurred_at.future", _("The service time is in the future."), "", "served_at"))
        if document.event and served_at < document.event.occurred_at:
            failures.append(GuardFailure(
                "service.before_issue", _("A document cannot be served before it was issued."), "", "served_at"
            ))
        if method not in ServiceMethod.values:
            failures.append(GuardFailure("service.method", _("Choose how the document was served."), "", "method"))
        if not (recipient or "").strip():
            failures.append(GuardFailure("service.recipient", _("Enter who received the document."), "", "recipient"))
        if failures:
            raise GuardsFailed(failures[0].message, guards=failures)

        effective_at = served_at
        if method == ServiceMethod.PUBLIC_ANNOUNCEMENT:
            effective_at = served_at + dt.timedelta(days=periods.period_length("announcement_service"))
        service = DocumentService.objects.create(
            document=document, served_at=served_at, effective_at=effective_at, method=method,
            recipient=recipient.strip(), served_by=actor, proof=proof or "",
        )
        event = CaseEvent.objects.create(
            case=case, kind=EventKind.SERVICE, actor=actor, occurred_at=served_at,
            data={"document_id": document.pk, "document_number": document.number, "method": method,
                  "recipient": service.recipient, "effective_at": effective_at.isoformat()},
        )
        history.add_service(service)
        history.add_event(event)
        document_issue(
            case=case, event=event, document_type=DocumentType.SERVICE_RECEIPT, issued_on=local_date(served_at),
            extra={"served_document": {"number": document.number, "title": str(document.get_document_type_display())},
                   "service": {"served_at": served_at.isoformat(), "method": method, "recipient": service.recipient,
                               "served_by": actor.display_name, "effective_at": effective_at.isoformat()}},
            # The receipt prints the clocks as they stood before this service (read from the database).
            context=IssueContext(approvals=history.approvals),
        )
        if proof_upload is not None:
            from casework.models import AttachmentKind
            from casework.services.attachments import attachment_add

            attachment_add(case=case, actor=actor, upload=proof_upload, event=event,
                           caption=f"送达凭证 {document.number}",
                           allowed_kinds=(AttachmentKind.PHOTO, AttachmentKind.SCAN))
        clocks_refresh(case=case, history=history)
    return service


def document_render(*, document_id: int, if_pending: bool = False) -> Document:
    """Render a pending document's PDF once and mark it issued.

    An issued document is evidence: it is never rendered again (a correction is a new
    document, see document_correct). On failure the document stays pending with the error
    and the attempt counted, and the error is raised for the task to retry.

    `if_pending`: the rendering task passes it. Its messages are delivered at least once (a
    worker killed mid-render, the pending sweep and the broker's redelivery may all deliver
    the same document), so a delivery that finds the document issued returns it unchanged
    instead of refusing. The row lock makes two deliveries render one after the other.
    """
    import hashlib

    from django.core.files.base import ContentFile

    from casework.documents.rendering import render_pdf

    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document_id)
        if document.status == DocumentStatus.ISSUED:
            if if_pending:
                return document
            raise NotAllowed(_("Document %(number)s is issued; its PDF never changes. Issue a correction instead.")
                             % {"number": document.number})
        try:
            pdf = render_pdf(document)
        except Exception as error:
            Document.objects.filter(pk=document.pk).update(
                render_attempts=F("render_attempts") + 1, last_error=f"{type(error).__name__}: {error}"[:2000]
            )
            failed = error
        else:
            failed = None
            filename = f"{document.verification_code}.pdf"
            name = document.pdf.field.generate_filename(document, filename)
            if document.pdf.storage.exists(name):
                # Written by an attempt that died before its commit (the row is still pending
                # and we hold its lock): replace that file rather than add a second one.
                document.pdf.storage.delete(name)
            document.pdf.save(filename, ContentFile(pdf), save=False)
            document.sha256 = hashlib.sha256(pdf).hexdigest()
            document.size = len(pdf)
            document.status = DocumentStatus.ISSUED
            document.issued_at = timezone.now()
            document.render_attempts += 1
            document.last_error = ""
            document.save(update_fields=["pdf", "sha256", "size", "status", "issued_at", "render_attempts", "last_error"])
    if failed is not None:
        raise DocumentRenderFailed(
            _("Document %(number)s could not be rendered: %(error)s") % {"number": document.number, "error": failed}
        ) from failed
    return document


def document_correct(*, document: Document, actor: User, reason: str, extra: dict | None = None) -> Document:
    """Issue a new document superseding `document` (which stays, unchanged): same type, a new
    number, a fresh snapshot of the case plus the correction's reason."""
    if refusal(actor, "correct_document", case=document.case):
        raise NotAllowed(_("Only supervisors and the head of office correct documents."))
    if not (reason or "").strip():
        failure = GuardFailure("correction.reason", _("Give the reason for the correction."), "", "reason")
        raise GuardsFailed(failure.message, guards=[failure])
    with transaction.atomic():
        original = Document.objects.select_for_update(of=("self",)).select_related("case", "event").get(pk=document.pk)
        if Document.objects.filter(supersedes=original).exists():
            failure = GuardFailure("correction.already_superseded", _("This document has already been corrected."))
            raise GuardsFailed(failure.message, guards=[failure])
        case = Case.objects.select_related("party", "squad", "community").get(pk=original.case_id)
        CaseEvent.objects.create(
            case=case, kind=EventKind.NOTE, actor=actor, occurred_at=timezone.now(),
            data={"correction_of": original.number, "reason": reason.strip()},
        )
        merged = {**(original.data.get("extra") or {}), **(extra or {}),
                  "corrects": {"number": original.number, "reason": reason.strip()}}
        return document_issue(case=case, event=original.event, document_type=original.document_type,
                              issued_on=local_date(timezone.now()), extra=merged, supersedes=original)


def documents_pending(*, older_than: dt.timedelta = dt.timedelta(minutes=2)) -> list[int]:
    """Ids of documents still waiting for their PDF (created more than `older_than` ago)."""
    cutoff = timezone.now() - older_than
    return list(Document.objects.filter(status=DocumentStatus.PENDING, created_at__lte=cutoff)
                .order_by("created_at", "id").values_list("pk", flat=True))
