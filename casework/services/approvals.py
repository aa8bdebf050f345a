"""Opinions inside a state (procedure.md, "Approvals inside a state") and party statements."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.authorization import refusal
from casework.deadlines.clocks import clocks_refresh
from casework.errors import GuardFailure, GuardsFailed, InvalidInput, NotAllowed
from casework.models import (
    Approval,
    ApprovalDecision,
    ApprovalStep,
    Case,
    CaseEvent,
    CaseStatus,
    EventKind,
    PartyStatement,
    Role,
    User,
)
from casework.models.cases import COMMITTABLE_STATES
from casework.services.hooks import case_changed

S = CaseStatus

# Who gives each opinion, and in which states of the case it can be given.
APPROVAL_RULES: dict[str, tuple[str, tuple[str, ...]]] = {
    ApprovalStep.LEGAL_REVIEW_DECISION: (Role.LEGAL_REVIEWER, (S.UNDER_REVIEW,)),
    ApprovalStep.LEGAL_REVIEW_EXECUTION: (Role.LEGAL_REVIEWER, (S.DEMAND_ISSUED,)),
    ApprovalStep.LONG_COMMITMENT: (Role.SUPERVISOR, tuple(COMMITTABLE_STATES)),
    ApprovalStep.EMERGENCY: (Role.HEAD_OF_OFFICE, (S.EXECUTION_DECIDED,)),
    ApprovalStep.DECISION_EXTENSION: (Role.HEAD_OF_OFFICE, (S.FILED, S.NOTIFIED, S.HEARING, S.UNDER_REVIEW)),
}


def approval_record(
    *, case: Case, actor: User, step: str, decision: str, opinion: str, data: dict | None = None,
    occurred_at: dt.datetime | None = None,
) -> Approval:
    occurred_at = occurred_at or timezone.now()
    if step not in APPROVAL_RULES:
        raise InvalidInput(_("Unknown approval step."), fields={"step": [step]})
    role, states = APPROVAL_RULES[step]
    denied = refusal(actor, f"approval:{step}", case=case)
    if denied and denied.code == "permission.role":
        raise NotAllowed(_("Only a %(role)s may give this opinion.") % {"role": Role(role).label})
    if denied:
        raise NotAllowed(denied.message, guards=[denied])
    fields = {}
    if decision not in ApprovalDecision.values:
        fields["decision"] = [_("Choose approve or reject.")]
    if not (opinion or "").strip():
        fields["opinion"] = [_("Write the opinion.")]
    data = dict(data or {})
    if step == ApprovalStep.DECISION_EXTENSION and decision == ApprovalDecision.APPROVE:
        try:
            if int(data.get("days", 0)) < 1:
                raise ValueError
        except (TypeError, ValueError):
            fields["days"] = [_("Enter by how many days the period is extended.")]
    if occurred_at > timezone.now() + dt.timedelta(minutes=5):
        fields["occurred_at"] = [_("The time it happened is in the future.")]
    if fields:
        raise InvalidInput(next(iter(fields.values()))[0], fields=fields)
    with transaction.atomic():
        case = Case.objects.get(pk=case.pk)
        if case.status not in states:
            failure = GuardFailure(
                "approval.wrong_state",
                _("This opinion cannot be given while the case is “%(status)s”.") % {"status": case.get_status_display()},
            )
            raise GuardsFailed(failure.message, guards=[failure])
        approval = Approval.objects.create(
            case=case, step=step, approver=actor, role=role, decision=decision, opinion=opinion.strip(), data=data,
            occurred_at=occurred_at,
        )
        CaseEvent.objects.create(
            case=case, kind=EventKind.APPROVAL, actor=actor, occurred_at=occurred_at,
            data={"approval_id": approval.pk, "step": step, "decision": decision, "opinion": approval.opinion, **data},
        )
        if step == ApprovalStep.DECISION_EXTENSION:
            clocks_refresh(case=case)
        case_changed(case=case, actor=actor, action=f"approve:{step}")
    return approval


def statement_record(*, case: Case, actor: User, content: str, received_at: dt.datetime | None = None) -> PartyStatement:
    """Record the party's statement or defence (陈述申辩) so it can be answered before deciding."""
    received_at = received_at or timezone.now()
    denied = refusal(actor, "record_statement", case=case)
    if denied and denied.code == "permission.role":
        raise NotAllowed(_("Only field officers and supervisors record statements."))
    if denied:
        raise NotAllowed(denied.message, guards=[denied])
    if not (content or "").strip():
        raise InvalidInput(_("Write down what the party stated."), fields={"content": [_("Write down what the party stated.")]})
    if case.is_closed:
        raise GuardsFailed(_("The case is closed."), guards=[GuardFailure("case.closed", _("The case is closed."))])
    with transaction.atomic():
        statement = PartyStatement.objects.create(case=case, stage=case.status, received_at=received_at, content=content.strip())
        CaseEvent.objects.create(case=case, kind=EventKind.STATEMENT, actor=actor, occurred_at=received_at,
                                 data={"statement_id": statement.pk, "content": statement.content})
    return statement


def statement_answer(*, statement: PartyStatement, actor: User, answer: str,
                     answered_at: dt.datetime | None = None) -> PartyStatement:
    answered_at = answered_at or timezone.now()
    denied = refusal(actor, "answer_statement", case=statement.case)
    if denied and denied.code == "permission.role":
        raise NotAllowed(_("Only field officers, supervisors and the head of office answer statements."))
    if denied:
        raise NotAllowed(denied.message, guards=[denied])
    if not (answer or "").strip():
        raise InvalidInput(_("Write the answer."), fields={"answer": [_("Write the answer.")]})
    with transaction.atomic():
        statement = PartyStatement.objects.select_for_update().get(pk=statement.pk)
        if statement.answered_at:
            raise GuardsFailed(_("This statement has already been answered."),
                               guards=[GuardFailure("statement.answered", _("This statement has already been answered."))])
        statement.answer, statement.answered_at, statement.answered_by = answer.strip(), answered_at, actor
        statement.save()
        CaseEvent.objects.create(case=statement.case, kind=EventKind.STATEMENT, actor=actor, occurred_at=answered_at,
                                 data={"statement_id": statement.pk, "answer": statement.answer})
    return statement
