"""A person's task names its case's squad (viewflow's permission object), and the tasks a person
may take are found by it: the same people as may_take, whoever they are; tasks written before
the squad was recorded are given their case's (workflows migrations 0004 and 0006)."""

from __future__ import annotations

import importlib

from django.apps import apps
from django.db import connection
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from casework.models import CaseStatus, Role
from casework.scenarios import PATHS
from tests.casework.conftest import make_user
from workflows.assignment import SQUAD_ROLES, may_take
from workflows.flows import DemolitionFlow
from workflows.selectors import tasks_offered

S = CaseStatus
SQUAD_ROLES_MIGRATION = importlib.import_module("workflows.migrations.0004_tasks_offered_in_squad")
OTHER_ROLES_MIGRATION = importlib.import_module("workflows.migrations.0006_every_task_names_its_squad")


def test_every_persons_task_names_its_cases_squad(scenario, case_elsewhere):
    """Every task a person does (each role's), open or done, names its case's squad; the flow's
    own steps (start, gateways, end) name none."""
    here = scenario().run(PATHS[S.PERSUADING])
    there = case_elsewhere(S.UNDER_REVIEW)
    for case in (here, there):
        tasks = list(Task.objects.filter(process__demolitionprocess__case=case))
        assert {task.owner_permission for task in tasks} >= {
            None, Role.FIELD_OFFICER, Role.SUPERVISOR, Role.LEGAL_REVIEWER}
        for task in tasks:
            expected = case.squad if task.owner_permission else None
            assert task.owner_permission_obj == expected, (task.flow_task, task.status)
    assert Task.objects.filter(process__demolitionprocess__case=here, owner_permission=Role.NEGOTIATOR).exists()


def test_the_tasks_offered_are_the_ones_a_person_may_take(scenario, cast, squad, other_squad, elsewhere,
                                                          case_elsewhere):
    """For every kind of person (each role, another squad's, every role without a squad, an
    office-wide role with a squad role, disabled) the tasks offered are exactly the open,
    unowned tasks may_take lets them take."""
    # A second supervisor and officer in the other squad: its tasks then wait for someone to take them.
    make_user("supervisor6", other_squad, is_supervisor=True)
    make_user("officer7", other_squad, is_field_officer=True, certificate_number="44060123007")
    for status in (S.REPORTED, S.INSPECTED, S.UNDER_REVIEW):
        scenario().run(PATHS[status])
        case_elsewhere(status)
    persuading = scenario().run(PATHS[S.PERSUADING])
    # The office-wide roles' steps waiting too (the scenarios' reviews are taken at once).
    for role, flow_task in [(Role.LEGAL_REVIEWER, DemolitionFlow.legal_review),
                            (Role.HEAD_OF_OFFICE, DemolitionFlow.decide_execution)]:
        Task.objects.create(process=persuading.process, flow_task=flow_task, owner_permission=role)
    people = [
        cast.officer, cast.officer2, cast.supervisor, cast.negotiator, cast.reviewer, cast.head, elsewhere.officer,
        elsewhere.supervisor, make_user("negotiator9", squad, is_negotiator=True),
        make_user("everything", None, is_field_officer=True, is_supervisor=True, is_negotiator=True,
                  is_legal_reviewer=True, is_head_of_office=True, is_administrator=True),
        make_user("reviewing officer", other_squad, is_field_officer=True, is_legal_reviewer=True),
        make_user("left", squad, is_field_officer=True, is_supervisor=True, is_negotiator=True, is_active=False),
    ]
    waiting = list(Task.objects.filter(status=STATUS.NEW, owner=None).exclude(owner_permission=None)
                   .select_related("process__demolitionprocess__case").prefetch_related(
                       "process__demolitionprocess__case__negotiators"))
    assert {task.owner_permission for task in waiting} >= {Role.FIELD_OFFICER, Role.SUPERVISOR, Role.LEGAL_REVIEWER,
                                                          Role.HEAD_OF_OFFICE}
    for person in people:
        may = {task.pk for task in waiting
               if may_take(person, case=task.process.demolitionprocess.case, role=task.owner_permission)}
        assert {task.pk for task in tasks_offered(user=person)} == may, person.username


class _Statements:
    """What a migration's schema editor does for RunPython's raw SQL, inside the test's transaction
    (SQLite's schema editor refuses to open inside one)."""

    def execute(self, sql, params=()):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def test_the_migrations_give_earlier_tasks_their_cases_squad(scenario, case_elsewhere):
    """Tasks written before the flow recorded the squad (none named) are given their case's
    squad: the squad roles' by migration 0004, the others' by 0006; going back forgets it."""
    here = scenario().run(PATHS[S.PERSUADING])
    there = case_elsewhere(S.FILED)
    recorded = {task.pk: (task.owner_permission_content_type_id, task.owner_permission_obj_pk)
                for task in Task.objects.all()}
    assert {obj for _, obj in recorded.values()} == {None, str(here.squad_id), str(there.squad_id)}

    def named():
        return {task.pk: (task.owner_permission_content_type_id, task.owner_permission_obj_pk)
                for task in Task.objects.all()}

    Task.objects.update(owner_permission_content_type=None, owner_permission_obj_pk=None)
    SQUAD_ROLES_MIGRATION.offer_in_case_squads(apps, _Statements())
    by_0004 = named()
    assert {pk for pk, (_, obj) in by_0004.items() if obj} == set(
        Task.objects.filter(owner_permission__in=SQUAD_ROLES).values_list("pk", flat=True))
    OTHER_ROLES_MIGRATION.name_case_squads(apps, _Statements())
    assert named() == recorded

    OTHER_ROLES_MIGRATION.forget_squads(apps, _Statements())
    assert named() == by_0004
    SQUAD_ROLES_MIGRATION.forget_squads(apps, _Statements())
    assert not Task.objects.exclude(owner_permission_obj_pk=None).exists()
