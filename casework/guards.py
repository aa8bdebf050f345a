"""The statutory conditions of procedure.md, one function each.

A guard receives the transition request and yields a GuardFailure for each unmet condition.
Guards marked `@needs_input` judge the submitted data; the available-transitions selector
(which has no data yet) skips them and asks only what the case's history already decides.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext as _

from casework.deadlines import periods
from casework.deadlines.calendar import is_night, local_date
from casework.errors import GuardFailure
from casework.models import (
    ApprovalStep,
    CaseStatus,
    ClockKind,
    DecisionKind,
    DocumentType,
    SuspensionReason,
    User,
)

Guard = Callable[["TransitionRequest"], Iterable[GuardFailure]]  # noqa: F821 - defined in casework.transitions


def needs_input(guard: Guard) -> Guard:
    guard.needs_input = True
    return guard


def _officers(request, field: str = "officers") -> list[User]:
    return list(request.data.get(field) or [])


def _enough_certified_officers(request, field: str, code: str, basis: str) -> Iterator[GuardFailure]:
    officers = {officer.pk: officer for officer in _officers(request, field)}.values()
    certified = [o for o in officers if o.is_field_officer and o.certificate_number.strip()]
    if len(certified) < 2:
        yield GuardFailure(
            code,
            _("At least two different field officers holding enforcement certificates must take part "
              "(%(count)d given)." ) % {"count": len(certified)},
            basis,
            field,
        )


# --- common to every transition --------------------------------------------------------------

def occurred_at_is_plausible(request) -> Iterator[GuardFailure]:
    if request.occurred_at > request.now + dt.timedelta(minutes=5):
        yield GuardFailure(
            "occurred_at.future",
            _("The time it happened (%(when)s) is in the future; enter when it actually happened.")
            % {"when": f"{request.occurred_at.astimezone(request.tz):%Y-%m-%d %H:%M}"},
            "",
            "occurred_at",
        )
    last = request.history.last_state_change()
    if last and request.occurred_at < last.occurred_at:
        yield GuardFailure(
            "occurred_at.before_last_event",
            _("The time it happened cannot be before the case's last step (%(when)s).")
            % {"when": f"{last.occurred_at.astimezone(request.tz):%Y-%m-%d %H:%M}"},
            "",
            "occurred_at",
        )


# --- inspect ---------------------------------------------------------------------------------

@needs_input
def inspection_by_two_certified_officers(request):
    yield from _enough_certified_officers(request, "officers", "inspect.officers", "处罚法 42, 55")


@needs_input
def inspection_location_recorded(request):
    if not (request.data.get("location") or request.case.location or "").strip():
        yield GuardFailure("inspect.location", _("Record the location of the structure."), "处罚法 55", "location")


@needs_input
def inspection_area_measured(request):
    area = request.data.get("illegal_area")
    if area is None or Decimal(area) <= 0:
        yield GuardFailure(
            "inspect.area", _("Record the measured illegal area in m²; it must be greater than 0."), "", "illegal_area"
        )


# --- file ------------------------------------------------------------------------------------

def within_limitation_period(request):
    case = request.case
    ongoing = request.data.get("construction_ongoing", case.construction_ongoing) if request.data else case.construction_ongoing
    ended_on = request.data.get("violation_ended_on", case.violation_ended_on) if request.data else case.violation_ended_on
    if ongoing or not ended_on:
        return
    limit = ended_on + relativedelta(months=periods.period_length("limitation"))
    if local_date(request.occurred_at) > limit:
        yield GuardFailure(
            "file.limitation",
            _("The violation ended on %(ended)s; the 2-year limitation period ran out on %(limit)s, so it can no longer be filed.")
            % {"ended": ended_on.isoformat(), "limit": limit.isoformat()},
            "处罚法 36",
            "violation_ended_on",
        )


@needs_input
def written_reason_given(request):
    if not (request.data.get("reason") or "").strip():
        yield GuardFailure("reason.missing", _("Give the reason in writing."), "", "reason")


# --- notify ----------------------------------------------------------------------------------

def facts_evidence_and_basis_recorded(request):
    case, data = request.case, request.data or {}
    for field, code, label in (
        ("facts", "notify.facts", _("the facts")),
        ("evidence", "notify.evidence", _("the evidence")),
        ("legal_basis", "notify.legal_basis", _("the legal basis")),
    ):
        if not ((data.get(field) or getattr(case, field) or "").strip()):
            yield GuardFailure(code, _("Record %(what)s before the prior notice.") % {"what": label}, "处罚法 44", field)


def party_identified(request):
    if request.case.party_id is None and not (request.data or {}).get("party"):
        yield GuardFailure(
            "party.missing", _("Record the party (owner or builder) first: documents are addressed to them."), "处罚法 44"
        )


# --- request_hearing / submit_review ---------------------------------------------------------

def prior_notice_served(request):
    if ClockKind.HEARING_REQUEST not in request.clocks:
        yield GuardFailure(
            "notice.not_served",
            _("The prior notice has not been served yet; record its service first."),
            "处罚法 44",
        )


def within_hearing_request_window(request):
    clock = request.clocks.get(ClockKind.HEARING_REQUEST)
    if clock and clock.has_lapsed(request.occurred_at):
        yield GuardFailure(
            "hearing.window_lapsed",
            _("A hearing must be requested within 5 working days of service of the prior notice; the last day was %(day)s.")
            % {"day": clock.last_day.isoformat()},
            "处罚法 64",
        )


@needs_input
def hearing_notice_seven_days_ahead(request):
    hearing_at = request.data.get("hearing_at")
    if hearing_at is None:
        yield GuardFailure("hearing.date_missing", _("Set the date and time of the hearing."), "处罚法 64", "hearing_at")
    elif local_date(hearing_at) < local_date(request.occurred_at) + dt.timedelta(days=7):
        yield GuardFailure(
            "hearing.too_soon",
            _("The party must be notified at least 7 days before the hearing; choose %(day)s or later.")
            % {"day": (local_date(request.occurred_at) + dt.timedelta(days=7)).isoformat()},
            "处罚法 64",
            "hearing_at",
        )


def party_windows_lapsed_or_waived(request):
    if request.case.status != CaseStatus.NOTIFIED:
        return
    if request.data and request.data.get("party_waived"):
        return
    if ClockKind.STATEMENT not in request.clocks:
        yield from prior_notice_served(request)
        return
    for kind, code, basis in (
        (ClockKind.STATEMENT, "review.statement_window_open", "处罚法 44, 45"),
        (ClockKind.HEARING_REQUEST, "review.hearing_window_open", "处罚法 64"),
    ):
        clock = request.clocks[kind]
        if not clock.has_lapsed(request.occurred_at):
            yield GuardFailure(
                code,
                _("The party's %(window)s runs until the end of %(day)s; wait until it has lapsed, or record the party's waiver.")
                % {"window": clock_label(kind), "day": clock.last_day.isoformat()},
                basis,
                "party_waived",
            )


def hearing_record_present(request):
    if request.case.status != CaseStatus.HEARING:
        return
    if request.data is None:
        return
    if not (request.data.get("hearing_record") or "").strip():
        yield GuardFailure(
            "review.hearing_record_missing", _("Attach the record of the hearing that was held."), "处罚法 65", "hearing_record"
        )


# --- decide ----------------------------------------------------------------------------------

def _since_current_state(request):
    last = request.history.last_state_change()
    return last.recorded_at if last else None


def approved_by_legal_reviewer(step: str, code: str, basis: str) -> Guard:
    def guard(request):
        if request.history.approval_in_force(step, since=_since_current_state(request)) is None:
            yield GuardFailure(code, _("The legal reviewer has not approved this yet."), basis)

    guard.__name__ = f"approved_by_legal_reviewer_{step}"
    return guard


def within_decision_period(request):
    clock = request.clocks.get(ClockKind.DECISION)
    if clock and clock.has_lapsed(request.occurred_at):
        yield GuardFailure(
            "decide.period_lapsed",
            _("The decision had to be made within 90 days of filing (suspended time excluded); the last day was %(day)s. "
              "An extension needs the head of office's approval.") % {"day": clock.last_day.isoformat()},
            "处罚法 60",
        )


@needs_input
def decision_kind_and_deadline_set(request):
    if request.data.get("decision_kind") not in DecisionKind.values:
        yield GuardFailure("decide.kind", _("Choose the decision: demolish or rectify."), "", "decision_kind")
    days = request.data.get("self_demolition_days")
    if not days or int(days) < 1:
        yield GuardFailure(
            "decide.deadline", _("Set the period the party has to comply, in days."), "规划法 64", "self_demolition_days"
        )


# --- assign_negotiators ----------------------------------------------------------------------

@needs_input
def negotiators_chosen(request):
    negotiators = list(request.data.get("negotiators") or [])
    if not negotiators:
        yield GuardFailure("assign.none", _("Choose at least one negotiator."), "", "negotiators")
    for person in negotiators:
        if not person.is_negotiator or person.squad_id != request.case.squad_id:
            yield GuardFailure(
                "assign.not_negotiator",
                _("%(name)s is not a negotiator of this case's squad.") % {"name": person.display_name},
                "",
                "negotiators",
            )


# --- commit_self_demolition ------------------------------------------------------------------

def decision_is_demolition(request):
    if request.case.decision_kind != DecisionKind.DEMOLISH:
        yield GuardFailure("decision.not_demolition", _("Only a demolition decision can be followed by demolition."), "")


@needs_input
def commitment_date_acceptable(request):
    committed_on = request.data.get("commitment_date")
    today = local_date(request.occurred_at)
    if committed_on is None:
        yield GuardFailure("commit.date_missing", _("Enter the date the party commits to."), "", "commitment_date")
        return
    if committed_on < today:
        yield GuardFailure(
            "commit.date_past", _("The committed date %(day)s is in the past.") % {"day": committed_on.isoformat()},
            "", "commitment_date",
        )
    limit = periods.period_length("commitment_limit")
    if committed_on > today + dt.timedelta(days=limit):
        since = _since_current_state(request)
        if request.history.approval_in_force(ApprovalStep.LONG_COMMITMENT, since=since) is None:
            yield GuardFailure(
                "commit.needs_approval",
                _("A commitment more than %(days)d days ahead needs the supervisor's approval first.") % {"days": limit},
                "",
                "commitment_date",
            )


# --- report_progress / verify / rectify ------------------------------------------------------

@needs_input
def demolished_area_grows_within_illegal_area(request):
    area = request.data.get("demolished_area")
    case = request.case
    if area is None:
        yield GuardFailure("progress.area_missing", _("Enter the area removed so far."), "", "demolished_area")
        return
    if area <= case.demolished_area:
        yield GuardFailure(
            "progress.not_growing",
            _("The area removed so far (%(area)s m²) must be larger than the last report (%(last)s m²).")
            % {"area": area, "last": case.demolished_area},
            "", "demolished_area",
        )
    if case.illegal_area is not None and area > case.illegal_area:
        yield GuardFailure(
            "progress.exceeds_illegal_area",
            _("The area removed (%(area)s m²) cannot exceed the illegal area (%(illegal)s m²).")
            % {"area": area, "illegal": case.illegal_area},
            "", "demolished_area",
        )


@needs_input
def verification_by_two_certified_officers(request):
    yield from _enough_certified_officers(request, "officers", "verify.officers", "处罚法 42")


@needs_input
def verified_area_complete(request):
    area = request.data.get("verified_area")
    illegal = request.case.illegal_area
    if area is None or illegal is None or area != illegal:
        yield GuardFailure(
            "verify.partial",
            _("The verified demolished area (%(area)s m²) must equal the illegal area (%(illegal)s m²); "
              "a partial demolition stays open.") % {"area": area, "illegal": illegal},
            "", "verified_area",
        )


def decision_is_rectification(request):
    if request.case.decision_kind != DecisionKind.RECTIFY:
        yield GuardFailure("rectify.not_rectification", _("The decision is not a rectification order."), "")


@needs_input
def correction_evidence_attached(request):
    if not (request.data.get("correction_evidence") or "").strip():
        yield GuardFailure(
            "rectify.evidence_missing", _("Describe and attach the evidence of the correction."), "", "correction_evidence"
        )


# --- announce / issue_demand / decide_execution / force_demolish -----------------------------

def deadline_for_self_demolition_passed(request):
    case = request.case
    if case.status in (CaseStatus.SELF_DEMOLITION_COMMITTED, CaseStatus.SELF_DEMOLISHING):
        clock = request.clocks.get(ClockKind.COMMITMENT)
        if clock and not clock.has_lapsed(request.occurred_at):
            yield GuardFailure(
                "announce.commitment_running",
                _("The party committed to demolish by %(day)s; announce only after that date.") % {"day": clock.last_day},
                "强制法 44",
            )
        return
    clock = request.clocks.get(ClockKind.SELF_DEMOLITION)
    if clock is None:
        yield GuardFailure(
            "announce.decision_not_served", _("The decision has not been served yet."), "强制法 44"
        )
    elif not clock.has_lapsed(request.occurred_at):
        yield GuardFailure(
            "announce.deadline_running",
            _("The self-demolition period set in the decision runs until the end of %(day)s.") % {"day": clock.last_day},
            "强制法 44",
        )


@needs_input
def announcement_period_long_enough(request):
    minimum = periods.period_length("announcement")
    days = request.data.get("announcement_days")
    if not days or int(days) < minimum:
        yield GuardFailure(
            "announce.period_too_short",
            _("The announcement must give the party at least %(days)d days to demolish.") % {"days": minimum},
            "强制法 44",
            "announcement_days",
        )


def announcement_period_lapsed(request):
    clock = request.clocks.get(ClockKind.ANNOUNCEMENT)
    if clock and not clock.has_lapsed(request.occurred_at):
        yield GuardFailure(
            "demand.announcement_running",
            _("The announcement's period runs until the end of %(day)s.") % {"day": clock.last_day},
            "强制法 44",
        )


def demand_statement_window_lapsed(request):
    clock = request.clocks.get(ClockKind.DEMAND_STATEMENT)
    if clock is None:
        yield GuardFailure("execution.demand_not_served", _("The demand has not been served yet."), "强制法 35")
    elif not clock.has_lapsed(request.occurred_at):
        yield GuardFailure(
            "execution.statement_window_open",
            _("The party may state and defend until the end of %(day)s.") % {"day": clock.last_day},
            "强制法 36",
        )


def statements_answered(request):
    unanswered = [s for s in request.case.statements.all() if not s.answered_at]
    if unanswered:
        yield GuardFailure(
            "execution.statements_unanswered",
            _("%(count)d statement(s) of the party have not been answered yet.") % {"count": len(unanswered)},
            "强制法 36",
        )


@needs_input
def county_order_referenced(request):
    if not (request.data.get("county_order_reference") or "").strip():
        yield GuardFailure(
            "execution.county_order_missing",
            _("Enter the reference of the county-level government's order to demolish."),
            "规划法 68",
            "county_order_reference",
        )


def remedy_windows_lapsed(request):
    for kind, code, basis in (
        (ClockKind.RECONSIDERATION, "force.reconsideration_window_open", "复议法 20; 强制法 44"),
        (ClockKind.LITIGATION, "force.litigation_window_open", "诉讼法 46; 强制法 44"),
    ):
        clock = request.clocks.get(kind)
        if clock is None:
            yield GuardFailure("force.decision_not_served", _("The decision has not been served yet."), "强制法 44")
            return
        if not clock.has_lapsed(request.occurred_at):
            yield GuardFailure(
                code,
                _("The party's %(window)s runs until the end of %(day)s.") % {"window": clock_label(kind), "day": clock.last_day},
                basis,
            )


def no_challenge_pending(request):
    pending = [
        s for s in request.history.suspensions
        if s.reason in (SuspensionReason.RECONSIDERATION, SuspensionReason.LITIGATION) and s.ended_at is None
    ]  # fmt: skip
    if pending:
        yield GuardFailure("force.challenge_pending", _("A reconsideration or lawsuit is pending."), "强制法 44")


def not_at_night_nor_on_a_rest_day(request):
    moment = request.occurred_at
    day = local_date(moment)
    night = is_night(moment)
    rest_day = not request.calendar.is_working_day(day)
    if not (night or rest_day):
        return
    if request.history.approval_in_force(ApprovalStep.EMERGENCY, since=_since_current_state(request)):
        return
    if night:
        yield GuardFailure(
            "force.night",
            _("Forced demolition may not be carried out at night (22:00–06:00) without a recorded emergency approved by the head of office."),
            "强制法 43",
            "occurred_at",
        )
    if rest_day:
        yield GuardFailure(
            "force.rest_day",
            _("%(day)s is not a working day; forced demolition may not be carried out on it without a recorded emergency approved by the head of office.")
            % {"day": day.isoformat()},
            "强制法 43",
            "occurred_at",
        )


@needs_input
def demolition_by_two_certified_officers(request):
    yield from _enough_certified_officers(request, "officers", "force.officers", "强制法 18")


# --- suspend / resume / close / terminate ----------------------------------------------------

@needs_input
def suspension_reason_given(request):
    if request.data.get("reason") not in SuspensionReason.values:
        yield GuardFailure("suspend.reason", _("Choose why the case is suspended."), "强制法 39", "reason")
    if not (request.data.get("explanation") or "").strip():
        yield GuardFailure("suspend.explanation", _("Explain the suspension."), "强制法 39", "explanation")


@needs_input
def suspension_outcome_recorded(request):
    if not (request.data.get("outcome") or "").strip():
        yield GuardFailure("resume.outcome", _("Record how the reason for suspension ended."), "强制法 39", "outcome")


def served_documents_have_service(request):
    documents = list(request.case.documents.select_related("service"))
    superseded = {document.supersedes_id for document in documents if document.supersedes_id}
    unserved = [
        document.number for document in documents
        if document.is_served_type and document.pk not in superseded and not hasattr(document, "service")
    ]  # fmt: skip
    if unserved:
        yield GuardFailure(
            "close.unserved_documents",
            _("These documents have no recorded service yet: %(numbers)s.") % {"numbers": "、".join(unserved)},
            "处罚法 61",
        )


TERMINATION_REASONS = {
    "party_died": "公民死亡，无遗产可供执行，又无义务承受人",
    "organisation_ended": "法人或者其他组织终止，无财产可供执行，又无义务承受人",
    "object_gone": "执行标的灭失",
    "decision_revoked": "据以执行的行政决定被撤销",
    "other": "行政机关认为需要终结执行的其他情形",
}


@needs_input
def termination_reason_given(request):
    if request.data.get("reason") not in TERMINATION_REASONS:
        yield GuardFailure("terminate.reason", _("Choose a reason listed in 强制法 40."), "强制法 40", "reason")


def clock_label(kind: str) -> str:
    return str(ClockKind(kind).label).lower()


# What each document prints that the case may lack: checked before anything is issued so a
# transition never commits a document that cannot be rendered. Field names are the case's.
_PARTY_ADDRESS_TYPES = frozenset({
    DocumentType.STOP_ORDER, DocumentType.PRIOR_NOTICE, DocumentType.HEARING_NOTICE,
    DocumentType.DEMOLITION_DECISION, DocumentType.RECTIFICATION_NOTICE, DocumentType.DEMAND,
    DocumentType.EXECUTION_DECISION, DocumentType.TERMINATION_DECISION,
})
_AREA_TYPES = frozenset({
    DocumentType.PRIOR_NOTICE, DocumentType.DEMOLITION_DECISION, DocumentType.RECTIFICATION_NOTICE,
    DocumentType.FORCED_DEMOLITION_ANNOUNCEMENT, DocumentType.DEMAND, DocumentType.EXECUTION_DECISION,
    DocumentType.SELF_DEMOLITION_COMMITMENT,
})
_REMEDY_TYPES = frozenset({DocumentType.DEMOLITION_DECISION, DocumentType.RECTIFICATION_NOTICE,
                           DocumentType.EXECUTION_DECISION, DocumentType.TERMINATION_DECISION})


def documents_required_data(request):
    """The documents of this step need data the case lacks: refuse before issuing, naming it."""
    if request.data is None:
        return
    types = set(request.spec.documents(request))
    if not types or types == {DocumentType.CLOSING_APPROVAL}:
        return
    case = request.case
    given_party = request.data.get("party") or {}
    if case.party_id is None and not given_party and request.spec.name not in ("inspect", "dismiss"):
        yield GuardFailure(
            "document.party_missing", _("The documents of this step need the party's name; record the party first."),
            "", "party",
        )
    elif types & _PARTY_ADDRESS_TYPES:
        address = given_party.get("address") if given_party else (case.party.address if case.party_id else "")
        if not (address or "").strip():
            yield GuardFailure(
                "document.party_address_missing",
                _("The documents of this step are served on the party: record the party's address first."),
                "", "party.address",
            )
    if types & _AREA_TYPES and case.illegal_area is None and not request.data.get("illegal_area"):
        yield GuardFailure("document.area_missing",
                           _("The documents of this step state the illegal area; record it first."), "", "illegal_area")
    if not (case.location or request.data.get("location") or "").strip():
        yield GuardFailure("document.location_missing",
                           _("The documents of this step state the location; record it first."), "", "location")
    if types & _REMEDY_TYPES:
        agency = request.agency
        if not agency.reconsideration_body.strip() or not agency.court.strip():
            yield GuardFailure(
                "document.remedies_missing",
                _("Decisions state the remedies in full: the administrator must set the reconsideration body "
                  "and the court in the agency settings."), "", "agency",
            )
