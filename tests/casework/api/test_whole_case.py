"""A case from the first report to closure, driven through the API alone."""

import datetime as dt

import pytest
from django.utils import timezone

from casework.deadlines.calendar import BEIJING, WorkingCalendar
from tests.casework.api.conftest import client_for


class Clock:
    """Working days at 10:00 Beijing time, moving forward from a day in the past."""

    def __init__(self, start: dt.date):
        self.calendar = WorkingCalendar.load()
        self.day = start

    def after(self, days: int) -> str:
        self.day = self.calendar.roll_forward_to_working_day(self.day + dt.timedelta(days=days)).date
        moment = dt.datetime.combine(self.day, dt.time(10, 0), tzinfo=BEIJING)
        assert moment < timezone.now(), "the scenario must stay in the past"
        return moment.isoformat()

    def past(self, due_at: str) -> None:
        """Move to the last day before a clock's end, so `after(1)` lands after it."""
        due = dt.datetime.fromisoformat(due_at).astimezone(BEIJING).date()
        self.day = max(self.day, due - dt.timedelta(days=1))


def _ok(response, status=200):
    assert response.status_code == status, response.json()
    return response.json()


@pytest.mark.django_db
def test_lead_to_closure_through_the_api(cast, community):
    """Registering a lead, inspecting, filing, notifying and serving, legal review, deciding,
    persuasion, commitment, progress, verification and closing all work through the API with
    tokens obtained from the API; the case ends closed as self-demolished with every served
    document's service recorded."""
    tokens = {}
    for person in (cast.officer, cast.supervisor, cast.negotiator, cast.reviewer):
        person.set_password("s3cret-pass-word")
        person.save()
        tokens[person.username] = _ok(client_for().post(
            "/api/v1/auth/token/", {"username": person.username, "password": "s3cret-pass-word"}, format="json"
        ), 201)["token"]

    def as_(person):
        client = client_for(language="en")
        client.credentials(HTTP_AUTHORIZATION=f"Token {tokens[person.username]}")
        return client

    officer, supervisor, negotiator, reviewer = (as_(p) for p in (cast.officer, cast.supervisor, cast.negotiator,
                                                                   cast.reviewer))
    clock = Clock(timezone.now().astimezone(BEIJING).date() - dt.timedelta(days=120))

    case = _ok(officer.post("/api/v1/cases/", {
        "community": community.pk, "source": "complaint", "location": "五星村东区12号楼顶",
        "description": "12345 热线投诉：楼顶加建。", "occurred_at": clock.after(0),
        "party": {"kind": "person", "name": "张伟", "identifier": "11010519491231002X", "phone": "13800000000",
                  "address": "五星村东区12号"},
    }, format="json"), 201)
    assert case["status"] == "reported"
    url = f"/api/v1/cases/{case['id']}"

    def step(client, name, data, status=200):
        return _ok(client.post(f"{url}/transitions/{name}/", data, format="json"), status)

    def serve(document_type, when):
        documents = _ok(officer.get(f"{url}/documents/"))
        document = next(d for d in documents if d["type"] == document_type and d["served_at"] is None)
        _ok(officer.post(f"/api/v1/documents/{document['id']}/service/",
                         {"served_at": when, "method": "handed_over", "recipient": "张伟"}, format="json"), 201)

    step(officer, "inspect", {
        "occurred_at": clock.after(1), "officers": [cast.officer.pk, cast.officer2.pk], "location": "五星村东区12号楼顶",
        "illegal_area": "120.50", "construction_ongoing": False, "structure_type": "brick_concrete", "floors": 1,
        "findings": "现场勘验。",
    })
    step(supervisor, "file", {"occurred_at": clock.after(1), "opinion": "同意立案。"})
    when = clock.after(3)
    step(officer, "notify", {"occurred_at": when, "facts": "未取得规划许可擅自建设。", "evidence": "现场检查笔录、照片。",
                             "legal_basis": "《城乡规划法》第六十四条。"})
    serve("prior_notice", when)

    # The party's windows must lapse before the legal review: read them from the case.
    clocks = {c["kind"]: c for c in _ok(officer.get(f"{url}/"))["clocks"]}
    clock.past(clocks["statement"]["due_at"])
    clock.past(clocks["hearing_request"]["due_at"])
    step(officer, "submit_review", {"occurred_at": clock.after(1)})
    _ok(reviewer.post(f"{url}/approvals/", {
        "step": "legal_review_decision", "decision": "approve", "opinion": "同意。", "occurred_at": clock.after(1),
    }, format="json"), 201)
    when = clock.after(1)
    step(supervisor, "decide", {"occurred_at": when, "decision_kind": "demolish", "self_demolition_days": 15})
    serve("demolition_decision", when)
    step(supervisor, "assign_negotiators", {"occurred_at": clock.after(1), "negotiators": [cast.negotiator.pk]})
    when = clock.after(2)
    step(negotiator, "commit_self_demolition", {
        "occurred_at": when, "commitment_date": (clock.day + dt.timedelta(days=20)).isoformat(), "terms": "自行拆除。",
    })
    step(officer, "report_progress", {"occurred_at": clock.after(7), "demolished_area": "60.25"})
    step(officer, "verify", {"occurred_at": clock.after(10), "officers": [cast.officer.pk, cast.officer2.pk],
                             "verified_area": "120.50", "findings": "已全部拆除。"})
    closed = step(supervisor, "close", {"occurred_at": clock.after(1), "opinion": "同意结案。"})

    assert closed["status"] == "closed"
    assert closed["outcome"] == "self_demolished"
    events = _ok(officer.get(f"{url}/events/"))
    transitions = [e["transition"] for e in events if e["kind"] == "transition"]
    assert transitions == ["inspect", "file", "notify", "submit_review", "decide", "assign_negotiators",
                           "commit_self_demolition", "report_progress", "verify", "close"]
    documents = _ok(officer.get(f"{url}/documents/"))
    assert {"prior_notice", "demolition_decision", "closing_approval", "service_receipt"} <= {d["type"] for d in documents}
    # A closed case refuses further steps with the reason, in the error shape.
    refused = officer.post(f"{url}/transitions/report_progress/",
                           {"occurred_at": clock.after(0), "demolished_area": "1.00"}, format="json")
    assert refused.status_code == 409
    assert refused.json()["code"] == "guard_failed"
    assert refused.json()["guards"][0]["code"] == "state.not_allowed"
