"""Queries over people and places at office scale, on PostgreSQL."""

import pytest
from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Count, Q

from casework.models import Community, Squad, User

SQUADS = 20
COMMUNITIES_PER_SQUAD = 100
USERS_PER_SQUAD = 100


@pytest.fixture
def office(db):
    """20 squads, 2,000 communities and 2,000 people, every fifth person a negotiator."""
    squads = Squad.objects.bulk_create(Squad(name=f"第{n}中队", code=f"squad{n:02d}") for n in range(SQUADS))
    Community.objects.bulk_create(
        Community(squad=squad, name=f"{squad.name}第{n}村") for squad in squads for n in range(COMMUNITIES_PER_SQUAD)
    )
    User.objects.bulk_create(
        User(
            username=f"{squad.code}-{n}",
            full_name=f"队员{n}",
            squad=squad,
            is_field_officer=True,
            is_negotiator=n % 5 == 0,
            certificate_number=f"4406{i:03d}{n:04d}",
        )
        for i, squad in enumerate(squads)
        for n in range(USERS_PER_SQUAD)
    )
    return squads


@pytest.mark.postgres
def test_squad_overview_is_one_query_at_any_size(office, django_assert_num_queries):
    """People per role and communities per squad, for every squad, come from a single query."""
    with django_assert_num_queries(1):
        overview = list(
            Squad.objects.annotate(
                communities_count=Count("communities", distinct=True),
                officers=Count("members", filter=Q(members__is_field_officer=True), distinct=True),
                negotiators=Count("members", filter=Q(members__is_negotiator=True), distinct=True),
                negotiator_names=ArrayAgg(
                    "members__username",
                    filter=Q(members__is_negotiator=True),
                    distinct=True,
                    order_by="members__username",
                ),
            ).order_by("code")
        )
    assert len(overview) == SQUADS
    for squad in overview:
        assert squad.communities_count == COMMUNITIES_PER_SQUAD
        assert squad.officers == USERS_PER_SQUAD
        assert squad.negotiators == USERS_PER_SQUAD // 5
        assert squad.negotiator_names == sorted(f"{squad.code}-{n}" for n in range(0, USERS_PER_SQUAD, 5))
    assert sum(squad.officers for squad in overview) == User.objects.count() == 2_000


@pytest.mark.postgres
def test_roster_with_squads_has_no_query_per_person(office, django_assert_num_queries):
    """Listing 2,000 people with their squad name costs one query, not one per person."""
    with django_assert_num_queries(1):
        roster = [(user.username, user.squad.name) for user in User.objects.select_related("squad").order_by("pk")]
    assert len(roster) == 2_000
    assert roster[0] == ("squad00-0", "第0中队")
    assert roster[-1] == (f"squad{SQUADS - 1:02d}-{USERS_PER_SQUAD - 1}", f"第{SQUADS - 1}中队")
