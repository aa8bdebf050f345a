"""The process and task rows DemolitionFlow leaves behind a case's history, for generate_cases.

A generated case gets the rows the flow would have written had its history gone through the
services: its process, the start, every `where` switch and gateway passed, each person's task
(done by whoever performed the step, or still open for the next one) and the end. Running a
million histories through viewflow would take hours; these rows are written with COPY instead.
tests/workflows/test_generation.py compares them, row by row, with the rows of cases moved by
the real services.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from viewflow.workflow.fields import get_flow_ref, get_task_ref
from viewflow.workflow.status import PROCESS, STATUS

from casework.models import CaseStatus, DecisionKind
from workflows.flows import DemolitionFlow

S = CaseStatus
FLOW = DemolitionFlow.instance
FLOW_CLASS = get_flow_ref(DemolitionFlow)

# What `where` leads to in each state: the gateways passed, then the person's task (flows.py).
_TASK_OF_STATE = {
    S.REPORTED: "inspect", S.INSPECTED: "approve_filing", S.FILED: "serve_prior_notice",
    S.NOTIFIED: "await_party", S.HEARING: "hold_hearing", S.PERSUADING: "persuade",
    S.SELF_DEMOLITION_COMMITTED: "self_demolition", S.SELF_DEMOLISHING: "self_demolition",
    S.ANNOUNCED: "issue_demand", S.EXECUTION_DECIDED: "force_demolish", S.FORCED_DEMOLISHED: "verify_forced",
    S.VERIFIED: "close", S.RECTIFIED: "close", S.SUSPENDED: "suspended", S.CLOSED: "end",
}
# States whose next task depends on a legal review: the gateway, the reviewer's task before the
# approval and the decision's after it, and the approval that ends the reviewer's task.
REVIEWED = {
    S.UNDER_REVIEW: ("reviewed", "legal_review", "decide", "approve:legal_review_decision"),
    S.DEMAND_ISSUED: ("execution_reviewed", "execution_review", "decide_execution", "approve:legal_review_execution"),
}


def nodes_after(status: str, *, reviewed: bool, decision_kind: str) -> list[str]:
    """The nodes `where` passes through in `status`, ending with the task it opens (or the end)."""
    if status in REVIEWED:
        gateway, review, decision, _approval = REVIEWED[status]
        return ["where", gateway, decision if reviewed else review]
    if status == S.DECIDED:
        return ["where", "demolish_or_rectify", "rectify" if decision_kind == DecisionKind.RECTIFY
                else "assign_negotiators"]
    return ["where", _TASK_OF_STATE[status]]


@dataclass
class Step:
    """One change the flow followed: a transition, or an approval that ends a reviewer's task;
    with the case's decision kind and negotiators after it (what the gateways and the
    assignment of the next task read)."""

    action: str
    status_after: str
    actor: int
    at: dt.datetime
    decision_kind: str = ""
    negotiators: tuple[int, ...] = ()


@dataclass
class FlowRows:
    """Allocates ids and collects the rows of many cases' processes, ready for COPY."""

    next_process_id: int
    next_task_id: int
    next_link_id: int
    # (role, case's squad, case's negotiators) -> the one person a new task goes to, or None
    # when several may take it (workflows.assignment.sole_candidate).
    sole_candidate: Callable[[str, int, tuple[int, ...]], int | None]
    # The content type of casework's Squad: a person's task names its case's squad (CaseTask's
    # permission object).
    squad_content_type_id: int
    processes: list[tuple] = field(default_factory=list)
    demolition_processes: list[tuple] = field(default_factory=list)
    tasks: list[tuple] = field(default_factory=list)
    links: list[tuple] = field(default_factory=list)

    PROCESS_COLUMNS = ["id", "flow_class", "status", "created", "finished", "data"]
    DEMOLITION_PROCESS_COLUMNS = ["process_ptr_id", "case_id"]
    TASK_COLUMNS = ["id", "process_id", "flow_task", "flow_task_type", "status", "created", "started", "finished",
                    "token", "owner_permission", "owner_id", "data", "owner_permission_content_type_id",
                    "owner_permission_obj_pk"]
    LINK_COLUMNS = ["id", "from_task_id", "to_task_id"]

    def add_case(self, *, case_id: int, squad_id: int, reported_at: dt.datetime, steps: Iterable[Step]) -> None:
        """The rows for one case of `squad_id` registered at `reported_at` whose history is `steps`."""
        process_id = self._take("next_process_id")
        self.demolition_processes.append((process_id, case_id))
        previous = self._task(process_id, "start", STATUS.DONE, reported_at, reported_at, reported_at, None, None)
        previous, open_task = self._advance(process_id, previous, Step("", S.REPORTED, 0, reported_at), squad_id)
        finished = None
        for step in steps:
            # The open task is completed by whoever acted, whatever it offered (process_advance).
            index, created = open_task
            row = self.tasks[index]
            self.tasks[index] = (*row[:4], STATUS.DONE, created, step.at, step.at, row[8], row[9], step.actor,
                                 json.dumps({"action": step.action, "by": step.actor}), *row[12:])
            previous, open_task = self._advance(process_id, previous, step, squad_id)
            if step.status_after == S.CLOSED:
                finished = step.at
        self.processes.append((process_id, FLOW_CLASS, PROCESS.DONE if finished else PROCESS.NEW, reported_at,
                               finished, "{}"))

    def _advance(self, process_id: int, previous: int, step: Step, squad_id: int):
        """`where` and the gateways after `step`, then the task they open (its index among the
        rows and when it opened) or the end (None)."""
        nodes = nodes_after(step.status_after, reviewed=step.action.startswith("approve:"),
                            decision_kind=step.decision_kind)
        for name in nodes[:-1]:
            previous = self._task(process_id, name, STATUS.DONE, step.at, None, step.at, None, None, previous)
        last = nodes[-1]
        if last == "end":
            return self._task(process_id, last, STATUS.DONE, step.at, step.at, step.at, None, None, previous), None
        role = FLOW.node(last).role
        owner = self.sole_candidate(role, squad_id, step.negotiators)
        task_id = self._task(process_id, last, STATUS.ASSIGNED if owner else STATUS.NEW, step.at, None, None, role,
                             owner, previous, squad_id=squad_id)
        return task_id, (len(self.tasks) - 1, step.at)

    def _task(self, process_id, name, status, created, started, finished, role, owner, previous=None, *,
              squad_id=None) -> int:
        node = FLOW.node(name)
        task_id = self._take("next_task_id")
        case_squad = (self.squad_content_type_id, str(squad_id)) if role else (None, None)
        self.tasks.append((task_id, process_id, get_task_ref(node),
                           node.task_type, status, created, started, finished, "start", role, owner, "{}",
                           *case_squad))
        if previous is not None:
            self.links.append((self._take("next_link_id"), task_id, previous))
        return task_id

    def _take(self, counter: str) -> int:
        value = getattr(self, counter)
        setattr(self, counter, value + 1)
        return value

    def clear(self) -> None:
        self.processes.clear()
        self.demolition_processes.clear()
        self.tasks.clear()
        self.links.clear()
