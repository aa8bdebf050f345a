"""Issuing and serving documents. A document's number and data are fixed in the transaction of
the step that issues it; rendering the PDF happens afterwards (casework.documents)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.deadlines import periods
from casework.deadlines.calendar import local_date
from casework.errors import GuardFailure, GuardsFailed, NotAllowed
from casework.models import (
    AgencySetting,
    Case,
    CaseEvent,
    Document,
    DocumentService,
    DocumentSetting,
    DocumentType,
    EventKind,
    Role,
    ServiceMethod,
    User,
)
from casework.models.documents import TYPE_CHARACTERS
from casework.services.numbering import number_next

# Called with a document id after the issuing transaction commits; casework.documents sets it
# to the rendering task, so this module does not depend on how PDFs are made.
render_hooks: list[Callable[[int], None]] = []


def agency_settings() -> AgencySetting:
    return AgencySetting.objects.order_by("pk").first() or AgencySetting()


def type_character(document_type: str) -> str:
    override = DocumentSetting.objects.filter(document_type=document_type).values_list("type_character", flat=True).first()
    return override or TYPE_CHARACTERS[document_type]


def format_document_number(*, prefix: str, character: str, year: int, sequence: int) -> str:
    return f"{prefix}{character}字〔{year}〕第{sequence:04d}号"


def _new_verification_code() -> str:
    # 10 characters from an alphabet without look-alikes: short enough to type from paper.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))


def document_snapshot(*, case: Case, event: CaseEvent | None, document_type: str, extra: dict | None = None) -> dict:
    """Everything a document shows, frozen at issue: rendering reads only this."""
    agency = agency_settings()
    party = case.party
    # The officers who took part in this step (inspection, verification), else those assigned.
    officers = (event.data.get("officers") if event else None) or [
        {"id": o.pk, "name": o.display_name, "certificate_number": o.certificate_number} for o in case.officers.all()
    ]
    return {
        "document_type": document_type,
        "title": str(DocumentType(document_type).label),
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
            for a in case.approvals.select_related("approver").order_by("occurred_at", "id")
        ],
        "extra": extra or {},
    }


def document_issue(
    *, case: Case, event: CaseEvent | None, document_type: str, issued_on: dt.date, extra: dict | None = None,
    supersedes: Document | None = None,
) -> Document:
    """Create the document row with its number; rendering is queued when the transaction commits."""
    agency = agency_settings()
    sequence = number_next(series=f"doc:{document_type}", year=issued_on.year)
    document = Document.objects.create(
        case=case,
        event=event,
        document_type=document_type,
        year=issued_on.year,
        sequence=sequence,
        number=format_document_number(
            prefix=agency.prefix, character=type_character(document_type), year=issued_on.year, sequence=sequence
        ),
        data=document_snapshot(case=case, event=event, document_type=document_type, extra=extra),
        supersedes=supersedes,
        verification_code=_new_verification_code(),
    )
    for hook in render_hooks:
        transaction.on_commit(lambda document_id=document.pk, hook=hook: hook(document_id))
    return document


def document_serve(
    *, document: Document, actor: User, served_at: dt.datetime, method: str, recipient: str, proof=None,
) -> DocumentService:
    """Record the service (送达) of a document; issues its 送达回证 and restarts the clocks."""
    from casework.deadlines.clocks import clocks_refresh

    with transaction.atomic():
        document = Document.objects.select_for_update().select_related("case").get(pk=document.pk)
        case = document.case
        if not (actor.sees_all_squads or actor.squad_id == case.squad_id) or not (
            {Role.FIELD_OFFICER, Role.SUPERVISOR} & actor.roles
        ):
            raise NotAllowed(_("Only field officers and supervisors of the case's squad record service."))
        failures = []
        if case.is_closed:
            failures.append(GuardFailure("service.case_closed", _("The case is closed.")))
        if not document.is_served_type:
            failures.append(GuardFailure("service.not_served_type", _("This document is internal and is not served.")))
        if DocumentService.objects.filter(document=document).exists():
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
        document_issue(
            case=case, event=event, document_type=DocumentType.SERVICE_RECEIPT, issued_on=local_date(served_at),
            extra={"served_document": {"number": document.number, "title": str(document.get_document_type_display())},
                   "service": {"served_at": served_at.isoformat(), "method": method, "recipient": service.recipient,
                               "served_by": actor.display_name, "effective_at": effective_at.isoformat()}},
        )
        clocks_refresh(case=case)
    return service
