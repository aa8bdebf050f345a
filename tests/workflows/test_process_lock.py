"""The process lock (workflows.flows): whoever changes a process's tasks holds its row until
their transaction ends, so a person taking a task while the case moves on waits, then sees the
task done, instead of writing their stale copy over it."""

from __future__ import annotations

import os
import threading

import pytest
from django.db import connection, transaction
from viewflow.workflow.status import STATUS

from casework.errors import NotAllowed
from workflows.flows import DemolitionFlow
from workflows.services import open_tasks, task_take

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                       reason="row locks: needs PostgreSQL (DATABASE_URL)"),
    pytest.mark.django_db(transaction=True),
]


def test_taking_a_task_waits_for_the_change_completing_it_then_is_refused(scenario, cast):
    story = scenario()
    case = story.register()
    (task,) = open_tasks(case=case)
    assert task.flow_task.name == "inspect" and task.status == STATUS.NEW and task.owner_id is None
    stale = DemolitionFlow.task_class.objects.get(pk=task.pk)  # the copy the second officer's page holds
    outcome = {}

    def take():
        try:
            task_take(task=stale, actor=cast.officer2)
            outcome["taken"] = True
        except NotAllowed as refusal:
            outcome["refused"] = str(refusal.message)
        except Exception as error:  # reported by the assertion below, not lost in the thread
            outcome["error"] = repr(error)
        finally:
            connection.close()

    taker = threading.Thread(target=take)
    with transaction.atomic():
        story.run(["inspect"])  # the inspecting officer's change completes the task, holding the process
        taker.start()
        taker.join(timeout=1.5)
        assert taker.is_alive(), f"the take did not wait for the process: {outcome}"
    taker.join(timeout=30)

    assert "refused" in outcome, outcome
    task.refresh_from_db()
    assert task.status == STATUS.DONE and task.owner_id == cast.officer.pk
    assert [t.flow_task.name for t in open_tasks(case=case)] == ["approve_filing"]
