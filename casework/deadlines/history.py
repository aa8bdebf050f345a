"""A case's history loaded once, in the shape the clocks and the guards ask questions of it."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef

from casework.models import (
    Approval,
    ApprovalDecision,
    Case,
    CaseEvent,
    Document,
    DocumentService,
    DocumentType,
    EventKind,
    Suspension,
    User,
)
from casework.selectors.json_rows import RowColumns, RowShape

# The history in the order every question below assumes (oldest first).
EVENT_ROWS = RowShape(CaseEvent, order_by=("occurred_at", "id"))
# A service's document is asked only its type and date: not its (large) data snapshot.
SERVICE_ROWS = RowShape(DocumentService, order_by=("effective_at", "id"),
                        related={"document": RowShape(Document, fields=("document_type", "created_at"))})
SUSPENSION_ROWS = RowShape(Suspension, order_by=("started_at", "id"))
APPROVAL_ROWS = RowShape(Approval, order_by=("occurred_at", "id"))
# With the approver: the documents of a step print each approver's name.
APPROVAL_ROWS_WITH_APPROVER = RowShape(Approval, order_by=("occurred_at", "id"), related={"approver": RowShape(User)})


@functools.cache
def _history_read(*, events: bool, approvers: bool) -> RowColumns:
    return RowColumns(Case, lambda: history_columns(events=events, approvers=approvers))


def history_columns(*, events: bool = True, services: bool = True, approvers: bool = True) -> dict:
    """The history as JSON columns of a query on the case (casework.selectors.json_rows), for a
    caller that reads the case's other rows in the same query; `CaseHistory.from_columns` loads
    them. Without `events` or `services`: the caller reads those itself."""
    case = OuterRef("pk")
    columns = {
        "history_suspensions": SUSPENSION_ROWS.column(Suspension.objects.filter(case=case)),
        "history_approvals": (APPROVAL_ROWS_WITH_APPROVER if approvers else APPROVAL_ROWS).column(
            Approval.objects.filter(case=case)),
    }
    if services:
        columns["history_services"] = SERVICE_ROWS.column(DocumentService.objects.filter(document__case=case))
    if events:
        columns["history_events"] = EVENT_ROWS.column(CaseEvent.objects.filter(case=case))
    return columns


@dataclass
class CaseHistory:
    events: list[CaseEvent]
    services: list[DocumentService]
    suspensions: list[Suspension]
    approvals: list[Approval]

    @classmethod
    def load(cls, case: Case, *, approvers: bool = True, events: list[CaseEvent] | None = None) -> CaseHistory:
        """The case's history, in one query. Without `approvers`, an approval's approver is not
        loaded with it: for a caller that only asks the guards and the clocks, which never read
        it. `events`: the case's events, in occurred_at and id order, when the caller has just
        read them."""
        using = case._state.db or "default"
        row = _history_read(events=events is None, approvers=approvers).read(case.pk, using=using)
        return cls.from_columns(row, approvers=approvers, events=events, using=using)

    @classmethod
    def from_columns(cls, row: dict, *, approvers: bool = True, events: list[CaseEvent] | None = None,
                     services: list[DocumentService] | None = None, using: str = "default") -> CaseHistory:
        """The history from a row holding `history_columns` (`events` and `services`, in the
        history's order, if the caller read them otherwise)."""
        return cls(
            events=EVENT_ROWS.load(row["history_events"], using=using) if events is None else list(events),
            services=(SERVICE_ROWS.load(row["history_services"], using=using) if services is None
                      else list(services)),
            suspensions=SUSPENSION_ROWS.load(row["history_suspensions"], using=using),
            approvals=(APPROVAL_ROWS_WITH_APPROVER if approvers else APPROVAL_ROWS).load(
                row["history_approvals"], using=using),
        )

    # --- keeping it current within one transaction --------------------------------------------
    # A step that writes to the case adds what it wrote here instead of loading the history
    # again: the order is the one `load` reads in.

    def add_event(self, event: CaseEvent) -> None:
        self.events.append(event)
        self.events.sort(key=lambda e: (e.occurred_at, e.pk))

    def add_service(self, service: DocumentService) -> None:
        self.services.append(service)
        self.services.sort(key=lambda s: (s.effective_at, s.pk))

    def reload_suspensions(self, case: Case) -> None:
        self.suspensions = list(case.suspensions.order_by("started_at", "id"))

    # --- events -------------------------------------------------------------------------------

    def transitions(self, *names: str) -> list[CaseEvent]:
        return [e for e in self.events if e.kind == EventKind.TRANSITION and e.transition in names]

    def last_transition(self, *names: str) -> CaseEvent | None:
        found = self.transitions(*names)
        return found[-1] if found else None

    def first_transition_after(self, moment: dt.datetime, *names: str) -> CaseEvent | None:
        return next((e for e in self.transitions(*names) if e.occurred_at >= moment), None)

    def last_state_change(self) -> CaseEvent | None:
        moves = [e for e in self.events if e.kind in (EventKind.TRANSITION, EventKind.REGISTRATION)]
        return moves[-1] if moves else None

    def was_forcibly_demolished(self) -> bool:
        return bool(self.transitions("force_demolish"))

    def talks(self) -> list[CaseEvent]:
        return [e for e in self.events if e.kind == EventKind.TALK]

    def first_full_removal_after(self, moment: dt.datetime, illegal_area) -> CaseEvent | None:
        """The first progress report after `moment` saying the whole illegal area is removed."""
        if illegal_area is None:
            return None
        for event in self.transitions("report_progress"):
            area = event.data.get("demolished_area")
            if event.occurred_at >= moment and area is not None and Decimal(str(area)) >= illegal_area:
                return event
        return None

    # --- service of documents -----------------------------------------------------------------

    def service_of(self, types: Iterable[str], after: dt.datetime | None = None) -> DocumentService | None:
        """The latest service of the newest document of these types (issued after `after`)."""
        types = set(types)
        found = [
            s for s in self.services
            if s.document.document_type in types and (after is None or s.document.created_at >= after)
        ]  # fmt: skip
        return max(found, key=lambda s: (s.document.created_at, s.document_id)) if found else None

    def decision_service(self) -> DocumentService | None:
        decide = self.last_transition("decide")
        if decide is None:
            return None
        return self.service_of(
            [DocumentType.DEMOLITION_DECISION, DocumentType.RECTIFICATION_NOTICE], after=decide.recorded_at
        )

    # --- approvals ----------------------------------------------------------------------------

    def approval_in_force(self, step: str, since: dt.datetime | None) -> Approval | None:
        """The approving record for `step` given since `since`, unless a rejection followed it."""
        relevant = [a for a in self.approvals if a.step == step and (since is None or a.recorded_at >= since)]
        if not relevant or relevant[-1].decision != ApprovalDecision.APPROVE:
            return None
        return relevant[-1]

    def approvals_for(self, step: str) -> list[Approval]:
        return [a for a in self.approvals if a.step == step]
