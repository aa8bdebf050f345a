"""Reads for "My work": the open tasks a person does or may take, with their cases' clocks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, Q
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from casework.models import CaseClock, CaseStatus, Role, User
from casework.selectors.cases import ClockView, most_urgent_clock

CASE = "process__demolitionprocess__case"


@dataclass
class WorkItem:
    task: Task
    case: object
    title: str
    mine: bool
    clock: ClockView | None


def _squad_scope(user: User) -> Q:
    return Q() if user.sees_all_squads else Q(**{f"{CASE}__squad_id": user.squad_id})


def work_for(*, user: User, now: dt.datetime | None = None) -> list[WorkItem]:
    """Tasks assigned to `user`, then the unassigned tasks of their squad their roles may take
    (a negotiator only those of their own cases), most urgent first."""
    now = now or timezone.now()
    roles = set(user.roles) - {Role.NEGOTIATOR}
    offered = Q(status=STATUS.NEW, owner__isnull=True, owner_permission__in=roles) & _squad_scope(user)
    if user.is_negotiator:
        offered |= Q(status=STATUS.NEW, owner__isnull=True, owner_permission=Role.NEGOTIATOR,
                     **{f"{CASE}__negotiators": user})
    mine = Q(owner=user, status__in=[STATUS.ASSIGNED, STATUS.STARTED])
    tasks = (
        Task.objects.filter(mine | offered, **{f"{CASE}__isnull": False})
        .select_related("process", f"{CASE}", f"{CASE}__party", f"{CASE}__community")
        .prefetch_related(
            Prefetch(f"{CASE}__clocks", queryset=CaseClock.objects.filter(satisfied_at__isnull=True),
                     to_attr="running_clocks")
        )
        .distinct()
        .order_by("created")
    )
    items = []
    for task in tasks:
        case = task.process.demolitionprocess.case
        clock = most_urgent_clock(case.running_clocks, now, suspended=case.status == CaseStatus.SUSPENDED)
        items.append(WorkItem(task, case, str(task.flow_task.task_title or task.flow_task), task.owner_id == user.pk,
                              clock))
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    items.sort(key=lambda item: (not item.mine, item.clock.due_at if item.clock else far))
    return items
