import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from casework.deadlines.calendar import BEIJING, WorkingCalendar, end_of_day, local_date
from casework.models import CaseClock, CaseStatus, ClockKind
from casework.selectors.overdue import clock_list_due_soon, clock_list_overdue, days_overdue
from casework.services.cases import case_suspend
from tests.casework.conftest import make_user


def _running(case, kind):
    return CaseClock.objects.get(case=case, kind=kind, satisfied_at__isnull=True)


def _kinds(rows, case):
    return {row.kind for row in rows if row.case_id == case.pk}


@pytest.mark.django_db
def test_overdue_exactly_from_the_clock_end(case_in):
    """A clock is not overdue a microsecond before its end and is overdue (1 day) at its end."""
    case = case_in(CaseStatus.FILED)
    clock = _running(case, ClockKind.DECISION)
    with time_machine.travel(clock.due_at - dt.timedelta(microseconds=1), tick=False):
        assert ClockKind.DECISION not in _kinds(clock_list_overdue(as_of=timezone.now()), case)
    with time_machine.travel(clock.due_at, tick=False):
        rows = [r for r in clock_list_overdue(as_of=timezone.now()) if r.case_id == case.pk]
        assert [r.kind for r in rows] == [ClockKind.DECISION]
        row = rows[0]
        assert row.days_overdue == 1
        assert row.case_number == case.number
        assert row.squad_id == case.squad_id
        assert {p.id for p in row.officers} == set(case.officers.values_list("pk", flat=True))
    with time_machine.travel(clock.due_at + dt.timedelta(days=1) - dt.timedelta(microseconds=1), tick=False):
        assert [r.days_overdue for r in clock_list_overdue(as_of=timezone.now()) if r.case_id == case.pk] == [1]
    with time_machine.travel(clock.due_at + dt.timedelta(days=1), tick=False):
        assert [r.days_overdue for r in clock_list_overdue(as_of=timezone.now()) if r.case_id == case.pk] == [2]


def test_days_overdue_counts_beijing_days():
    """Days overdue are Beijing calendar days begun since the last day of the period."""
    due = end_of_day(dt.date(2026, 3, 10))
    assert days_overdue(due_at=due, as_of=due - dt.timedelta(seconds=1)) == 0
    assert days_overdue(due_at=due, as_of=due) == 1
    assert days_overdue(due_at=due, as_of=dt.datetime(2026, 3, 13, 23, 59, tzinfo=BEIJING)) == 3


@pytest.mark.django_db
def test_satisfied_window_and_suspended_clocks_are_never_overdue(case_in, cast):
    """Satisfied clocks, party windows and clocks of suspended cases are not overdue."""
    decided = case_in(CaseStatus.DECIDED)
    far_future = timezone.now() + dt.timedelta(days=800)
    kinds = _kinds(clock_list_overdue(as_of=far_future), decided)
    assert ClockKind.DECISION not in kinds  # satisfied by the decision
    assert ClockKind.LITIGATION not in kinds and ClockKind.RECONSIDERATION not in kinds  # windows
    assert ClockKind.SELF_DEMOLITION in kinds
    filed = case_in(CaseStatus.FILED)
    assert ClockKind.DECISION in _kinds(clock_list_overdue(as_of=far_future), filed)
    case_suspend(case=filed, actor=cast.supervisor, reason="other", explanation="当事人下落不明。")
    assert _kinds(clock_list_overdue(as_of=far_future), filed) == set()


@pytest.mark.django_db
def test_overdue_visible_to_own_squad_and_office_wide_roles(case_in, cast, other_squad):
    """A supervisor of another squad sees none of this squad's overdue clocks; the head, the
    administrator and the legal reviewer see them all."""
    case = case_in(CaseStatus.FILED)
    moment = timezone.now() + dt.timedelta(days=800)
    other_supervisor = make_user("supervisor2", other_squad, is_supervisor=True)
    admin = make_user("admin1", None, is_administrator=True)
    assert _kinds(clock_list_overdue(as_of=moment, user=cast.supervisor), case) == {ClockKind.DECISION}
    assert _kinds(clock_list_overdue(as_of=moment, user=other_supervisor), case) == set()
    for user in (cast.head, admin, cast.reviewer):
        assert _kinds(clock_list_overdue(as_of=moment, user=user), case) == {ClockKind.DECISION}


@pytest.mark.django_db
def test_overdue_filters(case_in, cast):
    """Filters by clock, officer, negotiator and minimum days keep only matching clocks."""
    filed = case_in(CaseStatus.FILED)
    persuading = case_in(CaseStatus.PERSUADING)
    moment = timezone.now() + dt.timedelta(days=800)
    by_kind = clock_list_overdue(as_of=moment, kind=ClockKind.DECISION)
    assert {r.case_id for r in by_kind} == {filed.pk}
    by_negotiator = clock_list_overdue(as_of=moment, negotiator=cast.negotiator.pk)
    assert {r.case_id for r in by_negotiator} == {persuading.pk}
    assert {r.case_id for r in clock_list_overdue(as_of=moment, officer=cast.officer2.pk)} == {filed.pk, persuading.pk}
    clock = _running(filed, ClockKind.DECISION)
    at = clock.due_at + dt.timedelta(days=2, hours=1)  # 3rd day overdue
    assert filed.pk in {r.case_id for r in clock_list_overdue(as_of=at, min_days=3, kind=ClockKind.DECISION)}
    assert filed.pk not in {r.case_id for r in clock_list_overdue(as_of=at, min_days=4, kind=ClockKind.DECISION)}


@pytest.mark.django_db
@pytest.mark.parametrize("days_back", ["to year 1", "before year 1", 1_000_000, 10**40])
def test_a_minimum_of_days_overdue_past_any_clock_matches_nothing(case_in, client, cast, days_back):
    """However many days overdue the review page's filter asks for, the answer is a list (empty
    when nothing is that late), not a date out of range: 1,000,000 days back is before year 1."""
    filed = case_in(CaseStatus.FILED)
    moment = timezone.now() + dt.timedelta(days=800)
    to_year_1 = local_date(moment).toordinal() - 1
    min_days = {"to year 1": to_year_1, "before year 1": to_year_1 + 1}.get(days_back, days_back)
    assert filed.pk in {r.case_id for r in clock_list_overdue(as_of=moment, min_days=1)}
    assert clock_list_overdue(as_of=moment, min_days=min_days) == []
    client.force_login(cast.supervisor)
    response = client.get("/overdue/", {"min_days": str(min_days)})
    assert response.status_code == 200 and response.context["rows"] == []


@pytest.mark.django_db
def test_due_soon_is_two_working_days_ahead(case_in):
    """A clock is "due soon" from the moment its last day is within 2 working days, until it ends."""
    case = case_in(CaseStatus.FILED)
    clock = _running(case, ClockKind.DECISION)
    calendar = WorkingCalendar.load()
    last_day = local_date(clock.due_at - dt.timedelta(microseconds=1))
    # the latest day from which the last day is 3 working days away
    day = last_day
    for _ in range(3):
        day -= dt.timedelta(days=1)
        while not calendar.is_working_day(day):
            day -= dt.timedelta(days=1)
    three_before = dt.datetime.combine(day, dt.time(12), tzinfo=BEIJING)
    assert calendar.add_working_days(day, 3).date >= last_day
    soon_from = end_of_day(day)  # the next day: the last day is at most 2 working days away
    assert case.pk not in {r.case_id for r in clock_list_due_soon(as_of=three_before)}
    if calendar.add_working_days(local_date(soon_from), 2).date >= last_day:
        assert case.pk in {r.case_id for r in clock_list_due_soon(as_of=soon_from)}
    assert case.pk in {r.case_id for r in clock_list_due_soon(as_of=clock.due_at - dt.timedelta(seconds=1))}
    assert case.pk not in {r.case_id for r in clock_list_due_soon(as_of=clock.due_at)}


@pytest.mark.django_db
def test_overdue_rows_follow_reassigned_officers(case_in, cast, squad):
    """Clocks copy the case's people: after a reassignment the rows, the officer filter and the
    ordering by officer show the new officers, names in alphabetical order."""
    from casework.services.cases import case_assign_officers

    filed = case_in(CaseStatus.FILED)
    moment = timezone.now() + dt.timedelta(days=800)
    [row] = [r for r in clock_list_overdue(as_of=moment) if r.case_id == filed.pk]
    assert [p.id for p in row.officers] == [cast.officer.pk, cast.officer2.pk]
    alpha = make_user("甲队员", squad, is_field_officer=True, certificate_number="44060123009")
    case_assign_officers(case=filed, actor=cast.supervisor, officers=[cast.officer2, alpha], reason="调岗")
    [row] = [r for r in clock_list_overdue(as_of=moment) if r.case_id == filed.pk]
    assert [p.name for p in row.officers] == sorted([cast.officer2.full_name, alpha.full_name])
    assert filed.pk not in {r.case_id for r in clock_list_overdue(as_of=moment, officer=cast.officer.pk)}
    assert filed.pk in {r.case_id for r in clock_list_overdue(as_of=moment, officer=alpha.pk)}
    other = case_in(CaseStatus.FILED)  # officer1 and officer2
    by_officer = [r.case_id for r in clock_list_overdue(as_of=moment, ordering="officer")]
    assert by_officer.index(other.pk) < by_officer.index(filed.pk)  # "officer1" < "officer2"
    by_officer = [r.case_id for r in clock_list_overdue(as_of=moment, ordering="-officer")]
    assert by_officer.index(filed.pk) < by_officer.index(other.pk)


@pytest.mark.django_db(transaction=True)
def test_migration_copies_people_onto_existing_clocks(case_in, cast):
    """Migration 0014 fills the people of clocks written before it, as clocks_refresh would."""
    import importlib

    from django.db import connection

    from casework.models import CasePeople

    persuading = case_in(CaseStatus.PERSUADING)
    filed = case_in(CaseStatus.FILED)
    CaseClock.objects.update(officer_ids=[], negotiator_ids=[], first_officer=None, first_negotiator=None)
    migration = importlib.import_module("casework.migrations.0014_clock_people")
    with connection.schema_editor() as editor:
        migration.copy_people_onto_clocks(None, editor)
    for case in (persuading, filed):
        people = CasePeople.of(case)
        assert people.officer_ids and (people.negotiator_ids or case is filed)
        for clock in CaseClock.objects.filter(case=case):
            assert {field: getattr(clock, field) for field in people.clock_fields()} == people.clock_fields()
