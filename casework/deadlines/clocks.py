"""The clocks of procedure.md, computed from a case's history and the working calendar.

This is the only place that knows how long anything may take. Guards ask it whether a window
has lapsed; `clocks_refresh` stores the result so that "overdue" is a query.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone, translation

from casework.deadlines import periods
from casework.deadlines.calendar import Computed, WorkingCalendar, end_of_day, local_date
from casework.deadlines.history import CaseHistory
from casework.models import (
    ApprovalDecision,
    ApprovalStep,
    Case,
    CaseClock,
    CasePeople,
    CaseStatus,
    ClockKind,
    DecisionKind,
)

PERSUASION_STATES = {CaseStatus.PERSUADING, CaseStatus.SELF_DEMOLITION_COMMITTED, CaseStatus.SELF_DEMOLISHING}
# Nothing is left to persuade about: no follow-up talk is due (a closed case's clocks are
# closed below).
STRUCTURE_GONE_STATES = {CaseStatus.FORCED_DEMOLISHED, CaseStatus.VERIFIED, CaseStatus.RECTIFIED}


@dataclass
class Clock:
    kind: str
    started_at: dt.datetime
    due_at: dt.datetime
    satisfied_at: dt.datetime | None
    is_window: bool
    unconfirmed: bool
    rule: str
    basis: str

    def has_lapsed(self, moment: dt.datetime) -> bool:
        return moment >= self.due_at

    @property
    def last_day(self) -> dt.date:
        return local_date(self.due_at - dt.timedelta(microseconds=1))


def _period(calendar: WorkingCalendar, start: dt.datetime, key: str, length: int | None = None) -> tuple[Computed, str]:
    period = periods.PERIODS[key]
    length = periods.period_length(key) if length is None else length
    day = local_date(start)
    if period.unit == periods.WORKING_DAYS:
        computed = calendar.add_working_days(day, length)
    elif period.unit == periods.MONTHS:
        computed = calendar.add_months(day, length)
    else:
        computed = calendar.add_days(day, length)
    return computed, periods.describe(key, length)


def _clock(kind, start, computed: Computed, rule, key, satisfied=None, window=False) -> Clock:
    return Clock(
        kind=kind,
        started_at=start,
        due_at=end_of_day(computed.date),
        satisfied_at=satisfied.occurred_at if hasattr(satisfied, "occurred_at") else satisfied,
        is_window=window,
        unconfirmed=computed.unconfirmed,
        rule=rule,
        basis=periods.PERIODS[key].basis,
    )


def compute_clocks(
    case: Case, history: CaseHistory, calendar: WorkingCalendar, now: dt.datetime | None = None
) -> dict[str, Clock]:
    now = now or timezone.now()
    clocks: dict[str, Clock] = {}

    inspect = history.last_transition("inspect")
    if inspect:
        computed, rule = _period(calendar, inspect.occurred_at, "filing")
        done = history.first_transition_after(inspect.occurred_at, "file", "dismiss")
        clocks[ClockKind.FILING] = _clock(ClockKind.FILING, inspect.occurred_at, computed, rule, "filing", done)

    filed = history.last_transition("file")
    if filed:
        clocks[ClockKind.DECISION] = _decision_clock(case, history, calendar, filed, now)

    decided = history.last_transition("decide")
    if decided:
        computed, rule = _period(calendar, decided.occurred_at, "decision_service")
        service = history.decision_service()
        clocks[ClockKind.DECISION_SERVICE] = _clock(
            ClockKind.DECISION_SERVICE, decided.occurred_at, computed, rule, "decision_service",
            service.served_at if service else None,
        )
        if service:
            clocks.update(_clocks_from_decision_service(case, history, calendar, service.effective_at))

    notified = history.last_transition("notify")
    if notified:
        notice = history.service_of(["prior_notice"], after=notified.recorded_at)
        if notice:
            moved_on = history.first_transition_after(notice.effective_at, "request_hearing", "submit_review")
            for kind, key in ((ClockKind.HEARING_REQUEST, "hearing_request"), (ClockKind.STATEMENT, "statement")):
                computed, rule = _period(calendar, notice.effective_at, key)
                clocks[kind] = _clock(kind, notice.effective_at, computed, rule, key, moved_on, window=True)

    committed = history.last_transition("commit_self_demolition")
    if committed and case.commitment_date:
        # Kept when the whole illegal area is gone (reported or verified); the office moving on
        # to the forced path (announce) or ending execution also stops this clock.
        ends = [e for e in (
            history.first_transition_after(committed.occurred_at, "verify", "announce", "terminate"),
            history.first_full_removal_after(committed.occurred_at, case.illegal_area),
        ) if e is not None]  # fmt: skip
        done = min(ends, key=lambda e: (e.occurred_at, e.pk)) if ends else None
        clocks[ClockKind.COMMITMENT] = Clock(
            kind=ClockKind.COMMITMENT, started_at=committed.occurred_at, due_at=end_of_day(case.commitment_date),
            satisfied_at=done.occurred_at if done else None, is_window=False,
            unconfirmed=not calendar.is_confirmed(case.commitment_date),
            rule="自行拆除承诺书所载日期", basis="",
        )

    assigned = history.last_transition("assign_negotiators")
    if assigned:
        computed, rule = _period(calendar, assigned.occurred_at, "first_talk")
        first_talk = next((t for t in history.talks() if t.occurred_at >= assigned.occurred_at), None)
        # Persuasion also ends when the case leaves it (committed, verified, announced, terminated).
        left = history.first_transition_after(
            assigned.occurred_at, "commit_self_demolition", "verify", "announce", "terminate")
        ended = min((e for e in (first_talk, left) if e), key=lambda e: e.occurred_at, default=None)
        clocks[ClockKind.FIRST_TALK] = _clock(
            ClockKind.FIRST_TALK, assigned.occurred_at, computed, rule, "first_talk", ended
        )
    talks = history.talks()
    # Talks are logged from `filed` on (issue 6), not only after negotiators are assigned: once a
    # negotiator has talked, the follow-up (勤督促) is due until the structure is gone.
    if talks and case.status not in STRUCTURE_GONE_STATES:
        last_talk = talks[-1]
        computed, rule = _period(calendar, last_talk.occurred_at, "follow_up_talk")
        follow_up_on = last_talk.data.get("next_follow_up_on")
        if follow_up_on:
            follow_up_day = dt.date.fromisoformat(follow_up_on)
            if follow_up_day < computed.date:
                computed = Computed(follow_up_day, not calendar.is_confirmed(follow_up_day))
                rule = "约谈笔录所载下次跟进日期"
        ended = history.first_transition_after(
            last_talk.occurred_at, "verify", "announce", "terminate", "rectify", "force_demolish"
        )
        clocks[ClockKind.FOLLOW_UP_TALK] = _clock(
            ClockKind.FOLLOW_UP_TALK, last_talk.occurred_at, computed, rule, "follow_up_talk", ended
        )

    announced = history.last_transition("announce")
    if announced and case.announcement_days:
        computed, rule = _period(calendar, announced.occurred_at, "announcement", case.announcement_days)
        done = history.first_transition_after(announced.occurred_at, "issue_demand", "commit_self_demolition", "verify")
        clocks[ClockKind.ANNOUNCEMENT] = _clock(
            ClockKind.ANNOUNCEMENT, announced.occurred_at, computed, rule, "announcement", done
        )

    demanded = history.last_transition("issue_demand")
    if demanded:
        demand = history.service_of(["demand"], after=demanded.recorded_at)
        if demand:
            computed, rule = _period(calendar, demand.effective_at, "demand_statement")
            done = history.first_transition_after(demand.effective_at, "decide_execution")
            clocks[ClockKind.DEMAND_STATEMENT] = _clock(
                ClockKind.DEMAND_STATEMENT, demand.effective_at, computed, rule, "demand_statement", done, window=True
            )

    if case.status == CaseStatus.CLOSED:
        closed = history.last_transition("close", "dismiss", "terminate")
        for clock in clocks.values():
            if clock.satisfied_at is None and not clock.is_window:
                clock.satisfied_at = closed.occurred_at if closed else now
    return clocks


def _decision_clock(case, history, calendar, filed, now) -> Clock:
    """90 days from filing, the suspended days excluded, plus any approved extension [处罚法 60]."""
    decided = history.first_transition_after(filed.occurred_at, "decide")
    suspended_days = 0
    for suspension in case_suspensions_after(history, filed.occurred_at, decided):
        end = suspension.ended_at or now
        suspended_days += (local_date(end) - local_date(suspension.started_at)).days
    extension_days = sum(
        int(approval.data.get("days", 0))
        for approval in history.approvals_for(ApprovalStep.DECISION_EXTENSION)
        if approval.decision == ApprovalDecision.APPROVE and approval.occurred_at >= filed.occurred_at
    )
    base = periods.period_length("decision")
    computed = calendar.add_days(local_date(filed.occurred_at), base + suspended_days + extension_days)
    rule = periods.describe("decision", base)
    if suspended_days:
        rule += f"; +{suspended_days} 天中止"
    if extension_days:
        rule += f"; +{extension_days} 天经批准延长"
    return _clock(ClockKind.DECISION, filed.occurred_at, computed, rule, "decision", decided)


def case_suspensions_after(history, start, until_event):
    until = until_event.occurred_at if until_event else None
    return [s for s in history.suspensions if s.started_at >= start and (until is None or s.started_at < until)]


def _clocks_from_decision_service(case, history, calendar, served_at) -> dict[str, Clock]:
    clocks: dict[str, Clock] = {}
    if case.self_demolition_days:
        computed, rule = _period(calendar, served_at, "self_demolition", case.self_demolition_days)
        ends_with = ("rectify",) if case.decision_kind == DecisionKind.RECTIFY else (
            "verify", "commit_self_demolition", "announce")
        done = history.first_transition_after(served_at, *ends_with)
        clocks[ClockKind.SELF_DEMOLITION] = _clock(
            ClockKind.SELF_DEMOLITION, served_at, computed, rule, "self_demolition", done
        )
    if case.remedies_stated:
        windows = ((ClockKind.RECONSIDERATION, "reconsideration", None), (ClockKind.LITIGATION, "litigation", None))
    else:
        windows = (
            (ClockKind.RECONSIDERATION, "remedies_not_stated", None),
            (ClockKind.LITIGATION, "remedies_not_stated", None),
        )
    for kind, key, length in windows:
        computed, rule = _period(calendar, served_at, key, length)
        clocks[kind] = _clock(kind, served_at, computed, rule, key, None, window=True)
    return clocks


def clocks_refresh(*, case: Case, history: CaseHistory | None = None, calendar: WorkingCalendar | None = None) -> dict[str, Clock]:
    """Recompute and store a case's clocks; called by every service that changes the case."""
    history = history or CaseHistory.load(case)
    clocks = clocks_compute_for_record(case=case, history=history, calendar=calendar)
    with transaction.atomic(savepoint=False):
        clocks_store(case=case, clocks=clocks)
        office_due_at = clocks_office_due_at(clocks)
        Case.objects.filter(pk=case.pk).update(office_due_at=office_due_at)
        case.office_due_at = office_due_at
    return clocks


def clocks_compute_for_record(
    *, case: Case, history: CaseHistory, calendar: WorkingCalendar | None = None
) -> dict[str, Clock]:
    """The clocks as they are stored: rules are part of the record, so in the office's
    language, not the viewer's."""
    calendar = calendar or WorkingCalendar.load()
    with translation.override("zh-hans"):
        return compute_clocks(case, history, calendar)


def clocks_office_due_at(clocks: dict[str, Clock]) -> dt.datetime | None:
    """What the list's overdue filter reads (Case.office_due_at): the end of the first running
    clock of the office's, the party's windows aside."""
    return min((c.due_at for c in clocks.values() if c.satisfied_at is None and not c.is_window), default=None)


def clocks_store(*, case: Case, clocks: dict[str, Clock]) -> list[CaseClock]:
    """Replace the case's stored clocks with `clocks`; the caller keeps Case.office_due_at
    (clocks_refresh, or the transition's own UPDATE of the case). Returns the rows written."""
    people = CasePeople.of(case)
    # No savepoint of its own: a failure here fails the caller's transaction as a whole.
    with transaction.atomic(savepoint=False):
        CaseClock.objects.filter(case=case).delete()
        return CaseClock.objects.bulk_create(
            CaseClock.of_case(
                case, people, kind=c.kind, started_at=c.started_at, due_at=c.due_at, satisfied_at=c.satisfied_at,
                is_window=c.is_window, unconfirmed=c.unconfirmed, rule=c.rule[:300], basis=c.basis,
            )
            for c in clocks.values()
        )


def clocks_copy_people(*, case: Case) -> None:
    """Copy the case's officers and negotiators onto its clocks after they were reassigned."""
    people = CasePeople.of(case)
    CaseClock.objects.filter(case=case).update(**people.clock_fields())


def clocks_refresh_open_cases(*, batch_size: int = 500) -> int:
    """Recompute the clocks of every open case, e.g. after the holiday table or a period changed."""
    WorkingCalendar.forget()
    periods.forget()
    calendar = WorkingCalendar.load()
    count = 0
    open_cases = Case.objects.exclude(status=CaseStatus.CLOSED).order_by("pk")
    for case in open_cases.iterator(chunk_size=batch_size):
        clocks_refresh(case=case, calendar=calendar)
        count += 1
    return count
