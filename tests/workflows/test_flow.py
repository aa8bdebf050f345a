import pytest
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from casework.models import CaseStatus
from casework.scenarios import FORCED_CLOSED_PATH, PATHS
from workflows.models import DemolitionProcess
from workflows.services import open_tasks, process_start, task_take

S = CaseStatus

# The task the flow must offer in each state (procedure.md): who acts next.
EXPECTED_TASK = {
    S.REPORTED: "inspect",
    S.INSPECTED: "approve_filing",
    S.FILED: "serve_prior_notice",
    S.NOTIFIED: "await_party",
    S.HEARING: "hold_hearing",
    S.UNDER_REVIEW: "decide",  # the scenario's review step includes the reviewer's approval
    S.DECIDED: "assign_negotiators",
    S.PERSUADING: "persuade",
    S.SELF_DEMOLITION_COMMITTED: "self_demolition",
    S.SELF_DEMOLISHING: "self_demolition",
    S.ANNOUNCED: "issue_demand",
    S.DEMAND_ISSUED: "execution_review",
    S.EXECUTION_DECIDED: "force_demolish",
    S.FORCED_DEMOLISHED: "verify_forced",
    S.VERIFIED: "close",
    S.RECTIFIED: "close",
    S.SUSPENDED: "suspended",
}


def expected_task(case) -> str:
    if case.status == S.DECIDED and case.decision_kind == "rectify":
        return "rectify"
    return EXPECTED_TASK[case.status]


def _open_task_names(case):
    return sorted(task.flow_task.name for task in open_tasks(case=case))


def _actor_of(scenario, step):
    cast = scenario.cast
    return {"file": cast.supervisor, "decide": cast.supervisor, "assign_negotiators": cast.supervisor,
            "announce": cast.supervisor, "close": cast.supervisor, "suspend": cast.supervisor,
            "resume": cast.supervisor, "dismiss": cast.supervisor, "commit_self_demolition": cast.negotiator,
            "decide_execution": cast.head, "terminate": cast.head}.get(step.split(":")[0], cast.officer)


def _run_and_check(scenario, steps):
    case = scenario.register()
    process_start(case=case)
    assert _open_task_names(case) == ["inspect"]
    seen = [S.REPORTED]
    for step in steps:
        case = scenario.run([step])
        seen.append(case.status)
        if case.status == S.CLOSED:
            assert _open_task_names(case) == []
            assert DemolitionProcess.objects.get(case=case).status == STATUS.DONE
        else:
            assert _open_task_names(case) == [expected_task(case)], (step, case.status)
    return seen


def test_self_demolition_path_opens_the_task_of_each_state(scenario):
    """After every step of a full self-demolition run, exactly the task of the case's new state is open,
    and closing the case finishes the process."""
    seen = _run_and_check(scenario(), PATHS[S.CLOSED])
    assert seen[-1] == S.CLOSED


def test_forced_path_goes_through_review_and_the_head_of_office(scenario):
    """The forced path: announcement, demand, the legal reviewer's task, the head of office's decision, demolition,
    verification and closing — each with its own task."""
    sc = scenario()
    case = sc.register()
    process_start(case=case)
    for step in PATHS[S.DEMAND_ISSUED][:]:
        case = sc.run([step])
    assert _open_task_names(case) == ["execution_review"]
    remaining = FORCED_CLOSED_PATH[len(PATHS[S.DEMAND_ISSUED]):]
    for step in remaining:
        case = sc.run([step])
        expected = [] if case.status == S.CLOSED else [expected_task(case)]
        assert _open_task_names(case) == expected, (step, case.status)


def test_rectification_branch_and_suspension_detour(scenario):
    """A rectification decision leads to the officers' rectification check; a suspension opens the supervisor's
    resume task and resuming returns to the task of the state the case was suspended in."""
    _run_and_check(scenario(), PATHS[S.RECTIFIED] + ["close"])
    _run_and_check(scenario(), ["inspect", "file", "suspend", "resume"])


def test_legal_review_task_goes_to_the_reviewer(scenario, cast):
    """Submitting for review opens the legal review task, assigned to the only legal reviewer."""
    sc = scenario()
    case = sc.register()
    process_start(case=case)
    for step in ["inspect", "file", "notify"]:
        case = sc.run([step])
    from casework.services import cases

    sc._after_clocks("statement", "hearing_request")
    cases.case_submit_review(case=case, actor=cast.officer, occurred_at=sc._moment(1))
    tasks = list(open_tasks(case=case))
    assert [t.flow_task.name for t in tasks] == ["legal_review"]
    assert tasks[0].owner == cast.reviewer


def test_hearing_branch(scenario):
    """A hearing request opens the hearing task; after the hearing the case goes to review as usual."""
    seen = _run_and_check(scenario(), [*PATHS[S.HEARING], "submit_review", "decide"])
    assert S.HEARING in seen and seen[-1] == S.DECIDED


def test_each_gateway_is_one_finished_row_between_the_step_before_and_the_step_after(scenario):
    """The gateways are written once, already done (workflows.flows._DecidedOnCreation): each
    row is DONE with its finish time, follows the task that led to it and leads to the next."""
    case = scenario().run(FORCED_CLOSED_PATH)
    tasks = Task.objects.filter(process__demolitionprocess__case=case)
    gateways = list(tasks.filter(flow_task_type__in=["SWITCH", "IF"]).prefetch_related("previous", "leading"))
    assert len(gateways) > len(FORCED_CLOSED_PATH)
    for gateway in gateways:
        assert gateway.status == STATUS.DONE and gateway.finished >= gateway.created, gateway
        assert len(gateway.previous.all()) == 1 and len(gateway.leading.all()) == 1, gateway
    assert not tasks.exclude(status__in=[STATUS.DONE]).exists()


@pytest.mark.parametrize("taken_by", [None, "officer2"], ids=["offered", "taken_by_another"])
def test_the_step_done_is_owned_by_who_did_it_whoever_held_it(scenario, cast, taken_by):
    """An offered task, or one another officer took, is completed by the transition that does
    its work: done, started, owned by the actor, with the action and the actor in its data."""
    story = scenario()
    case = story.register()
    (task,) = open_tasks(case=case)
    assert task.status == STATUS.NEW and task.owner_id is None
    if taken_by:
        task_take(task=task, actor=getattr(cast, taken_by))
    story.run(["inspect"])
    task.refresh_from_db()
    assert (task.status, task.owner_id) == (STATUS.DONE, cast.officer.pk)
    assert task.started is not None and task.finished >= task.started
    assert task.data == {"action": "inspect", "by": cast.officer.pk}
