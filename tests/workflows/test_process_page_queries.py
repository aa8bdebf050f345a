"""viewflow's process pages (/process/: the dashboard, inbox, queue, archive, process list and
the dashboard's task list) cost as many queries for 3 cases as for 9, and their filter forms
offer the flow's tasks, not the processes or tasks found in the rows (workflows.viewsets).

Cases are moved through the real services, so each has its process and tasks: the supervisor
has a suspended case to resume in the inbox and finished tasks in the archive, the legal
reviewer a review in the inbox, the officers' steps wait unowned, in their queue.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from viewflow.workflow.fields import get_task_ref

import config.urls  # noqa: F401 - the flow learns its URL namespace when the URLconf loads
from casework.models import CaseStatus
from casework.scenarios import PATHS
from tests.casework.conftest import make_user
from workflows.flows import DemolitionFlow
from workflows.services import open_tasks

S = CaseStatus
FLOW = DemolitionFlow.instance
FEW = [S.SUSPENDED, S.FILED, S.DEMAND_ISSUED, S.PERSUADING]
MORE = [S.SUSPENDED, S.FILED, S.DEMAND_ISSUED, S.INSPECTED, S.REPORTED, S.PERSUADING]
# The steps people do, in the order of procedure.md (and of DemolitionFlow).
PEOPLES_TASKS = ["inspect", "approve_filing", "serve_prior_notice", "await_party", "hold_hearing", "legal_review",
                 "decide", "rectify", "assign_negotiators", "persuade", "self_demolition", "issue_demand",
                 "execution_review", "decide_execution", "force_demolish", "verify_forced", "close", "suspended"]
# Who looks at which page: the squad's supervisor everywhere; the legal reviewer's inbox (all
# squads' reviews); the negotiator's dashboard (cases reached by assignment); the
# officer's queue (the steps their squad may take). The dashboard's
# task list ("Show all") as its links open it, filtered: the open tasks.
VIEWERS = {
    "supervisor": ["index", "inbox", "archive", "process_list", "task_list?finished="],
    "reviewer": ["index", "inbox", "archive"],
    "negotiator": ["index"],
    "admin": ["index"],
    "officer": ["queue"],
}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def people(cast, squad):
    return {
        "supervisor": cast.supervisor, "reviewer": cast.reviewer, "negotiator": cast.negotiator,
        "officer": cast.officer, "head": cast.head,
        "admin": make_user("admin1", None, is_administrator=True, is_superuser=True),
    }


def count_queries(client, url) -> tuple[int, object]:
    client.get(url)  # a session's first request also stamps its activity
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries), response


def rows(response) -> int:
    """How many tasks or processes the page shows."""
    if "columns" in response.context:
        return sum(len(column["tasks"]) for column in response.context["columns"]) + len(response.context["finished"])
    return len(response.context["object_list"])


def plans(statements, *, sorts: bool = False) -> list[str]:
    """PostgreSQL's plan of each statement, with sequential scans (and sorts, unless `sorts`)
    forbidden: the tables hold a few rows, where those are cheapest, and the plan then shows
    which index serves the read."""
    found = []
    with connection.cursor() as cursor:
        # The statistics of the rows the test made, not whatever autovacuum last saw (or nothing):
        # between two indexes on a few rows the choice otherwise depends on when it ran.
        cursor.execute("ANALYZE viewflow_task")
        cursor.execute("SET LOCAL enable_seqscan = off")
        if not sorts:
            cursor.execute("SET LOCAL enable_sort = off")
        for sql in statements:
            cursor.execute(f"EXPLAIN {sql}")
            found.append("\n".join(row[0] for row in cursor.fetchall()))
    return found


def measure(client, people) -> dict[tuple[str, str], tuple[int, int]]:
    found = {}
    for who, pages in VIEWERS.items():
        client.force_login(people[who])
        for page in pages:
            name, _, query = page.partition("?")
            queries, response = count_queries(client, FLOW.reverse(name) + (f"?{query}" if query else ""))
            found[who, page] = (queries, rows(response))
    return found


def test_process_pages_queries_do_not_grow_with_cases(client, case_in, people):
    """Each page makes as many queries for 3 cases as for 9, for each of its viewers (with rows
    shown in both)."""
    for status in FEW:
        case_in(status)
    few = measure(client, people)
    for status in MORE:
        case_in(status)
    many = measure(client, people)
    for key, (_, shown) in few.items():
        assert shown > 0, f"{key} shows nothing with few cases"
        assert many[key][1] > shown, f"{key} shows no more with more cases"
    assert {key: queries for key, (queries, _) in many.items()} == {key: queries for key, (queries, _) in few.items()}


def test_dashboard_columns_are_newest_first_with_what_their_cards_read(client, case_in, cast):
    """Each column lists its open tasks newest first, with the process as DemolitionProcess,
    the case and the owner already read (the cards' buttons ask for them)."""
    first, second = case_in(S.INSPECTED), case_in(S.INSPECTED)
    client.force_login(cast.supervisor)
    response = client.get(FLOW.reverse("index"))
    column = next(c for c in response.context["columns"] if c["node"] is DemolitionFlow.approve_filing)
    assert [task.process.demolitionprocess.case for task in column["tasks"]] == [second, first]
    with CaptureQueriesContext(connection) as queries:
        for task in column["tasks"]:
            assert task.owner == cast.supervisor
            assert task.flow_task.can_view(cast.supervisor, task) and task.flow_task.can_execute(cast.supervisor, task)
            assert task.brief
    assert len(queries) == 0


def test_dashboard_cards_name_their_case_and_read_only_what_they_show(client, case_in, cast):
    """A card shows its case's number and place (viewflow showed "#process/task" ids and a
    summary repeating the column's title); a column's query reads those of the case's sixty
    columns, not its descriptions, figures and JSON data."""
    case = case_in(S.INSPECTED)
    client.force_login(cast.supervisor)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(FLOW.reverse("index"))
    page = response.content.decode()
    assert case.number in page and case.location in page
    column = next(c for c in response.context["columns"] if c["node"] is DemolitionFlow.approve_filing)
    assert f"#{column['tasks'][0].process_id}/{column['tasks'][0].pk}" not in page
    column_reads = [q["sql"] for q in queries if q["sql"].startswith('SELECT "viewflow_task"."id"')
                    and '"casework_case"."number"' in q["sql"]]
    assert column_reads
    for sql in column_reads:
        assert '"casework_case"."location"' in sql
        assert '"casework_case"."description"' not in sql and '"casework_case"."search_bigrams"' not in sql
        assert '"casework_user"."password"' not in sql


@pytest.mark.parametrize("who", ["supervisor", "officer", "negotiator", "reviewer"])
def test_each_card_has_the_button_viewflows_template_chose_with_viewflows_link(client, case_in, cast, who):
    """A card's button is the first of Execute, Assign and View its person may use, as viewflow's
    template chose it, and links where viewflow's reverse does; a finished case's card links to
    its process. The links are made once per node and put together per card."""
    from workflows.viewsets import CARD_ACTIONS

    for status in (S.INSPECTED, S.FILED, S.PERSUADING, S.UNDER_REVIEW, S.CLOSED):
        case_in(status)
    user = getattr(cast, who)
    client.force_login(user)
    response = client.get(FLOW.reverse("index"))
    page = response.content.decode()
    namespace = response.wsgi_request.resolver_match.namespace
    cards = [task for column in response.context["columns"] for task in column["tasks"]]
    assert cards
    for task in cards:
        expected = next(((view_name, label) for view_name, check, label in CARD_ACTIONS
                         if getattr(task.flow_task, check)(user, task)), None)
        if expected is None:
            assert not getattr(task, "card_link", None), task
            continue
        link = task.flow_task.reverse(expected[0], args=[task.process_id, task.pk], current_app=namespace)
        assert (task.card_link, str(task.card_action)) == (link, str(expected[1])), task
        assert f'href="{link}"' in page
    assert any(getattr(task, "card_link", None) for task in cards)
    finished = response.context["finished"]
    assert finished
    for task in finished:
        link = FLOW.reverse("process_detail", args=[task.process_id], current_app=namespace)
        assert task.card_link == link and f'href="{link}"' in page


def test_task_filters_offer_the_flows_tasks_not_the_processes(client, case_in, people):
    """The inbox and the queue have no per-process filter (at a million cases, tens of
    thousands of <option>s); the inbox, queue and archive offer every task people do, by its
    title and in the procedure's order, whatever their rows hold."""
    for status in FEW:
        case_in(status)
    expected = [(get_task_ref(FLOW.node(name)), str(FLOW.node(name).task_title)) for name in PEOPLES_TASKS]
    assert len(expected) == len([node for node in FLOW.nodes() if node.task_type == "HUMAN"])
    for who, page in [("supervisor", "inbox"), ("officer", "queue"), ("supervisor", "archive")]:
        client.force_login(people[who])
        response = client.get(FLOW.reverse(page))
        assert response.context["object_list"], (who, page)
        assert 'name="process"' not in response.content.decode()
        assert "process" not in response.context["view"].filterset.filters
        choices = response.context["view"].filterset.filters["flow_task"].field.choices
        assert [(value, str(label)) for value, label in choices if value] == expected, page


def test_inbox_and_archive_filter_by_task(client, case_in, cast):
    """Choosing a task in the inbox or the archive lists only the tasks of that step."""
    case_in(S.SUSPENDED)
    inspected = case_in(S.INSPECTED)
    client.force_login(cast.supervisor)
    approve = FLOW.reverse("inbox") + "?flow_task=" + "workflows/flows.DemolitionFlow.approve_filing"
    listed = client.get(approve).context["object_list"]
    assert [task.pk for task in listed] == [open_tasks(case=inspected).get().pk]
    assert len(client.get(FLOW.reverse("inbox")).context["object_list"]) == 2

    archive = client.get(FLOW.reverse("archive") + "?flow_task=workflows/flows.DemolitionFlow.approve_filing")
    assert [task.flow_task for task in archive.context["object_list"]] == [DemolitionFlow.approve_filing]
    assert not client.get(FLOW.reverse("archive") + "?flow_task=workflows/flows.DemolitionFlow.inspect"
                          ).context["object_list"]


def test_process_list_is_newest_first_with_open_task_counts(client, case_in, cast):
    """The process list shows the newest process first, each with its open tasks (counted for
    the rows shown), and filters by the process's status."""
    reported, closed, inspected = case_in(S.REPORTED), case_in(S.CLOSED), case_in(S.INSPECTED)
    client.force_login(cast.supervisor)
    listed = client.get(FLOW.reverse("process_list")).context["object_list"]
    assert [(process.case, process.active_tasks_count) for process in listed] == [
        (inspected, 1), (closed, 0), (reported, 1)]
    listed = client.get(FLOW.reverse("process_list") + "?status=DONE").context["object_list"]
    assert [(process.case, process.active_tasks_count) for process in listed] == [(closed, 0)]


def test_queue_lists_the_tasks_a_person_may_take_as_my_work_does(client, case_in, people, cast):
    """The queue is "My work"'s second section, newest first: the officers' unowned steps on
    their squad's cases (viewflow's own queue matched owner_permission against Django
    permissions, and showed our tasks to no one but a superuser). The menu counts it."""
    from workflows.selectors import tasks_offered

    first, second = case_in(S.REPORTED), case_in(S.REPORTED)
    for who in ["officer", "supervisor", "reviewer", "negotiator", "head", "admin"]:
        client.force_login(people[who])
        response = client.get(FLOW.reverse("queue"))
        listed = [task.pk for task in response.context["object_list"]]
        assert listed == [task.pk for task in tasks_offered(user=people[who])][::-1], who
        assert response.context["user_queue"].count == str(len(listed)), who
    client.force_login(cast.officer)
    listed = client.get(FLOW.reverse("queue")).context["object_list"]
    assert [task.process.demolitionprocess.case for task in listed] == [second, first]


def test_menu_counts_stop_at_99(client, case_in, cast, monkeypatch):
    """The menu's inbox and queue numbers are counted to MENU_COUNT_UP_TO at most, then "+"."""
    from workflows import viewsets

    case_in(S.REPORTED), case_in(S.REPORTED), case_in(S.SUSPENDED)
    client.force_login(cast.officer)
    assert client.get(FLOW.reverse("inbox")).context["user_queue"].count == "2"
    monkeypatch.setattr(viewsets, "MENU_COUNT_UP_TO", 1)
    response = client.get(FLOW.reverse("inbox"))
    assert response.context["user_queue"].count == "1+"
    assert "1+" in response.content.decode()
    client.force_login(cast.supervisor)
    assert client.get(FLOW.reverse("archive")).context["user_inbox"].count == "1"  # the suspended case


def test_lists_count_up_to_a_limit_then_say_more_than(client, case_in, cast, monkeypatch):
    """The inbox, archive, task list and process list count their rows only up to
    EXACT_COUNT_UP_TO (a reviewer's archive holds a task of every case of the office), then say
    "more than" and still page on past it; under the limit the count is exact."""
    from workflows import viewsets

    for status in FEW:
        case_in(status)
    client.force_login(cast.supervisor)
    archive = client.get(FLOW.reverse("archive"))
    finished = archive.context["paginator"].count
    assert finished > 2 and archive.context["paginator"].count_is_exact
    assert f"共 {finished} 条" in archive.content.decode()

    # The count also runs to the end of the page asked for: pages of one row.
    monkeypatch.setattr(viewsets, "EXACT_COUNT_UP_TO", 2)
    for view in [viewsets.ArchiveView, viewsets.TaskListView, viewsets.ProcessListView]:
        monkeypatch.setattr(view, "paginate_by", 1)
    for page in ["archive", "task_list", "process_list"]:
        response = client.get(FLOW.reverse(page))
        paginator = response.context["paginator"]
        assert not paginator.count_is_exact, page
        assert paginator.count == 3, page  # counted to one past the limit: there is more to see
        assert "第 1–1 条，共超过 2 条" in response.content.decode(), page
    # Past the limit, the pages go on.
    assert client.get(FLOW.reverse("archive") + f"?page={finished}").context["page_obj"].number == finished


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
def test_newest_first_reads_come_in_order_from_an_index(client, case_in, cast):
    """The process list (one process per case) and the dashboard's closed column (the end tasks)
    are read newest first from the indexes of workflows migration 0003, not by sorting or
    walking past every process or task of the office."""
    case_in(S.CLOSED), case_in(S.REPORTED)
    client.force_login(cast.supervisor)
    with CaptureQueriesContext(connection) as queries:
        client.get(FLOW.reverse("process_list"))
        client.get(FLOW.reverse("index"))
    process_page = next(q["sql"] for q in queries.captured_queries
                        if q["sql"].startswith('SELECT "viewflow_process"."id"') and "ORDER BY" in q["sql"])
    closed_column = next(q["sql"] for q in queries.captured_queries if "DemolitionFlow.end'" in q["sql"])
    for plan, index in zip(plans([process_page, closed_column]), ["workflows_process_by_created",
                                                                   "workflows_task_ended"], strict=True):
        assert index in plan, plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
def test_task_counts_are_read_in_the_order_of_their_index(client, case_in, cast, case_elsewhere):
    """The counts of the tasks a person may take (My work's section, the queue page, the menu)
    run in the list's order, which the partial index of the tasks offered in a squad holds
    (workflows_task_unowned_new_in_squad, by role, squad and age): counted unordered, PostgreSQL
    chose viewflow's index on the status and read every open task of the office to count one
    squad's (363 ms against 0.3 ms at a million cases); matched through each task's case, every
    squad's tasks of the role were read to keep the officer's."""
    from django.urls import reverse

    case_in(S.REPORTED), case_in(S.REPORTED)
    for _other in range(6):  # another squad's tasks of the role: the squad is what tells them apart
        case_elsewhere(S.REPORTED)
    client.force_login(cast.officer)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("casework:my_work"))
        client.get(FLOW.reverse("queue"))
    counts = [q["sql"] for q in queries.captured_queries
              if "COUNT(*)" in q["sql"] and "\"viewflow_task\".\"owner_permission\" IN" in q["sql"]]
    assert len(counts) >= 3, counts  # My work's page with its count, the queue's count, the menu's
    for sql in counts:
        counted = re.search(r"COUNT\(\*\) FROM \((SELECT .*? LIMIT \d+)\)", sql).group(1)
        assert 'ORDER BY "viewflow_task"."created"' in counted, sql
        assert '"casework_case"' not in counted, sql  # the squad is the task's, not read from its case
    for plan in plans(counts):
        assert "workflows_task_unowned_new_in_squad" in plan and "viewflow_task_status" not in plan, plan


def test_process_pages_show_the_cases_a_person_may_read(client, scenario, cast, elsewhere, case_elsewhere):
    """The dashboard, the process list and the task list show the processes and tasks of the
    cases the person may read (people-and-work.md): a supervisor and an officer their squad's, a
    negotiator the cases assigned to them, the head of office every squad's. viewflow showed
    every squad's tasks (case numbers, steps, owners) to everyone holding a role."""
    filed, persuading = scenario().run(PATHS[S.FILED]), scenario().run(PATHS[S.PERSUADING])
    there = case_elsewhere(S.FILED)
    shown = {
        "supervisor": {filed, persuading}, "officer": {filed, persuading}, "head": {filed, persuading, there},
        "negotiator": {persuading}, "other supervisor": {there},
    }
    people = {"supervisor": cast.supervisor, "officer": cast.officer, "head": cast.head, "negotiator": cast.negotiator,
              "other supervisor": elsewhere.supervisor}
    for who, cases in shown.items():
        client.force_login(people[who])
        dashboard = client.get(FLOW.reverse("index")).context
        on_dashboard = {task.process.demolitionprocess.case for column in dashboard["columns"] for task in column["tasks"]}
        assert on_dashboard == cases, who
        # Every page of the lists: the rows their paginators page through.
        processes = client.get(FLOW.reverse("process_list")).context["paginator"].object_list
        assert {process.case for process in processes} == cases, who
        tasks = client.get(FLOW.reverse("task_list")).context["paginator"].object_list
        assert {task.process.demolitionprocess.case for task in tasks} == cases, who


def test_a_negotiators_columns_are_newest_first_and_as_long_as_anyone_elses(client, case_in, cast, monkeypatch):
    """A negotiator's dashboard is read in one query over their cases (ProcessDashboardView.
    _columns_ranked): each column newest first, cut at MAX_ROWS, as the others' columns are."""
    from workflows.viewsets import ProcessDashboardView

    first, second, third = case_in(S.PERSUADING), case_in(S.PERSUADING), case_in(S.PERSUADING)
    client.force_login(cast.negotiator)

    def persuade_column():
        columns = client.get(FLOW.reverse("index")).context["columns"]
        column = next(c for c in columns if c["node"] is DemolitionFlow.persuade)
        return [task.process.demolitionprocess.case for task in column["tasks"]]

    assert persuade_column() == [third, second, first]
    monkeypatch.setattr(ProcessDashboardView, "MAX_ROWS", 2)
    assert persuade_column() == [third, second]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
def test_a_negotiators_open_tasks_are_found_from_their_cases(client, case_in, cast):
    """The negotiator's one query finds the open task of each of their cases' processes in the
    index of workflows migration 0005, not by reading the open tasks of the whole office at
    every step (the index on the steps) and keeping theirs."""
    case_in(S.PERSUADING), case_in(S.FILED)
    client.force_login(cast.negotiator)
    with CaptureQueriesContext(connection) as queries:
        client.get(FLOW.reverse("index"))
    ranked = next(q["sql"] for q in queries.captured_queries if "ROW_NUMBER()" in q["sql"])
    [plan] = plans([ranked], sorts=True)  # ranking sorts the rows found
    assert "workflows_task_open_by_process" in plan and "workflows_task_open_by_node" not in plan, plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
def test_a_squads_columns_are_read_by_step_and_squad(client, case_in, cast, case_elsewhere):
    """A supervisor's dashboard columns are read newest first from the index of workflows
    migration 0006, by step and by the squad the task names: not by walking every squad's open
    tasks at the step (the index on the steps alone) and keeping those of the squad's cases."""
    case_in(S.INSPECTED), case_in(S.FILED)
    for _other in range(3):  # another squad's tasks at the same steps: the squad is what tells them apart
        case_elsewhere(S.INSPECTED), case_elsewhere(S.FILED)
    client.force_login(cast.supervisor)
    with CaptureQueriesContext(connection) as queries:
        client.get(FLOW.reverse("index"))
    columns = [q["sql"] for q in queries.captured_queries
               if '"viewflow_task"."owner_permission_obj_pk" =' in q["sql"] and "LIMIT 26" in q["sql"]]
    assert len(columns) > 10, [q["sql"][:200] for q in queries.captured_queries]
    for plan in plans(columns):
        assert "workflows_task_open_by_node_in_squad" in plan, plan
