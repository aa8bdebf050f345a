"""Tokens: issued for a username and password, refused after a password change."""

import pytest
from django.contrib.auth import get_user_model

from casework.models import ApiToken
from tests.casework.api.conftest import client_for

PASSWORD = "a-long-Pass-phrase-2026"


@pytest.fixture
def officer(cast):
    cast.officer.set_password(PASSWORD)
    cast.officer.save()
    return cast.officer


def _token(username, password=PASSWORD):
    return client_for().post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")


def _cases(token):
    client = client_for()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.get("/api/v1/cases/")


def test_a_token_is_issued_for_the_right_password_and_works(officer):
    """The right username and password give a token that authenticates; only its digest is stored."""
    response = _token("officer1")
    assert response.status_code == 201
    token = response.json()["token"]
    assert _cases(token).status_code == 200
    stored = ApiToken.objects.get(user=officer)
    assert token not in (stored.key_digest, stored.prefix) and stored.prefix == token[:8]


def test_a_wrong_password_gets_no_token(officer):
    """A wrong password answers 400 in the error shape and issues nothing."""
    response = _token("officer1", "wrong")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "password" in response.json()["fields"]
    assert not ApiToken.objects.exists()


def test_a_disabled_account_gets_no_token_and_its_tokens_stop_working(officer):
    """A disabled person can neither log in nor use a token issued before."""
    token = _token("officer1").json()["token"]
    officer.is_active = False
    officer.save()
    assert _token("officer1").status_code == 400
    assert _cases(token).status_code == 401


def test_changing_the_password_revokes_every_token(officer):
    """After a password change, by whatever path, the old tokens answer 401 and are deleted;
    a token issued with the new password works."""
    first, second = _token("officer1").json()["token"], _token("officer1").json()["token"]
    assert _cases(first).status_code == 200
    user = get_user_model().objects.get(pk=officer.pk)
    user.set_password("another-Pass-phrase-2027")
    user.save()
    for token in (first, second):
        response = _cases(token)
        assert response.status_code == 401
        assert response.json()["code"] == "authentication_failed"
    assert not ApiToken.objects.filter(user=officer).exists()
    fresh = _token("officer1", "another-Pass-phrase-2027").json()["token"]
    assert _cases(fresh).status_code == 200


def test_changing_the_password_on_the_password_change_page_revokes_tokens(officer, client):
    """Django's own password-change page (no API involved) also ends the tokens."""
    token = _token("officer1").json()["token"]
    client.force_login(officer)
    response = client.post("/accounts/password_change/", {
        "old_password": PASSWORD, "new_password1": "brand-New-phrase-77", "new_password2": "brand-New-phrase-77",
    })
    assert response.status_code == 302
    assert _cases(token).status_code == 401


@pytest.mark.parametrize("header", ["Token", "Token a b", "Token nonsense", "Token \u00e9\u00e9"])
def test_malformed_or_unknown_tokens_are_refused(db, header):
    """A missing, malformed or unknown key answers 401 in the error shape."""
    client = client_for()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/cases/")
    assert response.status_code == 401
    assert set(response.json()) == {"code", "message"}


def test_no_credentials_answer_401(db):
    """Without a token or a session the API answers 401 with a WWW-Authenticate header."""
    response = client_for().get("/api/v1/cases/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"


def test_the_session_of_the_pages_works_too(officer, client):
    """A person logged in to the pages may call the API with their session."""
    client.force_login(officer)
    assert client.get("/api/v1/cases/").status_code == 200


def test_repeated_login_attempts_are_throttled(officer, settings):
    """After the configured number of attempts a minute, the token endpoint answers 429."""
    statuses = [_token("officer1", "wrong").status_code for _ in range(21)]
    assert statuses[:20] == [400] * 20
    assert statuses[20] == 429
    assert _token("officer1").json()["code"] == "throttled"


def test_deleting_the_token_revokes_it_and_only_it(officer):
    """DELETE /api/v1/auth/token/ with a token revokes that token; the person's other tokens work on."""
    first, second = _token("officer1").json()["token"], _token("officer1").json()["token"]
    client = client_for()
    client.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert client.delete("/api/v1/auth/token/").status_code == 204
    assert _cases(first).status_code == 401
    assert _cases(second).status_code == 200
    assert client_for().delete("/api/v1/auth/token/").status_code == 401
