"""Sign-in: Argon2 hashes, lockout after five failures per username and address, idle expiry."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.hashers import get_hasher
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from casework.models import User
from casework.security import SIGNED_IN_KEY

PASSWORD = "Correct-horse-7"


@pytest.fixture
def officer(db):
    return User.objects.create_user(username="officer1", password=PASSWORD, full_name="李明", is_field_officer=True)


def sign_in(client, username, password, ip="10.0.0.7"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_passwords_are_stored_with_argon2(officer):
    """A new password is hashed with Argon2."""
    assert officer.password.startswith("argon2$")
    assert get_hasher().algorithm == "argon2"


def test_correct_password_signs_in(client, officer):
    """The right password signs the user in and redirects."""
    response = sign_in(client, "officer1", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(officer.pk)


def test_fifth_failure_locks_out_even_the_right_password(client, officer):
    """After 5 wrong passwords for one username from one address, even the right password is
    refused with the lockout page (HTTP 429) in the user's language."""
    for _ in range(4):
        assert sign_in(client, "officer1", "wrong").status_code == 200
    locked = sign_in(client, "officer1", "wrong")
    assert locked.status_code == 429
    response = sign_in(client, "officer1", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert "15" in response.content.decode()


def test_lockout_page_follows_user_language(client, officer):
    """The lockout page is rendered in the language the user chose (here English)."""
    client.cookies["django_language"] = "en"
    for _ in range(5):
        response = sign_in(client, "officer1", "wrong")
    assert response.status_code == 429
    assert 'lang="en"' in response.content.decode()
    assert "Too many failed sign-in attempts. Try again in 15 minutes." in response.content.decode()


def test_lockout_is_per_username_and_address(client, officer):
    """A locked pair does not lock the same user from another address, nor another user."""
    User.objects.create_user(username="officer2", password=PASSWORD, full_name="王芳")
    for _ in range(5):
        sign_in(client, "officer1", "wrong", ip="10.0.0.7")
    assert sign_in(client, "officer1", PASSWORD, ip="10.0.0.8").status_code == 302
    client.logout()
    assert sign_in(client, "officer2", PASSWORD, ip="10.0.0.7").status_code == 302


def test_lockout_ends_after_fifteen_minutes(client, officer):
    """After the 15-minute cool-off the right password works again."""
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(5):
            sign_in(client, "officer1", "wrong")
        assert sign_in(client, "officer1", PASSWORD).status_code == 429
        traveller.shift(dt.timedelta(minutes=14))
        assert sign_in(client, "officer1", PASSWORD).status_code == 429
        traveller.shift(dt.timedelta(minutes=2))
        assert sign_in(client, "officer1", PASSWORD).status_code == 302


def test_success_resets_the_failure_count(client, officer):
    """Four failures, then a success, then four failures again do not lock out."""
    for _ in range(4):
        sign_in(client, "officer1", "wrong")
    assert sign_in(client, "officer1", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert sign_in(client, "officer1", "wrong").status_code == 200
    assert sign_in(client, "officer1", PASSWORD).status_code == 302


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_proxy_lockout_uses_the_forwarded_address(client, officer):
    """With one trusted proxy the client's address comes from X-Forwarded-For, so two clients
    behind the same proxy are locked out separately."""
    for _ in range(5):
        client.post("/accounts/login/", {"username": "officer1", "password": "wrong"},
                    REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    locked = client.post("/accounts/login/", {"username": "officer1", "password": PASSWORD},
                         REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert locked.status_code == 429
    other = client.post("/accounts/login/", {"username": "officer1", "password": PASSWORD},
                        REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert other.status_code == 302


def test_test_client_login_still_works_without_a_request(client, officer):
    """Signing in without a request (test client, scripts) is not refused by the lockout backend."""
    assert client.login(username="officer1", password=PASSWORD)


@override_settings(SESSION_IDLE_TIMEOUT=3600)
def test_idle_session_expires(client, officer):
    """A session unused for longer than SESSION_IDLE_TIMEOUT is signed out; one used within it stays."""
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        sign_in(client, "officer1", PASSWORD)
        client.get("/admin/")
        traveller.shift(dt.timedelta(minutes=50))
        client.get("/admin/")
        assert client.session.get("_auth_user_id") == str(officer.pk)
        traveller.shift(dt.timedelta(minutes=50))
        client.get("/admin/")
        assert client.session.get("_auth_user_id") == str(officer.pk)
        traveller.shift(dt.timedelta(minutes=61))
        response = client.get("/admin/")
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
        assert "_auth_user_id" not in client.session


@override_settings(SESSION_IDLE_TIMEOUT=3600, SESSION_COOKIE_AGE=8 * 3600)
def test_a_session_in_constant_use_still_ends_a_working_day_after_sign_in(client, officer):
    """The activity stamp saves the session every few minutes, which renews Django's own expiry;
    the absolute limit is counted from the sign-in, so a session used all day still ends."""
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        sign_in(client, "officer1", PASSWORD)
        for _ in range(15):  # 7.5 hours, a request every half hour
            traveller.shift(dt.timedelta(minutes=30))
            assert client.get(reverse("casework:case_list")).status_code == 200
        assert client.session.get("_auth_user_id") == str(officer.pk)
        traveller.shift(dt.timedelta(minutes=30))
        response = client.get(reverse("casework:case_list"))
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
        assert "_auth_user_id" not in client.session
        # Signing in again starts a new working day.
        sign_in(client, "officer1", PASSWORD)
        traveller.shift(dt.timedelta(hours=1))
        assert client.get(reverse("casework:case_list")).status_code == 200


@override_settings(SESSION_IDLE_TIMEOUT=3600, SESSION_COOKIE_AGE=8 * 3600)
def test_a_session_from_before_the_sign_in_stamp_ends_a_working_day_after_its_next_use(client, officer):
    """A session signed in before the sign-in time was recorded (an upgrade) gets it at its next
    request, and ends a working day after that."""
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(officer)
        session = client.session
        del session[SIGNED_IN_KEY]
        session.save()
        traveller.shift(dt.timedelta(minutes=30))
        assert client.get(reverse("casework:case_list")).status_code == 200
        for _ in range(15):
            traveller.shift(dt.timedelta(minutes=30))
            assert client.get(reverse("casework:case_list")).status_code == 200
        traveller.shift(dt.timedelta(minutes=30))
        response = client.get(reverse("casework:case_list"))
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_session_cookie_has_absolute_lifetime(client, officer):
    """The session cookie expires after SESSION_COOKIE_AGE (a working day) and is HttpOnly."""
    response = sign_in(client, "officer1", PASSWORD)
    cookie = response.cookies["sessionid"]
    assert int(cookie["max-age"]) == 8 * 3600
    assert cookie["httponly"]


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_a_user_name_longer_than_any_account_is_a_wrong_sign_in(client, officer, url):
    """A 12,000-character user name is answered like a wrong password (the form again, 200),
    without authenticating and so without a failed attempt that would not fit axes' column."""
    from axes.models import AccessAttempt

    response = client.post(url, {"username": "字" * 12_000, "password": "x"}, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not AccessAttempt.objects.exists()
