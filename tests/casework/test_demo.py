"""`manage.py load_demo`: squads, communities and one account per role, loaded idempotently."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.utils import timezone

from casework.deadlines.calendar import BEIJING
from casework.models import Case, CaseEvent, CaseStatus, Community, Role, Squad, User

DEMO_USERNAMES = {
    "officer1", "officer2", "officer3", "negotiator1", "negotiator2",
    "supervisor1", "supervisor2", "reviewer1", "head1", "admin",
}  # fmt: skip


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    models = [*apps.get_app_config("casework").get_models(), *apps.get_app_config("auth").get_models()]
    return {model._meta.label: model.objects.count() for model in models}


@pytest.mark.django_db
def test_second_run_adds_nothing():
    """Running load_demo twice leaves every table of casework and auth with the same row count."""
    load_demo()
    first = row_counts()
    load_demo()
    assert row_counts() == first
    assert first["casework.Squad"] == 3
    assert first["casework.Community"] >= 9


@pytest.mark.django_db
def test_fixed_usernames_cover_every_role_and_the_first_squads():
    """The guide's usernames exist with their roles and squads; together they hold every role."""
    load_demo()
    users = {user.username: user for user in User.objects.select_related("squad")}
    assert DEMO_USERNAMES <= users.keys()
    assert set().union(*(users[name].roles for name in DEMO_USERNAMES)) == set(Role.values)
    assert all(user.full_name for user in users.values())

    first, second = Squad.objects.get(code="xiaotang"), Squad.objects.get(code="guanyao")
    for name in ("officer1", "officer2"):
        assert users[name].is_field_officer and users[name].squad == first
        assert users[name].certificate_number
    assert users["officer3"].is_field_officer and users["officer3"].squad == second
    assert users["officer3"].certificate_number
    assert all(users[name].is_negotiator and users[name].squad == first for name in ("negotiator1", "negotiator2"))
    assert users["supervisor1"].is_supervisor and users["supervisor1"].squad == first
    assert users["supervisor2"].is_supervisor and users["supervisor2"].squad == second
    assert users["reviewer1"].is_legal_reviewer and users["reviewer1"].sees_all_squads
    assert users["head1"].is_head_of_office and users["head1"].sees_all_squads
    assert users["admin"].is_administrator and users["admin"].is_staff and users["admin"].is_superuser
    # Every squad has a supervisor and its own communities.
    for squad in Squad.objects.all():
        assert squad.members.filter(is_supervisor=True).exists()
        assert Community.objects.filter(squad=squad).count() >= 3


@pytest.mark.django_db
def test_every_account_logs_in_with_the_demo_password_again_after_a_rerun(settings):
    """All accounts use DEMO_PASSWORD; a re-run resets a changed password back to it."""
    settings.DEMO_PASSWORD = "another-demo-password"
    load_demo()
    changed = User.objects.get(username="officer1")
    changed.set_password("changed-by-someone")
    changed.save()

    load_demo()
    for username in DEMO_USERNAMES:
        assert authenticate(username=username, password="another-demo-password") is not None, username
    assert authenticate(username="officer1", password="changed-by-someone") is None


@pytest.mark.django_db
def test_output_lists_every_account_with_its_password(settings):
    """The printed table names each demo username, its squad and the password to use."""
    output = load_demo()
    lines = output.splitlines()
    for username in DEMO_USERNAMES:
        [line] = [line for line in lines if line.startswith(username + " ")]
        assert settings.DEMO_PASSWORD in line
    [officer3] = [line for line in lines if line.startswith("officer3 ")]
    assert "官窑中队" in officer3


@pytest.mark.django_db
def test_each_demo_negotiator_reads_the_persuasion_cases_assigned_to_them():
    """Negotiators read only the cases they are assigned to: both demo negotiators are assigned
    to the demo cases that reached persuasion, so each has cases to open, and no other."""
    from casework.authorization import cases_for

    load_demo()
    for username in ("negotiator1", "negotiator2"):
        negotiator = User.objects.get(username=username)
        readable = cases_for(negotiator)
        assert readable.exists(), username
        assert set(readable) == set(negotiator.negotiator_cases.all()), username
        assert readable.filter(status="persuading").exists(), username


@pytest.mark.django_db
@pytest.mark.parametrize("moment", [
    dt.datetime(2026, 11, 30, 9, 0, tzinfo=BEIJING),  # a Monday before 10:00
    dt.datetime(2026, 10, 3, 12, 0, tzinfo=BEIJING),  # in the National Day holiday
    dt.datetime(2026, 10, 9, 9, 0, tzinfo=BEIJING),  # the first working day after it, before 10:00
])  # fmt: skip
def test_loads_whatever_the_day_and_hour(moment):
    """The demo cases' steps fall on working days at 10:00: a recent case begun two days ago, on
    a weekend or in a holiday, would have its first step today at 10:00 or later and be refused
    as in the future; it is begun earlier instead, so `make run` works on a Monday morning."""
    with time_machine.travel(moment, tick=False):
        load_demo()
        assert set(Case.objects.values_list("status", flat=True)) == set(CaseStatus.values)
        assert not CaseEvent.objects.filter(occurred_at__gt=timezone.now()).exists()
