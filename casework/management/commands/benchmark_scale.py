"""Median and p95 of the everyday reads and writes on generated data, beside hand-written SQL.

Run against a database filled by `manage.py generate_cases` (PostgreSQL). For each measure it
prints the median and p95 over --runs runs of the project's code (selector, service or page),
and, where one exists, of one hand-written SQL query (cursor.execute) that fetches the same
result: the floor the ORM code can approach, and the ratio of the two p95s.

Measures: the case list (page 1 and page --page) unfiltered and with each filter (state,
squad, community, overdue, search), the list page as served (GET), the case page (selector and
GET), the available-transitions selector, each transition (in a transaction rolled back
afterwards, so nothing is kept and no document is rendered: rendering is queued on commit),
the overdue selector, the dashboard, the stats API, and the search by party name
and by address.

Targets (issue 10, 2 cores, 1,000,000 cases): case list and case page p95 ≤ 150 ms; available
transitions ≤ 20 ms; a transition ≤ 50 ms; overdue selector ≤ 1 s; dashboard p95 ≤ 300 ms;
search p95 ≤ 200 ms; ratios to hand-written SQL ≤ 3.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, reset_queries, transaction
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.deadlines.calendar import BEIJING, WorkingCalendar
from casework.errors import CaseworkError
from casework.models import (
    ApprovalStep,
    Case,
    CaseStatus,
    Document,
    DocumentService,
    DocumentType,
    Party,
    Role,
    Squad,
    User,
)
from casework.search import text_bigrams
from casework.selectors.cases import (
    CASE_LIST_ROW,
    CaseFilters,
    CasePaginator,
    case_get,
    case_list,
    case_page,
    case_urgent_clock,
)
from casework.selectors.overdue import clock_list_overdue
from casework.selectors.stats import case_year_figures
from casework.selectors.transitions import case_available_transitions
from casework.services import approvals, documents
from casework.services import cases as case_services
from casework.views.pages import EXACT_COUNT_UP_TO, PAGE_SIZE
from config.process import freeze_startup_objects
from workflows.assignment import SQUAD_ROLES
from workflows.flows import DemolitionFlow
from workflows.selectors import EXACT_COUNT_UP_TO as WORK_EXACT_COUNT_UP_TO
from workflows.selectors import PAGE_SIZE as WORK_PAGE_SIZE
from workflows.selectors import tasks_assigned, tasks_offered, work_page

S = CaseStatus
WIDTH = 52  # the measure column


def p95(samples: list[float]) -> float:
    """The nearest-rank 95th percentile."""
    ordered = sorted(samples)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def timed(call: Callable, runs: int) -> tuple[list[float], object]:
    """Milliseconds of each of `runs` calls (after one warm-up call), and the last result."""
    result = call()
    samples = []
    for _ in range(runs):
        reset_queries()
        start = time.perf_counter()
        result = call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples, result


@dataclass
class Row:
    label: str
    median_ms: float
    p95_ms: float
    queries: int
    sql_median_ms: float | None = None
    sql_p95_ms: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.sql_p95_ms is None or self.sql_p95_ms <= 0:
            return None
        return self.p95_ms / self.sql_p95_ms


class _Rollback(Exception):
    pass


# --- hand-written SQL ------------------------------------------------------------------------

_LIST_SQL = """
WITH page AS (
    SELECT c.id FROM casework_case c {join} WHERE {where}
    ORDER BY c.year DESC, c.sequence DESC LIMIT %s OFFSET %s
)
SELECT (SELECT count(*) FROM (SELECT 1 FROM casework_case c {join} WHERE {where} LIMIT %s) counted) AS total,
       {columns}, p.name AS party_name, s.name AS squad_name, cm.name AS community_name,
       (SELECT json_build_object('kind', k.kind, 'due_at', k.due_at, 'is_window', k.is_window,
                                 'unconfirmed', k.unconfirmed, 'basis', k.basis)
          FROM casework_caseclock k WHERE k.case_id = c.id AND k.satisfied_at IS NULL
          ORDER BY k.is_window, k.due_at LIMIT 1) AS clock
FROM page JOIN casework_case c ON c.id = page.id
LEFT JOIN casework_party p ON p.id = c.party_id
JOIN casework_squad s ON s.id = c.squad_id
JOIN casework_community cm ON cm.id = c.community_id
ORDER BY c.year DESC, c.sequence DESC
"""

# The case columns a list row reads (case_list's CASE_LIST_ROW, whose party, squad and community
# names are the joins' columns above), with the keys that join them and the order's (the list
# page's query below orders its rows by them).
_LIST_COLUMNS = ", ".join(f"c.{Case._meta.get_field(name).column}" for name in (
    "id", *(name for name in CASE_LIST_ROW if "__" not in name), "party", "squad", "community", "year", "sequence"))

# The list page shows, besides the rows and the count, the filters' choices (for an office-wide
# user: every squad, community and field officer): all of it as one JSON value.
_LIST_PAGE_SQL = """
WITH listed AS ({list_sql})
SELECT json_build_object(
  'cases', (SELECT json_agg(row_to_json(listed) ORDER BY listed.year DESC, listed.sequence DESC) FROM listed),
  'squads', (SELECT json_agg(json_build_array(s.id, s.name) ORDER BY s.id) FROM casework_squad s),
  'communities', (SELECT json_agg(json_build_array(cm.id, cm.name) ORDER BY cm.id) FROM casework_community cm),
  'officers', (SELECT json_agg(json_build_array(u.id, u.full_name, u.username) ORDER BY u.full_name)
               FROM casework_user u WHERE u.is_field_officer))
"""

_CASE_PAGE_SQL = """
SELECT c.*, p.*, s.name, cm.name,
  (SELECT json_agg(u.full_name) FROM casework_case_officers o JOIN casework_user u ON u.id = o.user_id
    WHERE o.case_id = c.id) AS officers,
  (SELECT json_agg(u.full_name) FROM casework_case_negotiators o JOIN casework_user u ON u.id = o.user_id
    WHERE o.case_id = c.id) AS negotiators,
  (SELECT json_agg(k ORDER BY k.is_window, k.due_at) FROM casework_caseclock k
    WHERE k.case_id = c.id AND k.satisfied_at IS NULL) AS clocks,
  (SELECT json_agg(json_build_object('event', e, 'actor', u.full_name) ORDER BY e.occurred_at, e.id)
    FROM casework_caseevent e LEFT JOIN casework_user u ON u.id = e.actor_id WHERE e.case_id = c.id) AS events,
  (SELECT json_agg(json_build_object('document', d, 'service', ds) ORDER BY d.created_at, d.id)
    FROM casework_document d LEFT JOIN casework_documentservice ds ON ds.document_id = d.id
    WHERE d.case_id = c.id) AS documents,
  (SELECT json_agg(a ORDER BY a.uploaded_at, a.id) FROM casework_attachment a WHERE a.case_id = c.id) AS attachments
FROM casework_case c LEFT JOIN casework_party p ON p.id = c.party_id
JOIN casework_squad s ON s.id = c.squad_id JOIN casework_community cm ON cm.id = c.community_id
WHERE c.id = %s
"""

_HISTORY_SQL = """
SELECT c.*,
  (SELECT json_agg(e ORDER BY e.occurred_at, e.id) FROM casework_caseevent e WHERE e.case_id = c.id) AS events,
  (SELECT json_agg(ds ORDER BY ds.effective_at, ds.id) FROM casework_documentservice ds
    JOIN casework_document d ON d.id = ds.document_id WHERE d.case_id = c.id) AS services,
  (SELECT json_agg(x ORDER BY x.started_at, x.id) FROM casework_suspension x WHERE x.case_id = c.id) AS suspensions,
  (SELECT json_agg(a ORDER BY a.occurred_at, a.id) FROM casework_approval a WHERE a.case_id = c.id) AS approvals
FROM casework_case c WHERE c.id = %s
"""

# A page of "My work" (one section): its tasks with their cases' number, state, place, party and
# most urgent clock, the longest waiting first, and the section's count up to its limit (counted
# in the same order: the order of the partial indexes, see CasePaginator.count_in_order).
_WORK_SQL = """
WITH page AS (
    SELECT t.id FROM viewflow_task t JOIN workflows_demolitionprocess dp ON dp.process_ptr_id = t.process_id
    JOIN casework_case c ON c.id = dp.case_id WHERE {where} ORDER BY t.created, t.id LIMIT %s
)
SELECT (SELECT count(*) FROM (SELECT 1 FROM viewflow_task t
          JOIN workflows_demolitionprocess dp ON dp.process_ptr_id = t.process_id
          JOIN casework_case c ON c.id = dp.case_id WHERE {where} ORDER BY t.created LIMIT %s) counted) AS total,
       t.id, t.flow_task, t.status, t.created, t.owner_id, c.id, c.number, c.status, c.location, p.name,
       (SELECT json_build_object('kind', k.kind, 'due_at', k.due_at, 'is_window', k.is_window,
                                 'unconfirmed', k.unconfirmed, 'basis', k.basis)
          FROM casework_caseclock k WHERE k.case_id = c.id AND k.satisfied_at IS NULL
          ORDER BY k.is_window, k.due_at LIMIT 1) AS clock
FROM page JOIN viewflow_task t ON t.id = page.id
JOIN workflows_demolitionprocess dp ON dp.process_ptr_id = t.process_id
JOIN casework_case c ON c.id = dp.case_id LEFT JOIN casework_party p ON p.id = c.party_id
ORDER BY t.created, t.id
"""


def _work_conditions(user: User) -> dict[str, tuple[str, list]]:
    """The WHERE of each section of `user`'s "My work" (workflows.selectors) and its parameters."""
    roles = set(user.roles) - {Role.NEGOTIATOR}
    squad_roles, office_roles = sorted(roles & SQUAD_ROLES), sorted(roles - SQUAD_ROLES)
    # IN over the roles, not "= ANY(array)": PostgreSQL reads an IN over one value from the
    # partial index in its order, and an array in no order (then sorts every match). A squad
    # role's task names the squad it is offered in (workflows migration 0004).
    terms, offered_params = [], []
    if office_roles:
        terms.append(f"t.owner_permission IN ({', '.join(['%s'] * len(office_roles))})")
        offered_params += office_roles
    if squad_roles:
        terms.append(f"(t.owner_permission IN ({', '.join(['%s'] * len(squad_roles))}) "
                     "AND t.owner_permission_obj_pk = %s)")
        offered_params += [*squad_roles, str(user.squad_id)]
    if user.is_negotiator:
        terms.append("(t.owner_permission = 'negotiator' AND dp.case_id IN "
                     "(SELECT case_id FROM casework_case_negotiators WHERE user_id = %s))")
        offered_params.append(user.pk)
    offered = f"({' OR '.join(terms)})" if terms else "FALSE"
    return {"assigned": ("t.owner_id = %s AND t.status IN ('ASSIGNED', 'STARTED')", [user.pk]),
            "offered": (f"t.status = 'NEW' AND t.owner_id IS NULL AND {offered}", offered_params)}


# A transition's floor: every statement it sends, its reads and its INSERT, UPDATE and DELETE
# statements as the database received them, in one round trip, without the savepoints: the
# database's whole share of the work. One hand-written statement doing the same (a chain of
# CTEs reading the case, its history and its open tasks and writing the same rows) could not be
# faster. Its writes alone in one round trip, the floor of earlier runs, are in the note: they
# leave out what the procedure's conditions read.
def _writes(statement: str) -> bool:
    text = statement.lstrip().lower()
    if text.startswith(("insert", "update", "delete")):
        return True
    return text.startswith("with") and any(verb in text for verb in ("insert into", "delete from", ") update "))


def _savepoint(statement: str) -> bool:
    return statement.lstrip().lower().startswith(("savepoint", "release savepoint", "rollback to savepoint"))


def _script(queries: list[dict], *, writes_only: bool = False) -> str:
    """The statements among `queries` (CaptureQueriesContext), or only those that write, as one
    script."""
    return ";\n".join(query["sql"] for query in queries
                      if not _savepoint(query["sql"]) and (_writes(query["sql"]) or not writes_only))


# The same rows as the overdue selector: each clock with its case's number, status, squad and
# community names and the ids of its officers and negotiators (their few dozen names are one
# more look-up in both).
_OVERDUE_SQL = """
SELECT k.id, k.kind, k.due_at, k.case_id, k.case_number, k.case_status, k.squad_id, s.name, k.community_id, cm.name,
  k.officer_ids::text, k.negotiator_ids::text
FROM casework_caseclock k
JOIN casework_squad s ON s.id = k.squad_id JOIN casework_community cm ON cm.id = k.community_id
WHERE k.satisfied_at IS NULL AND NOT k.is_window AND k.due_at <= %s AND k.case_status <> 'suspended'
ORDER BY k.due_at DESC, k.id DESC
"""

_YEAR_FIGURES_SQL = """
SELECT c.squad_id,
  count(*) FILTER (WHERE c.filed_at >= %(start)s AND c.filed_at < %(end)s) AS filed,
  sum(c.illegal_area) FILTER (WHERE c.filed_at >= %(start)s AND c.filed_at < %(end)s) AS filed_area,
  count(*) FILTER (WHERE c.filed_at >= %(start)s AND c.filed_at < %(end)s AND c.is_newly_added) AS filed_new,
  count(*) FILTER (WHERE c.verified_at >= %(start)s AND c.verified_at < %(end)s) AS verified,
  sum(c.demolished_area) FILTER (WHERE c.verified_at >= %(start)s AND c.verified_at < %(end)s) AS demolished_area,
  count(*) FILTER (WHERE c.source = 'complaint' AND c.reported_at >= %(start)s AND c.reported_at < %(end)s)
    AS complaints,
  count(*) FILTER (WHERE c.status <> 'closed') AS open_cases
FROM casework_case c
WHERE (c.filed_at >= %(start)s AND c.filed_at < %(end)s) OR (c.verified_at >= %(start)s AND c.verified_at < %(end)s)
   OR (c.source = 'complaint' AND c.reported_at >= %(start)s AND c.reported_at < %(end)s) OR c.status <> 'closed'
GROUP BY c.squad_id
"""


def _sql(statement: str, params) -> Callable[[], list]:
    def run():
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.fetchall()
    return run


# --- the command -----------------------------------------------------------------------------

class Command(BaseCommand):
    help = "Benchmark lists, case page, transitions, search, overdue, dashboard and stats API against hand-written SQL."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=20)
        parser.add_argument("--page", type=int, default=500, help="The deep page of the list to time.")
        parser.add_argument("--head", default="gen-head", help="An office-wide user (sees every squad).")
        parser.add_argument("--squad", default="gen1", help="The squad (code) whose cases the transitions use.")
        parser.add_argument("--only", action="append", default=[],
                            help="Only measures whose label contains this text (repeatable).")
        parser.add_argument("--json", action="store_true", help="Print the figures as JSON instead of a table.")
        parser.add_argument("--baseline", type=Path, default=None,
                            help="A file written by an earlier --json run (e.g. on 100,000 cases): also print each "
                                 "measure's growth, its p95 here over its p95 there.")

    def handle(self, *args, runs, page, head, squad, only, baseline, **options):
        as_json = options["json"]
        baseline_rows = self._read_baseline(baseline) if baseline else None
        if connection.vendor != "postgresql":
            raise CommandError("benchmark_scale runs on PostgreSQL with generated data (see generate_cases).")
        try:
            self.head = User.objects.get(username=head)
            self.squad = Squad.objects.get(code=squad)
        except (User.DoesNotExist, Squad.DoesNotExist) as error:
            raise CommandError("Generate the data first: manage.py generate_cases.") from error
        self.runs, self.only, self.rows = runs, only, []
        self.now = timezone.now()
        self.client = Client()
        self.client.force_login(self.head)
        # As a gunicorn worker does after loading the application (config/wsgi.py), once the URL
        # configuration and templates are loaded.
        self.client.get(reverse("casework:case_list"))
        freeze_startup_objects()
        total = Case.objects.count()
        header = (f"database {connection.settings_dict['NAME']}; cases {total:,}; runs {runs}; "
                  f"at {self.now:%Y-%m-%d %H:%M} UTC")
        self.as_json = as_json
        if not as_json:
            self.stdout.write(header)
            self.stdout.write(f"{'measure':<{WIDTH}}  {'median':>8} {'p95':>8}  {'q':>3}  {'SQL med':>8} "
                              f"{'SQL p95':>8}  {'ratio':>6}  note")
        self._lists(page)
        self._case_page()
        self._work_pages()
        self._transitions()
        self._overdue_dashboard_stats()
        growth = self._growth(baseline_rows) if baseline_rows is not None else None
        if as_json:
            self.stdout.write(_json_dump({"header": header, "rows": [
                {**asdict(row), "ratio": row.ratio} for row in self.rows], "growth": growth}))
            return
        self.stdout.write("times in ms; p95 nearest-rank; ratio = p95 / SQL p95 (SQL: one hand-written query "
                          "fetching the same result; for a list page: its rows, count and filter choices; for a transition: "
                          "every statement it sends, reads and writes, in one round trip)")
        if growth is not None:
            self.stdout.write(f"\ngrowth against {baseline_rows['header']}")
            self.stdout.write(f"{'measure':<{WIDTH}}  {'p95 then':>8} {'p95 now':>8}  {'growth':>6}  note")
            for item in growth:
                self.stdout.write(f"{item['label']:<{WIDTH}}  {item['baseline_p95_ms']:8.1f} {item['p95_ms']:8.1f}  "
                                  f"{item['growth']:6.2f}  {item['note']}")

    @staticmethod
    def _read_baseline(path: Path) -> dict:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            rows = {row["label"]: row for row in data["rows"]}
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise CommandError(f"--baseline {path}: not the output of an earlier --json run ({error}).") from error
        return {"header": data.get("header", str(path)), "rows": rows}

    def _growth(self, baseline: dict) -> list[dict]:
        """p95 here over p95 in the baseline, for the measures both runs have (search terms are
        drawn from each database's own data, so those labels rarely match)."""
        growth = []
        for row in self.rows:
            then = baseline["rows"].get(row.label)
            then_p95 = then.get("p95_ms") if then else None
            if then_p95 and then_p95 == then_p95 and row.p95_ms == row.p95_ms:  # NaN: not measured
                # A list that reached another page or matched another number of cases: not the
                # same work (a small database has no page 500 of a narrow filter).
                differs = "page" in row.note and then.get("note", "") != row.note
                growth.append({"label": row.label, "baseline_p95_ms": then_p95, "p95_ms": row.p95_ms,
                               "growth": row.p95_ms / then_p95,
                               "note": f"then: {then.get('note', '')}; now: {row.note}" if differs else ""})
        return growth

    def add(self, row: Row) -> None:
        """Keep a figure, and print it at once (a long run shows its figures as they come)."""
        self.rows.append(row)
        if not self.as_json:
            sql = (f"{row.sql_median_ms:8.2f} {row.sql_p95_ms:8.2f}" if row.sql_p95_ms is not None
                   else f"{'':>8} {'':>8}")
            ratio = f"{row.ratio:6.1f}" if row.ratio is not None else f"{'':>6}"
            self.stdout.write(f"{row.label:<{WIDTH}}  {row.median_ms:8.1f} {row.p95_ms:8.1f}  {row.queries:>3}  "
                              f"{sql}  {ratio}  {row.note}")
            self.stdout.flush()

    # --- measuring ---------------------------------------------------------------------------

    def _wanted(self, label: str) -> bool:
        return not self.only or any(part in label for part in self.only)

    def measure(self, label: str, call: Callable, sql: Callable | None = None, note: str = "") -> None:
        if not self._wanted(label):
            return
        reset_queries()  # the connection logs its last 9,000 queries only: a full log counts none
        with CaptureQueriesContext(connection) as queries:
            call()
        count = len(queries)  # read now: the timed runs below reset the connection's query log
        samples, _ = timed(call, self.runs)
        row = Row(label, statistics.median(samples), p95(samples), count, note=note)
        if sql is not None:
            sql_samples, _ = timed(sql, self.runs)
            row.sql_median_ms, row.sql_p95_ms = statistics.median(sql_samples), p95(sql_samples)
        self.add(row)

    def _get(self, url: str, client: Client | None = None) -> Callable:
        client = client or self.client

        def call():
            response = client.get(url, secure=True)
            if response.status_code != 200:
                raise CommandError(f"{url} answered {response.status_code}")
            return response
        return call

    # --- the case list and the search --------------------------------------------------------

    def _list_variants(self) -> list[tuple[str, CaseFilters, dict, str, list]]:
        """(label, filters, GET parameters, SQL condition, its parameters) for each filter."""
        community = self.squad.communities.order_by("pk").first()
        sample = Case.objects.filter(squad=self.squad, party__isnull=False).select_related("party").order_by("pk")
        two = Party.objects.filter(name__regex=r"^..$").order_by("pk").values_list("name", flat=True).first() or "王伟"
        three = Party.objects.filter(name__regex=r"^...$").order_by("pk").values_list("name", flat=True).first()
        address = sample.first().location[-6:] if sample.exists() else "工业园"
        overdue = "c.office_due_at <= %s AND c.status <> 'suspended'"
        variants = [
            ("all", CaseFilters(), {}, "TRUE", []),
            ("state persuading", CaseFilters(status=S.PERSUADING), {"status": S.PERSUADING}, "c.status = %s",
             [S.PERSUADING]),
            (f"squad {self.squad.code}", CaseFilters(squad=self.squad.pk), {"squad": self.squad.pk},
             "c.squad_id = %s", [self.squad.pk]),
            (f"community {community.pk}", CaseFilters(community=community.pk), {"community": community.pk},
             "c.community_id = %s", [community.pk]),
            ("overdue", CaseFilters(overdue=True), {"overdue": "1"}, overdue, [self.now]),
        ]
        for kind, text in (("party name", two), ("party name", three), ("address", address)):
            if not text:
                continue
            like = f"%{text}%"
            variants.append((
                f"search {kind} “{text}”", CaseFilters(q=text), {"q": text},
                "string_to_array(c.search_bigrams, ' ') @> %s::text[] AND (c.number ILIKE %s OR p.name ILIKE %s "
                "OR p.address ILIKE %s OR c.location ILIKE %s)",
                [sorted(text_bigrams(text)), like, like, like, like],
            ))
        return variants

    def _lists(self, deep_page: int) -> None:
        url = reverse("casework:case_list")
        for name, filters, params, where, where_params in self._list_variants():
            join = "LEFT JOIN casework_party p ON p.id = c.party_id" if name.startswith("search") else ""
            for number in (1, deep_page):
                label = f"list {name}, page {number}"
                # Asked of the measures' full labels: --only "GET page" keeps the pages, not the selectors.
                if not (self._wanted(f"{label}: selector") or self._wanted(f"{label}: GET page")):
                    continue

                def rows(filters=filters, number=number):
                    paginator = CasePaginator(case_list(user=self.head, filters=filters, now=self.now), PAGE_SIZE,
                                              exact_count_up_to=EXACT_COUNT_UP_TO)
                    page = paginator.get_page(number)
                    return page, [(case, case_urgent_clock(case, self.now)) for case in page.object_list]

                page, _ = rows()
                offset = max(0, page.start_index() - 1)
                statement = _LIST_SQL.format(join=join, where=where, columns=_LIST_COLUMNS)
                count_limit = max(EXACT_COUNT_UP_TO, number * PAGE_SIZE) + 1
                list_params = [*where_params, PAGE_SIZE, offset, *where_params, count_limit]
                sql = _sql(statement, list_params)
                page_sql = _sql(_LIST_PAGE_SQL.format(list_sql=statement), list_params)
                counted = f"{page.paginator.count:,}" if page.paginator.count_is_exact else \
                    f"more than {page.paginator.count - 1:,}"
                note = f"{counted} cases; page {page.number}"
                self.measure(f"{label}: selector", rows, sql, note=note)
                self.measure(f"{label}: GET page", self._get(f"{url}?{_query({**params, 'page': number})}"),
                             page_sql, note=note)

    # --- one case --------------------------------------------------------------------------

    def _case_page(self) -> None:
        # A case far along (a long history to show), the newest of the squad's in that state.
        squad_cases = Case.objects.filter(squad=self.squad).order_by("-year", "-sequence")
        case = next((found for status in (S.SELF_DEMOLISHING, S.PERSUADING, S.DECIDED)
                     if (found := squad_cases.filter(status=status).first())), None) or squad_cases.first()
        if case is None:
            self.add(Row("case page: selector", float("nan"), float("nan"), 0, note="not measured: no case"))
            return

        def selector():
            return case_page(user=self.head, pk=case.pk, now=self.now)

        sql = _sql(_CASE_PAGE_SQL, [case.pk])
        self.measure("case page: selector", selector, sql, note=f"case {case.pk}")
        self.measure("case page: GET page", self._get(reverse("casework:case_detail", args=[case.pk])), sql)
        supervisor = self._person(self.squad, "is_supervisor")
        loaded = case_get(user=supervisor, pk=case.pk)
        self.measure("available transitions selector", lambda: case_available_transitions(case=loaded, user=supervisor),
                     _sql(_HISTORY_SQL, [case.pk]), note=f"case {case.pk} ({case.status})")

    # --- people's work: "My work" and viewflow's process pages ------------------------------

    def _work_pages(self) -> None:
        """Every person's landing page ("My work") for each role working on a case, and
        viewflow's process pages (dashboard, inbox, queue, archive, process and task lists) for
        the squad's supervisor, the legal reviewer (whose inbox and archive hold every squad's
        reviews) and an officer: the pages whose rows are a person's share of ~20 task rows per
        case."""
        reviewer = User.objects.filter(is_legal_reviewer=True, is_active=True).order_by("username").first()
        people = [("field officer", self._person(self.squad, "is_field_officer")),
                  ("supervisor", self._person(self.squad, "is_supervisor")),
                  ("negotiator", self._person(self.squad, "is_negotiator")), ("legal reviewer", reviewer)]
        clients = {}
        for role, person in people:
            if person is None:
                continue
            clients[role] = client = Client()
            client.force_login(person)
            sections = {"assigned": tasks_assigned(user=person), "offered": tasks_offered(user=person)}
            for section, (where, params) in _work_conditions(person).items():
                page = work_page(sections[section], 1, now=self.now)
                counted = (f"{page.paginator.count:,}" if page.paginator.count_is_exact
                           else f"more than {page.paginator.count - 1:,}")
                statement = _WORK_SQL.format(where=where)
                self.measure(f"my work selector, {role}: {section}",
                             lambda tasks=sections[section]: work_page(tasks, 1, now=self.now),
                             _sql(statement, [*params, WORK_PAGE_SIZE, *params, WORK_EXACT_COUNT_UP_TO + 1]),
                             note=f"{person.username}: {counted} tasks")
            self.measure(f"my work GET, {role}", self._get(reverse("casework:my_work"), client),
                         note=person.username)
        flow = DemolitionFlow.instance
        for role, name in [("supervisor", "index"), ("supervisor", "inbox"), ("supervisor", "queue"),
                           ("supervisor", "archive"), ("supervisor", "process_list"), ("supervisor", "task_list"),
                           ("legal reviewer", "inbox"), ("legal reviewer", "archive"), ("field officer", "queue"),
                           ("negotiator", "index"), ("legal reviewer", "index")]:
            if role in clients:
                self.measure(f"process {name} GET, {role}", self._get(flow.reverse(name), clients[role]),
                             note="viewflow's page")

    # --- transitions -----------------------------------------------------------------------

    def _person(self, squad, flag: str, *, exclude=()) -> User:
        return (User.objects.filter(squad=squad, is_active=True, **{flag: True}).exclude(pk__in=exclude)
                .order_by("username").first())

    def _transitions(self) -> None:
        calendar = WorkingCalendar.load()
        # Forced demolition is refused at night and on rest days: do every step now if it is
        # working hours in Beijing, else at 10:00 on the last working day.
        at = (timezone.now() - dt.timedelta(minutes=1)).astimezone(BEIJING)
        day = at.date()
        if not (calendar.is_working_day(day) and 8 <= at.hour < 18):
            at = dt.datetime.combine(day, dt.time(10, 0), tzinfo=BEIJING)
        while at > timezone.now() or not calendar.is_working_day(at.date()):
            day -= dt.timedelta(days=1)
            at = dt.datetime.combine(day, dt.time(10, 0), tzinfo=BEIJING)
        for name, sources, step in self._steps(at):
            label = f"transition {name}"
            if not self._wanted(label):
                continue
            found = self._case_for(name, sources, step)
            if isinstance(found, str):
                self.add(Row(label, float("nan"), float("nan"), 0, note=f"not measured: {found}"))
                continue
            case, prepare = found
            self._measure_transition(label, name, case, step, prepare)

    def _case_for(self, name: str, sources: list[str], step):
        """A case of the squad in a source state on which `step` succeeds (tried in a rolled-back
        transaction), the oldest and newest few of each state first."""
        last_error = "no case in a source state"
        for status in sources:
            base = Case.objects.filter(squad=self.squad, status=status)
            candidates = list(base.order_by("reported_at").values_list("pk", flat=True)[:6])
            candidates += list(base.order_by("-reported_at").values_list("pk", flat=True)[:6])
            for pk in candidates:
                for prepare in (False, True):
                    try:
                        with transaction.atomic():
                            case = Case.objects.get(pk=pk)
                            if prepare:
                                self._prepare(name, case, step.at)
                            step(case, check=True)
                            raise _Rollback()
                    except _Rollback:
                        return case, prepare
                    except CaseworkError as error:
                        last_error = str(error.message)
        return last_error

    def _prepare(self, name: str, case: Case, at: dt.datetime) -> None:
        """What a step needs that generated data lacks (generate_cases writes no approvals, no
        service records and only the filing and decision documents), done inside the measured
        transaction before the timer starts: the legal reviewer's approval, the documents the step
        waits for and their service, a rectification decision, and for the forced path a history
        old enough for the party's windows to have run out."""
        reviewer = User.objects.filter(is_legal_reviewer=True, is_active=True).order_by("username").first()
        officer = self._person(case.squad, "is_field_officer")
        recipient = case.party.name if case.party_id else "当事人"
        if name in ("force_demolish", "decide_execution"):
            self._age(case, days=200)
        if name == "decide":
            approvals.approval_record(case=case, actor=reviewer, step=ApprovalStep.LEGAL_REVIEW_DECISION,
                                      decision="approve", opinion="同意。", occurred_at=at - dt.timedelta(hours=1))
        if name == "decide_execution":
            approvals.approval_record(case=case, actor=reviewer, step=ApprovalStep.LEGAL_REVIEW_EXECUTION,
                                      decision="approve", opinion="同意。", occurred_at=at - dt.timedelta(hours=1))
        if name == "rectify":
            Case.objects.filter(pk=case.pk).update(decision_kind="rectify")
        needed = {"request_hearing": ("notify", DocumentType.PRIOR_NOTICE),
                  "decide_execution": ("issue_demand", DocumentType.DEMAND)}.get(name)
        if needed and not Document.objects.filter(case=case, document_type=needed[1]).exists():
            event = case.events.filter(transition=needed[0]).order_by("-occurred_at").first()
            if event is not None:
                documents.document_issue(case=case, event=event, document_type=needed[1],
                                         issued_on=event.occurred_at.astimezone(BEIJING).date())
        for document in (Document.objects.filter(case=case, service__isnull=True).select_related("event")
                         .order_by("pk")):
            if document.is_served_type:
                issued = document.event.occurred_at if document.event_id else document.created_at
                served_at = max(issued, at - dt.timedelta(hours=1)) if name == "request_hearing" else issued
                documents.document_serve(document=document, actor=officer, served_at=served_at,
                                         method="handed_over", recipient=recipient)

    @staticmethod
    def _age(case: Case, *, days: int) -> None:
        """Move the case's whole history `days` back (inside the rolled-back transaction)."""
        shift = dt.timedelta(days=days)
        case.events.update(occurred_at=F("occurred_at") - shift)
        case.approvals.update(occurred_at=F("occurred_at") - shift)
        DocumentService.objects.filter(document__case=case).update(
            served_at=F("served_at") - shift, effective_at=F("effective_at") - shift)
        Case.objects.filter(pk=case.pk).update(reported_at=F("reported_at") - shift)

    def _measure_transition(self, label: str, name: str, case: Case, step, prepare: bool) -> None:
        samples, queries, statements, writes = [], 0, "", ""
        case_before = Case.objects.get(pk=case.pk)
        for run in range(self.runs + 1):
            try:
                with transaction.atomic():
                    fresh = Case.objects.get(pk=case.pk)
                    if prepare:
                        self._prepare(name, fresh, step.at)
                    reset_queries()  # as in measure()
                    with CaptureQueriesContext(connection) as captured:
                        start = time.perf_counter()
                        step(fresh, check=False)
                        elapsed = (time.perf_counter() - start) * 1000
                    if run:
                        samples.append(elapsed)
                    queries = len(captured)
                    statements = statements or _script(captured.captured_queries)
                    writes = writes or _script(captured.captured_queries, writes_only=True)
                    raise _Rollback()
            except _Rollback:
                pass

        def one_round_trip(script: str) -> list[float]:
            timings = []
            for _ in range(self.runs + 1):
                with transaction.atomic():
                    if prepare:
                        self._prepare(name, Case.objects.get(pk=case.pk), step.at)
                    with connection.cursor() as cursor:
                        start = time.perf_counter()
                        cursor.execute(script)
                        timings.append((time.perf_counter() - start) * 1000)
                    transaction.set_rollback(True)
            return timings[1:]

        sql_samples, write_samples = one_round_trip(statements), one_round_trip(writes)
        sent = statements.count(";\n") + 1 if statements else 0
        written = writes.count(";\n") + 1 if writes else 0
        self.add(Row(label, statistics.median(samples), p95(samples), queries, statistics.median(sql_samples),
                     p95(sql_samples), note=f"case {case.pk} from {case_before.status}; {sent} statements, "
                     f"{written} writes (alone: p95 {p95(write_samples):.1f})"
                     + ("; approval/service recorded first, untimed" if prepare else "")))

    def _steps(self, at: dt.datetime):
        """(name, source states, step) for each transition; a step calls the service as a person's
        form would (casework.scenarios shows the data each needs)."""
        squad = self.squad
        o1 = self._person(squad, "is_field_officer")
        o2 = self._person(squad, "is_field_officer", exclude=[o1.pk])
        supervisor = self._person(squad, "is_supervisor")
        negotiator = self._person(squad, "is_negotiator")
        head = self.head
        cs = case_services

        def step(target, call):
            def run(case, check):
                call(case)
            run.at, run.target = at, target
            return run

        def officers_of(case):
            chosen = list(case.officers.filter(certificate_number__gt="").order_by("pk")[:2])
            return chosen if len(chosen) == 2 else [o1, o2]

        def negotiator_of(case):
            return case.negotiators.order_by("pk").first() or negotiator

        yield "inspect", [S.REPORTED], step(S.INSPECTED, lambda c: cs.case_inspect(
            case=c, actor=o1, occurred_at=at, officers=[o1, o2], location=c.location,
            illegal_area=c.illegal_area or Decimal("50"), construction_ongoing=False, structure_type="brick_concrete",
            floors=1, is_newly_added=True, findings="现场勘验，当事人未能提供规划许可证。"))
        yield "file", [S.INSPECTED], step(S.FILED, lambda c: cs.case_file(
            case=c, actor=supervisor, occurred_at=at, opinion="同意立案。"))
        yield "dismiss", [S.REPORTED, S.INSPECTED], step(S.CLOSED, lambda c: cs.case_dismiss(
            case=c, actor=supervisor, occurred_at=at, reason="经核查，该建筑已取得规划许可，不属于违法建设。"))
        yield "notify", [S.FILED], step(S.NOTIFIED, lambda c: cs.case_notify(
            case=c, actor=officers_of(c)[0], occurred_at=at,
            facts=f"当事人未取得建设工程规划许可证，擅自在{c.location}建设建筑物。",
            evidence="现场检查笔录、现场照片、询问笔录、测量记录。",
            legal_basis="《中华人民共和国城乡规划法》第四十条第一款、第六十四条、第六十五条。"))
        yield "request_hearing", [S.NOTIFIED], step(S.HEARING, lambda c: cs.case_request_hearing(
            case=c, actor=officers_of(c)[0], occurred_at=at, hearing_at=at + dt.timedelta(days=10),
            place="执法办三楼听证室"))
        yield "submit_review", [S.NOTIFIED, S.HEARING], step(S.UNDER_REVIEW, lambda c: cs.case_submit_review(
            case=c, actor=officers_of(c)[0], occurred_at=at,
            hearing_record="听证会已举行，当事人陈述意见已记录。" if c.status == S.HEARING else ""))
        yield "decide", [S.UNDER_REVIEW], step(S.DECIDED, lambda c: cs.case_decide(
            case=c, actor=supervisor, occurred_at=at, decision_kind="demolish", self_demolition_days=15))
        yield "assign_negotiators", [S.DECIDED], step(S.PERSUADING, lambda c: cs.case_assign_negotiators(
            case=c, actor=supervisor, occurred_at=at, negotiators=[negotiator]))
        yield "commit_self_demolition", [S.PERSUADING, S.DECIDED], step(
            S.SELF_DEMOLITION_COMMITTED, lambda c: cs.case_commit_self_demolition(
                case=c, actor=negotiator_of(c), occurred_at=at, commitment_date=at.date() + dt.timedelta(days=20),
                terms="当事人承诺自行拆除全部违法建设部分。"))
        yield "report_progress", [S.SELF_DEMOLITION_COMMITTED, S.SELF_DEMOLISHING], step(
            S.SELF_DEMOLISHING, lambda c: cs.case_report_progress(
                case=c, actor=officers_of(c)[0], occurred_at=at,
                demolished_area=(c.demolished_area + (c.illegal_area - c.demolished_area) / 2).quantize(
                    Decimal("0.01"))))
        yield "verify", [S.SELF_DEMOLISHING, S.SELF_DEMOLITION_COMMITTED, S.FORCED_DEMOLISHED], step(
            S.VERIFIED, lambda c: cs.case_verify(
                case=c, actor=officers_of(c)[0], occurred_at=at, officers=officers_of(c),
                verified_area=c.illegal_area, findings="违法建设部分已全部拆除。"))
        yield "rectify", [S.DECIDED], step(S.RECTIFIED, lambda c: cs.case_rectify(
            case=c, actor=officers_of(c)[0], occurred_at=at, correction_evidence="已按要求整改，补办手续，现场照片三张。"))
        yield "announce", [S.PERSUADING, S.DECIDED, S.SELF_DEMOLITION_COMMITTED, S.SELF_DEMOLISHING], step(
            S.ANNOUNCED, lambda c: cs.case_announce(
                case=c, actor=supervisor, occurred_at=at, announcement_days=10, posted_at_place="违法建筑现场及村委会公告栏"))
        yield "issue_demand", [S.ANNOUNCED], step(S.DEMAND_ISSUED, lambda c: cs.case_issue_demand(
            case=c, actor=officers_of(c)[0], occurred_at=at))
        yield "decide_execution", [S.DEMAND_ISSUED], step(S.EXECUTION_DECIDED, lambda c: cs.case_decide_execution(
            case=c, actor=head, occurred_at=at, county_order_reference="南府拆〔2026〕12号"))
        yield "force_demolish", [S.EXECUTION_DECIDED], step(S.FORCED_DEMOLISHED, lambda c: cs.case_force_demolish(
            case=c, actor=officers_of(c)[0], occurred_at=at, officers=officers_of(c),
            findings="依法组织强制拆除，现场秩序良好。"))
        yield "suspend", [S.PERSUADING, S.FILED], step(S.SUSPENDED, lambda c: cs.case_suspend(
            case=c, actor=supervisor, occurred_at=at, reason="reconsideration", explanation="当事人已向区人民政府申请行政复议。"))
        yield "resume", [S.SUSPENDED], step("", lambda c: cs.case_resume(
            case=c, actor=supervisor, occurred_at=at, outcome="复议机关维持原决定。"))
        yield "close", [S.VERIFIED, S.RECTIFIED], step(S.CLOSED, lambda c: cs.case_close(
            case=c, actor=supervisor, occurred_at=at, opinion="同意结案。"))
        yield "terminate", [S.PERSUADING, S.DECIDED, S.SUSPENDED], step(S.CLOSED, lambda c: cs.case_terminate(
            case=c, actor=head, occurred_at=at, reason="object_gone", explanation="违法建筑因台风倒塌灭失。"))

    # --- supervision: overdue, dashboard, stats API ----------------------------------------

    def _overdue_dashboard_stats(self) -> None:
        year = timezone.localdate().year
        self.measure("overdue selector, whole office", lambda: clock_list_overdue(as_of=self.now),
                     _sql(_OVERDUE_SQL, [self.now]),
                     note=f"{len(clock_list_overdue(as_of=self.now)):,} rows" if self._wanted("overdue selector")
                     else "")
        start = dt.datetime(year, 1, 1, tzinfo=BEIJING)
        end = dt.datetime(year + 1, 1, 1, tzinfo=BEIJING)
        figures_sql = _sql(_YEAR_FIGURES_SQL, {"start": start, "end": end})
        self.measure(f"year figures selector {year}", lambda: case_year_figures(year=year), figures_sql)

        self.measure("dashboard GET", self._get(f"{reverse('supervision:dashboard')}?year={year}"), figures_sql)
        self.measure("stats API GET", self._get(f"{reverse('api:stats')}?year={year}"), figures_sql)

    # --- output ----------------------------------------------------------------------------


def _query(params: dict) -> str:
    from urllib.parse import urlencode

    return urlencode(params)


def _json_dump(value) -> str:
    def default(obj):
        if isinstance(obj, float):
            return None
        return str(obj)

    return json.dumps(value, ensure_ascii=False, indent=2, default=default)
