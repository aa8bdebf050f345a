""""My work": which open tasks each person is given and offered, most urgent first, a page of
each section at a time, in a number of queries that does not grow with the tasks.

The rules are checked on cases driven through the services (their processes open the tasks);
ordering, paging and query counts on bulk-created cases, each given a process and an open task
directly (these tests read tasks, they do not walk the procedure)."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from casework.demo import ACCOUNTS
from casework.models import Case, CaseClock, CaseStatus, Party, User
from casework.scenarios import PATHS, Cast
from tests.casework.conftest import make_user
from workflows.flows import DemolitionFlow
from workflows.models import DemolitionProcess
from workflows.selectors import EXACT_COUNT_UP_TO, PAGE_SIZE, my_work, tasks_assigned, tasks_offered
from workflows.services import open_tasks

S = CaseStatus
MY_WORK = reverse("casework:my_work")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def cases_of(tasks) -> set[int]:
    return {task.process.demolitionprocess.case.pk for task in tasks}


# --- who sees which task ---------------------------------------------------------------------------

def test_each_role_is_given_and_offered_its_own_tasks(scenario, cast, squad, community, other_officer):
    """An officer is offered their squad's inspections (two officers may take them) and not another
    squad's; the squad's only supervisor is given the filing and the decision; the only legal
    reviewer is given the review of the execution; a task taken is the taker's and leaves the
    queue; a closed case has no task."""
    reported = scenario().run(PATHS[S.REPORTED])
    inspected = scenario().run(PATHS[S.INSPECTED])
    under_review = scenario().run(PATHS[S.UNDER_REVIEW])  # reviewed already: the decision is next
    demand_issued = scenario().run(PATHS[S.DEMAND_ISSUED])
    scenario().run(PATHS[S.CLOSED])

    assert cases_of(tasks_offered(user=cast.officer)) == cases_of(tasks_offered(user=cast.officer2)) == {reported.pk}
    assert cases_of(tasks_assigned(user=cast.officer)) == set()
    assert cases_of(tasks_offered(user=other_officer)) == cases_of(tasks_assigned(user=other_officer)) == set()
    assert cases_of(tasks_assigned(user=cast.supervisor)) == {inspected.pk, under_review.pk}
    assert cases_of(tasks_offered(user=cast.supervisor)) == set()
    assert cases_of(tasks_assigned(user=cast.reviewer)) == {demand_issued.pk}
    assert cases_of(tasks_offered(user=cast.reviewer)) == set()
    assert cases_of(tasks_offered(user=cast.head)) == cases_of(tasks_assigned(user=cast.head)) == set()

    task = open_tasks(case=reported).get()
    task.flow_task.activation_class(task).assign(cast.officer)
    assert cases_of(tasks_assigned(user=cast.officer)) == {reported.pk}
    assert cases_of(tasks_offered(user=cast.officer)) == cases_of(tasks_offered(user=cast.officer2)) == set()
    assert cases_of(tasks_assigned(user=cast.officer2)) == set()
    task.flow_task.activation_class(task).start(None)
    assert cases_of(tasks_assigned(user=cast.officer)) == {reported.pk}  # started: still theirs


def test_office_wide_roles_are_offered_every_squads_tasks(scenario, cast, case_elsewhere):
    """With two legal reviewers, a review of the execution waits in the queue and both are offered
    it, whatever the case's squad: the legal reviewer works for every squad."""
    second = make_user("reviewer2", None, is_legal_reviewer=True)
    here = scenario().run(PATHS[S.DEMAND_ISSUED])
    there = case_elsewhere(S.DEMAND_ISSUED)
    for reviewer in (cast.reviewer, second):
        assert cases_of(tasks_offered(user=reviewer)) == {here.pk, there.pk}
        assert cases_of(tasks_assigned(user=reviewer)) == set()
    assert cases_of(tasks_offered(user=cast.supervisor)) == set()


def test_negotiators_are_offered_only_their_own_cases(scenario, cast, squad):
    """A persuasion with two negotiators waits in the queue for those two only: not for another
    negotiator of the squad, nor for an officer who is also a negotiator, though both hold the role."""
    negotiator2 = make_user("negotiator2", squad, is_negotiator=True)
    negotiator3 = make_user("negotiator3", squad, is_negotiator=True)
    both = make_user("officer7", squad, is_field_officer=True, is_negotiator=True, certificate_number="44060123007")
    sc = scenario()
    sc.cast = Cast(**{**vars(cast), "negotiator2": negotiator2})
    persuading = sc.run(PATHS[S.PERSUADING])
    reported = scenario().run(PATHS[S.REPORTED])

    assert cases_of(tasks_offered(user=cast.negotiator)) == cases_of(tasks_offered(user=negotiator2)) == {persuading.pk}
    assert cases_of(tasks_offered(user=negotiator3)) == set()
    assert cases_of(tasks_offered(user=both)) == {reported.pk}
    assert cases_of(tasks_offered(user=cast.officer)) == {reported.pk}


def test_a_task_without_a_case_is_not_shown(cast):
    """A task of a process that is not a case's (another flow's) is neither offered nor given."""
    process = Process.objects.create(flow_class=DemolitionFlow)
    # Offered in the officer's squad, as a squad role's task is (CaseTask), but with no case.
    Task.objects.create(process=process, flow_task=DemolitionFlow.inspect, owner_permission="field_officer",
                        owner_permission_obj=cast.officer.squad)
    Task.objects.create(process=process, flow_task=DemolitionFlow.inspect, owner_permission="field_officer",
                        owner=cast.officer, status=STATUS.ASSIGNED)
    assert list(tasks_offered(user=cast.officer)) == list(tasks_assigned(user=cast.officer)) == []


# --- bulk-created tasks --------------------------------------------------------------------------

def add_cases(count: int, *, squad, community, start: int, office_due_at=None) -> list[Case]:
    """`count` reported cases with a party and two running clocks (the office's, a party's window)."""
    now = timezone.now()
    parties = Party.objects.bulk_create(Party(name=f"当事人{n}", address=f"五星村东区{n}号")
                                        for n in range(start, start + count))
    cases = Case.objects.bulk_create(
        Case(number=f"〔2025〕第{n:04d}号", year=2025, sequence=n, squad=squad, community=community, party=party,
             source="patrol", location=f"五星村东区{n}号", reported_at=now - dt.timedelta(days=3),
             status=S.REPORTED, office_due_at=office_due_at)
        for n, party in zip(range(start, start + count), parties, strict=True))
    CaseClock.objects.bulk_create(
        clock for case in cases for clock in (
            CaseClock.of_case(case, kind="filing", started_at=now - dt.timedelta(days=3),
                              due_at=office_due_at or now + dt.timedelta(days=4), rule="7 日"),
            CaseClock.of_case(case, kind="litigation", started_at=now - dt.timedelta(days=3),
                              due_at=now + dt.timedelta(days=180), is_window=True, rule="6 个月"),
        ))
    return cases


def open_task(case: Case, *, owner: User | None = None, created: dt.datetime | None = None) -> Task:
    """The case's process with its inspection open: in the squad's queue, or assigned to `owner`."""
    process = DemolitionProcess.objects.create(case=case, flow_class=DemolitionFlow)
    return Task.objects.create(process=process, flow_task=DemolitionFlow.inspect, owner_permission="field_officer",
                               owner_permission_obj=case.squad, owner=owner, status=STATUS.ASSIGNED if owner else STATUS.NEW,
                               created=created or timezone.now())


@pytest.fixture
def tasks(squad, community):
    """`tasks(count, owner=None, office_due_at=None)`: that many new cases with an open inspection each."""
    numbers = iter(range(1, 10_000))

    def grow(count: int, *, owner=None, office_due_at=None) -> list[Task]:
        cases = add_cases(count, squad=squad, community=community, start=next(numbers) * 100,
                          office_due_at=office_due_at)
        return [open_task(case, owner=owner) for case in cases]

    return grow


def test_the_longest_waiting_task_first_with_its_cases_clock(cast, squad, community):
    """Tasks come in the order they were opened (then by id), whatever their cases' deadlines;
    the clock a card shows is the case's most urgent running one."""
    now = timezone.now()
    soon, later = now + dt.timedelta(days=2), now + dt.timedelta(days=9)
    oldest = open_task(add_cases(1, squad=squad, community=community, start=1)[0], created=now - dt.timedelta(days=9))
    older = open_task(add_cases(1, squad=squad, community=community, start=2, office_due_at=later)[0],
                      created=now - dt.timedelta(days=5))
    newest = open_task(add_cases(1, squad=squad, community=community, start=3,
                                 office_due_at=now - dt.timedelta(days=1))[0], created=now)
    newer = open_task(add_cases(1, squad=squad, community=community, start=4, office_due_at=later)[0],
                      created=now - dt.timedelta(days=1))
    same_a, same_b = (open_task(case, created=now - dt.timedelta(hours=1)) for case in
                      add_cases(2, squad=squad, community=community, start=5, office_due_at=soon))
    expected = [oldest, older, newer, same_a, same_b, newest]
    assert [task.pk for task in tasks_offered(user=cast.officer)] == [task.pk for task in expected]

    page = my_work(user=cast.officer, now=now).offered
    assert [item.task.pk for item in page] == [task.pk for task in expected]
    assert [item.clock.kind for item in page] == ["filing"] * 6
    assert page[5].clock.overdue and not page[3].clock.overdue
    assert page[0].title == str(DemolitionFlow.inspect.task_title)

    # Taken, they keep that order in the person's own section.
    for task in reversed(expected):
        Task.objects.filter(pk=task.pk).update(owner=cast.officer, status=STATUS.ASSIGNED)
    assert [task.pk for task in tasks_assigned(user=cast.officer)] == [task.pk for task in expected]


def test_a_long_queue_is_counted_up_to_a_hundred(client, cast, tasks):
    """Past EXACT_COUNT_UP_TO tasks a section says "more than" and its pager shows no page count;
    the next page is still offered, and a page asked for past the count gets its tasks."""
    assert EXACT_COUNT_UP_TO == 100
    offered = tasks(EXACT_COUNT_UP_TO + 5)
    client.force_login(cast.officer)
    html = unescape(client.get(MY_WORK).content.decode())
    assert re.search(r'可领取的待办任务 <span class="cw-count">超过 100</span>', html)
    assert 'href="?offered=2#offered"' in html and "第 1 页，共" not in html
    response = client.get(MY_WORK, {"offered": "6"})
    assert page_of(response, "offered") == [t.pk for t in offered[5 * PAGE_SIZE:]]
    assert response.context["offered"].paginator.count == EXACT_COUNT_UP_TO + 5


def page_of(response, section: str) -> list[int]:
    return [item.task.pk for item in response.context[section]]


def test_each_section_has_its_own_pages(client, cast, tasks):
    """25 tasks assigned and 45 offered: each section shows 20 at a time with its exact total, its
    pager's links carry its own page and keep the other section's; each page continues the last."""
    mine = tasks(25, owner=cast.officer)
    offered = tasks(45)
    client.force_login(cast.officer)

    response = client.get(MY_WORK)
    assert page_of(response, "mine") == [t.pk for t in mine[:PAGE_SIZE]]
    assert page_of(response, "offered") == [t.pk for t in offered[:PAGE_SIZE]]
    html = unescape(response.content.decode())
    assert re.search(r'分派给我的 <span class="cw-count">25</span>', html)
    assert re.search(r'可领取的待办任务 <span class="cw-count">45</span>', html)
    assert 'href="?mine=2#mine"' in html and 'href="?offered=2#offered"' in html

    response = client.get(MY_WORK, {"mine": "1", "offered": "2"})
    assert page_of(response, "mine") == [t.pk for t in mine[:PAGE_SIZE]]
    assert page_of(response, "offered") == [t.pk for t in offered[PAGE_SIZE:2 * PAGE_SIZE]]
    html = unescape(response.content.decode())
    # The pager of "mine" keeps offered's page 2; offered's own links go to pages 1 and 3.
    assert 'href="?offered=2&mine=2#mine"' in html
    assert 'href="?offered=1#offered"' in html and 'href="?offered=3#offered"' in html

    response = client.get(MY_WORK, {"mine": "2", "offered": "3"})
    assert page_of(response, "mine") == [t.pk for t in mine[PAGE_SIZE:]]
    assert page_of(response, "offered") == [t.pk for t in offered[2 * PAGE_SIZE:]]
    html = unescape(response.content.decode())
    assert 'href="?offered=3&mine=1#mine"' in html and 'href="?mine=2&offered=2#offered"' in html
    assert "?offered=3&mine=3" not in html and "offered=4" not in html  # no page past the last


@pytest.mark.parametrize("mine,offered,expected", [
    ("abc", "", (1, 1)),
    ("2.5", "1e3", (1, 1)),
    ("99999999999999999999", "999", (2, 3)),  # past the end: the last page
    ("0", "-4", (2, 3)),  # as Paginator.get_page: below 1 is past the end too
    (" 2", "3 ", (2, 3)),
])
def test_odd_page_numbers_give_the_first_or_last_page(client, cast, tasks, mine, offered, expected):
    """A page number that is not a number gives page 1, one past the end the last page, in each
    section on its own."""
    tasks(25, owner=cast.officer)
    tasks(45)
    client.force_login(cast.officer)
    response = client.get(MY_WORK, {"mine": mine, "offered": offered})
    assert response.status_code == 200
    assert (response.context["mine"].number, response.context["offered"].number) == expected


def test_nothing_to_do_shows_the_empty_texts(client, cast, db):
    """With no task at all, both sections say so (and there is no pager)."""
    client.force_login(cast.officer)
    html = client.get(MY_WORK, {"mine": "3", "offered": "x"}).content.decode()
    assert "暂无分派给您的工作。" in html and "本中队暂无待领取的任务。" in html
    assert "cw-pager" not in html


def count_queries(client, page: int) -> tuple[int, object]:
    client.get(MY_WORK)  # a session's first request also stamps its activity
    with CaptureQueriesContext(connection) as queries:
        response = client.get(MY_WORK, {"mine": str(page), "offered": str(page)})
    assert response.status_code == 200
    return len(queries), response


def test_my_work_queries_do_not_grow_with_tasks(client, cast, tasks):
    """The page makes as many queries with 3 tasks in each section as with 30, on the first page
    and on a later one: each section is one query, its page with its count."""
    client.force_login(cast.officer)
    tasks(3, owner=cast.officer)
    tasks(3)
    few, _ = count_queries(client, 1)
    tasks(27, owner=cast.officer, office_due_at=timezone.now())
    tasks(27, office_due_at=timezone.now())
    many, _ = count_queries(client, 1)
    later, response = count_queries(client, 2)
    assert (len(response.context["mine"]), len(response.context["offered"])) == (10, 10)
    assert all(item.clock for item in response.context["offered"])
    assert many == few == later


# --- the demo ----------------------------------------------------------------------------------------

def test_my_work_opens_for_every_demo_account(client, db):
    """After `load_demo`, every demo account's "My work" answers with its sections as the selectors
    count them; the officers, the supervisor and the negotiator of the first squad have work."""
    call_command("load_demo", stdout=StringIO())
    busy = set()
    for account in ACCOUNTS:
        user = User.objects.get(username=account.username)
        client.force_login(user)
        response = client.get(MY_WORK)
        assert response.status_code == 200, account.username
        mine, offered = response.context["mine"], response.context["offered"]
        assert mine.paginator.count == tasks_assigned(user=user).count(), account.username
        assert offered.paginator.count == tasks_offered(user=user).count(), account.username
        assert len(mine) == min(PAGE_SIZE, mine.paginator.count)
        if mine.paginator.count + offered.paginator.count:
            busy.add(account.username)
    assert {"officer1", "officer2", "supervisor1", "negotiator1"} <= busy
