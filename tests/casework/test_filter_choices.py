"""The case list's filter choices: each user's share of the office's squads, communities and
field officers, read once and kept in the cache until one of them changes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.models import Community, Squad
from casework.selectors.people import case_filter_choices
from tests.casework.conftest import make_user


@pytest.fixture
def office(squad, community, other_squad, other_community, cast):
    """Two squads; officers with and without a name, a negotiator, an officer of no squad."""
    second = Community.objects.create(name="东区", squad=squad)
    far = make_user("officer9", other_squad, is_field_officer=True, certificate_number="44060123009")
    unnamed = make_user("zzz-unnamed", squad, is_field_officer=True, certificate_number="44060123010")
    unnamed.full_name = ""
    unnamed.save()
    make_user("nosquad", None, is_field_officer=True, certificate_number="44060123011")
    return {"second": second, "far": far, "unnamed": unnamed}


def expected(user):
    """What the list offered before the cache: three queries in the user's scope."""
    from casework.models import User

    squads = Squad.objects.all() if user.sees_all_squads else Squad.objects.filter(pk=user.squad_id)
    officers = User.objects.filter(is_field_officer=True, squad__in=squads).order_by("full_name")
    return (list(squads.values_list("pk", "name")),
            list(Community.objects.filter(squad__in=squads).values_list("pk", "name")),
            [(person.pk, person.display_name) for person in officers])


def shown(user):
    choices = case_filter_choices(user=user)
    return choices.squads, choices.communities, choices.officers


@pytest.mark.parametrize("role", ["supervisor", "head", "officer"])
def test_each_user_gets_their_squads_share_in_order(cast, office, role):
    """Office-wide roles get every squad, the others their own squad's; officers by name, an
    unnamed one by login name, an officer without a squad nowhere."""
    user = getattr(cast, role)
    assert shown(user) == expected(user)
    assert shown(user) == expected(user)  # from the cache


def test_a_user_without_a_squad_or_an_office_wide_role_gets_nothing(cast, office, db):
    lost = make_user("lost", None, is_field_officer=True, certificate_number="44060123012")
    assert shown(lost) == ([], [], [])


def test_the_choices_are_read_once(cast, office):
    shown(cast.supervisor)
    with CaptureQueriesContext(connection) as queries:
        shown(cast.head)
        shown(cast.supervisor)
    assert len(queries) == 0


def test_a_new_renamed_or_deleted_squad_community_or_officer_shows_at_once(cast, office, squad):
    shown(cast.head)
    newcomer = make_user("officer5", squad, is_field_officer=True, certificate_number="44060123005")
    assert (newcomer.pk, newcomer.display_name) in shown(cast.head)[2]
    office["second"].name = "西区"
    office["second"].save()
    assert (office["second"].pk, "西区") in shown(cast.supervisor)[1]
    moved = office["far"]
    moved.squad = squad
    moved.save(update_fields=["squad"])
    assert (moved.pk, moved.display_name) in shown(cast.supervisor)[2]
    office["second"].delete()
    assert shown(cast.head) == expected(cast.head)
    extra = Squad.objects.create(name="新中队", code="aaa")
    assert shown(cast.head)[0][0] == (extra.pk, "新中队")


def test_signing_in_does_not_forget_the_choices(client, cast, office):
    """Signing in saves only last_login, which no choice shows."""
    shown(cast.head)
    cast.officer.set_password("Pass-word-1234")
    cast.officer.save()
    shown(cast.head)
    assert client.login(username=cast.officer.username, password="Pass-word-1234")
    with CaptureQueriesContext(connection) as queries:
        shown(cast.head)
    assert len(queries) == 0
