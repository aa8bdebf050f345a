"""generate_cases writes each case's process and tasks without running the flow
(workflows.generation): they must be the rows the flow writes for the same history."""

import json

import pytest
from django.contrib.contenttypes.models import ContentType
from viewflow.workflow.models import Task

from casework.models import Approval, CaseEvent, EventKind, Role, Squad
from casework.scenarios import DISMISSED_PATH, FORCED_CLOSED_PATH, PATHS, TERMINATED_PATH
from workflows.assignment import task_candidates
from workflows.generation import FLOW_CLASS, FlowRows, Step
from workflows.models import DemolitionProcess

SUSPENDED_AFTER_DECISION = ["inspect", "file", "notify", "submit_review", "decide", "suspend"]
HISTORIES = [*PATHS.values(), FORCED_CLOSED_PATH, DISMISSED_PATH, TERMINATED_PATH, SUSPENDED_AFTER_DECISION]


def _steps_of(case) -> list[Step]:
    """The case's history as the flow followed it: its transitions, and the legal reviewers'
    approvals (which end their tasks), in the order they happened."""
    changes = [(event.occurred_at, event.pk, "event", event) for event in
               CaseEvent.objects.filter(case=case, kind=EventKind.TRANSITION).order_by("occurred_at", "pk")]
    changes += [(approval.occurred_at, approval.pk, "approval", approval) for approval in
                Approval.objects.filter(case=case).order_by("occurred_at", "pk")]
    steps, status, decision_kind, negotiators = [], "reported", "", ()
    for _at, _pk, kind, change in sorted(changes, key=lambda item: (item[0], item[2] == "event", item[1])):
        if kind == "approval":
            steps.append(Step(f"approve:{change.step}", status, change.approver_id, change.occurred_at, decision_kind,
                              negotiators))
            continue
        status = change.to_status
        if change.transition == "decide":
            decision_kind = change.data.get("decision_kind") or "demolish"
        if change.transition == "assign_negotiators":
            negotiators = tuple(person["id"] for person in change.data["negotiators"])
        steps.append(Step(change.transition, status, change.actor_id, change.occurred_at, decision_kind, negotiators))
    return steps


def _shape(tasks, links):
    """Tasks (id, node, type, status, role, owner, squad offered in, data) by position, and links between positions."""
    position = {task[0]: index for index, task in enumerate(tasks)}
    return [task[1:] for task in tasks], sorted((position[source], position[target]) for source, target in links)


@pytest.mark.parametrize("history", HISTORIES, ids=lambda history: ">".join(history) or "registered")
def test_generated_rows_are_the_rows_the_flow_writes(history, scenario, cast):
    case = scenario().run(history)
    process = DemolitionProcess.objects.get(case=case)
    real = list(Task.objects.filter(process=process).order_by("pk"))
    real_tasks = [(task.pk, task.flow_task.name, task.flow_task_type, task.status, task.token, task.owner_permission,
                   task.owner_id, task.owner_permission_content_type_id, task.owner_permission_obj_pk, task.data or {})
                  for task in real]
    real_links = [(task.pk, previous.pk) for task in real for previous in task.previous.all()]

    def sole_candidate(role, squad_id, negotiators):
        assert squad_id == case.squad_id
        people = list(negotiators) if role == Role.NEGOTIATOR else \
            list(task_candidates(case=case, role=role).values_list("pk", flat=True))
        return people[0] if len(people) == 1 else None

    flow = FlowRows(next_process_id=1, next_task_id=1, next_link_id=1, sole_candidate=sole_candidate,
                    squad_content_type_id=ContentType.objects.get_for_model(Squad).pk)
    flow.add_case(case_id=case.pk, squad_id=case.squad_id, reported_at=case.reported_at, steps=_steps_of(case))

    columns = FlowRows.TASK_COLUMNS
    generated_tasks = [(row[0], row[2].rsplit(".", 1)[1], *(row[columns.index(name)] for name in (
        "flow_task_type", "status", "token", "owner_permission", "owner_id", "owner_permission_content_type_id",
        "owner_permission_obj_pk")), json.loads(row[columns.index("data")]))
        for row in flow.tasks]
    generated_links = [(source, target) for _id, source, target in flow.links]
    assert _shape(generated_tasks, generated_links) == _shape(real_tasks, real_links)
    assert flow.demolition_processes == [(1, case.pk)]
    assert [(p[1], p[2], p[4] is not None) for p in flow.processes] == [
        (FLOW_CLASS, process.status, process.finished is not None)]
