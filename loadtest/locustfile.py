"""Load test: officers, negotiators and supervisors working a day (locust; see scripts/loadtest.sh).

Each simulated person signs in once through the sign-in page with an account of their role
(from the JSON that `manage.py loadtest_prepare` writes, --accounts), then works: lists
and opens cases, registers leads, records inspections and the steps after them (through the
pages' forms or the API with the session), logs persuasion talks, records service of
documents, reviews the overdue list and the dashboard. Proportions follow the weights below
(officers 60 %, negotiators 25 %, supervisors 15 %).

A refusal the application is right to give under concurrency — a 409 because another person
moved the case first, or a form shown again (200/422) because its page was stale — counts as
a success for locust and is tallied per endpoint (--outcomes). Anything
else — a 5xx, a 400/403/404 the script did not expect, a timeout — is a failure.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import random
import re
import threading
from collections import Counter, defaultdict

from locust import HttpUser, between, events, task


@events.init_command_line_parser.add_listener
def _options(parser):
    parser.add_argument("--accounts", default="loadtest-accounts.json",
                        help="The JSON written by manage.py loadtest_prepare.")
    parser.add_argument("--outcomes", default="", help="Write the status codes per endpoint to this JSON file.")


@events.test_start.add_listener
def _load_accounts(environment, **_kwargs):
    with open(environment.parsed_options.accounts, encoding="utf-8") as handle:
        ACCOUNTS.update(json.load(handle))
    _next_account.update({role: itertools.cycle(people) for role, people in ACCOUNTS["accounts"].items()})

BEIJING = dt.timezone(dt.timedelta(hours=8))
APP = "/casework"  # the casework pages' prefix in viewflow's Site (config/site.py)
ACCOUNTS: dict = {}  # read from --accounts when the test starts
_next_account: dict = {}
_lock = threading.Lock()
OUTCOMES: dict[str, Counter] = defaultdict(Counter)  # endpoint name → status code → count

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def now_local(minus_minutes: int = 0) -> dt.datetime:
    return (dt.datetime.now(BEIJING) - dt.timedelta(minutes=minus_minutes)).replace(second=0, microsecond=0)


def form_moment(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def tiny_jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (random.randrange(256), 120, 80)).save(buffer, "JPEG", quality=70)
    return buffer.getvalue()


class Worker(HttpUser):
    abstract = True
    role = ""
    wait_time = between(1, 4)

    # --- plumbing ----------------------------------------------------------------------------

    def on_start(self):
        with _lock:
            self.account = next(_next_account[self.role])
        self.me, self.squad = self.account["id"], self.account["squad"]
        self.client.get("/accounts/login/", name="sign-in page")
        response = self.client.post("/accounts/login/", name="sign in", allow_redirects=False, data={
            "username": self.account["username"], "password": ACCOUNTS["password"],
            "csrfmiddlewaretoken": self.csrf, "next": f"{APP}/",
        })
        if response.status_code != 302:
            raise RuntimeError(f"{self.account['username']} could not sign in: {response.status_code}")

    @property
    def csrf(self) -> str:
        return self.client.cookies.get("csrftoken", "")

    def call(self, method: str, path: str, name: str, ok=(200,), refused=(), **kwargs):
        """One request; `ok` and `refused` codes count as success, anything else as a failure."""
        kwargs.setdefault("allow_redirects", False)
        headers = kwargs.pop("headers", {})
        if method != "GET":
            headers["X-CSRFToken"] = self.csrf
        with self.client.request(method, path, name=name, headers=headers, catch_response=True, **kwargs) as response:
            code = response.status_code
            OUTCOMES[name]["refused" if code in refused else ("ok" if code in ok else code)] += 1
            if code in ok or code in refused:
                response.success()
            else:
                response.failure(f"{code}: {response.text[:300]!r}")
            return response

    def api_cases(self, **filters) -> list[dict]:
        query = "&".join(f"{k}={v}" for k, v in filters.items())
        response = self.call("GET", f"/api/v1/cases/?{query}", name="API case list")
        try:
            return response.json()["results"] if response.status_code == 200 else []
        except ValueError:
            return []

    def pick(self, status: str) -> dict | None:
        cases = self.api_cases(status=status)
        return random.choice(cases) if cases else None

    def api_transition(self, case: dict, name: str, body: dict):
        body = {"occurred_at": now_local().isoformat(), "expected_version": case["version"], **body}
        return self.call("POST", f"/api/v1/cases/{case['id']}/transitions/{name}/", name=f"API transition {name}",
                         ok=(200,), refused=(409,), json=body)

    def page_form(self, path: str, name: str, data: dict, files=None):
        """Open a form page, then submit it: 302 on success; 200/422 when the form comes back
        with the service's refusal (the case moved meanwhile)."""
        self.call("GET", path, name=f"{name} (form)")
        return self.call("POST", path, name=name, ok=(302,), refused=(200, 422), data=data, files=files)

    # --- what everyone does ------------------------------------------------------------------

    @task(3)
    def my_work(self):
        self.call("GET", f"{APP}/", name="my work")

    @task(4)
    def case_list(self):
        params = random.choice(["", "?page=2", "?status=reported", "?overdue=1", "?q=号", "?closed=0"])
        self.call("GET", f"{APP}/cases/{params}", name="case list")

    @task(5)
    def case_page(self):
        cases = self.api_cases()
        if cases:
            case = random.choice(cases)
            self.call("GET", f"{APP}/cases/{case['id']}/", name="case page")
            if random.random() < 0.3:
                self.call("GET", f"/documents/case/{case['id']}/", name="case documents page")
            if random.random() < 0.3:
                self.call("GET", f"/api/v1/cases/{case['id']}/transitions/", name="API available transitions")


class Officer(Worker):
    role = "officer"
    weight = 60

    def _officers(self) -> list[int]:
        others = [pk for pk in ACCOUNTS["squad_officers"][str(self.squad)] if pk != self.me]
        return [self.me, random.choice(others)]

    @task(2)
    def register_lead(self):
        response = self.call("GET", f"{APP}/cases/new/", name="new lead (form)")
        communities = re.findall(r'<option value="(\d+)"', response.text)
        if not communities:
            return
        self.call("POST", f"{APP}/cases/new/", name="new lead", ok=(302,), data={
            "community": random.choice(communities), "source": random.choice(["patrol", "complaint"]),
            "location": f"巡查发现楼顶加建{random.randrange(1, 999)}号", "illegal_area": f"{random.randrange(20, 300)}.50",
            "is_newly_added": "on", "party_name": "王某", "description": "楼顶违规加建彩钢瓦房。",
            "occurred_at": form_moment(now_local(120)),
        }, files={"photos": ("site.jpg", tiny_jpeg(), "image/jpeg")} if random.random() < 0.3 else None)

    @task(2)
    def inspect(self):
        case = self.pick("reported")
        if case:
            self.page_form(f"{APP}/cases/{case['id']}/do/inspect/", "inspect (page)", {
                "occurred_at": form_moment(now_local(1)), "officers": self._officers(), "location": case["location"],
                "illegal_area": "86.40", "structure_type": "steel", "floors": "1", "is_newly_added": "on",
                "findings": "现场勘验，未见规划许可。", "party_kind": "person", "party_name": case["party_name"] or "王某",
                "party_identifier": "11010519491231002X", "party_address": case["location"],
                "party_phone": "13800000000", "version": case["version"],
            })

    @task(1)
    def notify(self):
        case = self.pick("filed")
        if case:
            response = self.api_transition(case, "notify", {
                "facts": "当事人未取得建设工程规划许可证擅自建设。", "evidence": "现场检查笔录、照片。",
                "legal_basis": "《城乡规划法》第四十条、第六十四条。",
            })
            if response.status_code == 200:
                self.serve_pending(case["id"])

    def serve_pending(self, case_id: int):
        response = self.call("GET", f"/api/v1/cases/{case_id}/documents/", name="API case documents")
        if response.status_code != 200:
            return
        for document in response.json():
            if document["type"] == "prior_notice" and not document["served_at"]:
                self.page_form(f"/documents/{document['id']}/serve/", "record service (page)", {
                    "method": "handed_over", "served_at": form_moment(now_local()), "recipient": "王某",
                })

    @task(1)
    def photo(self):
        cases = self.api_cases(status="inspected")
        if cases:
            case = random.choice(cases)
            self.call("POST", f"/api/v1/cases/{case['id']}/photos/", name="API photo upload", ok=(201,),
                      files={"file": ("site.jpg", tiny_jpeg(), "image/jpeg")}, data={"caption": "现场照片"})

    @task(1)
    def progress_and_verify(self):
        case = self.pick("self_demolishing") or self.pick("self_demolition_committed")
        if not case:
            return
        area = float(case["illegal_area"])
        if case["status"] == "self_demolishing" and random.random() < 0.5:
            self.api_transition(case, "verify", {"officers": self._officers(), "verified_area": case["illegal_area"],
                                                 "findings": "违法建设部分已全部拆除。"})
        else:
            self.api_transition(case, "report_progress", {"demolished_area": f"{area * random.uniform(0.2, 0.6):.2f}"})


class Negotiator(Worker):
    role = "negotiator"
    weight = 25

    @task(4)
    def mine(self):
        self.call("GET", "/persuasion/mine/", name="my persuasion cases")

    @task(4)
    def talk(self):
        case = self.pick(random.choice(["persuading", "decided", "filed"]))
        if not case:
            return
        self.call("GET", f"/persuasion/case/{case['id']}/", name="persuasion case page")
        response = self.call("GET", f"/persuasion/case/{case['id']}/talk/", name="talk (form)", ok=(200, 403))
        if response.status_code != 200:
            return  # another negotiator's case
        version = re.search(r'name="version" value="(\d+)"', response.text)
        self.call("POST", f"/persuasion/case/{case['id']}/talk/", name="talk", ok=(302,), refused=(422,), data={
            "kind": "persuade", "attitude": random.choice(["cooperative", "hesitant", "resistant"]),
            "explained": ["planning_law_40", "decision_deadline"], "owner_acknowledged": "on", "owner_statements": "表示考虑。",
            "next_follow_up_on": (dt.date.today() + dt.timedelta(days=7)).isoformat(), "place": "村委会",
            "owner_attendees": case["party_name"] or "业主", "occurred_at": form_moment(now_local(5)),
            "version": version.group(1) if version else case["version"],
        })

    @task(1)
    def commit(self):
        case = self.pick("persuading")
        if not case:
            return
        detail = self.call("GET", f"/api/v1/cases/{case['id']}/", name="API case")
        # Only the case's own negotiators record a commitment (another one is rightly refused).
        if detail.status_code == 200 and any(p["id"] == self.me for p in detail.json()["negotiators"]):
            self.api_transition(case, "commit_self_demolition", {
                "commitment_date": (dt.datetime.now(BEIJING).date() + dt.timedelta(days=20)).isoformat(),
                "terms": "当事人承诺自行拆除。",
            })


class Supervisor(Worker):
    role = "supervisor"
    weight = 15

    @task(3)
    def overdue(self):
        self.call("GET", random.choice(["/overdue/", "/overdue/?ordering=-days", "/overdue/?page=2"]), name="overdue")

    @task(2)
    def dashboard(self):
        self.call("GET", "/dashboard/", name="dashboard")

    @task(2)
    def file(self):
        case = self.pick("inspected")
        if case:
            self.api_transition(case, "file", {"opinion": "同意立案。"})

    @task(1)
    def assign_negotiators(self):
        case = self.pick("decided")
        if case:
            negotiators = [a["id"] for a in ACCOUNTS["accounts"]["negotiator"] if a["squad"] == self.squad]
            self.api_transition(case, "assign_negotiators", {"negotiators": random.sample(negotiators, 1)})

    @task(1)
    def close(self):
        case = self.pick("verified")
        if case:
            self.api_transition(case, "close", {"opinion": "同意结案。"})

    @task(1)
    def review_note(self):
        cases = self.api_cases(overdue="true")
        if cases:
            self.call("POST", "/overdue/", name="overdue review note", ok=(302,), data={
                "action": "note", "case": random.choice(cases)["id"], "reason": "当事人外出。", "next_step": "下周约谈。",
            })


@events.quitting.add_listener
def _write_outcomes(environment, **_kwargs):
    path = environment.parsed_options.outcomes
    if path:
        with open(path, "w", encoding="utf-8") as handle:
            json.dump({name: dict(counter) for name, counter in OUTCOMES.items()}, handle, ensure_ascii=False, indent=1)
