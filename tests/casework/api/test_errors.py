"""Bad input and failure: a 4xx in one error shape, never a 500, in the caller's language."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from tests.casework.api.conftest import client_for

SHAPE = {"code", "message", "fields", "guards"}


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) <= SHAPE and {"code", "message"} <= set(body), body
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    return body


@pytest.fixture
def officer(cast):
    return client_for(cast.officer)


@pytest.fixture
def reported(scenario):
    return scenario().register()


def test_malformed_json(officer):
    """A body that is not JSON answers 400 parse_error."""
    response = officer.generic("POST", "/api/v1/cases/", "{not json", content_type="application/json")
    assert_error(response, 400, "parse_error")


def test_a_json_value_that_is_not_an_object(officer):
    """A JSON list where an object is expected answers 400 invalid."""
    response = officer.post("/api/v1/cases/", [1, 2], format="json")
    assert_error(response, 400, "invalid")


def test_wrong_types_are_listed_per_field(officer, community):
    """Each wrongly typed field gets its own message under `fields`, nested ones dotted."""
    response = officer.post("/api/v1/cases/", {
        "community": "five", "source": "rumour", "location": 12, "illegal_area": "lots",
        "occurred_at": "yesterday", "party": {"name": ["x"]},
    }, format="json")
    body = assert_error(response, 400, "invalid")
    assert {"community", "source", "illegal_area", "occurred_at", "party.name"} <= set(body["fields"])


def test_unknown_fields_are_refused(officer, community):
    """A field the endpoint does not know (also inside `party`) is refused, not ignored."""
    response = officer.post("/api/v1/cases/", {
        "community": community.pk, "source": "patrol", "location": "某处", "colour": "red",
        "party": {"name": "张伟", "age": 40},
    }, format="json")
    body = assert_error(response, 400, "invalid")
    assert set(body["fields"]) == {"colour", "party.age"}


def test_an_invalid_party_identifier_is_a_field_error(officer, community):
    """The service's own validation (the ID number's checksum) comes back as a field error."""
    response = officer.post("/api/v1/cases/", {
        "community": community.pk, "source": "patrol", "location": "某处",
        "party": {"name": "张伟", "identifier": "110105194912310021"},
    }, format="json")
    body = assert_error(response, 400, "invalid")
    assert any(name.startswith("party.") and "resident ID" in messages[0] for name, messages in body["fields"].items())


def test_bodies_over_25_mb_are_refused_with_413(officer):
    """A body over 25 MB answers 413 before anything reads it."""
    payload = json.dumps({"description": "x" * (25 * 1024 * 1024)})
    response = officer.generic("POST", "/api/v1/cases/", payload, content_type="application/json")
    assert_error(response, 413, "too_large")


def test_an_unknown_transition(officer, reported):
    """A transition name procedure.md does not have answers 404 unknown_transition."""
    response = officer.post(f"/api/v1/cases/{reported.pk}/transitions/demolish_now/", {}, format="json")
    assert_error(response, 404, "unknown_transition")


@pytest.mark.parametrize("path", ["/api/v1/cases/99999999999999999999999/", "/api/v1/nothing-here/",
                                  "/api/v1/documents/99999999999999999999/pdf/"])
def test_unknown_paths_and_ids(officer, path):
    """Ids beyond any row and paths the API does not have answer 404 in the error shape."""
    assert_error(officer.get(path), 404, "not_found")


def test_a_method_the_endpoint_does_not_have(officer, reported):
    """DELETE on a case answers 405 in the error shape."""
    assert_error(officer.delete(f"/api/v1/cases/{reported.pk}/"), 405, "method_not_allowed")


def test_form_data_where_json_is_expected(officer, reported):
    """A form-encoded body on a JSON endpoint answers 415."""
    response = officer.post(f"/api/v1/cases/{reported.pk}/transitions/file/", {"occurred_at": "x"})
    assert_error(response, 415, "unsupported_media_type")


def test_query_parameters_are_checked(officer):
    """Wrong filter values answer 400, a page beyond the last 404."""
    body = assert_error(officer.get("/api/v1/cases/?status=lost&squad=x&overdue=maybe"), 400, "invalid")
    assert set(body["fields"]) == {"status", "squad", "overdue"}
    assert_error(officer.get("/api/v1/cases/?page="), 400, "invalid")
    assert_error(officer.get("/api/v1/cases/?page=9"), 404, "not_found")


def test_unmet_guards_answer_409_with_every_guard(cast, reported):
    """An inspection by one officer with no area lists both unmet conditions with their basis."""
    response = client_for(cast.officer).post(f"/api/v1/cases/{reported.pk}/transitions/inspect/", {
        "occurred_at": timezone.now().isoformat(), "officers": [cast.officer.pk], "location": "某处",
        "illegal_area": "10.00", "construction_ongoing": False,
    }, format="json")
    body = assert_error(response, 409, "guard_failed")
    assert [g["code"] for g in body["guards"]] == ["inspect.officers"]
    assert body["guards"][0]["basis"] == "处罚法 42, 55"
    assert body["guards"][0]["field"] == "officers"


def test_the_future_is_refused(cast, reported):
    """An occurred_at in the future is an unmet guard, not a silent acceptance."""
    response = client_for(cast.officer).post(f"/api/v1/cases/{reported.pk}/transitions/inspect/", {
        "occurred_at": (timezone.now() + dt.timedelta(days=2)).isoformat(),
        "officers": [cast.officer.pk, cast.officer2.pk], "location": "某处", "illegal_area": "10.00",
        "construction_ongoing": False,
    }, format="json")
    body = assert_error(response, 409, "guard_failed")
    assert "occurred_at.future" in [g["code"] for g in body["guards"]]


def test_a_stale_version_is_a_conflict(cast, reported):
    """A transition sent with the version the caller read before someone else's change answers
    409 conflict and changes nothing."""
    client = client_for(cast.officer)
    version = client.get(f"/api/v1/cases/{reported.pk}/").json()["version"]
    data = {"occurred_at": timezone.now().isoformat(), "officers": [cast.officer.pk, cast.officer2.pk],
            "location": "某处", "illegal_area": "10.00", "construction_ongoing": False,
            "expected_version": version}
    assert client.post(f"/api/v1/cases/{reported.pk}/transitions/inspect/", data, format="json").status_code == 200
    supervisor = client_for(cast.supervisor)
    stale = {"occurred_at": timezone.now().isoformat(), "reason": "重复线索。", "expected_version": version}
    assert_error(supervisor.post(f"/api/v1/cases/{reported.pk}/transitions/dismiss/", stale, format="json"),
                 409, "conflict")
    assert client.get(f"/api/v1/cases/{reported.pk}/").json()["status"] == "inspected"


def test_a_person_who_is_not_in_the_database(cast, reported):
    """An officer id that does not exist is a field error on `officers`."""
    response = client_for(cast.officer).post(f"/api/v1/cases/{reported.pk}/transitions/inspect/", {
        "occurred_at": timezone.now().isoformat(), "officers": [cast.officer.pk, 10**20], "location": "某处",
        "illegal_area": "10.00", "construction_ongoing": False,
    }, format="json")
    body = assert_error(response, 400, "invalid")
    assert list(body["fields"]) == ["officers.1"]


@pytest.mark.parametrize("language, expected", [
    ("en", "This field is required."), ("zh-hans", "该字段是必填项。"), (None, "该字段是必填项。"),
])
def test_messages_follow_accept_language(cast, reported, language, expected):
    """Messages are in the language of Accept-Language: Simplified Chinese by default, English on request."""
    client = client_for(cast.officer, language=language) if language else client_for(cast.officer)
    if language is None:
        client.defaults.pop("HTTP_ACCEPT_LANGUAGE", None)
    body = assert_error(client.post(f"/api/v1/cases/{reported.pk}/transitions/dismiss/", {}, format="json"),
                        400, "invalid")
    assert body["fields"]["occurred_at"] == [expected]
