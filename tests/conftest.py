"""What the whole suite shares: the `postgres` and `worker` markers, and a real Celery worker.

Tests marked `postgres` run only when DATABASE_URL points at PostgreSQL; tests marked `worker`
only when CELERY_BROKER_URL names a broker and the database is PostgreSQL (the worker is a
separate process, so it must reach the same test database). Otherwise they are skipped with
the reason, or fail when TEST_REQUIRE_SERVICES lists the marker (CI sets it, so a
misconfigured CI run cannot pass by skipping them).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

BASE_DIR = Path(__file__).resolve().parent.parent
WORKER_START_TIMEOUT = 60.0


def _uses_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def _has_broker() -> bool:
    return not settings.CELERY_TASK_ALWAYS_EAGER


def _missing_service(marker: str) -> str | None:
    """Why tests with this marker cannot run here, or None when they can."""
    if marker == "postgres" and not _uses_postgres():
        return "needs PostgreSQL: set DATABASE_URL=postgres://..."
    if marker == "worker":
        if not _has_broker():
            return "needs a Celery broker: set CELERY_BROKER_URL=redis://..."
        if not _uses_postgres():
            return "needs PostgreSQL: the worker process must share the test database"
    return None


def _skip_or_fail(marker: str, reason: str) -> None:
    required = {name.strip() for name in os.environ.get("TEST_REQUIRE_SERVICES", "").split(",")}
    if marker in required:
        pytest.fail(f"{reason} (TEST_REQUIRE_SERVICES={os.environ['TEST_REQUIRE_SERVICES']})", pytrace=False)
    pytest.skip(reason)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    for marker in ("postgres", "worker"):
        if item.get_closest_marker(marker):
            reason = _missing_service(marker)
            if reason:
                _skip_or_fail(marker, reason)


@pytest.fixture(scope="session", autouse=True)
def _no_session_left_on_the_test_database(request):
    """On PostgreSQL, end whatever is still connected to the test database (a killed worker's
    backend not yet gone, a thread's connection) just before pytest-django drops it, which
    otherwise fails with "being accessed by other users" and leaves the database behind.
    Set up after the test database (so torn down before it), on PostgreSQL runs only."""
    if not _uses_postgres():
        yield
        return
    request.getfixturevalue("django_db_setup")
    blocker = request.getfixturevalue("django_db_blocker")
    yield
    from django.db import connection

    with blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()")


@pytest.fixture(scope="session", autouse=True)
def celery_test_queue():
    """With a real broker, this session's tasks go to a queue of its own.

    Several test runs may share one Redis (parallel CI jobs, xdist processes); a private queue
    keeps each run's worker from taking another run's tasks, and nothing is left behind on the
    shared `celery` queue. Yields the queue name, or None when tasks run in-process.
    """
    if not _has_broker():
        yield None
        return
    from config.celery_app import app

    queue = f"pytest-{uuid.uuid4().hex[:12]}"
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        yield queue
    finally:
        app.conf.task_default_queue = previous
        # Declaring first tells kombu the queue's bindings, so deleting removes those too.
        with app.connection_for_write() as connection:
            declared = app.amqp.queues[queue](connection.default_channel)
            declared.declare()
            declared.delete()


@dataclass(frozen=True)
class CeleryWorker:
    """A running `celery worker` process that consumes this session's queue."""

    process: subprocess.Popen
    nodename: str
    queue: str
    database: str
    media_root: Path
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def answers_ping(self) -> bool:
        """Whether the worker answers a ping through the app's broker (False if that is unreachable)."""
        from kombu.exceptions import OperationalError
        from redis import RedisError

        from config.celery_app import app

        try:
            return bool(app.control.ping(destination=[self.nodename], timeout=0.5))
        except (OperationalError, RedisError, OSError):
            return False

    def wait_until(self, condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
        """Poll `condition` until it holds; fail with the worker's log if it never does."""
        deadline = time.monotonic() + timeout
        while not condition():
            if self.process.poll() is not None:
                pytest.fail(f"the Celery worker exited ({self.process.returncode}) before {what}:\n{self.log()[-4000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}; worker log:\n{self.log()[-4000:]}")
            time.sleep(0.1)


def _with_database_name(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def start_celery_worker(
    *, database: str, broker_url: str, queue: str, directory: Path, concurrency: int = 2,
    module: list[str] | None = None,
) -> CeleryWorker:
    """Start a `celery worker` on `database` that consumes `queue` of `broker_url`, and wait
    until it answers a ping (through the app's current broker, which must be `broker_url`).

    `module` replaces `-m celery -A config` (e.g. a wrapper that prepares the worker for a fault
    test; it must take the same arguments after it). The worker runs in a process group of its
    own, so a test can kill it with all its pool processes (`os.killpg`).
    """

    nodename = f"{queue}-{uuid.uuid4().hex[:6]}@{socket.gethostname()}"
    media_root = directory / "media"
    log_path = directory / f"worker-{nodename.split('@')[0]}.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _with_database_name(settings.DATABASE_URL, database),
        "CELERY_BROKER_URL": broker_url,
        "MEDIA_ROOT": str(media_root),
        "DATA_DIR": str(directory),
    }
    command = [
        sys.executable, "-m", *(module or ["celery", "-A", "config"]), "worker",
        "--loglevel=info", "--pool=prefork", f"--concurrency={concurrency}",
        "--queues", queue, "--hostname", nodename,
        "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    worker = CeleryWorker(process, nodename, queue, database, media_root, log_path)
    try:
        worker.wait_until(worker.answers_ping, "the worker to answer a ping", timeout=WORKER_START_TIMEOUT)
    except BaseException:
        stop_celery_worker(worker)
        raise
    return worker


def stop_celery_worker(worker: CeleryWorker) -> None:
    """A warm shutdown lets a running task finish and closes its database connections (before
    pytest-django drops the test database); a worker that does not stop in time is killed."""
    process = worker.process
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # pool processes left behind, if any
    except ProcessLookupError:
        pass
    process.wait()


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, celery_test_queue, tmp_path_factory):
    """Start a real `celery worker` on the test database and this session's queue.

    It starts after pytest-django has created the test database (`test_<name>`) and points its
    DATABASE_URL there. Tests that use it mark themselves `worker` and
    `django_db(transaction=True)`, because the worker sees only committed rows. Files it writes
    go to `media_root` (the test's own MEDIA_ROOT is a different, per-test directory).
    """
    reason = _missing_service("worker")
    if reason:
        _skip_or_fail("worker", reason)
    from django.db import connection

    from config.celery_app import app

    # The queue is new, but purge it anyway: a message left by an earlier run under the same
    # name would otherwise run against this run's database.
    with app.connection_for_write() as broker:
        broker.default_channel.queue_purge(celery_test_queue)
    worker = start_celery_worker(
        database=connection.settings_dict["NAME"], broker_url=settings.CELERY_BROKER_URL, queue=celery_test_queue,
        directory=tmp_path_factory.mktemp("celery-worker"),
    )
    try:
        yield worker
    finally:
        stop_celery_worker(worker)


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in-process, as the embedded default does, also in a run that has a broker."""
    from config.celery_app import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


@pytest.fixture(autouse=True)
def _office_language_after_each_test():
    """A page request activates its language and Django leaves it active on the thread; reset
    it after every test so the next one does not depend on the order the tests ran in."""
    yield
    from django.utils import translation

    translation.deactivate()
