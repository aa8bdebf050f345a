"""Queuing background work: after commit, never failing the request, run by a real worker."""

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from casework.tasks import enqueue_on_commit, sessions_clear_expired

BASE_DIR = Path(__file__).resolve().parents[2]
SUCCEEDED = re.compile(r"Task casework\.tasks\.sessions_clear_expired\[[0-9a-f-]+\] succeeded")


def make_sessions() -> tuple[str, str]:
    now = timezone.now()
    expired = Session.objects.create(session_key="e" * 32, session_data="{}", expire_date=now - dt.timedelta(hours=1))
    live = Session.objects.create(session_key="l" * 32, session_data="{}", expire_date=now + dt.timedelta(hours=8))
    return expired.pk, live.pk


@pytest.fixture
def in_process_tasks(monkeypatch):
    """Run tasks eagerly in this process, whatever broker the run is configured with."""
    monkeypatch.setitem(sessions_clear_expired.app.conf, "task_always_eager", True)


@pytest.mark.django_db
def test_task_runs_only_when_the_transaction_commits(in_process_tasks, django_capture_on_commit_callbacks):
    """Nothing runs inside the transaction; on commit the task deletes expired sessions only."""
    expired, live = make_sessions()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        enqueue_on_commit(sessions_clear_expired)
        assert Session.objects.filter(pk=expired).exists()
    assert len(callbacks) == 1
    assert not Session.objects.filter(pk=expired).exists()
    assert Session.objects.filter(pk=live).exists()


@pytest.mark.django_db
def test_rolled_back_transaction_queues_nothing(in_process_tasks, django_capture_on_commit_callbacks):
    """If the transaction rolls back, the task is never sent and the expired session stays."""
    expired, _ = make_sessions()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            enqueue_on_commit(sessions_clear_expired)
            raise RuntimeError("the request failed")
    assert callbacks == []
    assert Session.objects.filter(pk=expired).exists()


def test_unreachable_broker_does_not_fail_the_request(tmp_path):
    """With the broker down, the commit still succeeds and a warning says what was not queued.

    Run in a fresh process whose settings point at a port nobody listens on, as a web worker
    would be configured.
    """
    code = (
        "import django; django.setup()\n"
        "from django.db import connection, transaction\n"
        "from casework.tasks import enqueue_on_commit, sessions_clear_expired\n"
        "with transaction.atomic(), connection.cursor() as cursor:\n"
        "    cursor.execute('CREATE TABLE saved_change (id integer)')\n"
        "    cursor.execute('INSERT INTO saved_change VALUES (1)')\n"
        "    enqueue_on_commit(sessions_clear_expired)\n"
        "with connection.cursor() as cursor:\n"
        "    cursor.execute('SELECT count(*) FROM saved_change')\n"
        "    print('committed', cursor.fetchone()[0])\n"
    )
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "DEBUG", "SECRET_KEY"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings", DATA_DIR=str(tmp_path), CELERY_BROKER_URL="redis://127.0.0.1:1/0"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "committed 1"
    assert "Broker unreachable, casework.tasks.sessions_clear_expired() not queued" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_runs_the_task_queued_on_commit(celery_worker_process):
    """Through Redis, a separate worker process runs the task against the test database."""
    expired, live = make_sessions()
    with transaction.atomic():
        enqueue_on_commit(sessions_clear_expired)

    celery_worker_process.wait_until(
        lambda: not Session.objects.filter(pk=expired).exists(), "the worker to delete the expired session"
    )
    assert Session.objects.filter(pk=live).exists()
    celery_worker_process.wait_until(
        lambda: SUCCEEDED.search(celery_worker_process.log()) is not None, "the worker to log the task's success"
    )
