"""GET and POST /api/v1/cases/{id}/talks/: persuasion talks through talk_log and the
persuasion selectors, with the pages' rules (who may log a talk is the service's rule)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casework.deadlines.calendar import local_date
from casework.models import CaseStatus, DocumentType, EventKind, Talk
from casework.selectors.persuasion import case_persuasion
from tests.casework.api.conftest import client_for
from tests.casework.api.test_errors import assert_error
from tests.casework.conftest import make_user

ROLES = ["officer", "negotiator", "negotiator_unassigned", "supervisor", "reviewer", "head", "admin",
         "other_squad", "other_squad_negotiator", "no_role", "anonymous"]


def today() -> dt.date:
    return local_date(timezone.now())


def talk_body(**overrides) -> dict:
    body = {
        "kind": "persuade", "attitude": "hesitant", "place": "五星村村委会", "owner_attendees": "张伟及其妻子",
        "occurred_at": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
        "explained": ["planning_law_40", "forced_demolition"], "owner_acknowledged": True,
        "owner_statements": "当事人表示考虑自行拆除。", "next_follow_up_on": (today() + dt.timedelta(days=5)).isoformat(),
    }
    body.update(overrides)
    return body


@pytest.fixture
def people(cast, squad, other_squad, other_officer, admin_user, nobody):
    return {
        "officer": cast.officer, "negotiator": cast.negotiator,
        "negotiator_unassigned": make_user("negotiator2", squad, is_negotiator=True),
        "supervisor": cast.supervisor, "reviewer": cast.reviewer, "head": cast.head, "admin": admin_user,
        "other_squad": other_officer,
        "other_squad_negotiator": make_user("negotiator3", other_squad, is_negotiator=True),
        "no_role": nobody, "anonymous": None,
    }


@pytest.fixture
def persuading(case_in):
    """A decided case with cast.negotiator assigned."""
    return case_in("persuading")


# --- permissions -----------------------------------------------------------------------------

POST_ASSIGNED = {"negotiator": 201, "negotiator_unassigned": 404, "officer": 403, "supervisor": 403,
                 "reviewer": 403, "head": 403, "admin": 403, "other_squad": 404, "other_squad_negotiator": 404,
                 "no_role": 404, "anonymous": 401}


def test_only_the_cases_negotiators_log_talks(people, persuading):
    """Only the case's negotiators log talks (403 for the squad's officers and supervisor and the
    office-wide roles, with the service's reason); a negotiator not assigned to the case and
    other squads do not find the case (404)."""
    got = {}
    for role in ROLES:
        response = client_for(people[role]).post(f"/api/v1/cases/{persuading.pk}/talks/", talk_body(), format="json")
        got[role] = response.status_code
        if response.status_code == 403:
            assert_error(response, 403, "forbidden")
        if response.status_code == 404:
            assert_error(response, 404, "not_found")
    assert got == POST_ASSIGNED
    assert list(persuading.talks.values_list("recorded_by", flat=True)) == [people["negotiator"].pk]


def test_the_reason_of_a_refusal_is_the_services(people, persuading, squad):
    """A negotiator of the squad not assigned to the case who reads it as a field officer is told
    that they are not its negotiator."""
    both = make_user("officer-negotiator", squad, is_field_officer=True, is_negotiator=True)
    response = client_for(both).post(
        f"/api/v1/cases/{persuading.pk}/talks/", talk_body(), format="json")
    assert assert_error(response, 403, "forbidden")["message"] == "You are not a negotiator of this case."


def test_before_assignment_no_negotiator_logs(people, case_in):
    """Negotiators read only the cases assigned to them (casework.authorization): a decided case
    without assigned negotiators is not found by the squad's negotiators nor another squad's."""
    case = case_in("decided")
    got = {role: client_for(people[role]).post(f"/api/v1/cases/{case.pk}/talks/", talk_body(), format="json")
           .status_code for role in ["negotiator_unassigned", "other_squad_negotiator", "officer", "supervisor"]}
    assert got == {"negotiator_unassigned": 404, "other_squad_negotiator": 404, "officer": 403, "supervisor": 403}


READ = {"officer": 200, "negotiator": 200, "negotiator_unassigned": 404, "supervisor": 200, "reviewer": 200,
        "head": 200, "admin": 200, "other_squad": 404, "other_squad_negotiator": 404, "no_role": 404,
        "anonymous": 401}


def test_reading_talks(people, persuading, cast):
    """Whoever may read the case reads its talks; other squads and negotiators not assigned to
    the case get 404, no credentials 401."""
    client_for(cast.negotiator).post(f"/api/v1/cases/{persuading.pk}/talks/", talk_body(), format="json")
    got = {}
    for role in ROLES:
        response = client_for(people[role]).get(f"/api/v1/cases/{persuading.pk}/talks/")
        got[role] = response.status_code
        if response.status_code == 200:
            assert response.json()["count"] == 1
    assert got == READ


# --- what a talk records ---------------------------------------------------------------------

def test_a_logged_talk_is_read_back_and_seen_by_the_persuasion_selector(cast, persuading):
    """The talk posted comes back from GET and from case_persuasion (the case page's partial),
    with its TALK event and its 约谈笔录."""
    client = client_for(cast.negotiator)
    response = client.post(f"/api/v1/cases/{persuading.pk}/talks/", talk_body(
        kind="leverage", third_parties=[{"name": "李村长", "relation": "village_cadre"}],
    ), format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    listed = client.get(f"/api/v1/cases/{persuading.pk}/talks/").json()
    assert listed["count"] == 1 and listed["results"] == [created]
    assert created["kind"] == "leverage" and created["attitude"] == "hesitant"
    assert created["negotiators"] == [{"id": cast.negotiator.pk, "name": cast.negotiator.display_name}]
    assert created["third_parties"] == [{"name": "李村长", "relation": "village_cadre",
                                         "relation_label": "Village or community cadre"}]
    assert created["explained"] == ["planning_law_40", "forced_demolition"]
    assert created["next_follow_up_on"] == (today() + dt.timedelta(days=5)).isoformat()

    persuasion = case_persuasion(case=persuading)
    assert [t.pk for t in persuasion.talks] == [created["id"]]
    talk = persuasion.last_talk
    assert talk.event.kind == EventKind.TALK and talk.event_id == created["event"]
    assert talk.document.document_type == DocumentType.TALK_RECORD
    assert created["document"] == {"id": talk.document.pk, "number": talk.document.number}
    assert persuasion.attitudes == ["hesitant"]


def test_talks_are_listed_newest_first_and_paginated(cast, persuading):
    """Like the other lists: pages of `page_size`, newest talk first."""
    client = client_for(cast.negotiator)
    for hours in (5, 3, 1):
        moment = (timezone.now() - dt.timedelta(hours=hours)).isoformat()
        assert client.post(f"/api/v1/cases/{persuading.pk}/talks/", talk_body(occurred_at=moment),
                           format="json").status_code == 201
    first = client.get(f"/api/v1/cases/{persuading.pk}/talks/?page_size=2").json()
    second = client.get(f"/api/v1/cases/{persuading.pk}/talks/?page_size=2&page=2").json()
    assert first["count"] == 3 and len(first["results"]) == 2 and len(second["results"]) == 1
    moments = [row["occurred_at"] for row in first["results"] + second["results"]]
    assert moments == sorted(moments, reverse=True)


def test_a_co_negotiator_takes_part(cast, persuading, squad):
    """Other negotiators of the squad are named by id; the caller is always one of them."""
    colleague = make_user("negotiator2", squad, is_negotiator=True)
    response = client_for(cast.negotiator).post(f"/api/v1/cases/{persuading.pk}/talks/",
                                                talk_body(negotiators=[colleague.pk]), format="json")
    assert response.status_code == 201, response.json()
    assert {p["id"] for p in response.json()["negotiators"]} == {cast.negotiator.pk, colleague.pk}


def test_a_commitment_commits_the_case(cast, persuading):
    """A commitment date also performs commit_self_demolition, as on the page."""
    response = client_for(cast.negotiator).post(f"/api/v1/cases/{persuading.pk}/talks/", talk_body(
        attitude="cooperative", commitment_date=today().isoformat(), commitment_terms="拆除全部",
    ), format="json")
    assert response.status_code == 201, response.json()
    persuading.refresh_from_db()
    assert persuading.status == CaseStatus.SELF_DEMOLITION_COMMITTED
    assert persuading.commitment_date == today()


# --- bad input -------------------------------------------------------------------------------

def test_unknown_fields_and_wrong_types_are_refused(cast, persuading):
    """Unknown fields (also inside a third party) and wrong values are listed per field."""
    response = client_for(cast.negotiator).post(f"/api/v1/cases/{persuading.pk}/talks/", {
        "kind": "shout", "attitude": 3, "place": "", "mood": "good", "explained": ["everything"],
        "third_parties": [{"name": "李村长", "relation": "village_cadre", "phone": "123"}],
        "commitment_date": "soon",
    }, format="json")
    body = assert_error(response, 400, "invalid")
    assert {"kind", "attitude", "place", "owner_attendees", "mood", "explained.0", "third_parties.0.phone",
            "commitment_date"} == set(body["fields"])
    assert not Talk.objects.exists()


def test_the_services_own_checks_come_back_per_field(cast, persuading):
    """What talk_log checks itself (a leverage talk without third parties, a follow-up before
    the talk, a person who is not a negotiator) comes back as field errors."""
    response = client_for(cast.negotiator).post(f"/api/v1/cases/{persuading.pk}/talks/", talk_body(
        kind="leverage", next_follow_up_on=(today() - dt.timedelta(days=3)).isoformat(),
        negotiators=[cast.officer.pk],
    ), format="json")
    body = assert_error(response, 400, "invalid")
    assert {"third_parties", "next_follow_up_on", "negotiators"} <= set(body["fields"])
    assert not Talk.objects.exists()


def test_a_talk_before_filing_is_a_guard_failure(cast, case_in):
    """An inspected case takes no talks: 409 with the service's guard (for a negotiator assigned
    to it ahead of the decision, since others do not find the case)."""
    case = case_in("inspected")
    case.negotiators.add(cast.negotiator)
    response = client_for(cast.negotiator).post(f"/api/v1/cases/{case.pk}/talks/", talk_body(), format="json")
    body = assert_error(response, 409, "guard_failed")
    assert [g["code"] for g in body["guards"]] == ["talk.state"]


def test_a_refused_commitment_records_nothing(cast, persuading):
    """A committed date in the past: a field error, and no talk is kept."""
    response = client_for(cast.negotiator).post(f"/api/v1/cases/{persuading.pk}/talks/", talk_body(
        commitment_date=(today() - dt.timedelta(days=1)).isoformat()), format="json")
    body = assert_error(response, 400, "invalid")
    assert "commitment_date" in body["fields"]
    assert not persuading.talks.exists()


def test_a_stale_version_is_a_conflict(cast, persuading):
    """A talk sent with an old version of the case answers 409 conflict."""
    response = client_for(cast.negotiator).post(f"/api/v1/cases/{persuading.pk}/talks/",
                                               talk_body(expected_version=persuading.version - 1), format="json")
    assert_error(response, 409, "conflict")
    assert not persuading.talks.exists()


def test_bad_page_parameters(cast, persuading):
    """A page that is not a number answers 400; beyond the last one 404."""
    client = client_for(cast.officer)
    assert_error(client.get(f"/api/v1/cases/{persuading.pk}/talks/?page=x"), 400, "invalid")
    assert_error(client.get(f"/api/v1/cases/{persuading.pk}/talks/?page=2"), 404, "not_found")


def test_the_list_costs_the_same_queries_for_one_talk_or_many(cast, persuading):
    """Negotiators, third parties, records and files are loaded per page, not per talk."""
    client = client_for(cast.negotiator)
    path = f"/api/v1/cases/{persuading.pk}/talks/"

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    client.post(path, talk_body(kind="leverage", third_parties=[{"name": "李村长", "relation": "village_cadre"}]),
                format="json")
    one = count()
    for _ in range(2):
        client.post(path, talk_body(kind="leverage", third_parties=[{"name": "王叔", "relation": "elder"}]),
                    format="json")
    assert count() == one
