"""GET /api/v1/communities/ and /api/v1/people/: what a field app fills ids from, limited to
the caller's squad (every squad for office-wide roles), without personal data."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.casework.api.conftest import client_for
from tests.casework.api.test_errors import assert_error
from tests.casework.conftest import make_user

ROLES = ["officer", "negotiator", "supervisor", "reviewer", "head", "admin", "other_squad", "no_role", "anonymous"]
OFFICE_WIDE = {"reviewer", "head", "admin"}


@pytest.fixture
def people(cast, other_officer, admin_user, nobody):
    return {
        "officer": cast.officer, "negotiator": cast.negotiator, "supervisor": cast.supervisor,
        "reviewer": cast.reviewer, "head": cast.head, "admin": admin_user, "other_squad": other_officer,
        "no_role": nobody, "anonymous": None,
    }


@pytest.fixture
def places(community, other_community, squad):
    second = type(community).objects.create(name="三星村", squad=squad)
    return community, second, other_community


def results(user, path):
    response = client_for(user).get(path)
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def test_communities_per_role(people, places):
    """The squad's people see its communities, the office-wide roles every squad's, another
    squad's officer only theirs, a person without squad none; anonymous 401."""
    mine, second, theirs = places
    for role in ROLES:
        if role == "anonymous":
            assert_error(client_for(None).get("/api/v1/communities/"), 401, "not_authenticated")
            continue
        ids = [row["id"] for row in results(people[role], "/api/v1/communities/")]
        expected = {"other_squad": [theirs.pk], "no_role": []}.get(
            role, [second.pk, mine.pk] + ([theirs.pk] if role in OFFICE_WIDE else []))
        assert sorted(ids) == sorted(expected), role
    # By squad, then by name.
    assert [row["id"] for row in results(people["officer"], "/api/v1/communities/")] == sorted(
        [mine.pk, second.pk], key=lambda pk: {mine.pk: mine.name, second.pk: second.name}[pk])


def test_a_community_row(people, places):
    """A row names the community and its squad, and the list can be narrowed to one squad."""
    mine, _second, theirs = places
    rows = results(people["head"], f"/api/v1/communities/?squad={theirs.squad_id}")
    assert rows == [{"id": theirs.pk, "name": theirs.name, "squad": {"id": theirs.squad_id, "name": theirs.squad.name}}]
    assert results(people["officer"], f"/api/v1/communities/?squad={theirs.squad_id}") == []


def test_people_per_role(people, cast, other_officer):
    """The squad's people see its active members, office-wide roles every squad's members;
    people without squad (the reviewer, the head) are never listed."""
    retired = make_user("officer7", cast.officer.squad, is_field_officer=True)
    retired.is_active = False
    retired.save()
    squad_ids = {cast.officer.pk, cast.officer2.pk, cast.supervisor.pk, cast.negotiator.pk}
    for role in ROLES:
        if role == "anonymous":
            assert_error(client_for(None).get("/api/v1/people/"), 401, "not_authenticated")
            continue
        ids = {row["id"] for row in results(people[role], "/api/v1/people/")}
        expected = {"other_squad": {other_officer.pk}, "no_role": set()}.get(
            role, squad_ids | ({other_officer.pk} if role in OFFICE_WIDE else set()))
        assert ids == expected, role


def test_people_by_role_without_personal_data(cast, squad):
    """`role` keeps the holders of that role; a row has id, name, squad and roles, no phone."""
    both = make_user("both1", squad, is_field_officer=True, is_negotiator=True)
    both.phone = "13800138000"
    both.certificate_number = "44060123999"
    both.save()
    client = client_for(cast.supervisor)
    negotiators = client.get("/api/v1/people/?role=negotiator").json()["results"]
    assert {row["id"] for row in negotiators} == {cast.negotiator.pk, both.pk}
    row = next(row for row in negotiators if row["id"] == both.pk)
    assert row == {"id": both.pk, "name": "both1", "squad": {"id": squad.pk, "name": squad.name},
                   "roles": ["field_officer", "negotiator"]}
    officers = {row["id"] for row in client.get("/api/v1/people/?role=field_officer").json()["results"]}
    assert officers == {cast.officer.pk, cast.officer2.pk, both.pk}
    supervisors = client.get("/api/v1/people/?role=supervisor").json()["results"]
    assert [row["id"] for row in supervisors] == [cast.supervisor.pk]
    assert "13800138000" not in client.get("/api/v1/people/").content.decode()


def test_bad_lookup_parameters(cast):
    """A role that is not a squad role, a squad that is not a number, or a page beyond the last
    answer in the error shape."""
    client = client_for(cast.officer)
    assert set(assert_error(client.get("/api/v1/people/?role=head_of_office"), 400, "invalid")["fields"]) == {"role"}
    assert set(assert_error(client.get("/api/v1/people/?squad=x"), 400, "invalid")["fields"]) == {"squad"}
    assert set(assert_error(client.get("/api/v1/communities/?squad="), 400, "invalid")["fields"]) == {"squad"}
    assert_error(client.get("/api/v1/communities/?page=5"), 404, "not_found")


def test_lookups_cost_the_same_queries_for_few_rows_or_many(cast, squad, other_squad, community):
    """A page of communities or people is read in a fixed number of queries."""
    client = client_for(cast.head)

    def count(path):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    before = [count("/api/v1/communities/"), count("/api/v1/people/")]
    for n in range(5):
        type(squad).objects.get(pk=other_squad.pk).communities.create(name=f"新村{n}")
        make_user(f"officer{n + 10}", other_squad, is_field_officer=True)
    assert [count("/api/v1/communities/"), count("/api/v1/people/")] == before
