from django.urls import reverse

import config.urls  # noqa: F401 - the flow learns its URL namespace when the URLconf loads
from casework.models import CaseStatus
from casework.scenarios import PATHS
from tests.casework.conftest import make_user
from workflows.demo import load_demo_workflows
from workflows.flows import DemolitionFlow
from workflows.services import open_tasks

S = CaseStatus


def test_inbox_task_opens_the_case_form_of_its_step(client, scenario, cast):
    """The viewflow inbox's task link (execute) opens the case's form for a one-step task (the prior notice),
    and the case page, with its action buttons, for a task offering a choice (file or dismiss)."""
    filed = scenario().run(PATHS[S.FILED])
    inspected = scenario().run(PATHS[S.INSPECTED])
    load_demo_workflows()
    client.force_login(cast.supervisor)
    task = open_tasks(case=inspected).get()
    url = DemolitionFlow.instance.reverse("approve_filing:execute", args=[task.process_id, task.pk])
    assert client.get(url)["Location"] == inspected.get_absolute_url()

    task = open_tasks(case=filed).get()
    task.flow_task.activation_class(task).assign(cast.officer)
    client.force_login(cast.officer)
    url = DemolitionFlow.instance.reverse("serve_prior_notice:execute", args=[task.process_id, task.pk])
    assert client.get(url)["Location"] == reverse("casework:case_action", args=[filed.pk, "notify"])


PROCESS_PAGES = ["index", "inbox", "queue", "archive", "process_list", "task_list"]


def test_process_pages_open_for_every_role_holder(client, scenario, cast):
    """Holding a role is enough to open viewflow's dashboard, inbox, queue, archive, process
    list, task list and the history of a process they work on (no 403), with tasks in the lists."""
    scenario().run(PATHS[S.INSPECTED])
    case = scenario().run(PATHS[S.PERSUADING])  # the negotiator's too
    load_demo_workflows()
    flow = DemolitionFlow.instance
    holders = [cast.officer, cast.supervisor, cast.negotiator, cast.reviewer, cast.head,
               make_user("admin1", None, is_administrator=True)]
    for person in holders:
        client.force_login(person)
        for name, args in [*((page, []) for page in PROCESS_PAGES), ("process_detail", [case.process.pk])]:
            assert client.get(flow.reverse(name, args=args)).status_code == 200, (person, name)


def test_process_pages_are_refused_without_a_role(client, scenario, cast):
    """Someone signed in without a role gets 403 on every process page, and so does nobody signed
    in (the site refuses the app before the view could send them to sign in)."""
    case = scenario().run(PATHS[S.INSPECTED])
    flow = DemolitionFlow.instance
    urls = [flow.reverse(page) for page in PROCESS_PAGES] + [flow.reverse("process_detail", args=[case.process.pk])]
    client.force_login(make_user("nobody", cast.officer.squad))
    for url in urls:
        assert client.get(url).status_code == 403, url
    client.logout()
    for url in urls:
        assert client.get(url).status_code == 403, url


def test_process_history_of_another_squads_case_is_forbidden(client, scenario, other_officer):
    """viewflow's process page of a case belongs to that case's squad: another squad's officer gets 403."""
    case = scenario().run(PATHS[S.INSPECTED])
    load_demo_workflows()
    client.force_login(other_officer)
    assert client.get(DemolitionFlow.instance.reverse("process_detail", args=[case.process.pk])).status_code == 403
