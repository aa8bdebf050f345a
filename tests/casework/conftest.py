import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from casework.deadlines.calendar import BEIJING
from casework.models import Community, Squad, User
from casework.scenarios import DAYS_NEEDED_FOR_FORCED_PATH, PATHS, CaseRecipe, Cast, Scenario


def make_user(username, squad=None, **roles) -> User:
    user = User.objects.create_user(username=username, password="x", full_name=username, squad=squad, **roles)
    return user


@pytest.fixture
def squad(db):
    return Squad.objects.create(name="小塘中队", code="xiaotang")


@pytest.fixture
def other_squad(db):
    return Squad.objects.create(name="官窑中队", code="guanyao")


@pytest.fixture
def community(squad):
    return Community.objects.create(name="五星村", squad=squad)


@pytest.fixture
def other_community(other_squad):
    return Community.objects.create(name="官窑社区", squad=other_squad)


@pytest.fixture
def cast(squad) -> Cast:
    return Cast(
        officer=make_user("officer1", squad, is_field_officer=True, certificate_number="44060123001"),
        officer2=make_user("officer2", squad, is_field_officer=True, certificate_number="44060123002"),
        supervisor=make_user("supervisor1", squad, is_supervisor=True),
        negotiator=make_user("negotiator1", squad, is_negotiator=True),
        reviewer=make_user("reviewer1", None, is_legal_reviewer=True),
        head=make_user("head1", None, is_head_of_office=True),
    )


@pytest.fixture
def other_officer(other_squad):
    return make_user("officer3", other_squad, is_field_officer=True, certificate_number="44060123003")


RECIPE = CaseRecipe(location="五星村东区12号楼顶", illegal_area=Decimal("120.50"), party_name="张伟",
                    party_identifier="11010519491231002X")


@pytest.fixture
def scenario(cast, community):
    """A fresh case's scenario starting far enough in the past for any path."""

    def start(start: dt.date | None = None, recipe: CaseRecipe = RECIPE) -> Scenario:
        start = start or (timezone.now().astimezone(BEIJING).date() - dt.timedelta(days=DAYS_NEEDED_FOR_FORCED_PATH + 30))
        return Scenario(cast=cast, community=community, start=start, recipe=recipe)

    return start


@pytest.fixture
def case_in(scenario):
    def build(status: str, **kwargs):
        return scenario(**kwargs).run(PATHS[status])

    return build


@pytest.fixture
def client_as(client):
    """`client_as(user)`: the test client signed in as `user`."""
    def signed_in(user):
        client.force_login(user)
        return client

    return signed_in


@pytest.fixture
def elsewhere(cast, other_squad) -> Cast:
    """Another squad's officers and supervisor, with the office's negotiator, legal reviewer and
    head of office."""
    return Cast(officer=make_user("officer5", other_squad, is_field_officer=True, certificate_number="44060123009"),
                officer2=make_user("officer6", other_squad, is_field_officer=True, certificate_number="44060123008"),
                supervisor=make_user("supervisor5", other_squad, is_supervisor=True), negotiator=cast.negotiator,
                reviewer=cast.reviewer, head=cast.head)


@pytest.fixture
def case_elsewhere(elsewhere, other_community, scenario):
    """`case_elsewhere(status)`: a case of the other squad moved to `status` by its people."""
    def build(status: str):
        return Scenario(cast=elsewhere, community=other_community, start=scenario().day, recipe=RECIPE).run(
            PATHS[status])

    return build
