"""Generate many realistic cases quickly (for benchmarks), straight into PostgreSQL with COPY.

Rows look like the ones the services create: each case has the registration event and one
transition event per step of its path (procedure.md), talks while persuading, the clocks those
events start (satisfied, running or lapsed as the state implies), its officers and
negotiators, its party, the numbered documents of filing and decision (with --pdfs, each
with a small stored PDF, its SHA-256 and size), and its workflow process with every task the
flow would have opened and closed on the way, the last one still open for the next person
(workflows.generation). It does not go through the services: a million
cases through the guards would take days.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import secrets
from decimal import Decimal
from functools import lru_cache

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from casework.deadlines.calendar import BEIJING, WorkingCalendar, end_of_day, local_date
from casework.models import (
    Case,
    CaseClock,
    CaseEvent,
    CasePeople,
    CaseStatus,
    ClockKind,
    Community,
    Document,
    DocumentType,
    EventKind,
    NumberSequence,
    Party,
    Role,
    Squad,
    User,
)
from casework.scenarios import DISMISSED_PATH, FORCED_CLOSED_PATH, PATHS, TERMINATED_PATH
from casework.search import case_search_bigrams
from casework.services.cases import format_case_number
from casework.services.documents import agency_settings, format_document_number, type_character
from casework.services.figures import figures_rebuild
from workflows.generation import FlowRows, Step
from workflows.models import DemolitionProcess

S = CaseStatus

# Days after the previous step (minimum, spread) — roughly the pace the statutory windows allow.
STEP_DAYS = {
    "inspect": (1, 4), "file": (2, 5), "dismiss": (2, 5), "notify": (2, 6), "request_hearing": (2, 3),
    "submit_review": (8, 6), "decide": (3, 8), "assign_negotiators": (1, 3), "commit_self_demolition": (3, 10),
    "report_progress": (5, 10), "verify": (7, 12), "rectify": (10, 15), "announce": (17, 10), "issue_demand": (12, 6),
    "decide_execution": (5, 6), "force_demolish": (5, 10), "suspend": (5, 20), "close": (2, 6), "terminate": (10, 20),
}
# Open states and how common they are among open cases.
OPEN_STATES = [
    (S.REPORTED, 6), (S.INSPECTED, 6), (S.FILED, 8), (S.NOTIFIED, 6), (S.HEARING, 2), (S.UNDER_REVIEW, 5),
    (S.DECIDED, 6), (S.PERSUADING, 14), (S.SELF_DEMOLITION_COMMITTED, 8), (S.SELF_DEMOLISHING, 8),
    (S.ANNOUNCED, 4), (S.DEMAND_ISSUED, 2), (S.EXECUTION_DECIDED, 2), (S.FORCED_DEMOLISHED, 2), (S.VERIFIED, 6),
    (S.RECTIFIED, 2), (S.SUSPENDED, 3),
]
CLOSED_PATHS = [
    (PATHS[S.CLOSED], 60), (FORCED_CLOSED_PATH, 12), ([*PATHS[S.RECTIFIED], "close"], 10),
    (DISMISSED_PATH, 12), (TERMINATED_PATH, 6),
]
SOURCES = [("patrol", 45), ("complaint", 25), ("satellite", 12), ("drone", 10), ("referral", 8)]
STRUCTURES = ["brick_concrete", "steel", "shed", "temporary", "other"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰辉建国志红文斌波宇浩凯鹏飞"
PLACES = ["东区", "西区", "南街", "北街", "工业园", "新村", "老村", "河堤", "村口", "市场旁"]
SQUAD_NAMES = ["小塘", "官窑", "罗村", "松岗", "大沥", "里水", "九江", "西樵"]
COMMUNITY_SUFFIXES = ["村", "社区", "新村", "村委会"]
COMMUNITY_STEMS = "五星 红星 东风 前进 和平 联合 光明 新风 长江 黄岗 沙头 塘边".split()


def _weighted(pairs):
    values, weights = zip(*pairs, strict=True)
    return list(values), list(weights)


OPEN_VALUES, OPEN_WEIGHTS = _weighted(OPEN_STATES)
CLOSED_VALUES, CLOSED_WEIGHTS = _weighted(CLOSED_PATHS)
SOURCE_VALUES, SOURCE_WEIGHTS = _weighted(SOURCES)


class Clocks:
    """The clocks of casework.deadlines.clocks for a generated history (same kinds, periods and ends)."""

    def __init__(self, calendar: WorkingCalendar):
        self.calendar = calendar

    @lru_cache(maxsize=100_000)  # noqa: B019 - one instance per run
    def working(self, day: dt.date, count: int) -> dt.datetime:
        return end_of_day(self.calendar.add_working_days(day, count).date)

    @lru_cache(maxsize=100_000)  # noqa: B019
    def days(self, day: dt.date, count: int) -> dt.datetime:
        return end_of_day(self.calendar.add_days(day, count).date)

    @lru_cache(maxsize=100_000)  # noqa: B019
    def months(self, day: dt.date, count: int) -> dt.datetime:
        return end_of_day(self.calendar.add_months(day, count).date)


def _first_after(times: dict, moment, *names):
    found = [times[n] for n in names if n in times and times[n] >= moment]
    return min(found) if found else None


class Command(BaseCommand):
    help = "Create N realistic cases (default 1,000,000) with events, clocks, parties and documents, using COPY."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=1_000_000)
        parser.add_argument("--batch", type=int, default=5_000)
        parser.add_argument("--years", type=int, default=4, help="Spread the cases over this many past years.")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--pdfs", action="store_true",
                            help="Also store a small PDF for every document (in the media storage, with its "
                                 "SHA-256 and size), so downloads and check_consistency --verify-files see real "
                                 "files. Without it documents have no file.")

    def handle(self, *args, count, batch, years, seed, pdfs, **options):
        self.pdfs = pdfs
        if connection.vendor != "postgresql":
            raise CommandError("generate_cases needs PostgreSQL (it writes with COPY).")
        self.rng = random.Random(seed)
        self.now = timezone.now()
        self.calendar = WorkingCalendar.load()
        self.clocks = Clocks(self.calendar)
        self.years = years
        self._people()
        self.agency_prefix = agency_settings().prefix
        self.characters = {t: type_character(t) for t in (DocumentType.FILING_APPROVAL, DocumentType.DEMOLITION_DECISION,
                                                          DocumentType.RECTIFICATION_NOTICE)}
        self.ids = {model: (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)
                    for model in (Case, Party, CaseEvent, CaseClock, Document)}
        self.m2m_id = {}
        for field in ("officers", "negotiators"):
            through = Case._meta.get_field(field).remote_field.through
            self.m2m_id[field] = through.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        self.sequences = {(s, y): v for s, y, v in NumberSequence.objects.values_list("series", "year", "last_value")}
        self.flow = FlowRows(next_process_id=self._last_id("viewflow_process") + 1,
                             next_task_id=self._last_id("viewflow_task") + 1,
                             next_link_id=self._last_id("viewflow_task_previous") + 1,
                             sole_candidate=self._sole_candidate,
                             squad_content_type_id=ContentType.objects.get_for_model(Squad).pk)

        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn, TimeRemainingColumn

        done = 0
        with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), TimeRemainingColumn(), console=None) as progress:
            task = progress.add_task("cases", total=count)
            while done < count:
                size = min(batch, count - done)
                self._write_batch(size)
                done += size
                progress.update(task, completed=done)
        with transaction.atomic():
            for (series, year), value in self.sequences.items():
                NumberSequence.objects.update_or_create(series=series, year=year, defaults={"last_value": value})
            with connection.cursor() as cursor:
                for model in (Case, Party, CaseEvent, CaseClock, Document):
                    cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
                                   [model._meta.db_table, self.ids[model]])
                for field in ("officers", "negotiators"):
                    table = Case._meta.get_field(field).remote_field.through._meta.db_table
                    cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, self.m2m_id[field]])
                for table, following in (("viewflow_process", self.flow.next_process_id),
                                         ("viewflow_task", self.flow.next_task_id),
                                         ("viewflow_task_previous", self.flow.next_link_id)):
                    cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, following - 1])
            # The dashboard's summary rows, recomputed from every case (old and new).
            figures_rebuild()
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.stdout.write(self.style.SUCCESS(f"Created {count} cases."))

    # --- people ------------------------------------------------------------------------------

    def _people(self):
        """Eight squads with communities and staff (created if missing; existing ones are used)."""
        password = make_password("demo-pass-2026")
        for index, stem in enumerate(SQUAD_NAMES, start=1):
            squad, _ = Squad.objects.get_or_create(code=f"gen{index}", defaults={"name": f"{stem}中队"})
            for c in range(10):
                Community.objects.get_or_create(
                    squad=squad, name=f"{stem}{COMMUNITY_STEMS[c]}{COMMUNITY_SUFFIXES[c % 4]}")
            for n in range(1, 7):
                User.objects.get_or_create(username=f"gen{index}-officer{n}", defaults=dict(
                    password=password, full_name=self._name(), squad=squad, is_field_officer=True,
                    certificate_number=f"4406{index:02d}{n:05d}", email=f"gen{index}-officer{n}@example.org"))
            for n in range(1, 3):
                User.objects.get_or_create(username=f"gen{index}-negotiator{n}", defaults=dict(
                    password=password, full_name=self._name(), squad=squad, is_negotiator=True,
                    email=f"gen{index}-negotiator{n}@example.org"))
            User.objects.get_or_create(username=f"gen{index}-supervisor", defaults=dict(
                password=password, full_name=self._name(), squad=squad, is_supervisor=True,
                email=f"gen{index}-supervisor@example.org"))
        User.objects.get_or_create(username="gen-head", defaults=dict(
            password=password, full_name=self._name(), is_head_of_office=True, email="gen-head@example.org"))
        User.objects.get_or_create(username="gen-reviewer", defaults=dict(
            password=password, full_name=self._name(), is_legal_reviewer=True, email="gen-reviewer@example.org"))
        self.head = User.objects.get(username="gen-head").pk
        self.communities = list(Community.objects.values_list("pk", "squad_id", "name"))
        # Alphabetical by name, the order clocks copy a case's people in (CasePeople).
        staff = list(User.objects.filter(squad__isnull=False, is_active=True).order_by("full_name", "pk")
                     .values_list("pk", "squad_id", "is_field_officer", "is_negotiator", "is_supervisor"))
        self.officers, self.negotiators, self.supervisors = {}, {}, {}
        for pk, squad_id, officer, negotiator, supervisor in staff:
            if officer:
                self.officers.setdefault(squad_id, []).append(pk)
            if negotiator:
                self.negotiators.setdefault(squad_id, []).append(pk)
            if supervisor:
                self.supervisors.setdefault(squad_id, []).append(pk)
        # Who a new task goes to when only one person may take it (workflows.assignment).
        self.reviewers = list(User.objects.filter(is_active=True, is_legal_reviewer=True).values_list("pk", flat=True))
        self.heads = list(User.objects.filter(is_active=True, is_head_of_office=True).values_list("pk", flat=True))
        self.reviewer = User.objects.get(username="gen-reviewer").pk
        self.communities = [c for c in self.communities
                            if len(self.officers.get(c[1], [])) >= 2 and self.negotiators.get(c[1])
                            and self.supervisors.get(c[1])]

    def _sole_candidate(self, role: str, squad_id: int, negotiators: tuple[int, ...]) -> int | None:
        candidates = {Role.FIELD_OFFICER: self.officers.get(squad_id, []), Role.SUPERVISOR: self.supervisors.get(squad_id, []),
                      Role.NEGOTIATOR: negotiators, Role.LEGAL_REVIEWER: self.reviewers,
                      Role.HEAD_OF_OFFICE: self.heads}[role]
        return candidates[0] if len(candidates) == 1 else None

    @staticmethod
    def _last_id(table: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
            return cursor.fetchone()[0]

    def _name(self) -> str:
        rng = getattr(self, "rng", random)
        return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))

    # --- one batch ---------------------------------------------------------------------------

    def _next(self, key) -> int:
        self.ids[key] += 1
        return self.ids[key]

    def _number(self, series: str, year: int) -> int:
        value = self.sequences.get((series, year), 0) + 1
        self.sequences[(series, year)] = value
        return value

    def _plan(self):
        """A path and the moment of each step, ending in the past."""
        rng = self.rng
        span_days = self.years * 365
        age = int(span_days * (rng.random() ** 1.3))  # more recent cases than old ones
        is_open = rng.random() < max(0.08, 0.9 - age / 365 * 0.6)
        if is_open:
            status = rng.choices(OPEN_VALUES, OPEN_WEIGHTS)[0]
            path = list(PATHS[status])
            if status == S.SUSPENDED:
                path = rng.choice([["inspect", "file", "suspend"],
                                   ["inspect", "file", "notify", "submit_review", "decide", "suspend"]])
        else:
            path = list(rng.choices(CLOSED_VALUES, CLOSED_WEIGHTS)[0])
        gaps = []
        for step in path:
            low, spread = STEP_DAYS[step.partition(":")[0]]
            gaps.append(low + rng.random() * spread)
        total = sum(gaps)
        if "force_demolish" in path:
            total += 185  # the litigation window after the decision's service must run out
        if is_open:
            # Most open cases move on time; some are stuck well past their clocks.
            lag = rng.expovariate(1 / 4) if rng.random() < 0.92 else rng.uniform(10, 120)
            start = self.now - dt.timedelta(days=total + lag)
        else:
            start = self.now - dt.timedelta(days=max(age, total + 5))
        start = start.astimezone(BEIJING).replace(hour=rng.randint(8, 17), minute=rng.randint(0, 59), second=0,
                                                  microsecond=0)
        moments, t = [], start
        for step, gap in zip(path, gaps, strict=True):
            t = t + dt.timedelta(days=gap)
            if step == "force_demolish":
                t = t + dt.timedelta(days=185)
            moments.append((step, t))
        return start, path, moments

    def _write_batch(self, size: int):
        rng = self.rng
        cases, parties, events, clocks, documents, officers, negotiators = [], [], [], [], [], [], []
        empty = "{}"
        for _ in range(size):
            community_id, squad_id, community_name = rng.choice(self.communities)
            reported_at, path, moments = self._plan()
            case_id = self._next(Case)
            party_id = self._next(Party)
            year = local_date(reported_at).year
            sequence = self._number("case", year)
            location = f"{community_name}{rng.choice(PLACES)}{rng.randint(1, 300)}号"
            party_name = self._name()
            parties.append((party_id, "person", party_name, "", f"13{rng.randint(100000000, 999999999)}", location))
            area = Decimal(min(5000.0, max(5.0, rng.lognormvariate(4.6, 0.9)))).quantize(Decimal("0.01"))
            squad_officers = [self.officers[squad_id][i]  # kept in name order
                              for i in sorted(rng.sample(range(len(self.officers[squad_id])), 2))]
            negotiator = rng.choice(self.negotiators[squad_id])
            supervisor = self.supervisors[squad_id][0]
            actor_for = {"file": supervisor, "dismiss": supervisor, "decide": supervisor, "assign_negotiators": supervisor,
                         "announce": supervisor, "suspend": supervisor, "close": supervisor,
                         "commit_self_demolition": negotiator, "decide_execution": self.head, "terminate": self.head}
            status, suspended_from, outcome = S.REPORTED, "", ""
            times: dict[str, dt.datetime] = {}
            decision_kind, self_days, commitment_date, demolished, announcement_days = "", None, None, Decimal(0), None
            filed_at = verified_at = closed_at = None
            events.append((self._next(CaseEvent), case_id, EventKind.REGISTRATION, "", "", S.REPORTED,
                           squad_officers[0], reported_at, reported_at,
                           json.dumps({"source": "", "location": location, "illegal_area": str(area)}, ensure_ascii=False)))
            talks: list[dt.datetime] = []
            forced = False
            flow_steps: list[Step] = []
            last_moment = reported_at
            for step, when in moments:
                name, _, variant = step.partition(":")
                previous = status
                if name in ("decide", "decide_execution"):
                    # The legal reviewer's approval came between the two steps; it ends their task.
                    approval = "approve:legal_review_decision" if name == "decide" else "approve:legal_review_execution"
                    flow_steps.append(Step(approval, previous, self.reviewer, last_moment + (when - last_moment) / 2,
                                           decision_kind, (negotiator,) if "assign_negotiators" in times else ()))
                data = empty
                if name == "inspect":
                    status = S.INSPECTED
                elif name == "file":
                    status, filed_at = S.FILED, when
                elif name == "dismiss":
                    status, outcome, closed_at = S.CLOSED, "dismissed", when
                elif name == "notify":
                    status = S.NOTIFIED
                elif name == "request_hearing":
                    status = S.HEARING
                elif name == "submit_review":
                    status = S.UNDER_REVIEW
                elif name == "decide":
                    status, decision_kind, self_days = S.DECIDED, variant or "demolish", 15
                    data = json.dumps({"decision_kind": decision_kind, "self_demolition_days": 15})
                elif name == "assign_negotiators":
                    status = S.PERSUADING
                elif name == "commit_self_demolition":
                    status = S.SELF_DEMOLITION_COMMITTED
                    commitment_date = local_date(when) + dt.timedelta(days=rng.randint(7, 30))
                    data = json.dumps({"commitment_date": commitment_date.isoformat()})
                elif name == "report_progress":
                    status = S.SELF_DEMOLISHING
                    demolished = (area * Decimal(rng.randint(20, 80)) / 100).quantize(Decimal("0.01"))
                    data = json.dumps({"demolished_area": str(demolished)})
                elif name == "verify":
                    status, demolished, verified_at = S.VERIFIED, area, when
                    data = json.dumps({"verified_area": str(area)})
                elif name == "rectify":
                    status, verified_at = S.RECTIFIED, when
                elif name == "announce":
                    status, announcement_days = S.ANNOUNCED, 10
                    data = json.dumps({"announcement_days": 10})
                elif name == "issue_demand":
                    status = S.DEMAND_ISSUED
                elif name == "decide_execution":
                    status = S.EXECUTION_DECIDED
                elif name == "force_demolish":
                    status, forced = S.FORCED_DEMOLISHED, True
                elif name == "suspend":
                    status, suspended_from = S.SUSPENDED, previous
                elif name == "close":
                    status, closed_at = S.CLOSED, when
                    outcome = ("rectified" if decision_kind == "rectify" else
                               "forced_demolished" if forced else "self_demolished")
                elif name == "terminate":
                    status, closed_at, outcome = S.CLOSED, when, "terminated"
                times.setdefault(name, when)
                event_id = self._next(CaseEvent)
                actor = actor_for.get(name, squad_officers[0])
                events.append((event_id, case_id, EventKind.TRANSITION, name, previous, status, actor, when, when, data))
                flow_steps.append(Step(name, status, actor, when, decision_kind,
                                       (negotiator,) if "assign_negotiators" in times else ()))
                last_moment = when
                if name in ("file", "decide"):
                    dtype = (DocumentType.FILING_APPROVAL if name == "file" else
                             DocumentType.RECTIFICATION_NOTICE if decision_kind == "rectify" else
                             DocumentType.DEMOLITION_DECISION)
                    doc_year = local_date(when).year
                    doc_seq = self._number(f"doc:{dtype}", doc_year)
                    # Upper case, as codes are typed and looked up (document_by_code); 16
                    # characters where issued ones have 10, so a million never collide.
                    code = secrets.token_hex(8).upper()
                    documents.append((
                        self._next(Document), case_id, event_id, dtype, doc_year, doc_seq,
                        format_document_number(prefix=self.agency_prefix, character=self.characters[dtype],
                                               year=doc_year, sequence=doc_seq),
                        json.dumps({"case": {"number": format_case_number(year, sequence)}}, ensure_ascii=False),
                        "issued", code, when, when, *self._pdf_columns(code, when)))
                if name == "assign_negotiators":
                    # Talks follow: the first within 3 working days, then about weekly.
                    nxt = moments[moments.index((step, when)) + 1][1] if (step, when) != moments[-1] else self.now
                    t = when + dt.timedelta(days=rng.uniform(0.5, 3))
                    while t < nxt and len(talks) < 6:
                        talks.append(t)
                        events.append((self._next(CaseEvent), case_id, EventKind.TALK, "", "", "", negotiator, t, t,
                                       json.dumps({"summary": "约谈当事人，宣讲政策，动员自行拆除。"}, ensure_ascii=False)))
                        t = t + dt.timedelta(days=rng.uniform(3, 9))
            if status == S.CLOSED and closed_at is None:
                closed_at = moments[-1][1]
            self.flow.add_case(case_id=case_id, squad_id=squad_id, reported_at=reported_at, steps=flow_steps)
            number = format_case_number(year, sequence)
            case_officers = squad_officers if "inspect" in times else []
            case_negotiators = [negotiator] if "assign_negotiators" in times else []
            people = CasePeople(tuple(case_officers), tuple(case_negotiators)).clock_fields()
            case_columns = (squad_id, community_id, number, status, json.dumps(people["officer_ids"]),
                            json.dumps(people["negotiator_ids"]), people["first_officer_id"],
                            people["first_negotiator_id"])
            case_clocks = self._clocks(case_id, times, talks, status, decision_kind, commitment_date, closed_at,
                                       case_columns)
            clocks.extend(case_clocks)
            # Case.office_due_at: the end of the first running clock that is not a party's window.
            office_due_at = min((row[4] for row in case_clocks if row[5] is None and not row[6]), default=None)
            cases.append((
                case_id, number, year, sequence, squad_id, community_id, party_id,
                rng.choices(SOURCE_VALUES, SOURCE_WEIGHTS)[0], location, "", "construction", rng.choice(STRUCTURES),
                rng.randint(1, 4), area, rng.random() < 0.6, False, decision_kind, self_days, True, commitment_date,
                demolished, announcement_days, status, suspended_from, outcome, reported_at, filed_at, verified_at,
                closed_at, self.now, self.now, 1 + len(moments),
                case_search_bigrams(number=number, location=location, party_name=party_name, party_address=location),
                office_due_at,
            ))
            if "inspect" in times:
                for officer in squad_officers:
                    self.m2m_id["officers"] += 1
                    officers.append((self.m2m_id["officers"], case_id, officer))
            if "assign_negotiators" in times:
                self.m2m_id["negotiators"] += 1
                negotiators.append((self.m2m_id["negotiators"], case_id, negotiator))
        with transaction.atomic(), connection.cursor() as cursor:
            raw = cursor.cursor
            self._copy(raw, "casework_party", ["id", "kind", "name", "identifier", "phone", "address"], parties)
            self._copy(raw, "casework_case", [
                "id", "number", "year", "sequence", "squad_id", "community_id", "party_id", "source", "location",
                "description", "violation_kind", "structure_type", "floors", "illegal_area", "is_newly_added",
                "construction_ongoing", "decision_kind", "self_demolition_days", "remedies_stated", "commitment_date",
                "demolished_area", "announcement_days", "status", "suspended_from", "outcome", "reported_at",
                "filed_at", "verified_at", "closed_at", "created_at", "updated_at", "version", "search_bigrams", "office_due_at",
                # the text columns the services fill from forms
            ], cases, extra={"built_period": "", "facts": "", "evidence": "", "legal_basis": ""})
            self._copy(raw, "casework_caseevent", [
                "id", "case_id", "kind", "transition", "from_status", "to_status", "actor_id", "occurred_at",
                "recorded_at", "data"], events)
            self._copy(raw, "casework_caseclock", [
                "id", "case_id", "kind", "started_at", "due_at", "satisfied_at", "is_window", "unconfirmed", "rule",
                "basis", "squad_id", "community_id", "case_number", "case_status", "officer_ids", "negotiator_ids",
                "first_officer_id", "first_negotiator_id"],
                       clocks)
            self._copy(raw, Case.officers.through._meta.db_table, ["id", "case_id", "user_id"], officers)
            self._copy(raw, Case.negotiators.through._meta.db_table, ["id", "case_id", "user_id"], negotiators)
            self._copy(raw, "casework_document", [
                "id", "case_id", "event_id", "document_type", "year", "sequence", "number", "data", "status",
                "verification_code", "created_at", "issued_at", "pdf", "sha256", "size"], documents,
                extra={"render_attempts": 0, "last_error": ""})
            flow = self.flow
            self._copy(raw, "viewflow_process", flow.PROCESS_COLUMNS, flow.processes)
            self._copy(raw, DemolitionProcess._meta.db_table, flow.DEMOLITION_PROCESS_COLUMNS, flow.demolition_processes)
            self._copy(raw, "viewflow_task", flow.TASK_COLUMNS, flow.tasks)
            self._copy(raw, "viewflow_task_previous", flow.LINK_COLUMNS, flow.links)
            flow.clear()

    def _pdf_columns(self, code: str, when: dt.datetime) -> tuple[str, str, int | None]:
        """The pdf, sha256 and size columns: a stored placeholder PDF with --pdfs, else none."""
        if not self.pdfs:
            return "", "", None
        content = placeholder_pdf(f"Generated document {code}")
        name = default_storage.save(f"documents/{local_date(when).year}/{code}.pdf", ContentFile(content))
        return name, hashlib.sha256(content).hexdigest(), len(content)

    @staticmethod
    def _copy(raw, table, columns, rows, extra=None):
        if not rows:
            return
        extra = extra or {}
        names = ", ".join(columns + list(extra))
        tail = tuple(extra.values())
        with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row + tail if tail else row)

    def _clocks(self, case_id, times, talks, status, decision_kind, commitment_date, closed_at, case_columns):
        """The clocks casework.deadlines would store for this history (with the case's columns it copies)."""
        k = self.clocks
        rows = []

        def add(kind, start, due, satisfied, window, rule, basis):
            if status == S.CLOSED and satisfied is None and not window:
                satisfied = closed_at
            rows.append((self._next(CaseClock), case_id, kind, start, due, satisfied, window, False, rule, basis,
                         *case_columns))

        if "inspect" in times:
            t = times["inspect"]
            add(ClockKind.FILING, t, k.working(local_date(t), 7), _first_after(times, t, "file", "dismiss"), False,
                "7 个工作日, 处罚法 54", "处罚法 54")
        if "file" in times:
            t = times["file"]
            add(ClockKind.DECISION, t, k.days(local_date(t), 90), _first_after(times, t, "decide"), False,
                "90 天, 处罚法 60", "处罚法 60")
        if "notify" in times:
            t = times["notify"]
            moved = _first_after(times, t, "request_hearing", "submit_review")
            add(ClockKind.HEARING_REQUEST, t, k.working(local_date(t), 5), moved, True, "5 个工作日, 处罚法 64", "处罚法 64")
            add(ClockKind.STATEMENT, t, k.working(local_date(t), 3), moved, True, "3 个工作日, 处罚法 44, 45",
                "处罚法 44, 45")
        if "decide" in times:
            t = times["decide"]
            add(ClockKind.DECISION_SERVICE, t, k.working(local_date(t), 7), t, False, "7 个工作日, 处罚法 61", "处罚法 61")
            ends = ("rectify",) if decision_kind == "rectify" else ("verify", "commit_self_demolition", "announce")
            add(ClockKind.SELF_DEMOLITION, t, k.days(local_date(t), 15), _first_after(times, t, *ends), False,
                "15 天, 规划法 64, 65", "规划法 64, 65")
            add(ClockKind.RECONSIDERATION, t, k.days(local_date(t), 60), None, True, "60 天, 复议法 20", "复议法 20")
            add(ClockKind.LITIGATION, t, k.months(local_date(t), 6), None, True, "6 个月, 诉讼法 46", "诉讼法 46")
        if "assign_negotiators" in times:
            t = times["assign_negotiators"]
            add(ClockKind.FIRST_TALK, t, k.working(local_date(t), 3), talks[0] if talks else None, False,
                "3 个工作日", "")
            if talks:
                last = talks[-1]
                add(ClockKind.FOLLOW_UP_TALK, last, k.days(local_date(last), 7),
                    _first_after(times, last, "verify", "announce", "terminate", "rectify"), False, "7 天", "")
        if "commit_self_demolition" in times and commitment_date:
            t = times["commit_self_demolition"]
            add(ClockKind.COMMITMENT, t, end_of_day(commitment_date), _first_after(times, t, "verify", "announce",
                                                                                     "terminate"), False,
                "自行拆除承诺书所载日期", "")
        if "announce" in times:
            t = times["announce"]
            add(ClockKind.ANNOUNCEMENT, t, k.days(local_date(t), 10),
                _first_after(times, t, "issue_demand", "commit_self_demolition", "verify"), False, "10 天, 强制法 44",
                "强制法 44")
        if "issue_demand" in times:
            t = times["issue_demand"]
            add(ClockKind.DEMAND_STATEMENT, t, k.working(local_date(t), 3), _first_after(times, t, "decide_execution"),
                True, "3 个工作日, 强制法 36", "强制法 36")
        return rows


def placeholder_pdf(text: str) -> bytes:
    """A valid one-page PDF showing `text` (ASCII): rendering real documents for a million cases
    would take days, and benchmarks need files of a realistic kind, not their content."""
    stream = f"BT /F1 14 Tf 72 770 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
