"""Running clocks past (or near) their end: a query at a moment in time, never a stored flag.

A clock is overdue at `as_of` when it is not satisfied, is not a party's window, its end
(`due_at`, the first moment after the period) is at or before `as_of` (as Clock.has_lapsed
says), and the case is not suspended. The partial index clock_overdue_due_idx serves exactly
this filter and holds every column the rows need (squad, community, case number and status
and the ids of its officers and negotiators are copied onto the clock by clocks_refresh), so the
office's overdue list is an index-only scan without a join; names are fetched once per query.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast

from casework.deadlines.calendar import WorkingCalendar, end_of_day, local_date
from casework.models import Case, CaseClock, CaseStatus, ClockKind, Community, Squad, User
from casework.selectors.clocks import clock_overdue_filter

# The orderings the review page offers (key -> ORM ordering); "-days" is the default.
ORDERINGS = {
    "days": ("due_at", "id"),
    "-days": ("-due_at", "-id"),
    "clock": ("kind", "due_at", "id"),
    "-clock": ("-kind", "due_at", "id"),
    # Cases in the order they were registered, i.e. of their numbers within a year; sorting by
    # the cases' year and sequence would join a million cases (seconds).
    "case": ("case_id", "kind"),
    "-case": ("-case_id", "kind"),
    "community": ("community__name", "due_at", "id"),
    "-community": ("-community__name", "due_at", "id"),
    "squad": ("squad__code", "due_at", "id"),
    "-squad": ("-squad__code", "due_at", "id"),
    "officer": ("first_officer__full_name", "due_at", "id"),
    "-officer": ("-first_officer__full_name", "due_at", "id"),
    "negotiator": ("first_negotiator__full_name", "due_at", "id"),
    "-negotiator": ("-first_negotiator__full_name", "due_at", "id"),
}
# Days past the end of the period after which the supervisor is told.
SUPERVISOR_AFTER_DAYS = 3


@dataclass(frozen=True)
class Person:
    id: int
    name: str


@dataclass(slots=True)
class OverdueClock:
    """One running clock with what the review page and the reminders need."""

    clock_id: int
    kind: str
    due_at: dt.datetime
    case_id: int
    case_number: str
    case_status: str
    squad_id: int
    squad_name: str
    community_id: int
    community_name: str
    days_overdue: int
    officers: tuple[Person, ...] = ()
    negotiators: tuple[Person, ...] = ()

    @property
    def kind_label(self) -> str:
        return str(ClockKind(self.kind).label)

    @property
    def status_label(self) -> str:
        return str(CaseStatus(self.case_status).label)

    @property
    def last_day(self) -> dt.date:
        return local_date(self.due_at - dt.timedelta(microseconds=1))

    @property
    def responsible(self) -> list[Person]:
        seen, people = set(), []
        for person in [*self.officers, *self.negotiators]:
            if person.id not in seen:
                seen.add(person.id)
                people.append(person)
        return people


def days_overdue(*, due_at: dt.datetime, as_of: dt.datetime) -> int:
    """Calendar days begun since the period's last day (1 on the first day after it, 0 before)."""
    last_day = local_date(due_at - dt.timedelta(microseconds=1))
    return max(0, (local_date(as_of) - last_day).days)


def _visible(queryset: QuerySet, user: User | None) -> QuerySet:
    """The clocks of the cases `user` may read (casework.authorization); None: the whole office.
    Clocks carry their case's squad, so the filter needs no join with the cases."""
    from casework.authorization import filter_cases

    if user is None:
        return queryset
    return filter_cases(queryset, user, "read_case", squad_field="squad_id", case_field="case_id")


def running_clocks(*, user: User | None = None) -> QuerySet[CaseClock]:
    """Clocks that can make a case late: running, not a window, case not suspended."""
    # The case's status is copied onto its clocks (clocks_refresh runs on every transition), so
    # this is the condition of the partial index clock_overdue_due_idx, without the cases.
    queryset = CaseClock.objects.filter(satisfied_at__isnull=True, is_window=False).exclude(
        case_status=CaseStatus.SUSPENDED)
    return _visible(queryset, user)


def clock_overdue_queryset(
    *,
    as_of: dt.datetime,
    user: User | None = None,
    squad: int | None = None,
    community: int | None = None,
    kind: str | None = None,
    officer: int | None = None,
    negotiator: int | None = None,
    min_days: int | None = None,
    ordering: str = "-days",
) -> QuerySet[CaseClock]:
    """The overdue clocks visible to `user` (None: the whole office), filtered and ordered."""
    queryset = running_clocks(user=user).filter(clock_overdue_filter(as_of=as_of))
    if squad:
        queryset = queryset.filter(squad_id=squad)
    if community:
        queryset = queryset.filter(community_id=community)
    if kind:
        queryset = queryset.filter(kind=kind)
    if officer:
        queryset = queryset.filter(case__in=Case.officers.through.objects.filter(user_id=officer).values("case_id"))
    if negotiator:
        queryset = queryset.filter(
            case__in=Case.negotiators.through.objects.filter(user_id=negotiator).values("case_id"))
    if min_days:
        today = local_date(as_of)
        if min_days >= today.toordinal():
            # More days back than the calendar holds (a number typed into the review page's
            # filter): no clock ended before the year 1, so none is that late.
            return queryset.none()
        # days_overdue >= n  <=>  as_of on or after the n-th day after the last day
        last_allowed_end = end_of_day(today - dt.timedelta(days=min_days))
        queryset = queryset.filter(due_at__lte=last_allowed_end)
    order = ORDERINGS.get(ordering, ORDERINGS["-days"])
    return queryset.order_by(*order)


_ROW_FIELDS = ("id", "kind", "due_at", "case_id", "case_number", "case_status", "squad_id", "community_id",
               "officers_json", "negotiators_json")


def clock_rows(queryset: QuerySet[CaseClock], *, as_of: dt.datetime) -> list[OverdueClock]:
    """Evaluate a (possibly sliced) clock queryset into rows with their responsible people.

    Four queries whatever the number of rows: the clocks (one index, no join: they carry their
    case's people), the people's names, the squads' and the communities' names. Rows are built
    in one pass from plain tuples.
    """
    # The people come as JSON text and are decoded once per distinct list: a squad's cases share
    # a few hundred combinations of officers, so tens of thousands of rows need few decodings.
    values = list(queryset.annotate(officers_json=Cast("officer_ids", TextField()),
                                    negotiators_json=Cast("negotiator_ids", TextField())).values_list(*_ROW_FIELDS))
    if not values:
        return []
    today = local_date(as_of)
    # Clocks end at midnight: few distinct ends, each converted once.
    days = {due_at: max(0, (today - local_date(due_at - dt.timedelta(microseconds=1))).days)
            for due_at in {v[2] for v in values}}
    squad_names = dict(Squad.objects.filter(pk__in={v[6] for v in values}).values_list("pk", "name"))
    community_names = dict(Community.objects.filter(pk__in={v[7] for v in values}).values_list("pk", "name"))
    id_lists = {text: json.loads(text) for text in {v[8] for v in values} | {v[9] for v in values}}
    user_ids = {user_id for ids in id_lists.values() for user_id in ids}
    names = {pk: Person(pk, full_name or username) for pk, full_name, username in
             User.objects.filter(pk__in=user_ids).values_list("pk", "full_name", "username")}
    # Names are shown in alphabetical order (the stored order is that of when they were assigned).
    people = {text: tuple(sorted((names[pk] for pk in ids if pk in names), key=lambda p: (p.name, p.id)))
              for text, ids in id_lists.items()}
    return [
        OverdueClock(clock_id, kind, due_at, case_id, number, status, squad_id, squad_names[squad_id], community_id,
                     community_names[community_id], days[due_at], people[officers], people[negotiators])
        for clock_id, kind, due_at, case_id, number, status, squad_id, community_id, officers, negotiators in values
    ]


def clock_list_overdue(*, as_of: dt.datetime, user: User | None = None, **filters) -> list[OverdueClock]:
    """Every overdue clock at `as_of` visible to `user`, with case, days overdue, people and squad."""
    return clock_rows(clock_overdue_queryset(as_of=as_of, user=user, **filters), as_of=as_of)


def clock_list_due_soon(
    *, as_of: dt.datetime, working_days: int = 2, user: User | None = None, calendar: WorkingCalendar | None = None
) -> list[OverdueClock]:
    """Running clocks not yet out at `as_of` whose last day is at most `working_days` working days away."""
    calendar = calendar or WorkingCalendar.load()
    horizon = end_of_day(calendar.add_working_days(local_date(as_of), working_days).date)
    queryset = running_clocks(user=user).filter(due_at__gt=as_of, due_at__lte=horizon).order_by("due_at", "id")
    return clock_rows(queryset, as_of=as_of)


def clock_list_ran_out(*, as_of: dt.datetime, since: dt.datetime, min_days: int = 0) -> list[OverdueClock]:
    """Overdue clocks (by at least `min_days`) whose threshold moment fell in [since, as_of]."""
    shift = dt.timedelta(days=max(0, min_days - 1))
    # The n-th day overdue begins at due_at + (n - 1) days (due_at is midnight after the last day).
    queryset = running_clocks().filter(due_at__lte=as_of - shift, due_at__gte=since - shift).order_by("due_at", "id")
    return clock_rows(queryset, as_of=as_of)


def supervisors_by_squad(squad_ids) -> dict[int, list[User]]:
    result: dict[int, list[User]] = {}
    for supervisor in User.objects.filter(is_supervisor=True, is_active=True, squad_id__in=set(squad_ids)):
        result.setdefault(supervisor.squad_id, []).append(supervisor)
    return result


def can_review_overdue(user: User) -> bool:
    from casework.authorization import permits

    return permits(user, "view_overdue")


__all__ = [
    "ORDERINGS", "SUPERVISOR_AFTER_DAYS", "OverdueClock", "Person", "can_review_overdue", "clock_list_due_soon",
    "clock_list_overdue", "clock_list_ran_out", "clock_overdue_queryset", "clock_rows", "days_overdue",
    "running_clocks", "supervisors_by_squad",
]
