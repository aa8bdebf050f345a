"""Every page with a form, posted malformed input, answers without a server error.

The pages (config/urls.py, config/site.py, the casework url modules): sign-in and the second
factor, a new lead, each transition's form, the legal review, assigning officers, taking and
reassigning tasks, a talk, progress, publicity, recording service, verifying a document, the
overdue page's reassign and review note, notifications, the language switch; and the filter
forms read from the query string (case list, overdue, dashboard and its exports, the
persuasion analysis). Each is used by a signed-in person with the role the page is for (or
anonymously where it is public), against cases in states where its form matters.

Two passes: a fixed sweep that sends every page the same nasty bodies (nothing, every field
huge, every field of the wrong type, every field repeated, other squads' ids, bytes that are
not UTF-8), then hypothesis mixing those per field. A page may accept (200/302), refuse
(400/403/404/405/409/413/422/429), never fail (5xx, or an exception out of the view).
The API is fuzzed against its schema in tests/casework/api/test_fuzzing.py.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework.forms.transitions import TRANSITION_FORMS, ApprovalForm, AssignOfficersForm, LeadForm
from casework.models import Case, CaseStatus, Document
from casework.transitions import SPECS
from tests.casework.conftest import make_user

ALLOWED = {200, 302, 400, 403, 404, 405, 409, 413, 422, 429}
FUZZ_EXAMPLES = 80

# The state each transition's form is tried in (its usual source state).
TRANSITION_CASES = {
    "inspect": "reported", "file": "reported", "dismiss": "reported",
    "notify": "filed", "suspend": "filed", "request_hearing": "filed", "submit_review": "filed",
    "decide": "decided", "assign_negotiators": "decided", "announce": "decided", "terminate": "decided",
    "issue_demand": "decided", "decide_execution": "decided",
    "commit_self_demolition": "persuading",
    "report_progress": "self_demolishing", "verify": "self_demolishing", "rectify": "self_demolishing",
    "force_demolish": "self_demolishing", "close": "self_demolishing",
    "resume": "suspended",
}  # fmt: skip
STATES = sorted(set(TRANSITION_CASES.values()))

TALK_FIELDS = ["kind", "attitude", "explained", "owner_acknowledged", "owner_statements", "commitment_date",
               "commitment_terms", "next_follow_up_on", "place", "owner_attendees", "occurred_at", "co_negotiators",
               "explained_notes", "version", "third_party_name_1", "third_party_relation_1", "third_party_name_2",
               "third_party_relation_2"]


@dataclass
class Target:
    name: str
    url: str
    user: str | None  # a key of the people dict; None: anonymous
    fields: list[str]
    files: list[str] = field(default_factory=list)
    method: str = "POST"
    fixed: dict = field(default_factory=dict)  # sent as they are with every body (which action)


def _fields(form_class, *extra) -> list[str]:
    return [*form_class.base_fields, *extra]


def bad_upload(kind: str, name: str = "x.jpg"):
    if kind == "garbage":
        return SimpleUploadedFile(name, b"\xff\xd8\xff\xe0not really a jpeg" * 20, content_type="image/jpeg")
    if kind == "empty":
        return SimpleUploadedFile(name, b"", content_type="image/jpeg")
    if kind == "text":
        return SimpleUploadedFile("notes.txt.jpg", "说明".encode() * 100, content_type="text/plain")
    if kind == "pdf":
        return SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF", content_type="application/pdf")
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(buffer, "PNG")
    return SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg")


UPLOAD_KINDS = ["garbage", "empty", "text", "pdf", "png"]

NASTY_WORDS = [
    "", " ", "abc", "-1", "0", "1.5", "1e309", "NaN", "Infinity", "-Infinity", "99999999999999999999999",
    "9" * 40, "-9" * 20, "0x1F", "2026-02-30", "2026-13-01T25:61", "0001-01-01", "9999-12-31T23:59",
    "1900-01-01 00:00", "2026-11-26T09:00:00+99:00", "true", "on", "null", "[]", "{}", "<script>x</script>",
    "' OR 1=1 --", "\x00", "a\x00b", "%00", "\u202e\u202d", "𠜎𠜱", "\ufffd\ufffe", "../../etc/passwd", "http://evil/",
    "//evil.example/", "decide", "legal_review_decision", "reassign", "note", "approve", "person", "statement",
]  # fmt: skip


@pytest.fixture
def world(case_in, cast, squad, community, other_squad, other_community, other_officer):
    """Cases of the squad in every state the forms need, one of another squad, and the people."""
    from casework.services.cases import case_register

    cases = {state: case_in(state) for state in STATES}
    other_case = case_register(actor=other_officer, community=other_community, source="patrol",
                               location="官窑社区振兴路9号")
    served = Document.objects.filter(case=cases["suspended"], document_type="suspension_notice").first()
    issued = Document.objects.exclude(pk=served.pk).first()
    from casework.services.documents import document_render

    document_render(document_id=issued.pk)  # the public verification page needs an issued document
    issued.refresh_from_db()
    people = {"officer": cast.officer, "supervisor": cast.supervisor, "negotiator": cast.negotiator,
              "reviewer": cast.reviewer, "head": cast.head,
              "admin": make_user("admin9", None, is_administrator=True)}
    from workflows.services import open_tasks

    task_ids = [task.pk for case in cases.values() for task in open_tasks(case=case)] or [0]
    ids = {
        "own": [str(c.pk) for c in cases.values()] + [str(u.pk) for u in people.values()],
        "other": [str(other_case.pk), str(other_officer.pk), str(other_community.pk), str(other_squad.pk)],
        "none": ["0", "-1", "999999999", str(2**63), str(2**64 + 5), "1.0", "1e3"],
    }
    return {"cases": cases, "other_case": other_case, "served": served, "issued": issued, "people": people,
            "tasks": task_ids, "ids": ids}


def targets(world) -> list[Target]:
    cases = world["cases"]
    out = [
        Target("sign in", "/accounts/login/", None, ["username", "password", "next"]),
        Target("second factor", "/accounts/two-factor/", None, ["code"]),
        Target("second factor setup", "/accounts/two-factor/setup/", "supervisor", ["code"]),
        Target("language", "/i18n/setlang/", None, ["language", "next"]),
        Target("new lead", "/casework/cases/new/", "officer", _fields(LeadForm, "keep_location"), ["photos"]),
    ]
    for name, form_class in TRANSITION_FORMS.items():
        roles = SPECS[name].roles
        user = next(key for key, role in (("officer", "field_officer"), ("supervisor", "supervisor"),
                                          ("negotiator", "negotiator"), ("head", "head_of_office")) if role in roles)
        case = cases[TRANSITION_CASES[name]]
        out.append(Target(f"transition {name}", f"/casework/cases/{case.pk}/do/{name}/", user,
                          _fields(form_class, "version", "keep_location"), ["photos"]))
    decided, persuading = cases["decided"], cases["persuading"]
    out += [
        Target("legal review", f"/casework/cases/{cases['filed'].pk}/review/legal_review_decision/", "reviewer",
               _fields(ApprovalForm)),
        Target("legal review of execution", f"/casework/cases/{decided.pk}/review/legal_review_execution/", "reviewer",
               _fields(ApprovalForm)),
        Target("assign officers", f"/casework/cases/{decided.pk}/assign/", "supervisor", _fields(AssignOfficersForm)),
        Target("take task", f"/casework/tasks/{world['tasks'][0]}/take/", "officer", []),
        Target("reassign task", f"/casework/tasks/{world['tasks'][0]}/reassign/", "supervisor", ["owner"]),
        Target("talk", f"/persuasion/case/{persuading.pk}/talk/", "negotiator", TALK_FIELDS, ["photos", "recordings"]),
        Target("progress", f"/persuasion/case/{cases['self_demolishing'].pk}/progress/", "negotiator",
               ["demolished_area", "remarks", "version"], ["photos"]),
        Target("publicity", "/persuasion/publicity/new/", "negotiator",
               ["community", "occurred_on", "kind", "description", "all_open_cases", "cases"], ["photos"]),
        Target("record service", f"/documents/{world['served'].pk}/serve/", "officer",
               ["method", "served_at", "recipient"], ["proof"]),
        Target("verify a document", f"/verify/{world['issued'].verification_code}", None, [], ["pdf"]),
        Target("overdue reassign", "/overdue/", "supervisor", ["cases", "officers", "reason", "next"],
               fixed={"action": "reassign"}),
        Target("overdue note", "/overdue/", "supervisor", ["case", "clock", "reason", "next_step", "next"],
               fixed={"action": "note"}),
        Target("overdue action", "/overdue/", "supervisor", ["action", "case", "cases"]),
        Target("notifications", "/notifications/", "officer", ["notification"]),
        # Filter forms read from the query string.
        Target("case list filters", "/casework/cases/", "officer",
               ["status", "squad", "community", "officer", "newly_added", "overdue", "source", "q", "closed", "page"],
               method="GET"),
        Target("overdue filters", "/overdue/", "supervisor",
               ["squad", "community", "kind", "officer", "negotiator", "min_days", "ordering", "page", "export"],
               method="GET"),
        Target("dashboard filters", "/dashboard/", "supervisor", ["year", "squad"], method="GET"),
        Target("dashboard export", "/dashboard/squads.csv", "supervisor", ["year", "squad"], method="GET"),
        Target("persuasion analysis", "/persuasion/analysis/", "supervisor", ["squad", "year", "negotiator"],
               method="GET"),
        Target("persuasion analysis CSV", "/persuasion/analysis.csv", "head", ["squad", "year", "negotiator"],
               method="GET"),
        Target("notifications filter", "/notifications/", "officer", ["unread", "page"], method="GET"),
        Target("my persuasion cases", "/persuasion/mine/", "negotiator", ["page"], method="GET"),
    ]
    return out


class Requester:
    """One signed-in client per person; sends a body and checks the answer."""

    def __init__(self, world):
        self.world = world
        self.clients: dict[str | None, Client] = {}

    def client(self, user: str | None) -> Client:
        if user not in self.clients:
            client = Client(raise_request_exception=True)
            if user:
                client.force_login(self.world["people"][user])
            self.clients[user] = client
        return self.clients[user]

    def send(self, target: Target, data: dict, raw: bytes | None = None) -> int:
        client = self.client(target.user)
        try:
            data = {**data, **target.fixed}
            if raw is not None and target.fixed:
                raw += b"&" + urlencode(target.fixed).encode()
            if raw is not None and target.method == "GET":
                response = client.get(f"{target.url}?{raw.decode()}")
            elif raw is not None:
                response = client.generic("POST", target.url, raw, content_type="application/x-www-form-urlencoded")
            elif target.method == "GET":
                response = client.get(target.url, data)
            else:
                response = client.post(target.url, data)
        except Exception as error:  # the view raised: Django would answer 500
            raise AssertionError(f"{target.name} {target.url} raised {type(error).__name__}: {error}\n"
                                 f"data: {_short(data)}") from error
        assert response.status_code in ALLOWED, (
            f"{target.name} {target.url} answered {response.status_code}; data: {_short(data)}")
        return response.status_code


def _short(data: dict) -> str:
    return repr({k: (v[:80] + f"…({len(v)})" if isinstance(v, str) and len(v) > 80 else v) for k, v in data.items()})


def sweep_bodies(target: Target, world) -> list[dict]:
    ids = world["ids"]
    every = lambda value: {name: value for name in target.fields}  # noqa: E731
    bodies = [
        {},
        every("字" * 12_000),
        every("abc"),
        every("9" * 40),
        every("2026-02-30T25:61"),
        every("\x00"),
        {name: ["1", "2", "abc"] for name in target.fields},
        {name: ids["other"] for name in target.fields},
        {name: ids["none"][-3] for name in target.fields},
    ]
    for kind in UPLOAD_KINDS:
        if target.files:
            bodies.append({**every("1"), **{name: bad_upload(kind) for name in target.files}})
    return bodies


def test_every_form_survives_a_fixed_sweep_of_malformed_bodies(world):
    """Each page, each nasty body (and one body of bytes that are not UTF-8): no server error."""
    requester = Requester(world)
    all_targets = targets(world)
    seen: dict[str, set[int]] = {}
    for target in all_targets:
        statuses = seen.setdefault(target.name, set())
        for body in sweep_bodies(target, world):
            statuses.add(requester.send(target, body))
        if target.fields:
            raw = "&".join(f"{name}=%FF%FE%C0%AF" for name in target.fields).encode()
            statuses.add(requester.send(target, {}, raw=raw))
    # Every page was reached, not only "not found" (which an unknown overdue action is by design).
    unreached = {name for name, statuses in seen.items() if statuses <= {404}}
    assert unreached == {"overdue action"}, unreached
    assert {200, 302} <= set().union(*seen.values())


def value_strategy(ids: dict):
    single = st.one_of(
        st.sampled_from(NASTY_WORDS),
        st.sampled_from(ids["own"] + ids["other"] + ids["none"]),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.datetimes().map(lambda d: d.strftime(st_format(d))),
        st.text(max_size=40),
        st.integers(min_value=1000, max_value=20_000).map(lambda n: "违" * n),
    )
    return st.one_of(single, st.lists(single, min_size=2, max_size=4))


def st_format(moment) -> str:
    return ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%d/%m/%Y"][moment.microsecond % 4]


@st.composite
def bodies(draw, target: Target, ids: dict):
    data = {}
    for name in [*target.fields, "unexpected_field"]:
        if draw(st.booleans()):
            data[name] = draw(value_strategy(ids))
    for name in target.files:
        if draw(st.booleans()):
            data[name] = bad_upload(draw(st.sampled_from(UPLOAD_KINDS)))
    return data


def test_every_form_survives_hypothesis_fuzzing(world):
    """Hypothesis mixes missing fields, huge and wrong-typed values, invalid dates, extreme
    numbers, repeated fields and other squads' ids over every page's fields."""
    requester = Requester(world)
    all_targets = targets(world)
    ids = world["ids"]

    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(st.sampled_from(all_targets).flatmap(lambda target: st.tuples(st.just(target), bodies(target, ids))))
    def run(example):
        target, data = example
        seen.add(requester.send(target, data))

    seen: set[int] = set()
    run()
    assert {200, 302} & seen and seen - {200, 302}, seen


def test_another_squads_objects_stay_out_of_reach(cast, other_community, other_officer):
    """A form naming another squad's case is refused, never applied."""
    from casework.services.cases import case_register

    other_case = case_register(actor=other_officer, community=other_community, source="patrol",
                               location="官窑社区振兴路9号")
    version = Case.objects.get(pk=other_case.pk).version
    requester = Requester({"people": {"officer": cast.officer, "negotiator": cast.negotiator,
                                      "supervisor": cast.supervisor}})
    for target in (
        Target("their case's inspection", f"/casework/cases/{other_case.pk}/do/inspect/", "officer", []),
        Target("their talk", f"/persuasion/case/{other_case.pk}/talk/", "negotiator", []),
        Target("their progress", f"/persuasion/case/{other_case.pk}/progress/", "negotiator", []),
        Target("their documents", f"/documents/case/{other_case.pk}/", "officer", [], method="GET"),
    ):
        assert requester.send(target, {"version": "1", "location": "x", "illegal_area": "1"}) in {403, 404}
    status = requester.send(Target("note on their case", "/overdue/", "supervisor", []),
                            {"action": "note", "case": str(other_case.pk), "reason": "r", "next_step": "n"})
    assert status == 302 and not other_case.events.filter(kind="note").exists()
    other_case.refresh_from_db()
    assert other_case.status == CaseStatus.REPORTED and other_case.version == version
