"""procedure.md's transition table as data: who may perform each transition, its statutory
guards and the documents it issues. The sources and targets are the FSM on casework.Case; a
test checks that both name the same transitions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework import guards as g
from casework.deadlines.calendar import BEIJING, WorkingCalendar
from casework.deadlines.clocks import Clock, compute_clocks
from casework.deadlines.history import CaseHistory
from casework.errors import GuardFailure
from casework.models import AgencySetting, ApprovalStep, Case, DecisionKind, DocumentType, Role, User

R = Role
D = DocumentType


@dataclass(frozen=True)
class TransitionSpec:
    name: str
    label: str
    roles: frozenset[str]
    guards: tuple[g.Guard, ...]
    issues: Callable[[TransitionRequest], list[str]] = lambda request: []

    def documents(self, request: TransitionRequest) -> list[str]:
        return list(self.issues(request))


def _always(*types: str) -> Callable[[TransitionRequest], list[str]]:
    return lambda request: list(types)


def _inspection_documents(request):
    types = [D.INSPECTION_RECORD]
    ongoing = (request.data or {}).get("construction_ongoing", request.case.construction_ongoing)
    if ongoing:
        types.append(D.STOP_ORDER)
    return types


def _decision_documents(request):
    kind = (request.data or {}).get("decision_kind") or request.case.decision_kind
    return [D.RECTIFICATION_NOTICE if kind == DecisionKind.RECTIFY else D.DEMOLITION_DECISION]


SPECS: dict[str, TransitionSpec] = {
    spec.name: spec
    for spec in [
        TransitionSpec(
            "inspect", _("Record inspection"), frozenset({R.FIELD_OFFICER}),
            (g.inspection_by_two_certified_officers, g.inspection_location_recorded, g.inspection_area_measured),
            _inspection_documents,
        ),
        TransitionSpec("file", _("File the case"), frozenset({R.SUPERVISOR}), (g.within_limitation_period,),
                       _always(D.FILING_APPROVAL)),
        TransitionSpec("dismiss", _("Dismiss"), frozenset({R.SUPERVISOR}), (g.written_reason_given,),
                       _always(D.DISMISSAL_APPROVAL)),
        TransitionSpec("notify", _("Serve prior notice"), frozenset({R.FIELD_OFFICER}),
                       (g.facts_evidence_and_basis_recorded, g.party_identified), _always(D.PRIOR_NOTICE)),
        TransitionSpec("request_hearing", _("Record hearing request"), frozenset({R.FIELD_OFFICER}),
                       (g.prior_notice_served, g.within_hearing_request_window, g.hearing_notice_seven_days_ahead),
                       _always(D.HEARING_NOTICE)),
        TransitionSpec("submit_review", _("Submit for legal review"), frozenset({R.FIELD_OFFICER}),
                       (g.party_windows_lapsed_or_waived, g.hearing_record_present), _always(D.LEGAL_REVIEW_FORM)),
        TransitionSpec(
            "decide", _("Decide"), frozenset({R.SUPERVISOR}),
            (g.approved_by_legal_reviewer(ApprovalStep.LEGAL_REVIEW_DECISION, "decide.not_reviewed", "处罚法 58"),
             g.within_decision_period, g.decision_kind_and_deadline_set),
            _decision_documents,
        ),
        TransitionSpec("assign_negotiators", _("Assign negotiators"), frozenset({R.SUPERVISOR}),
                       (g.decision_is_demolition, g.negotiators_chosen)),
        TransitionSpec("commit_self_demolition", _("Record self-demolition commitment"), frozenset({R.NEGOTIATOR}),
                       (g.decision_is_demolition, g.commitment_date_acceptable), _always(D.SELF_DEMOLITION_COMMITMENT)),
        TransitionSpec("report_progress", _("Report demolition progress"), frozenset({R.FIELD_OFFICER, R.NEGOTIATOR}),
                       (g.demolished_area_grows_within_illegal_area,)),
        TransitionSpec("verify", _("Verify demolition"), frozenset({R.FIELD_OFFICER}),
                       (g.verification_by_two_certified_officers, g.verified_area_complete),
                       _always(D.DEMOLITION_VERIFICATION)),
        TransitionSpec("rectify", _("Verify rectification"), frozenset({R.FIELD_OFFICER}),
                       (g.decision_is_rectification, g.correction_evidence_attached),
                       _always(D.RECTIFICATION_VERIFICATION)),
        TransitionSpec("announce", _("Announce forced demolition"), frozenset({R.SUPERVISOR}),
                       (g.decision_is_demolition, g.deadline_for_self_demolition_passed, g.announcement_period_long_enough),
                       _always(D.FORCED_DEMOLITION_ANNOUNCEMENT)),
        TransitionSpec("issue_demand", _("Issue written demand"), frozenset({R.FIELD_OFFICER}),
                       (g.announcement_period_lapsed,), _always(D.DEMAND)),
        TransitionSpec(
            "decide_execution", _("Decide compulsory execution"), frozenset({R.HEAD_OF_OFFICE}),
            (g.demand_statement_window_lapsed, g.statements_answered,
             g.approved_by_legal_reviewer(ApprovalStep.LEGAL_REVIEW_EXECUTION, "execution.not_reviewed", "强制法 37"),
             g.county_order_referenced),
            _always(D.EXECUTION_DECISION),
        ),
        TransitionSpec("force_demolish", _("Record forced demolition"), frozenset({R.FIELD_OFFICER}),
                       (g.remedy_windows_lapsed, g.no_challenge_pending, g.not_at_night_nor_on_a_rest_day,
                        g.demolition_by_two_certified_officers),
                       _always(D.FORCED_DEMOLITION_RECORD)),
        TransitionSpec("suspend", _("Suspend"), frozenset({R.SUPERVISOR}), (g.suspension_reason_given,),
                       _always(D.SUSPENSION_NOTICE)),
        TransitionSpec("resume", _("Resume"), frozenset({R.SUPERVISOR}), (g.suspension_outcome_recorded,),
                       _always(D.RESUMPTION_NOTICE)),
        TransitionSpec("close", _("Close the case"), frozenset({R.SUPERVISOR}), (g.served_documents_have_service,),
                       _always(D.CLOSING_APPROVAL)),
        TransitionSpec("terminate", _("Terminate execution"), frozenset({R.HEAD_OF_OFFICE}),
                       (g.termination_reason_given,), _always(D.TERMINATION_DECISION)),
    ]
}  # fmt: skip

COMMON_GUARDS: tuple[g.Guard, ...] = (g.occurred_at_is_plausible, g.documents_required_data)


@dataclass
class TransitionRequest:
    """A proposed transition: who, when, with which data (None when only asking whether the
    case's history allows it now)."""

    spec: TransitionSpec
    case: Case
    actor: User
    occurred_at: dt.datetime
    data: dict | None
    calendar: WorkingCalendar = field(default_factory=WorkingCalendar.load)
    now: dt.datetime = field(default_factory=timezone.now)
    history: CaseHistory | None = None
    # The agency settings if the caller has read them (a transition reads them with its case).
    agency_read: AgencySetting | None = None
    tz = BEIJING

    def __post_init__(self):
        if self.history is None:
            self.history = CaseHistory.load(self.case)

    @cached_property
    def agency(self) -> AgencySetting:
        """The agency settings, read once for the guards and the documents of the step."""
        from casework.services.documents import agency_settings

        return self.agency_read or agency_settings()

    @cached_property
    def clocks(self) -> dict[str, Clock]:
        return compute_clocks(self.case, self.history, self.calendar, self.now)

    def guard_failures(self) -> list[GuardFailure]:
        failures: list[GuardFailure] = []
        for guard in (*COMMON_GUARDS, *self.spec.guards):
            if self.data is None and getattr(guard, "needs_input", False):
                continue
            failures.extend(guard(self) or ())
        return failures


def permission_failure(actor: User, case: Case, spec: TransitionSpec) -> GuardFailure | None:
    """Why `actor` may not perform `spec` on `case`, or None if they may: the transition's roles
    (this table) reaching the case by squad or assignment (casework.authorization)."""
    from casework.authorization import refusal

    return refusal(actor, f"transition:{spec.name}", case=case)
