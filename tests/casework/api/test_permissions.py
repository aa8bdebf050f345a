"""Each endpoint's permissions per role, squad and assignment: the same rules as the pages
(casework.authorization). Cases one may not read (another squad's, or for a negotiator one
they are not assigned to) are not found (404), never merely forbidden, so their existence does
not leak."""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from casework.scenarios import PATHS
from casework.services import cases as case_services
from tests.casework.api.conftest import client_for, png_bytes
from tests.casework.conftest import make_user

ROLES = ["officer", "negotiator", "assigned_negotiator", "supervisor", "reviewer", "head", "admin", "other_squad",
         "no_role", "anonymous"]
SEES = {"officer", "assigned_negotiator", "supervisor", "reviewer", "head", "admin"}


@pytest.fixture
def people(cast, other_officer, admin_user, nobody, squad):
    return {
        "officer": cast.officer, "negotiator": cast.negotiator,
        "assigned_negotiator": make_user("negotiator2", squad, is_negotiator=True), "supervisor": cast.supervisor,
        "reviewer": cast.reviewer, "head": cast.head, "admin": admin_user, "other_squad": other_officer,
        "no_role": nobody, "anonymous": None,
    }


def expected_read(role: str) -> int:
    return 200 if role in SEES else 401 if role == "anonymous" else 404


@pytest.fixture
def decided(case_in, people):
    """A decided case; `assigned_negotiator` is one of its negotiators, `negotiator` (of the
    same squad) is not."""
    case = case_in("decided")
    case.negotiators.add(people["assigned_negotiator"])
    return case


def by_role(people, request) -> dict[str, int]:
    """The status each role gets for `request(client)`, roles in ROLES order (the one that may
    change the case last, so the others see it unchanged)."""
    return {role: request(client_for(people[role])).status_code for role in ROLES}


@pytest.mark.parametrize("suffix", ["", "transitions/", "events/", "documents/"])
def test_reading_a_case(people, decided, suffix):
    """The squad's officers and supervisor, the case's negotiator and the office-wide roles read
    the case; a negotiator of the squad not assigned to it, another squad's officer and a person
    without a role get 404; without credentials 401."""
    got = by_role(people, lambda client: client.get(f"/api/v1/cases/{decided.pk}/{suffix}"))
    assert got == {role: expected_read(role) for role in ROLES}


def test_the_case_list_shows_only_visible_cases(people, decided):
    """The list holds the case for those who may read it and is empty for the others."""
    for role in ROLES:
        response = client_for(people[role]).get("/api/v1/cases/")
        if role == "anonymous":
            assert response.status_code == 401
            continue
        assert response.status_code == 200
        ids = [row["id"] for row in response.json()["results"]]
        assert ids == ([decided.pk] if role in SEES else []), role


def test_overdue_shows_only_visible_clocks(people, decided):
    """The decided case's self-demolition period ran out long ago: it is overdue for those who
    may read the case, and absent for the others."""
    for role in ROLES:
        response = client_for(people[role]).get("/api/v1/overdue/")
        if role == "anonymous":
            assert response.status_code == 401
            continue
        rows = response.json()["results"]
        assert [(row["case"]["id"], row["kind"]) for row in rows] == (
            [(decided.pk, "self_demolition")] if role in SEES else []
        ), role
        if rows:
            assert rows[0]["days_overdue"] > 0


REGISTER = {"officer": 201, "supervisor": 201, "head": 201, "negotiator": 403, "assigned_negotiator": 403,
            "reviewer": 403, "admin": 403, "other_squad": 403, "no_role": 403, "anonymous": 401}


@pytest.mark.parametrize("role", ROLES)
def test_registering_a_lead(people, community, role):
    """Field officers and supervisors register leads in their squad's communities, the head of
    office anywhere; the others are refused."""
    response = client_for(people[role]).post("/api/v1/cases/", {
        "community": community.pk, "source": "patrol", "location": "五星村西区3号",
    }, format="json")
    assert response.status_code == REGISTER[role], response.json()
    if response.status_code == 201:
        assert response.json()["status"] == "reported"
        assert response.json()["squad"]["id"] == community.squad_id


FILE = {"supervisor": 200, "officer": 403, "negotiator": 404, "assigned_negotiator": 404, "reviewer": 403,
        "head": 403, "admin": 403, "other_squad": 404, "no_role": 404, "anonymous": 401}


def test_performing_a_transition(people, case_in):
    """Only the squad's supervisor files a case; others who see it get 403 with the reason,
    people of other squads and negotiators (assigned to no case before the decision) 404."""
    case = case_in("inspected")
    when = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    order = [role for role in ROLES if role != "supervisor"] + ["supervisor"]
    got = {}
    for role in order:
        response = client_for(people[role]).post(f"/api/v1/cases/{case.pk}/transitions/file/",
                                                 {"occurred_at": when}, format="json")
        got[role] = response.status_code
        if response.status_code == 403:
            assert response.json()["code"] == "forbidden"
    assert got == FILE
    case.refresh_from_db()
    assert case.status == "filed"


def test_a_supervisor_of_another_squad_cannot_reach_the_case(case_in, other_squad):
    """Even the right role in the wrong squad finds nothing."""
    case = case_in("inspected")
    stranger = make_user("supervisor2", other_squad, is_supervisor=True)
    response = client_for(stranger).post(f"/api/v1/cases/{case.pk}/transitions/file/",
                                         {"occurred_at": timezone.now().isoformat()}, format="json")
    assert response.status_code == 404


PHOTO = {"officer": 201, "negotiator": 404, "assigned_negotiator": 201, "supervisor": 201, "reviewer": 403,
         "head": 201, "admin": 403, "other_squad": 404, "no_role": 404, "anonymous": 401}


def test_uploading_a_photo(people, decided):
    """The squad's officers and supervisor, the case's negotiators and the head of office add
    photos (`upload_attachment`); the legal reviewer and the administrator read the case but
    add no evidence (403); those who cannot read it get 404."""
    got = {}
    for role in ROLES:
        upload = {"file": SimpleUploadedFile("photo.png", png_bytes(), content_type="image/png"), "caption": "现场"}
        response = client_for(people[role]).post(f"/api/v1/cases/{decided.pk}/photos/", upload, format="multipart")
        got[role] = response.status_code
        if response.status_code == 403:
            assert response.json()["code"] == "forbidden"
        if response.status_code == 201:
            assert response.json()["kind"] == "photo"
            assert response.json()["content_type"] == "image/png"
    assert got == PHOTO


SERVE = {"officer": 201, "supervisor": 201, "negotiator": 404, "assigned_negotiator": 404, "reviewer": 403,
         "head": 403, "admin": 403, "other_squad": 404, "no_role": 404, "anonymous": 401}


@pytest.mark.parametrize("role", ROLES)
def test_recording_service(people, scenario, cast, role):
    """Field officers and supervisors of the squad record service; others who see the case get
    403; other squads and negotiators not assigned to the case 404."""
    run = scenario()
    case = run.run(PATHS["filed"])
    when = run._moment(3)
    case_services.case_notify(case=case, actor=cast.officer, occurred_at=when, facts="事实。", evidence="证据。",
                              legal_basis="依据。")
    notice = case.documents.get(document_type="prior_notice")
    response = client_for(people[role]).post(f"/api/v1/documents/{notice.pk}/service/", {
        "served_at": when.isoformat(), "method": "handed_over", "recipient": "张伟",
    }, format="json")
    assert response.status_code == SERVE[role], response.json()
    if response.status_code == 201:
        assert response.json()["document"] == notice.pk
        documents = client_for(people[role]).get(f"/api/v1/cases/{case.pk}/documents/").json()
        assert any(d["type"] == "service_receipt" for d in documents)
        assert next(d for d in documents if d["id"] == notice.pk)["served_at"] is not None


APPROVE = {"reviewer": 201, "officer": 403, "negotiator": 404, "assigned_negotiator": 404, "supervisor": 403,
           "head": 403, "admin": 403, "other_squad": 404, "no_role": 404, "anonymous": 401}


def test_giving_the_legal_review_opinion(people, case_in):
    """Only the legal reviewer gives the legal review opinion."""
    case = case_in("under_review")
    got = by_role(people, lambda client: client.post(f"/api/v1/cases/{case.pk}/approvals/", {
        "step": "legal_review_decision", "decision": "approve", "opinion": "同意。",
    }, format="json"))
    assert got == APPROVE


def test_fetching_a_pdf(people, decided):
    """A rendered document's PDF is served to those who may read the case, and listed with its URL:
    the original to the case's assigned officer and negotiator, a copy with the ID number masked to the others."""
    document = decided.documents.first()
    assert document.data["party"]["identifier"]  # the inspection record prints the full ID number
    document.pdf.save("x.pdf", ContentFile(b"%PDF-1.4 test"), save=False)
    type(document).objects.filter(pk=document.pk).update(pdf=document.pdf.name)
    for role in ROLES:
        response = client_for(people[role]).get(f"/api/v1/documents/{document.pk}/pdf/")
        assert response.status_code == expected_read(role), role
        if response.status_code == 200:
            assert response["Content-Type"] == "application/pdf"
            content = b"".join(response.streaming_content)
            if role in ("officer", "assigned_negotiator"):  # the case's own people
                assert content == b"%PDF-1.4 test"
            else:
                assert content.startswith(b"%PDF") and content != b"%PDF-1.4 test", role
            listed = client_for(people[role]).get(f"/api/v1/cases/{decided.pk}/documents/").json()
            url = next(d for d in listed if d["id"] == document.pk)["url"]
            assert url.endswith(f"/api/v1/documents/{document.pk}/pdf/")
