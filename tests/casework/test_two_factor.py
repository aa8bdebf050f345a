"""Optional TOTP second factor for supervisors and above: enrolment with an inline QR code,
a code asked after the password, lockout on wrong codes, reset by an administrator."""

import re
import time

import pyotp
import pytest

from casework.errors import InvalidInput, NotAllowed
from casework.models import TotpDevice, User
from casework.services.totp import totp_check, totp_enrol, totp_new_secret, totp_reset

PASSWORD = "Correct-horse-7"


@pytest.fixture
def supervisor(db):
    return User.objects.create_user(username="supervisor1", password=PASSWORD, full_name="陈主管", is_supervisor=True)


@pytest.fixture
def officer(db):
    return User.objects.create_user(username="officer1", password=PASSWORD, full_name="李明", is_field_officer=True)


@pytest.fixture
def administrator(db):
    return User.objects.create_user(username="admin", password=PASSWORD, full_name="管理员", is_administrator=True,
                                    is_staff=True, is_superuser=True)


def code_at(secret: str, offset_steps: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.at(time.time() + offset_steps * totp.interval)


@pytest.fixture
def enrolled(supervisor):
    secret = totp_new_secret()
    totp_enrol(user=supervisor, secret=secret, code=code_at(secret))
    TotpDevice.objects.filter(user=supervisor).update(last_used_step=0)
    return secret


def sign_in(client, username="supervisor1", password=PASSWORD, path="/accounts/login/", **extra):
    return client.post(path, {"username": username, "password": password, **extra}, REMOTE_ADDR="10.0.0.9")


def test_officer_is_not_offered_two_factor(client, officer):
    """Field officers are not offered enrolment (the page is 404) and cannot enrol through the service."""
    client.force_login(officer)
    assert client.get("/accounts/two-factor/setup/").status_code == 404
    secret = totp_new_secret()
    with pytest.raises(NotAllowed):
        totp_enrol(user=officer, secret=secret, code=code_at(secret))


def test_setup_page_shows_inline_svg_qr_and_enrols(client, supervisor):
    """The setup page shows the QR code as inline SVG (no image from elsewhere) and the key;
    the current code from that key turns two-factor sign-in on."""
    client.force_login(supervisor)
    page = client.get("/accounts/two-factor/setup/").content.decode()
    assert "<svg" in page and "<img" not in page.split("totp-qr", 1)[1].split("</div>", 1)[0]
    secret = client.session["totp_setup_secret"]
    assert re.sub(r"\s", "", re.search(r"<code>([A-Z2-7 ]+)</code>", page).group(1)) == secret
    response = client.post("/accounts/two-factor/setup/", {"code": code_at(secret)})
    assert response.status_code == 302
    assert TotpDevice.objects.get(user=supervisor).secret == secret
    client.cookies["django_language"] = "en"
    assert "Two-factor sign-in is on for your account" in client.get("/accounts/two-factor/setup/").content.decode()


def test_wrong_code_does_not_enrol(client, supervisor):
    """A wrong confirmation code leaves two-factor sign-in off."""
    client.force_login(supervisor)
    client.get("/accounts/two-factor/setup/")
    response = client.post("/accounts/two-factor/setup/", {"code": "000000"})
    assert response.status_code == 200
    assert not TotpDevice.objects.filter(user=supervisor).exists()
    with pytest.raises(InvalidInput):
        totp_enrol(user=supervisor, secret=totp_new_secret(), code="12345x")


def test_without_device_password_alone_signs_in(client, supervisor):
    """A supervisor who has not enrolled signs in with the password alone."""
    assert sign_in(client).status_code == 302
    assert client.session["_auth_user_id"] == str(supervisor.pk)


def test_enrolled_user_is_asked_for_the_code(client, supervisor, enrolled):
    """After the right password an enrolled user is not signed in yet but asked for the code;
    the right code signs them in and goes where they wanted."""
    response = sign_in(client, path="/accounts/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"] == "/accounts/two-factor/"
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # still not signed in
    response = client.post("/accounts/two-factor/", {"code": code_at(enrolled)}, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.session["_auth_user_id"] == str(supervisor.pk)


def test_code_cannot_be_used_twice(supervisor, enrolled):
    """A code accepted once is refused the second time (replay)."""
    code = code_at(enrolled)
    assert totp_check(user=supervisor, code=code)
    assert not totp_check(user=supervisor, code=code)


def test_codes_from_far_away_steps_are_refused(supervisor, enrolled):
    """Codes from one step before or after are accepted (clock drift); three steps away are not."""
    assert not totp_check(user=supervisor, code=code_at(enrolled, -3))
    assert not totp_check(user=supervisor, code=code_at(enrolled, 3))
    assert totp_check(user=supervisor, code=code_at(enrolled, -1))


def test_code_step_without_password_is_refused(client, supervisor, enrolled):
    """The code page without a password first sends the user back to sign in."""
    response = client.post("/accounts/two-factor/", {"code": code_at(enrolled)})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_wrong_codes_count_towards_the_lockout(client, supervisor, enrolled):
    """Wrong codes count as failed sign-ins: with the password right each time, five wrong
    codes in all lock the username and address out (HTTP 429)."""
    sign_in(client)
    for _ in range(4):
        response = client.post("/accounts/two-factor/", {"code": "000000"}, REMOTE_ADDR="10.0.0.9")
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session
    response = client.post("/accounts/two-factor/", {"code": "000000"}, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 429
    assert sign_in(client).status_code == 429


def test_pending_sign_in_expires(client, supervisor, enrolled):
    """A password step older than five minutes must be done again."""
    import time_machine

    with time_machine.travel(time.time(), tick=False) as traveller:
        sign_in(client)
        traveller.shift(301)
        response = client.post("/accounts/two-factor/", {"code": code_at(enrolled)}, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_admin_login_also_asks_for_the_code(client, administrator):
    """The admin's own sign-in page goes through the same second step."""
    secret = totp_new_secret()
    totp_enrol(user=administrator, secret=secret, code=code_at(secret))
    TotpDevice.objects.filter(user=administrator).update(last_used_step=0)
    assert "Content-Security-Policy" in client.get("/admin/login/").headers
    response = sign_in(client, username="admin", path="/admin/login/")
    assert response.status_code == 302 and response["Location"] == "/accounts/two-factor/"
    assert "_auth_user_id" not in client.session
    response = client.post("/accounts/two-factor/", {"code": code_at(secret)}, REMOTE_ADDR="10.0.0.9")
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_administrator_resets_a_lost_device(client, supervisor, administrator, enrolled):
    """The admin action removes the device; the user then signs in with the password alone."""
    client.force_login(administrator)
    response = client.post("/admin/casework/user/", {"action": "reset_two_factor", "_selected_action": [supervisor.pk]})
    assert response.status_code == 302
    assert not TotpDevice.objects.filter(user=supervisor).exists()
    client.logout()
    assert sign_in(client).status_code == 302
    assert client.session["_auth_user_id"] == str(supervisor.pk)


def test_only_an_administrator_can_reset(supervisor, enrolled, db):
    """A head of office who is not an administrator cannot reset someone's device."""
    head = User.objects.create_user(username="head1", password=PASSWORD, full_name="x", is_head_of_office=True)
    with pytest.raises(NotAllowed):
        totp_reset(user=supervisor, actor=head)
    assert TotpDevice.objects.filter(user=supervisor).exists()
