"""Sessions read through the shared cache (casework/sessions.py, the engine when CACHE_URL is
set): no session query on a signed-in request, and signing out, the idle timeout and a
session deleted in the database still end it."""

import datetime as dt

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.models import User
from casework.sessions import CACHE_SECONDS

PASSWORD = "Correct-horse-7"


@pytest.fixture(autouse=True)
def cached_sessions(settings):
    settings.SESSION_ENGINE = "casework.sessions"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def officer(db):
    return User.objects.create_user(username="officer1", password=PASSWORD, full_name="李明", is_field_officer=True)


def sign_in(client):
    response = client.post("/accounts/login/", {"username": "officer1", "password": PASSWORD}, REMOTE_ADDR="10.0.0.7")
    assert response.status_code == 302
    return response


def signed_in(client) -> bool:
    return client.get(reverse("casework:my_work")).status_code == 200


def session_reads(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert signed_in(client)
    return sum('FROM "django_session"' in query["sql"] for query in queries)


def test_a_signed_in_request_reads_the_session_from_the_cache(client, officer):
    """After signing in, pages read the session from the cache, not the database; a cold cache
    reads the database once and fills it."""
    sign_in(client)
    assert session_reads(client) == 0
    cache.clear()
    assert session_reads(client) == 1
    assert session_reads(client) == 0


def test_signing_out_ends_the_session_in_the_cache_too(client, officer):
    sign_in(client)
    assert signed_in(client)
    cookie = client.cookies["sessionid"].value
    client.post("/accounts/logout/")
    assert not Session.objects.filter(session_key=cookie).exists()
    client.cookies["sessionid"] = cookie  # the old cookie, replayed
    assert not signed_in(client)


def test_idle_timeout_still_signs_out(client, officer, settings):
    settings.SESSION_IDLE_TIMEOUT = 3600
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        sign_in(client)
        traveller.shift(dt.timedelta(minutes=50))
        assert signed_in(client)
        traveller.shift(dt.timedelta(minutes=61))
        response = client.get(reverse("casework:my_work"))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        assert not signed_in(client)


def test_a_session_deleted_in_the_database_ends_within_the_cache_lifetime(client, officer):
    """A session row deleted behind the application's back (admin, SQL) stops working once its
    cached copy expires, at most CACHE_SECONDS later."""
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        sign_in(client)
        Session.objects.all().delete()
        traveller.shift(dt.timedelta(seconds=CACHE_SECONDS + 1))
        assert not signed_in(client)


def test_a_password_change_elsewhere_signs_the_session_out(client, officer):
    """The user is read from the database on every request: a new password ends the session at once."""
    sign_in(client)
    assert signed_in(client)
    officer.set_password("Another-horse-8")
    officer.save()
    assert not signed_in(client)


class BrokenCache:
    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("Redis is unreachable")
        return fail


def test_an_unreachable_cache_falls_back_to_the_database(client, officer, monkeypatch):
    """With Redis down, pages are served and signing out works, the session read from the database."""
    from casework import sessions

    sign_in(client)
    monkeypatch.setattr(sessions.SessionStore, "_cache", BrokenCache(), raising=False)
    monkeypatch.setattr(sessions.SessionStore, "__init__",
                        lambda self, session_key=None: sessions.DBStore.__init__(self, session_key))
    assert session_reads(client) == 1
    client.post("/accounts/logout/")
    assert not signed_in(client)
