"""Reads of the persuasion work: a case's talks and commitment, a negotiator's cases, and the
supervisors' analysis of what works."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.deadlines.calendar import local_date
from casework.models import (
    Attitude,
    Case,
    CaseClock,
    CaseEvent,
    CaseStatus,
    ClockKind,
    EventKind,
    Squad,
    Talk,
    TalkKind,
    User,
)

TENTH = Decimal("0.1")
PERSUASION_TRANSITIONS = ("commit_self_demolition", "report_progress", "verify", "force_demolish")


# --- commitments -----------------------------------------------------------------------------

class CommitmentState:
    PENDING = "pending"
    KEPT = "kept"
    BROKEN = "broken"


COMMITMENT_STATE_LABELS = {
    CommitmentState.PENDING: _("Running"),
    CommitmentState.KEPT: _("Kept"),
    CommitmentState.BROKEN: _("Broken"),
}


@dataclass
class Commitment:
    committed_at: dt.datetime
    date: dt.date
    state: str
    completed_on: dt.date | None
    days_late: int = 0

    @property
    def state_label(self) -> str:
        return str(COMMITMENT_STATE_LABELS[self.state])


def _completion_after(events: list[CaseEvent], moment: dt.datetime, illegal_area: Decimal | None) -> CaseEvent | None:
    """The first event after `moment` showing the whole illegal area removed: a verification,
    or a progress report of the full area."""
    for event in events:
        if event.occurred_at < moment or event.kind != EventKind.TRANSITION:
            continue
        if event.transition == "verify":
            return event
        if event.transition == "report_progress" and illegal_area is not None:
            area = event.data.get("demolished_area")
            if area is not None and Decimal(str(area)) >= illegal_area:
                return event
    return None


def commitments_of(events: list[CaseEvent], illegal_area: Decimal | None, today: dt.date) -> list[Commitment]:
    """Every commitment of a case in order: kept when the whole area was removed by the end of
    the committed day; broken when that day has passed without it; else still running."""
    events = sorted(events, key=lambda e: (e.occurred_at, e.pk))
    found = []
    for event in events:
        if event.transition != "commit_self_demolition" or not event.data.get("commitment_date"):
            continue
        day = dt.date.fromisoformat(str(event.data["commitment_date"]))
        done = _completion_after(events, event.occurred_at, illegal_area)
        done_on = local_date(done.occurred_at) if done else None
        if done_on is not None and done_on <= day:
            state = CommitmentState.KEPT
        elif today > day:
            state = CommitmentState.BROKEN
        else:
            state = CommitmentState.PENDING
        late = ((done_on or today) - day).days if state == CommitmentState.BROKEN else 0
        found.append(Commitment(event.occurred_at, day, state, done_on, late))
    return found


def case_commitment(*, case: Case, today: dt.date | None = None,
                    events: list[CaseEvent] | None = None) -> Commitment | None:
    """The case's current (latest) commitment with its state; a broken one is shown on the
    case page and the negotiator's list. `events`: every event of the case if already read
    (the case page has them), else they are queried."""
    today = today or local_date(timezone.now())
    if events is None:
        events = list(case.events.filter(kind=EventKind.TRANSITION, transition__in=PERSUASION_TRANSITIONS))
    else:
        events = [e for e in events if e.kind == EventKind.TRANSITION and e.transition in PERSUASION_TRANSITIONS]
    found = commitments_of(events, case.illegal_area, today)
    return found[-1] if found else None


# --- a case's talks and progress (the partial on the case page) -------------------------------

@dataclass
class Progress:
    removed: Decimal
    illegal: Decimal | None

    @property
    def percent(self) -> int:
        if not self.illegal:
            return 0
        return min(100, int(self.removed * 100 / self.illegal))


def case_progress(*, case: Case) -> Progress:
    return Progress(case.demolished_area, case.illegal_area)


def case_talks(*, case: Case) -> QuerySet[Talk]:
    return (
        Talk.objects.filter(case=case)
        .select_related("document", "recorded_by")
        .prefetch_related("negotiators", "third_parties", "event__attachments")
        .order_by("-occurred_at", "-id")
    )


@dataclass
class CasePersuasion:
    case: Case
    talks: list[Talk]
    progress: Progress
    commitment: Commitment | None
    attitudes: list[str]

    @property
    def last_talk(self) -> Talk | None:
        return self.talks[0] if self.talks else None


def case_persuasion(*, case: Case, today: dt.date | None = None,
                    events: list[CaseEvent] | None = None) -> CasePersuasion:
    """Everything `templates/persuasion/_case_talks.html` shows for one case (`events`: every
    event of the case, if already read)."""
    talks = list(case_talks(case=case))
    return CasePersuasion(
        case=case, talks=talks, progress=case_progress(case=case),
        commitment=case_commitment(case=case, today=today, events=events),
        attitudes=[t.attitude for t in reversed(talks)],
    )


# --- the negotiator's list ---------------------------------------------------------------------

@dataclass
class NegotiatorCase:
    case: Case
    next_due: dt.datetime | None
    due_clock: str
    overdue: bool
    last_talk: Talk | None
    attitudes: list[str]
    commitment: Commitment | None
    progress: Progress

    @property
    def last_day(self) -> dt.date | None:
        """The last day the talk is due on (`due_at` is the first moment after it)."""
        return local_date(self.next_due - dt.timedelta(microseconds=1)) if self.next_due else None


def negotiator_cases(*, user: User, now: dt.datetime | None = None) -> list[NegotiatorCase]:
    """Open cases the negotiator works on (assigned, or talked on) and may read
    (casework.authorization), the next talk due first.

    The due moment is the running follow-up clock, else the running first-talk clock, else the
    committed date (once it passes, urging — 勤督促 — is due); cases with none come last."""
    now = now or timezone.now()
    today = local_date(now)
    from casework.authorization import filter_cases

    cases = (
        filter_cases(Case.objects.filter(Q(negotiators=user) | Q(talks__negotiators=user)), user)
        .exclude(status=CaseStatus.CLOSED)
        .distinct()
        .select_related("community", "party")
        .prefetch_related(
            Prefetch("talks", queryset=Talk.objects.order_by("occurred_at", "id")),
            Prefetch(
                "events",
                queryset=CaseEvent.objects.filter(kind=EventKind.TRANSITION, transition__in=PERSUASION_TRANSITIONS),
                to_attr="persuasion_events",
            ),
            Prefetch(
                "clocks",
                queryset=CaseClock.objects.filter(
                    kind__in=[ClockKind.FOLLOW_UP_TALK, ClockKind.FIRST_TALK, ClockKind.COMMITMENT],
                    satisfied_at__isnull=True,
                ),
                to_attr="talk_clocks",
            ),
        )
    )
    rows = []
    for case in cases:
        clocks = {c.kind: c for c in case.talk_clocks}
        clock = clocks.get(ClockKind.FOLLOW_UP_TALK) or clocks.get(ClockKind.FIRST_TALK) or clocks.get(
            ClockKind.COMMITMENT)
        talks = list(case.talks.all())
        commitments = commitments_of(case.persuasion_events, case.illegal_area, today)
        rows.append(NegotiatorCase(
            case=case, next_due=clock.due_at if clock else None, due_clock=clock.get_kind_display() if clock else "",
            overdue=bool(clock and clock.due_at < now), last_talk=talks[-1] if talks else None,
            attitudes=[t.attitude for t in talks], commitment=commitments[-1] if commitments else None,
            progress=case_progress(case=case),
        ))
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    rows.sort(key=lambda r: (r.next_due or far, r.case.pk))
    return rows


# --- the supervisors' analysis ------------------------------------------------------------------

class Outcome:
    SELF = "self_demolished"
    FORCED = "forced_demolished"
    OPEN = "open"
    OTHER = "other"


OUTCOME_LABELS = {
    Outcome.SELF: _("Self-demolished"),
    Outcome.FORCED: _("Forcibly demolished"),
    Outcome.OPEN: _("Still open"),
    Outcome.OTHER: _("Other ending"),
}


@dataclass
class DaySpan:
    values: list[int] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.values)

    @property
    def average(self) -> Decimal | None:
        if not self.values:
            return None
        return (Decimal(sum(self.values)) / len(self.values)).quantize(TENTH, ROUND_HALF_UP)

    @property
    def median(self) -> Decimal | None:
        if not self.values:
            return None
        return Decimal(str(statistics.median(self.values))).quantize(TENTH, ROUND_HALF_UP)

    @property
    def minimum(self) -> int | None:
        return min(self.values) if self.values else None

    @property
    def maximum(self) -> int | None:
        return max(self.values) if self.values else None


@dataclass
class Analysis:
    cases: int
    outcomes: Counter
    committed_cases: int
    talks_before_commitment: Counter
    days_to_commitment: DaySpan
    days_to_verified: DaySpan
    commitments: Counter
    attitude_outcomes: dict[str, Counter]

    @property
    def self_rate(self) -> Decimal | None:
        done = self.outcomes[Outcome.SELF] + self.outcomes[Outcome.FORCED]
        if not done:
            return None
        return (Decimal(self.outcomes[Outcome.SELF] * 100) / done).quantize(TENTH, ROUND_HALF_UP)

    def talks_per_committed_case(self, kind: str | None = None) -> Decimal | None:
        if not self.committed_cases:
            return None
        total = sum(self.talks_before_commitment.values()) if kind is None else self.talks_before_commitment[kind]
        return (Decimal(total) / self.committed_cases).quantize(TENTH, ROUND_HALF_UP)

    @property
    def kept_rate(self) -> Decimal | None:
        decided = self.commitments[CommitmentState.KEPT] + self.commitments[CommitmentState.BROKEN]
        if not decided:
            return None
        return (Decimal(self.commitments[CommitmentState.KEPT] * 100) / decided).quantize(TENTH, ROUND_HALF_UP)


def analysis_cases(*, squad: Squad | None = None, year: int | None = None, negotiator: User | None = None) -> QuerySet[Case]:
    """The cases the analysis covers: those with at least one talk, of the squad and of the
    year the case was registered, and (if given) that the negotiator is assigned to or talked on."""
    cases = Case.objects.filter(talks__isnull=False)
    if squad is not None:
        cases = cases.filter(squad=squad)
    if year is not None:
        cases = cases.filter(year=year)
    if negotiator is not None:
        cases = cases.filter(Q(negotiators=negotiator) | Q(talks__negotiators=negotiator))
    return Case.objects.filter(pk__in=cases.values("pk"))


def _outcome(case: Case, transitions: set[str]) -> str:
    if "force_demolish" in transitions:
        return Outcome.FORCED
    if "verify" in transitions:
        return Outcome.SELF
    if case.status == CaseStatus.CLOSED:
        return Outcome.OTHER
    return Outcome.OPEN


def persuasion_analysis(
    *, squad: Squad | None = None, year: int | None = None, negotiator: User | None = None, today: dt.date | None = None
) -> Analysis:
    """The five figures supervisors asked for (people-and-work.md, "what works"):

    - outcomes: self-demolished (verified, no forced demolition) vs forcibly demolished;
    - talks by kind up to and including the first commitment, per committed case;
    - days from the first talk to the first commitment, and to the verification of a
      self-demolition (calendar days between Beijing dates);
    - commitments kept / broken / running (each commitment counted, see `commitments_of`);
    - the attitude at the first talk against the outcome.
    """
    today = today or local_date(timezone.now())
    cases = analysis_cases(squad=squad, year=year, negotiator=negotiator).prefetch_related(
        Prefetch("talks", queryset=Talk.objects.order_by("occurred_at", "id")),
        Prefetch(
            "events",
            queryset=CaseEvent.objects.filter(kind=EventKind.TRANSITION, transition__in=PERSUASION_TRANSITIONS),
            to_attr="persuasion_events",
        ),
    )
    outcomes: Counter = Counter()
    before_commitment: Counter = Counter()
    committed_cases = 0
    to_commitment, to_verified = DaySpan(), DaySpan()
    commitments: Counter = Counter()
    attitude_outcomes: dict[str, Counter] = {a: Counter() for a in Attitude.values}
    count = 0
    for case in cases:
        count += 1
        talks = list(case.talks.all())
        events = sorted(case.persuasion_events, key=lambda e: (e.occurred_at, e.pk))
        names = {e.transition for e in events}
        outcome = _outcome(case, names)
        outcomes[outcome] += 1
        first_talk = talks[0]
        attitude_outcomes[first_talk.attitude][outcome] += 1

        first_commit = next((e for e in events if e.transition == "commit_self_demolition"), None)
        if first_commit is not None:
            committed_cases += 1
            for talk in talks:
                if talk.occurred_at <= first_commit.occurred_at:
                    before_commitment[talk.kind] += 1
            if first_talk.occurred_at <= first_commit.occurred_at:
                to_commitment.values.append(
                    (local_date(first_commit.occurred_at) - local_date(first_talk.occurred_at)).days
                )
        verified = next((e for e in events if e.transition == "verify"), None)
        if outcome == Outcome.SELF and verified is not None and first_talk.occurred_at <= verified.occurred_at:
            to_verified.values.append((local_date(verified.occurred_at) - local_date(first_talk.occurred_at)).days)
        for commitment in commitments_of(events, case.illegal_area, today):
            commitments[commitment.state] += 1
    return Analysis(
        cases=count, outcomes=outcomes, committed_cases=committed_cases, talks_before_commitment=before_commitment,
        days_to_commitment=to_commitment, days_to_verified=to_verified, commitments=commitments,
        attitude_outcomes=attitude_outcomes,
    )


def analysis_tables(analysis: Analysis) -> list[dict]:
    """The analysis as titled tables (header + rows), shared by the page and the CSV export."""
    o = analysis.outcomes
    c = analysis.commitments

    def fmt(value) -> str:
        return "—" if value is None else str(value)

    kinds = [(str(TalkKind(k).label), k) for k in TalkKind.values]
    return [
        {
            "key": "outcomes",
            "title": _("Cases persuaded to self-demolish vs forced"),
            "header": [_("Outcome"), _("Cases")],
            "rows": [[OUTCOME_LABELS[k], o[k]] for k in (Outcome.SELF, Outcome.FORCED, Outcome.OPEN, Outcome.OTHER)]
            + [[_("Self-demolition rate (%)"), fmt(analysis.self_rate)]],
            "chart": [(str(OUTCOME_LABELS[k]), o[k]) for k in (Outcome.SELF, Outcome.FORCED, Outcome.OPEN)],
        },
        {
            "key": "talks_before_commitment",
            "title": _("Talks before a commitment, by kind"),
            "header": [_("Kind"), _("Talks"), _("Per committed case")],
            "rows": [[label, analysis.talks_before_commitment[k], fmt(analysis.talks_per_committed_case(k))]
                     for label, k in kinds]
            + [[_("All kinds"), sum(analysis.talks_before_commitment.values()),
                fmt(analysis.talks_per_committed_case())],
               [_("Committed cases"), analysis.committed_cases, ""]],
            "chart": [(label, float(analysis.talks_per_committed_case(k) or 0)) for label, k in kinds],
        },
        {
            "key": "days",
            "title": _("Days from the first talk"),
            "header": [_("Until"), _("Cases"), _("Average"), _("Median"), _("Shortest"), _("Longest")],
            "rows": [
                [label, span.count, fmt(span.average), fmt(span.median), fmt(span.minimum), fmt(span.maximum)]
                for label, span in ((_("Commitment"), analysis.days_to_commitment),
                                    (_("Verified demolition"), analysis.days_to_verified))
            ],
            "chart": [(str(_("Commitment")), float(analysis.days_to_commitment.average or 0)),
                      (str(_("Verified demolition")), float(analysis.days_to_verified.average or 0))],
        },
        {
            "key": "commitments",
            "title": _("Commitments kept vs broken"),
            "header": [_("Commitments"), _("Count")],
            "rows": [[COMMITMENT_STATE_LABELS[k], c[k]]
                     for k in (CommitmentState.KEPT, CommitmentState.BROKEN, CommitmentState.PENDING)]
            + [[_("Kept rate (%)"), fmt(analysis.kept_rate)]],
            "chart": [(str(COMMITMENT_STATE_LABELS[k]), c[k])
                      for k in (CommitmentState.KEPT, CommitmentState.BROKEN, CommitmentState.PENDING)],
        },
        {
            "key": "attitude",
            "title": _("Attitude at the first talk vs outcome"),
            "header": [_("Attitude"), *[OUTCOME_LABELS[k] for k in OUTCOME_LABELS]],
            "rows": [[Attitude(a).label, *[analysis.attitude_outcomes[a][k] for k in OUTCOME_LABELS]]
                     for a in Attitude.values],
            "stacked": [(str(Attitude(a).label), [(str(OUTCOME_LABELS[k]), analysis.attitude_outcomes[a][k])
                                                  for k in OUTCOME_LABELS]) for a in Attitude.values],
        },
    ]
