from casework.models import CaseStatus
from casework.scenarios import PATHS
from workflows.demo import load_demo_workflows
from workflows.selectors import tasks_assigned, tasks_offered
from workflows.services import open_tasks

S = CaseStatus


def test_demo_cases_get_processes_and_every_role_sees_work(scenario, cast):
    """Cases built through the services follow their process from registration; cases that predate
    the workflow (their process removed here) get one whose open task matches their state, so the
    officer, the supervisor and the negotiator each find their own work; a second run starts nothing."""
    reported = scenario().run(PATHS[S.REPORTED])
    inspected = scenario().run(PATHS[S.INSPECTED])
    persuading = scenario().run(PATHS[S.PERSUADING])
    closed = scenario().run(PATHS[S.CLOSED])

    assert load_demo_workflows() == 0  # the services started them already
    from workflows.models import DemolitionProcess

    for case in (reported, inspected, persuading, closed):
        process = DemolitionProcess.objects.get(case=case)
        process.task_set.all().delete()
        process.delete()
    assert load_demo_workflows() == 4
    assert load_demo_workflows() == 0

    assert [t.flow_task.name for t in open_tasks(case=reported)] == ["inspect"]
    assert [t.flow_task.name for t in open_tasks(case=inspected)] == ["approve_filing"]
    assert [t.flow_task.name for t in open_tasks(case=persuading)] == ["persuade"]
    assert list(open_tasks(case=closed)) == []
    # Two officers may inspect: the squad's queue; the only supervisor and the only negotiator: theirs.
    assert cases_of(tasks_offered(user=cast.officer)) == {reported.pk}
    assert cases_of(tasks_assigned(user=cast.officer)) == set()
    assert cases_of(tasks_assigned(user=cast.supervisor)) == {inspected.pk}
    assert cases_of(tasks_offered(user=cast.supervisor)) == set()
    assert cases_of(tasks_assigned(user=cast.negotiator)) == {persuading.pk}
    assert cases_of(tasks_offered(user=cast.negotiator)) == set()


def cases_of(tasks) -> set[int]:
    return {task.process.demolitionprocess.case.pk for task in tasks}
