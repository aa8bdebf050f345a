"""The shared cache (casework/cache.py) with Redis down or not answering: pages are served from
the database, nothing fails, and the process stops asking Redis for a few seconds."""

from __future__ import annotations

import socket
import threading

import pytest
from django.core.cache import caches
from django.urls import reverse

from casework import cache as shared_cache
from casework.models import User

PASSWORD = "Correct-horse-7"


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def silent_redis():
    """A server that accepts connections and never answers: a Redis host that hangs."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0", accepted
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    server.close()


def use_cache(settings, url: str, timeout: float = 0.2) -> None:
    settings.CACHES = {"default": {"BACKEND": "casework.cache.SharedRedisCache", "LOCATION": url,
                                   "OPTIONS": {"socket_connect_timeout": timeout, "socket_timeout": timeout}}}
    settings.SESSION_ENGINE = "casework.sessions"


@pytest.fixture
def officer(db):
    return User.objects.create_user(username="officer1", password=PASSWORD, full_name="李明", is_field_officer=True)


def test_with_redis_down_every_page_is_served_and_signing_in_and_out_work(client, officer, settings, caplog):
    """Connection refused: the calendar, the filters' choices and the session are read from the
    database; the failure is logged."""
    use_cache(settings, f"redis://127.0.0.1:{unused_port()}/0")
    response = client.post("/accounts/login/", {"username": "officer1", "password": PASSWORD},
                           REMOTE_ADDR="10.0.0.7")
    assert response.status_code == 302
    for name in ("casework:my_work", "casework:case_list"):
        assert client.get(reverse(name)).status_code == 200
    client.post("/accounts/logout/")
    assert client.get(reverse("casework:my_work")).status_code == 302
    assert "Shared cache unreachable" in caplog.text


def test_a_redis_that_does_not_answer_costs_one_timeout_then_is_left_alone(silent_redis, settings, caplog):
    """A hanging Redis: the first call gives up after the socket timeout (without one this test
    would never end) and answers a miss; the calls within RETRY_AFTER do not even connect."""
    url, connections = silent_redis
    use_cache(settings, url, timeout=0.2)
    cache = caches["default"]
    assert cache.get("calendar", "missing") == "missing"
    cache.set("calendar", "copy")
    assert cache.get_many(["a", "b"]) == {}
    assert cache.add("a", 1) is False
    assert cache.set_many({"a": 1}) == ["a"]
    cache.delete("calendar")
    assert len(connections) == 1
    assert caplog.text.count("Shared cache unreachable") == 1


def test_redis_is_asked_again_after_the_pause(settings, monkeypatch):
    """The pause after a failure is RETRY_AFTER seconds, then Redis is tried again."""
    use_cache(settings, f"redis://127.0.0.1:{unused_port()}/0")
    cache = caches["default"]
    calls = []
    original = shared_cache.RedisCache.get

    def counting_get(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(shared_cache.RedisCache, "get", counting_get)
    clock = [1000.0]
    monkeypatch.setattr(shared_cache.time, "monotonic", lambda: clock[0])
    cache.get("x")
    cache.get("x")
    assert len(calls) == 1
    clock[0] += shared_cache.RETRY_AFTER + 0.1
    cache.get("x")
    assert len(calls) == 2
