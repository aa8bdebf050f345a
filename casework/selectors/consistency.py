"""Whether the recorded facts agree with each other (read-only; `manage.py check_consistency`).

Four families of checks, each answering findings (never raising):

- the state and its events: a case's status is the to-state of its last state event
  (registration or transition, in the order they were recorded), and each transition starts
  where the previous one ended (from-state = previous to-state), beginning at registration;
- clocks: every clock holds its case's squad, community, number, status and people, the
  copies the overdue review reads (casework.deadlines.clocks.clocks_refresh writes them);
- documents: every issued document has its number, its PDF, its size and its SHA-256
  fingerprint (optionally re-read from storage and compared), and none waits for rendering
  longer than a grace period;
- number series: case numbers per year and document numbers per type and year run 1..N with
  no gap (the tables' unique constraints rule out duplicates), where N is the series' NumberSequence.last_value, and every number
  reads its own year and sequence.

Written for big tables: the event chain is checked with a window function in the database,
documents and series with aggregates; Python only sees rows that are already suspicious.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, F, Max, Min, Q, Window
from django.db.models.functions import Lag
from django.utils import timezone

from casework.models import (
    Case,
    CaseClock,
    CaseEvent,
    CasePeople,
    CaseStatus,
    Document,
    DocumentStatus,
    EventKind,
    NumberSequence,
)

CASE_SERIES = "case"
DOCUMENT_SERIES_PREFIX = "doc:"
STATE_EVENT_KINDS = (EventKind.REGISTRATION, EventKind.TRANSITION)
# Findings of one kind beyond this many are counted, not listed.
DEFAULT_LIMIT = 50


@dataclass(frozen=True)
class Finding:
    check: str
    subject: str
    message: str

    def __str__(self) -> str:
        return f"[{self.check}] {self.subject}: {self.message}"


@dataclass
class ConsistencyReport:
    findings: list[Finding]
    counts: dict[str, int]  # findings per check, including the ones not listed
    checked: dict[str, int]  # what was looked at: cases, events, documents, series

    @property
    def ok(self) -> bool:
        return not any(self.counts.values())


class _Collector:
    def __init__(self, limit: int):
        self.limit = limit
        self.findings: list[Finding] = []
        self.counts: dict[str, int] = defaultdict(int)

    def add(self, check: str, subject: str, message: str) -> None:
        self.counts[check] += 1
        if self.counts[check] <= self.limit:
            self.findings.append(Finding(check, subject, message))


# --- the state and its events ----------------------------------------------------------------

def _check_event_chain(out: _Collector) -> int:
    state_events = CaseEvent.objects.filter(kind__in=STATE_EVENT_KINDS)
    chained = state_events.annotate(
        previous_to=Window(Lag("to_status"), partition_by=[F("case_id")], order_by=[F("id").asc()]),
        previous_kind=Window(Lag("kind"), partition_by=[F("case_id")], order_by=[F("id").asc()]),
    )
    for event in chained.values("id", "case_id", "case__number", "kind", "transition", "from_status", "to_status",
                                "previous_to", "previous_kind").order_by("case_id", "id").iterator(chunk_size=2000):
        subject = f"case {event['case__number']} event {event['id']}"
        if event["previous_kind"] is None:
            if event["kind"] != EventKind.REGISTRATION or event["to_status"] != CaseStatus.REPORTED:
                out.add("events.first", subject,
                        f"the first state event is {event['kind']} {event['transition'] or ''} to "
                        f"{event['to_status'] or '(none)'}, not the registration to {CaseStatus.REPORTED}")
            continue
        if event["kind"] == EventKind.REGISTRATION:
            out.add("events.registration", subject, "a second registration event")
        elif event["from_status"] != event["previous_to"]:
            out.add("events.chain", subject,
                    f"{event['transition']} starts from {event['from_status'] or '(none)'} but the previous state "
                    f"event ended in {event['previous_to'] or '(none)'}")
        if not event["to_status"]:
            out.add("events.to_state", subject, f"{event['transition'] or event['kind']} records no to-state")
    return state_events.count()


def _check_status_matches_last_event(out: _Collector) -> int:
    last_ids = (CaseEvent.objects.filter(kind__in=STATE_EVENT_KINDS).values("case_id")
                .annotate(last_id=Max("id")).values("last_id"))
    last_state = dict(CaseEvent.objects.filter(id__in=last_ids).values_list("case_id", "to_status"))
    checked = 0
    for case_id, number, status in Case.objects.values_list("id", "number", "status").order_by("id").iterator(
            chunk_size=5000):
        checked += 1
        recorded = last_state.get(case_id)
        if recorded is None:
            out.add("cases.no_event", f"case {number}", f"status {status} but no registration or transition event")
        elif recorded != status:
            out.add("cases.status", f"case {number}",
                    f"status {status} but the last state event ends in {recorded or '(none)'}")
    return checked


# --- clocks ----------------------------------------------------------------------------------

def _check_clock_copies(out: _Collector, *, chunk_size: int = 2000) -> int:
    """Clocks copy their case's squad, community, number, status and people (clocks_refresh);
    the overdue review and the reminders read the copies, so a stale one misleads them."""
    stale = CaseClock.objects.filter(
        ~Q(squad_id=F("case__squad_id")) | ~Q(community_id=F("case__community_id"))
        | ~Q(case_number=F("case__number")) | ~Q(case_status=F("case__status")))
    for number, kind in stale.values_list("case__number", "kind").order_by("id").iterator(
            chunk_size=chunk_size):
        out.add("clocks.case_columns", f"case {number} clock {kind}",
                "squad, community, number or status differs from the case's (run recompute_clocks)")
    case_ids = CaseClock.objects.values_list("case_id", flat=True).distinct().order_by("case_id")
    checked, chunk = 0, []
    for case_id in case_ids.iterator(chunk_size=chunk_size):
        chunk.append(case_id)
        if len(chunk) == chunk_size:
            checked += _check_clock_people(out, chunk)
            chunk = []
    return checked + (_check_clock_people(out, chunk) if chunk else 0)


def _check_clock_people(out: _Collector, case_ids: list[int]) -> int:
    expected = {case_id: ([], []) for case_id in case_ids}
    for position, field_name in enumerate(("officers", "negotiators")):
        links = getattr(Case, field_name).through.objects.filter(case_id__in=case_ids).order_by(
            "case_id", "user__full_name", "user_id")
        for case_id, user_id in links.values_list("case_id", "user_id"):
            expected[case_id][position].append(user_id)
    clocks = CaseClock.objects.filter(case_id__in=case_ids).values_list(
        "case_id", "case_number", "kind", "officer_ids", "negotiator_ids", "first_officer_id", "first_negotiator_id")
    for case_id, number, kind, officer_ids, negotiator_ids, first_officer, first_negotiator in clocks:
        officers, negotiators = expected[case_id]
        # Renaming a person does not rewrite clocks, so compare the sets, not the order.
        stored = CasePeople(tuple(officer_ids), tuple(negotiator_ids)).clock_fields()
        if (set(officer_ids) != set(officers) or set(negotiator_ids) != set(negotiators)
                or (first_officer, first_negotiator) != (stored["first_officer_id"], stored["first_negotiator_id"])):
            out.add("clocks.people", f"case {number} clock {kind}",
                    "its officers or negotiators differ from the case's (run recompute_clocks)")
    return len(case_ids)


# --- documents -------------------------------------------------------------------------------

def _check_documents(out: _Collector, *, pending_grace: dt.timedelta, verify_files: bool) -> int:
    issued = Document.objects.filter(status=DocumentStatus.ISSUED)
    incomplete = issued.filter(
        Q(number="") | Q(pdf="") | Q(size__isnull=True) | Q(issued_at__isnull=True) | ~Q(sha256__regex=r"^[0-9a-f]{64}$")
    )
    for document in incomplete.values("id", "number", "pdf", "size", "sha256", "issued_at").iterator():
        missing = [name for name, empty in (
            ("number", not document["number"]), ("PDF", not document["pdf"]), ("size", document["size"] is None),
            ("issue time", document["issued_at"] is None),
            ("SHA-256", not _is_sha256(document["sha256"])),
        ) if empty]
        out.add("documents.issued", f"document {document['id']} {document['number']}",
                "issued without its " + ", ".join(missing))
    for document in Document.objects.filter(Q(number="") | Q(verification_code="")).values("id", "status"):
        out.add("documents.number", f"document {document['id']}", f"{document['status']} without a number or code")

    cutoff = timezone.now() - pending_grace
    for document in Document.objects.filter(status=DocumentStatus.PENDING, created_at__lt=cutoff).values(
            "id", "number", "created_at", "render_attempts", "last_error").iterator():
        out.add("documents.pending", f"document {document['number']}",
                f"still pending since {document['created_at']:%Y-%m-%d %H:%M:%S} "
                f"({document['render_attempts']} attempts) {document['last_error'][:200]}".rstrip())

    if verify_files:
        for document in issued.exclude(pdf="").filter(sha256__regex=r"^[0-9a-f]{64}$").only(
                "id", "number", "pdf", "sha256", "size").iterator(chunk_size=500):
            subject = f"document {document.number}"
            try:
                with document.pdf.open("rb") as handle:
                    digest, size = _sha256_of(handle)
            except OSError as error:
                out.add("documents.file", subject, f"the PDF cannot be read: {error}")
                continue
            if digest != document.sha256 or (document.size is not None and size != document.size):
                out.add("documents.file", subject,
                        f"the stored PDF ({size} bytes, {digest[:12]}…) is not the fingerprinted one "
                        f"({document.size} bytes, {document.sha256[:12]}…)")
    return Document.objects.count()


def _is_sha256(value: str) -> bool:
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def _sha256_of(handle) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    for chunk in iter(lambda: handle.read(1 << 20), b""):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


# --- number series ---------------------------------------------------------------------------

def _check_series(out: _Collector, *, label: str, series: str, rows, last_values: dict[int, int]) -> int:
    """`rows`: the numbered objects of one series (a queryset with `year` and `sequence`)."""
    per_year = {r["year"]: r for r in rows.values("year").annotate(
        n=Count("id"), low=Min("sequence"), high=Max("sequence"),
    ).order_by("year")}
    checked = 0
    for year in sorted(set(per_year) | set(last_values)):
        checked += 1
        subject = f"{label} {year}"
        stats = per_year.get(year, {"n": 0, "low": None, "high": None})
        last = last_values.get(year)
        if last is None:
            out.add("numbers.sequence", subject, f"{stats['n']} numbered but no NumberSequence row for {series}")
            last = stats["high"] or 0
        if stats["high"] is not None and stats["high"] > last:
            out.add("numbers.ahead", subject, f"sequence {stats['high']} was used but the series stands at {last}")
        # (year, sequence) is unique in both tables, so N rows numbered 1..N leave no gap.
        if stats["n"] != last or stats["high"] not in (None, last) or stats["low"] not in (None, 1):
            used = set(rows.filter(year=year).values_list("sequence", flat=True))
            missing = sorted(set(range(1, last + 1)) - used)
            if missing:
                shown = ", ".join(str(n) for n in missing[:20]) + (" …" if len(missing) > 20 else "")
                out.add("numbers.gap", subject, f"{len(missing)} numbers of 1..{last} never used: {shown}")
    return checked


def _check_number_text(out: _Collector) -> None:
    """Each number reads its own year and sequence (the prefix and type character may change)."""
    from casework.services.cases import format_case_number

    for case_id, number, year, sequence in Case.objects.values_list("id", "number", "year", "sequence").iterator(
            chunk_size=5000):
        if number != format_case_number(year, sequence):
            out.add("numbers.text", f"case {case_id}", f"number {number} is not {format_case_number(year, sequence)}")
    for document_id, number, year, sequence in Document.objects.values_list(
            "id", "number", "year", "sequence").iterator(chunk_size=5000):
        if not number.endswith(f"〔{year}〕第{sequence:04d}号"):
            out.add("numbers.text", f"document {document_id}", f"number {number} does not read {year} no. {sequence}")


def _check_numbers(out: _Collector) -> int:
    sequences: dict[str, dict[int, int]] = defaultdict(dict)
    for series, year, last_value in NumberSequence.objects.values_list("series", "year", "last_value"):
        sequences[series][year] = last_value
    checked = _check_series(out, label="case numbers", series=CASE_SERIES, rows=Case.objects.all(),
                            last_values=sequences.pop(CASE_SERIES, {}))
    types = set(Document.objects.values_list("document_type", flat=True).distinct())
    types |= {series.removeprefix(DOCUMENT_SERIES_PREFIX) for series in sequences
              if series.startswith(DOCUMENT_SERIES_PREFIX)}
    for document_type in sorted(types):
        series = DOCUMENT_SERIES_PREFIX + document_type
        checked += _check_series(out, label=f"{document_type} numbers", series=series,
                                 rows=Document.objects.filter(document_type=document_type),
                                 last_values=sequences.pop(series, {}))
    _check_number_text(out)
    return checked


def consistency_report(*, pending_grace: dt.timedelta = dt.timedelta(minutes=10), verify_files: bool = False,
                       limit: int = DEFAULT_LIMIT) -> ConsistencyReport:
    out = _Collector(limit)
    checked = {
        "state events": _check_event_chain(out),
        "cases": _check_status_matches_last_event(out),
        "cases with clocks": _check_clock_copies(out),
        "documents": _check_documents(out, pending_grace=pending_grace, verify_files=verify_files),
        "number series": _check_numbers(out),
    }
    return ConsistencyReport(findings=out.findings, counts=dict(out.counts), checked=checked)
