"""Fixtures of the fault tests: a Redis server of the test's own (it can be stopped, and a
killed worker's unacknowledged messages die with it) and Celery workers on it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings

from config.celery_app import app
from tests.conftest import CeleryWorker, start_celery_worker, stop_celery_worker

SERVER_START_TIMEOUT = 20.0


def wait_for(condition, what: str, timeout: float = 30.0, interval: float = 0.05):
    """Poll `condition` until it returns something true, and return that; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A `redis-server` on a free port, without persistence: stopping it loses what it held,
    as an outage of a cache-configured broker does."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def _answers(self) -> bool:
        try:
            return redis.Redis(port=self.port, socket_connect_timeout=0.5, socket_timeout=0.5).ping()
        except redis.RedisError:
            return False

    def start(self) -> None:
        command = [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                   "--save", "", "--appendonly", "no", "--dir", str(self.directory)]
        log = (self.directory / "redis.log").open("a")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"redis-server did not start on port {self.port}:\n"
                            f"{(self.directory / 'redis.log').read_text(errors='replace')[-2000:]}")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop the server and wait until it is gone (the port then refuses connections)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


# The workers of a private broker consume Celery's default queue, as in production: tasks that
# queue other tasks from the worker (the pending sweep queues renders) reach them.
QUEUE = "celery"


def _use_broker(url: str, queue: str) -> None:
    """Point this process's Celery app at `url` and `queue`: publishing, control (ping) and
    the health check. Celery reads CELERY_BROKER_URL from the environment before its
    configuration, so the environment is set too."""
    os.environ["CELERY_BROKER_URL"] = url
    app.conf.broker_url = url
    app.conf.task_default_queue = queue
    # The app caches its connection and producer pools for the first URL it used.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def private_broker(tmp_path) -> Iterator[RedisServer]:
    """A Redis server of this test's own, used as this process's broker during the test."""
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed (apt-get install redis-server)")
    directory = tmp_path / "redis"
    directory.mkdir()
    server = RedisServer(directory)
    server.start()
    previous = (os.environ.get("CELERY_BROKER_URL"), settings.CELERY_BROKER_URL, app.conf.task_default_queue)
    # A run without CELERY_BROKER_URL runs tasks in-process (config.settings): during the test
    # they go to this broker, as a deployment's do, also on a laptop's PostgreSQL run.
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    _use_broker(server.url, QUEUE)
    try:
        yield server
    finally:
        app.conf.task_always_eager = eager
        server.stop()
        environment, url, queue = previous
        _use_broker(url, queue)
        if environment is None:
            del os.environ["CELERY_BROKER_URL"]
        else:
            os.environ["CELERY_BROKER_URL"] = environment


class Workers:
    """Start Celery workers on the private broker and the test database; all are stopped at
    the end of the test. They share one media directory, as the workers of one site do."""

    def __init__(self, broker: RedisServer, database: str, directory: Path, queue: str):
        self.broker = broker
        self.database = database
        self.directory = directory
        self.queue = queue
        self.started: list[CeleryWorker] = []

    @property
    def media_root(self) -> Path:
        return self.directory / "media"

    def start(self, *, pause: str | None = None, marker: Path | None = None, concurrency: int = 1) -> CeleryWorker:
        module = ["tests.casework.faults.paused_worker", pause, str(marker)] if pause else None
        worker = start_celery_worker(database=self.database, broker_url=self.broker.url, queue=self.queue,
                                     directory=self.directory, concurrency=concurrency, module=module)
        self.started.append(worker)
        return worker

    def stop_all(self) -> None:
        for worker in self.started:
            stop_celery_worker(worker)


@pytest.fixture
def workers(private_broker, tmp_path) -> Iterator[Workers]:
    from django.db import connection

    directory = tmp_path / "workers"
    directory.mkdir()
    pool = Workers(private_broker, connection.settings_dict["NAME"], directory, QUEUE)
    try:
        yield pool
    finally:
        pool.stop_all()
