"""Reads for "My work": the open tasks assigned to a person and those they may take, a page of
each at a time, the longest waiting first, with their cases' most urgent clocks."""

from __future__ import annotations

import datetime as dt
import operator
from dataclasses import dataclass
from functools import reduce

from django.core.paginator import Page
from django.db.models import Q, QuerySet
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from casework.models import Case, Role, User
from casework.selectors.cases import CasePaginator, ClockView, urgent_clock_json, urgent_clock_view
from workflows.assignment import SQUAD_ROLES

CASE = "process__demolitionprocess__case"

# Tasks on a page of each section of "My work".
PAGE_SIZE = 20
# Each section counts its tasks exactly up to this many, then says "more than": a squad's
# queue on a large installation holds tens of thousands, and counting them all (through each
# task's case, for its squad) would cost more than the page itself on every sign-in. Up to a
# hundred, PostgreSQL counts by walking the index and stops there.
EXACT_COUNT_UP_TO = 100

# What a card reads: the task's step and state, its case's number, state, place and party. Not
# the whole case (about 60 columns, its search text the longest) on every row.
_TASK_COLUMNS = ("flow_task", "status", "owner", "created", "process", "process__demolitionprocess",
                 CASE, f"{CASE}__number", f"{CASE}__status", f"{CASE}__location", f"{CASE}__party__name")

# The longest waiting first. A task opens when the step before it is done, which is when the
# next step's statutory clock starts, so step for step the oldest task is the most urgent (its
# card shows its clock). Read from the indexes in this order (workflows migration 0002), a page
# costs the same with a hundred tasks or tens of thousands; ordering by the case's deadline
# would sort every matching task of the squad on every sign-in.
_LONGEST_WAITING_FIRST = ("created", "pk")


@dataclass
class WorkItem:
    task: Task
    case: Case
    title: str
    clock: ClockView | None


def _tasks(condition: Q) -> QuerySet[Task]:
    """Open tasks matching `condition` on cases (a process without a case has no task here),
    the longest waiting first, with what a card shows and the case's most urgent clock (one subquery
    per row: urgent_clock_view reads it) in the same query."""
    return (
        Task.objects.filter(condition, **{f"{CASE}__isnull": False})
        .select_related(f"{CASE}__party")
        .only(*_TASK_COLUMNS)
        .annotate(urgent_clock=urgent_clock_json(CASE))
        .order_by(*_LONGEST_WAITING_FIRST)
    )


def tasks_assigned(*, user: User) -> QuerySet[Task]:
    """The tasks assigned to `user` and not done yet, the longest waiting first."""
    return _tasks(Q(owner=user, status__in=[STATUS.ASSIGNED, STATUS.STARTED]))


def tasks_offered(*, user: User) -> QuerySet[Task]:
    """The unassigned tasks `user` may take, the longest waiting first (offered_to)."""
    return _tasks(offered_to(user))


def offered_to(user: User) -> Q:
    """The unassigned open tasks `user` may take: those of their squad roles offered in their
    squad, of their office-wide roles in every squad, and a negotiator's on the cases they are
    assigned to. The same people as workflows.assignment.may_take.

    A squad role's task carries its squad as viewflow's permission object (CaseTask), and the
    partial index of workflows migration 0004 holds unowned new tasks by role and that squad:
    a person's queue is read from their squad's rows alone. Matched through each task's case, it
    walked every squad's tasks of the role to keep the person's (8 squads at a million cases:
    30 ms for an officer's queue, and ten times that with ten times the squads)."""
    if not user.is_active:
        return Q(pk__in=[])
    roles = set(user.roles) - {Role.NEGOTIATOR}
    squad_roles, office_roles = roles & SQUAD_ROLES, roles - SQUAD_ROLES
    offered = []
    if office_roles:
        offered.append(Q(owner_permission__in=office_roles))
    if squad_roles and user.squad_id is not None:
        offered.append(Q(owner_permission__in=squad_roles, owner_permission_obj_pk=str(user.squad_id)))
    if user.is_negotiator:
        # A subquery, not a join: a join on the case's negotiators would need DISTINCT.
        own_cases = Case.negotiators.through.objects.filter(user_id=user.pk).values("case_id")
        offered.append(Q(owner_permission=Role.NEGOTIATOR, **{f"{CASE}__in": own_cases}))
    if not offered:
        return Q(pk__in=[])
    return Q(status=STATUS.NEW, owner__isnull=True) & reduce(operator.or_, offered)


def work_page(tasks: QuerySet[Task], number, *, now: dt.datetime) -> Page:
    """The page `number` of `tasks` (tasks_assigned or tasks_offered) as WorkItems, with the
    count (exact up to EXACT_COUNT_UP_TO, or up to the page asked for); as Paginator.get_page,
    not a number gives page 1 and past the end the last page.

    A page's tasks are found by their ids first (CasePaginator): the page's rows alone are then
    read with their cases and clocks, not every row the OFFSET skips, and the count comes in the
    same query."""
    page = CasePaginator(tasks, PAGE_SIZE, exact_count_up_to=EXACT_COUNT_UP_TO, count_in_order=True).get_page(number)
    items = []
    for task in page.object_list:
        case = task.process.demolitionprocess.case
        items.append(WorkItem(task, case, str(task.flow_task.task_title or task.flow_task),
                              urgent_clock_view(task.urgent_clock, case=case, now=now)))
    page.object_list = items
    return page


@dataclass
class MyWork:
    mine: Page  # of WorkItems: tasks_assigned
    offered: Page  # of WorkItems: tasks_offered


def my_work(*, user: User, mine_page=1, offered_page=1, now: dt.datetime | None = None) -> MyWork:
    """The pages of "My work" for `user`: `mine_page` of their tasks, `offered_page` of the
    tasks they may take (page numbers as a request carries them)."""
    now = now or timezone.now()
    return MyWork(mine=work_page(tasks_assigned(user=user), mine_page, now=now),
                  offered=work_page(tasks_offered(user=user), offered_page, now=now))
