"""What the case endpoints answer: the list's filters, the case, its timeline and photos."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casework.models import Attachment, Case, CaseClock
from casework.scenarios import CaseRecipe
from tests.casework.api.conftest import client_for, png_bytes


@pytest.fixture
def two_cases(case_in, scenario):
    decided = case_in("decided")
    lead = scenario(recipe=CaseRecipe(location="官窑大道8号", illegal_area=Decimal("30"), party_name="李娜")).register()
    return decided, lead


def _ids(client, query=""):
    response = client.get(f"/api/v1/cases/{query}")
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def test_the_list_filters(cast, two_cases, community, other_community):
    """status, squad, community, overdue and q (number, party, location) narrow the list."""
    decided, lead = two_cases
    client = client_for(cast.head)
    assert set(_ids(client)) == {decided.pk, lead.pk}
    assert _ids(client, "?status=decided") == [decided.pk]
    assert set(_ids(client, f"?squad={community.squad_id}")) == {decided.pk, lead.pk}
    assert _ids(client, f"?squad={other_community.squad_id}") == []
    assert set(_ids(client, f"?community={community.pk}")) == {decided.pk, lead.pk}
    assert _ids(client, "?overdue=true") == [decided.pk]
    assert _ids(client, "?overdue=false") == [lead.pk]
    assert _ids(client, "?q=李娜") == [lead.pk]
    assert _ids(client, "?q=官窑大道") == [lead.pk]
    assert _ids(client, f"?q={decided.number}") == [decided.pk]
    page = client.get("/api/v1/cases/?page_size=1").json()
    assert page["count"] == 2 and len(page["results"]) == 1 and page["next"]


def test_a_suspended_case_is_not_overdue(cast, case_in):
    """A suspended case's running clocks do not make it overdue."""
    suspended = case_in("suspended")
    past = timezone.now() - dt.timedelta(days=3)
    CaseClock.objects.filter(case=suspended).update(due_at=past, satisfied_at=None, is_window=False)
    Case.objects.filter(pk=suspended.pk).update(office_due_at=past)  # what clocks_refresh would store
    client = client_for(cast.supervisor)
    assert _ids(client, "?overdue=true") == []
    assert client.get("/api/v1/overdue/").json()["results"] == []


def test_the_case_shows_party_violation_state_people_and_clocks(cast, case_in):
    """The case answers its party (in full for its assigned officer), the violation, state, people and clocks."""
    case = case_in("persuading")
    body = client_for(cast.officer).get(f"/api/v1/cases/{case.pk}/").json()
    assert body["status"] == "persuading" and body["status_label"]
    assert body["party"]["name"] == "张伟"
    assert body["party"]["identifier_masked"] == "110105********002X"
    assert body["party"]["identifier"] == "11010519491231002X" and body["party"]["masked"] is False
    assert body["illegal_area"] == "120.50"
    assert {p["id"] for p in body["officers"]} == {cast.officer.pk, cast.officer2.pk}
    assert [p["id"] for p in body["negotiators"]] == [cast.negotiator.pk]
    kinds = {clock["kind"]: clock for clock in body["clocks"]}
    assert "first_talk" in kinds and kinds["first_talk"]["is_window"] is False


def test_the_timeline_masks_the_party_id_number(cast, case_in):
    """Events come in the order they happened; the registration's party ID number is masked
    for the squad's supervisor (not one of the case's own people)."""
    case = case_in("filed")
    events = client_for(cast.supervisor).get(f"/api/v1/cases/{case.pk}/events/").json()
    assert [e["kind"] for e in events][:3] == ["registration", "transition", "transition"]
    assert events[0]["data"]["party"]["identifier"] == "110105********002X"
    assert events[1]["transition"] == "inspect" and events[1]["actor"]["id"] == cast.officer.pk


def test_the_available_transitions_say_why_not(cast, case_in):
    """For the officer, `file` on an inspected case is listed as not allowed, with the role reason."""
    case = case_in("inspected")
    rows = {row["name"]: row for row in client_for(cast.officer).get(f"/api/v1/cases/{case.pk}/transitions/").json()}
    assert rows["file"]["allowed"] is False
    assert rows["file"]["reasons"][0]["code"] == "permission.role"
    supervisor_rows = {row["name"]: row for row in
                       client_for(cast.supervisor).get(f"/api/v1/cases/{case.pk}/transitions/").json()}
    assert supervisor_rows["file"] == {"name": "file", "label": supervisor_rows["file"]["label"], "allowed": True,
                                       "reasons": []}


def test_a_photo_can_belong_to_an_event_of_the_case(cast, case_in):
    """A photo may name one of the case's events; another case's event is a field error."""
    case = case_in("inspected")
    other = case_in("inspected")
    client = client_for(cast.officer)
    inspection = case.events.get(transition="inspect")
    response = client.post(f"/api/v1/cases/{case.pk}/photos/", {
        "file": SimpleUploadedFile("a.png", png_bytes(), content_type="image/png"), "event": inspection.pk,
    }, format="multipart")
    assert response.status_code == 201, response.json()
    assert Attachment.objects.get(pk=response.json()["id"]).event == inspection
    foreign = other.events.get(transition="inspect")
    response = client.post(f"/api/v1/cases/{case.pk}/photos/", {
        "file": SimpleUploadedFile("a.png", png_bytes(), content_type="image/png"), "event": foreign.pk,
    }, format="multipart")
    assert response.status_code == 400 and "event" in response.json()["fields"]


def test_only_photos_are_accepted_as_photos(cast, case_in):
    """A PDF or a file pretending to be a JPEG is refused as a field error on `file`."""
    case = case_in("inspected")
    client = client_for(cast.officer)
    for name, content in (("scan.pdf", b"%PDF-1.4 x"), ("fake.jpg", b"not really a jpeg")):
        response = client.post(f"/api/v1/cases/{case.pk}/photos/", {
            "file": SimpleUploadedFile(name, content, content_type="image/jpeg")}, format="multipart")
        assert response.status_code == 400, response.json()
        assert "file" in response.json()["fields"]
    assert not Attachment.objects.exists()


def test_lists_cost_the_same_queries_for_one_case_or_many(cast, case_in):
    """The case list, the overdue list and a case's documents do not query once per row."""
    client = client_for(cast.head)
    first = case_in("decided")

    def count(path):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    paths = ["/api/v1/cases/", "/api/v1/overdue/", f"/api/v1/cases/{first.pk}/documents/",
             f"/api/v1/cases/{first.pk}/events/"]
    before = [count(path) for path in paths]
    case_in("decided")
    case_in("decided")
    assert [count(path) for path in paths] == before
