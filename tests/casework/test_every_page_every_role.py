"""Every page a person can reach by clicking answers without a server error, whoever they are.

The demo office (`manage.py load_demo`: an account per role, a case in every state), then the
people and records that are legitimate but unusual: a field officer and a supervisor in no
squad, a negotiator with no case assigned, a negotiator moved to another squad but still
assigned to the first one's cases, a supervisor of a squad with no case (the demo's
supervisor3), a person holding every role and no name, an account with no role, a staff account
with no role, an inactive account, an officer who left but is named on cases, nobody signed in,
a squad with nothing in it, a lead registered without a party (with a photo), issued PDFs, and
the reminders of the demo's clocks.

Each person is signed in (force_login) and the site crawled breadth-first from the home page and
the pages nothing links to: GET only, following same-site `<a href>`s, what the GET filter forms
send, redirects, and the URLs in the API's JSON; each case page opened brings the case's API
reads, persuasion page and documents page. Pages are bounded per person and per kind (a route,
its words, the query's keys, and the state of the case it is about), so each kind of page is
seen once for a case in each state. Then the list and report pages are asked with odd but valid
query strings (page=0, page=abc, unknown filter values, year=1900, a NUL, kilobytes of text).

A page may answer anything below 500; every 5xx and every exception raised out of a view is
collected, so one run lists them all with the person, the URL and the line that raised.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections import Counter, deque
from dataclasses import dataclass
from html.parser import HTMLParser
from io import BytesIO, StringIO
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from PIL import Image

from casework.demo import ROLE_FLAGS
from casework.models import Case, Community, Document, DocumentStatus, PartyKind, Squad, User
from casework.services.attachments import attachment_add
from casework.services.cases import case_register
from casework.services.documents import document_render
from casework.services.reminders import reminders_send

# Bounds that keep the whole module under a minute on SQLite.
PAGES_PER_PERSON = 200
PAGES_PER_KIND = 1
# Filter forms and pagination multiply a list into many URLs: a route's pages with a query string
# are bounded as a whole too.
QUERIES_PER_ROUTE = 12
# Links that are no page to check: signing out ends the crawl's session; the language switch is
# a POST; static files are not the application's.
SKIPPED_PREFIXES = ("/accounts/logout/", "/i18n/", "/static/", "/media/")
# The home page, and the pages no page links to: a supervisor's bookmarks (the overdue review,
# the dashboard, the notifications), the two-factor setup docs/security.md sends people to, and
# the API's lists, which the field app starts from.
ENTRY_POINTS = ["/", "/overdue/", "/dashboard/", "/notifications/", "/persuasion/mine/", "/accounts/two-factor/setup/",
                "/api/v1/cases/", "/api/v1/overdue/", "/api/v1/stats/", "/api/v1/people/", "/api/v1/communities/"]
# The other pages of a case the crawl opens: the field app's (the API's) reads of it, its
# persuasion page (linked from a negotiator's list) and its documents (where recording a service
# leads).
CASE_COMPANIONS = ["/api/v1/cases/{pk}/", "/api/v1/cases/{pk}/transitions/", "/api/v1/cases/{pk}/events/",
                   "/api/v1/cases/{pk}/talks/", "/api/v1/cases/{pk}/documents/", "/persuasion/case/{pk}/",
                   "/documents/case/{pk}/"]
# The admin's pages are crawled for staff accounts only, and fewer of them: it is Django's.
ADMIN_PAGES = 100
ADMIN_QUERIES_PER_ROUTE = 1  # a change list's filters and sort orders


@dataclass(frozen=True)
class Person:
    username: str
    crawl_admin: bool = False


DEMO_PEOPLE = [
    Person("officer1"), Person("officer3"), Person("negotiator1"), Person("supervisor1"), Person("supervisor2"),
    Person("supervisor3"),  # 罗村中队: a squad with no case at all
    Person("reviewer1"), Person("head1"), Person("admin", crawl_admin=True),
]
EDGE_PEOPLE = [
    Person("no_squad_officer"), Person("no_squad_supervisor"), Person("idle_negotiator"), Person("officer_negotiator"),
    Person("every_role"), Person("negotiator2"), Person("no_role"), Person("staff_no_role", crawl_admin=True),
    Person("inactive_officer"),
]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _quiet_request_log():
    """Every refused page (403, 404) logs a warning with its traceback; the failures this module
    looks for are collected and reported by the test itself."""
    logging.disable(logging.CRITICAL)
    yield
    logging.disable(logging.NOTSET)


@pytest.fixture
def demo_office(db):
    """The demo data as `manage.py load_demo` loads it, then the unusual people and records.

    Returns each case's kind for the crawl: its state, and whether it has a party."""
    call_command("load_demo", stdout=StringIO())
    xiaotang, guanyao = Squad.objects.get(code="xiaotang"), Squad.objects.get(code="guanyao")

    def person(username, squad=None, **fields):
        fields.setdefault("full_name", username)
        return User.objects.create_user(username=username, password="x", squad=squad, **fields)

    person("no_squad_officer", is_field_officer=True, certificate_number="44060123099")
    person("no_squad_supervisor", is_supervisor=True)
    person("idle_negotiator", xiaotang, is_negotiator=True)
    person("officer_negotiator", guanyao, is_field_officer=True, is_negotiator=True, certificate_number="44060123098")
    # No name (an account the administrator made with a username only): it is listed among the
    # squad's officers, negotiators and supervisors.
    person("every_role", xiaotang, full_name="", certificate_number="44060123097",
           **{flag: True for flag in ROLE_FLAGS.values()})
    person("no_role")
    person("staff_no_role", is_staff=True)
    person("inactive_officer", xiaotang, is_field_officer=True, is_active=False)
    # An officer who left, still named on the demo cases, and a negotiator moved to another
    # squad, still assigned to the first one's cases.
    User.objects.filter(username="officer2").update(is_active=False)
    User.objects.filter(username="negotiator2").update(squad=guanyao)
    # A squad set up yesterday: no community, no person, no case, no target.
    Squad.objects.create(code="new", name="新设中队")

    officer = User.objects.get(username="officer1")
    no_party = case_register(actor=officer, source="patrol", location="小塘社区无名巷1号（当事人未查明）",
                             community=Community.objects.filter(squad=xiaotang).order_by("pk").first(),
                             description="巡查发现，当事人未查明。", party=None)
    attachment_add(case=no_party, actor=officer, upload=SimpleUploadedFile("IMG_0001.jpg", _photo(), "image/jpeg"))
    # The demo's PDFs are rendered after the commit, which a test never reaches: render one of
    # a person (an ID number to mask for some readers) and one of an organisation.
    for kind in (PartyKind.PERSON, PartyKind.ORGANISATION):
        document = Document.objects.filter(case__party__kind=kind).order_by("pk").first()
        document_render(document_id=document.pk)
    # The reminders of the demo's clocks due soon and overdue: everyone has notifications.
    reminders_send()
    return {case.pk: case.status + ("" if case.party_id else " without a party") for case in Case.objects.all()}


def _photo() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (40, 20), "red").save(buffer, "JPEG")
    return buffer.getvalue()


class _Links(HTMLParser):
    """The `<a href>`s of a page, and what its GET forms (the list filters) send when submitted
    as they are and with each choice of each of their selects picked in turn."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.forms: list[tuple[str, list[tuple[str, str]], dict[str, list[str]]]] = []
        self._form = self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])
        elif tag == "form" and (attrs.get("method") or "get").lower() == "get":
            self._form = (attrs.get("action") or "", [], {})
            self.forms.append(self._form)
        elif self._form is None or not attrs.get("name") and tag != "option":
            return
        elif tag == "input" and attrs.get("type") not in ("submit", "button", "reset", "file", "image"):
            if attrs.get("type") not in ("checkbox", "radio") or "checked" in attrs:
                self._form[1].append((attrs["name"], attrs.get("value") or ""))
        elif tag == "select":
            self._select = attrs["name"]
            self._form[2][self._select] = []
        elif tag == "option" and self._select is not None:
            value = attrs.get("value") or ""
            self._form[2][self._select].append(value)
            if "selected" in attrs:
                self._form[1].append((self._select, value))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = self._select = None
        elif tag == "select":
            if self._form is not None and self._select is not None and not any(
                    name == self._select for name, _value in self._form[1]):
                options = self._form[2][self._select]
                self._form[1].append((self._select, options[0] if options else ""))
            self._select = None

    def submissions(self) -> list[str]:
        """Each GET form's URL as submitted unchanged, then with one select changed at a time."""
        urls = []
        for action, fields, selects in self.forms:
            urls.append(f"{action}?{urlencode(fields)}")
            for name, options in selects.items():
                for option in options:
                    changed = [(key, option if key == name else value) for key, value in fields]
                    urls.append(f"{action}?{urlencode(changed)}")
        return urls


def _json_urls(value) -> list[str]:
    """The same-site URLs in an API answer (next/previous pages, links to documents...)."""
    if isinstance(value, dict):
        return [url for item in value.values() for url in _json_urls(item)]
    if isinstance(value, list):
        return [url for item in value for url in _json_urls(item)]
    if isinstance(value, str) and (value.startswith("/") or value.startswith("http://testserver/")):
        return [value]
    return []


def links_of(response, base: str) -> list[str]:
    """The same-site URLs (path and query) a page links to, fragments dropped."""
    content_type = response.get("Content-Type", "")
    if "text/html" in content_type:
        parser = _Links()
        parser.feed(response.content.decode(response.charset or "utf-8", errors="replace"))
        hrefs = [*parser.hrefs, *parser.submissions()]
    elif "json" in content_type:
        try:
            hrefs = _json_urls(json.loads(response.content))
        except ValueError:
            return []
    else:
        return []
    urls = []
    for href in hrefs:
        href = href.strip()
        if href.startswith("#") or href.startswith(("javascript:", "mailto:", "tel:", "data:")):
            continue
        parts = urlsplit(urljoin("http://testserver" + base, href))
        if parts.scheme not in ("http", "https") or parts.netloc != "testserver":
            continue
        urls.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return urls


def kind_of(url: str, case_states: dict[int, str]) -> tuple | None:
    """What makes two URLs the same kind of page: the route, its non-numeric arguments, the
    query's keys and, for a page about a case, the case's state. None for no route at all."""
    parts = urlsplit(url)
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    words = tuple(sorted((k, v) for k, v in match.kwargs.items()
                         if not isinstance(v, int) and not k.endswith(("id", "pk", "code"))))
    case_id = match.kwargs.get("case_id")
    if case_id is None and "case" in match.view_name and isinstance(match.kwargs.get("pk"), int):
        case_id = match.kwargs["pk"]
    state = case_states.get(case_id, "") if case_id is not None else ""
    # Only the keys given a value: a filter form sent as it is and sent with one choice made
    # are different kinds, the same form with another choice in the same field is not.
    keys = tuple(sorted({key for key, value in parse_qsl(parts.query, keep_blank_values=True) if value}))
    return match.view_name, words, keys, state


@dataclass
class Failure:
    who: str
    url: str
    what: str

    def __str__(self):
        return f"{self.who:20} {self.url}\n{'':21}{self.what}"


def fetch(client: Client, who: str, url: str, failures: list[Failure]):
    """GET the URL; a 5xx or an exception out of the view is noted (with the project's line that
    raised it, or called what raised it) and None returned."""
    try:
        response = client.get(url)
    except Exception as error:  # any exception out of a view is what this module looks for
        failures.append(Failure(who, url, f"{type(error).__name__}: {str(error)[:200]}{_where(error)}"))
        return None
    if response.status_code >= 500:
        failures.append(Failure(who, url, f"HTTP {response.status_code}"))
        return None
    return response


def _where(error: Exception) -> str:
    base = Path(settings.BASE_DIR).resolve()
    ours = [(Path(frame.filename).resolve(), frame.lineno) for frame in traceback.extract_tb(error.__traceback__)]
    ours = [(path.relative_to(base), line) for path, line in ours
            if path.is_relative_to(base) and "site-packages" not in path.parts and "tests" not in path.parts]
    return f" at {ours[-1][0]}:{ours[-1][1]}" if ours else ""


def signed_in(person: Person) -> Client:
    client = Client()
    if person.username:
        client.force_login(User.objects.get(username=person.username))
    return client


def links_of_location(response, base: str) -> list[str]:
    parts = urlsplit(urljoin("http://testserver" + base, response["Location"]))
    if parts.netloc != "testserver":
        return []
    return [parts.path + (f"?{parts.query}" if parts.query else "")]


def crawl(person: Person, case_states: dict[int, str], failures: list[Failure]) -> Counter:
    """Breadth-first from the home page; returns how many pages of each route were fetched."""
    client = signed_in(person)
    who = person.username or "(anonymous)"
    # Anyone may scan a printed document's QR code: its public verification page.
    scanned = [reverse("documents:verify", args=[code]) for code in Document.objects.filter(
        status=DocumentStatus.ISSUED).values_list("verification_code", flat=True)[:2]]
    queue = deque([*ENTRY_POINTS, *(["/admin/"] if person.crawl_admin else []), *scanned])
    seen = set(queue)
    left = {False: PAGES_PER_PERSON, True: ADMIN_PAGES}  # keyed by "is an admin page"
    per_kind: Counter = Counter()
    routes: Counter = Counter()
    while queue and any(left.values()):
        url = queue.popleft()
        is_admin = url.startswith("/admin/")
        kind = kind_of(url, case_states)
        if not left[is_admin] or kind is None:
            continue
        with_query = (kind[0], "?") if "?" in url else ()
        most = ADMIN_QUERIES_PER_ROUTE if is_admin else QUERIES_PER_ROUTE
        if per_kind[kind] >= PAGES_PER_KIND or with_query and per_kind[with_query] >= most:
            continue
        per_kind[kind] += 1
        per_kind[with_query] += 1
        routes[kind[0]] += 1
        left[is_admin] -= 1
        response = fetch(client, who, url, failures)
        if response is None:
            continue
        if response.status_code in (301, 302, 303, 307, 308):
            found = links_of_location(response, url)
        else:
            found = links_of(response, url)
        if kind[0] == "casework:case_detail" and response.status_code == 200:
            found += [companion.format(pk=resolve(url).kwargs["pk"]) for companion in CASE_COMPANIONS]
        for link in found:
            if link in seen or link.startswith(SKIPPED_PREFIXES) or link.startswith("/admin/") and not person.crawl_admin:
                continue
            seen.add(link)
            queue.append(link)
    return routes


def report(failures: list[Failure]) -> str:
    return f"{len(failures)} server errors:\n" + "\n".join(str(f) for f in failures)


def test_every_page_reached_by_clicking_answers_below_500_for_every_role(demo_office):
    failures: list[Failure] = []
    reached: dict[str, Counter] = {}
    for person in [*DEMO_PEOPLE, *EDGE_PEOPLE, Person("")]:
        reached[person.username or "(anonymous)"] = crawl(person, demo_office, failures)
    assert not failures, report(failures)
    # The crawl went where each role works, following links: a case page for a case in each state
    # (and the one without a party), the steps' forms, the dashboard's exports, the talks' forms,
    # the admin for the administrator, the verification page for anyone.
    assert reached["head1"]["casework:case_detail"] == len(set(demo_office.values())), reached["head1"]
    assert reached["officer1"]["casework:case_action"] > 5, reached["officer1"]
    assert reached["supervisor1"]["supervision:dashboard_export"] > 1, reached["supervisor1"]
    assert reached["negotiator1"]["persuasion:talk_new"] >= 1, reached["negotiator1"]
    assert reached["no_squad_officer"]["casework:case_list"] >= 1, reached["no_squad_officer"]
    assert sum(count for route, count in reached["admin"].items() if route.startswith("admin:")) > 50
    assert reached["(anonymous)"]["documents:verify"] >= 1, reached["(anonymous)"]


# The parameters each list or report page reads; each is given each of these values in turn.
QUERY_PARAMETERS = {
    "/casework/cases/": ["status", "squad", "community", "officer", "newly_added", "overdue", "source", "q", "closed",
                         "page", "export"],
    "/overdue/": ["squad", "community", "kind", "officer", "negotiator", "min_days", "ordering", "page", "export"],
    "/dashboard/": ["year", "squad"],
    "/dashboard/squads.csv": ["year", "squad"],
    "/notifications/": ["unread", "page"],
    "/persuasion/mine/": [],
    "/persuasion/analysis/": ["squad", "year", "negotiator"],
    "/persuasion/analysis.csv": ["squad", "year", "negotiator"],
    "/api/v1/cases/": ["status", "squad", "community", "overdue", "q", "page", "page_size"],
    "/api/v1/overdue/": ["page", "page_size"],
    "/api/v1/stats/": ["year", "squad"],
    "/api/v1/people/": ["squad", "role", "page", "page_size"],
    "/api/v1/communities/": ["squad", "page", "page_size"],
    "/process/flows/": ["status", "_orderby", "page"],  # viewflow's lists (inbox, queue, archive) alike
}
LONG = "违" * 2000 + "x" * 2000
# Typed into a filter or left in a bookmark: no page, a negative or huge number, a word where a
# number goes, a NUL byte (PostgreSQL refuses it in any text), a novel...
ODD_VALUES = ["0", "-1", "abc", "9" * 40, "违\x00建", LONG]
# ... and for some parameters the edges of what they mean: a year long gone, the first and last
# the reports know, more days or pages than there are.
ODD_VALUES_OF = {"year": ["1900", "2000", "2100"], "min_days": ["1000000"], "page": ["1000000"]}
# Whatever the page reads: a parameter twice, one it does not know, a malformed query string.
ODD_QUERIES = ["page=2&page=x", "status=filed&status=closed&squad=1&squad=x", f"padding={LONG}", "a=%ZZ&=&&page",
               "q=%25_%5C", "q=没有这样的案件", "year=1900&squad=-1"]
# A supervisor of a squad without cases, the head of office (every squad, every row), a negotiator
# (assigned cases) and a field officer in no squad (no case): each asks the pages they may open.
ODD_QUERY_PEOPLE = ["supervisor3", "head1", "negotiator1", "no_squad_officer"]


def test_list_pages_answer_odd_query_strings_below_500(demo_office):
    failures: list[Failure] = []
    asked = Counter()
    for username in ODD_QUERY_PEOPLE:
        client = signed_in(Person(username))
        for page, parameters in QUERY_PARAMETERS.items():
            plain = fetch(client, username, page, failures)
            if plain is None or plain.status_code != 200:
                continue  # refused (or failing) whatever the query says
            asked[page] += 1
            queries = [*ODD_QUERIES, *(urlencode({name: value}) for name in parameters
                                       for value in [*ODD_VALUES, *ODD_VALUES_OF.get(name, [])])]
            for query in queries:
                fetch(client, username, f"{page}?{query}", failures)
    assert not failures, report(failures)
    # Each page was asked by someone who may open it.
    assert set(asked) == set(QUERY_PARAMETERS), asked
