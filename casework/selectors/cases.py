"""Reads for the pages and the API: which cases a user sees, lists with filters, one case's page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import EmptyResultSet
from django.core.paginator import PageNotAnInteger, Paginator
from django.db.models import IntegerField, JSONField, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from casework.deadlines.calendar import BEIJING
from casework.models import (
    Case,
    CaseClock,
    CaseEvent,
    CaseStatus,
    Community,
    Document,
    DocumentService,
    Party,
    Squad,
    User,
)
from casework.models.attachments import Attachment, AttachmentKind
from casework.search import case_text_q, search_too_short
from casework.selectors.json_rows import RowColumns, RowShape

if TYPE_CHECKING:
    from casework.deadlines.history import CaseHistory


def case_visible(*, user: User) -> QuerySet[Case]:
    """The cases `user` may read (casework.authorization's `read_case`): their squad's for field
    officers and supervisors, the assigned ones for negotiators, every squad's for the head of
    office, the legal reviewer and administrators; none for an inactive person.
    Pages, the API, exports and the overdue lists all ask this one function."""
    from casework.authorization import cases_for

    return cases_for(user, "read_case")


def case_get(*, user: User, pk: int) -> Case:
    """One case, with its party, squad and community, for the pages that act on it; a case the
    user may not read is 'not found' (its existence is not disclosed). The case page itself
    reads the case with everything it shows through case_page."""
    try:
        # get(), not first(): no ORDER BY to compile (the cases' default order) for one row.
        return case_visible(user=user).select_related("party", "squad", "community").get(pk=pk)
    except Case.DoesNotExist:
        raise Http404(_("No such case.")) from None


def people_columns() -> dict:
    """The case's officers and negotiators as JSON columns of a query on cases; `seed_people`
    gives them to the case."""
    return {"officer_rows": PERSON_ROWS.column(User.objects.filter(officer_cases=OuterRef("pk"))),
            "negotiator_rows": PERSON_ROWS.column(User.objects.filter(negotiator_cases=OuterRef("pk")))}


def seed_people(case: Case, row: dict) -> None:
    """`case.officers.all()` and `case.negotiators.all()` without a query, from `row` holding
    the case's `people_columns`."""
    using = case._state.db or "default"
    seed_prefetched(case, "officers", PERSON_ROWS.load(row["officer_rows"], using=using))
    seed_prefetched(case, "negotiators", PERSON_ROWS.load(row["negotiator_rows"], using=using))


# A case's people in the order of their accounts, as the case page has always listed them.
PERSON_ROWS = RowShape(User, order_by=("id",))


def seed_prefetched(instance, name: str, objects: list) -> None:
    """Give `instance.<name>.all()` these objects without a query, as prefetch_related would
    have: for relations loaded together with something else (one query for two relations, or
    rows the caller has already read)."""
    queryset = getattr(instance, name).all()
    queryset._result_cache = objects
    queryset._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[name] = queryset


# What a list row shows of its most urgent clock.
_URGENT_CLOCK_ROW = RowShape(CaseClock, fields=("kind", "due_at", "is_window", "unconfirmed", "basis"))


def urgent_clock_json(case: str = "pk") -> Subquery:
    """The case's running clock that most_urgent_clock would pick (the office's clock ending
    first, else the party's window ending first), as a JSON object (urgent_clock_view reads it);
    `case` is the path to the case in the outer query (its own "pk" in a query on cases).

    A column of the list's own query rather than a prefetch of every running clock: one query
    fewer per page and one clock per row instead of all of them.
    """
    return Subquery(
        CaseClock.objects.filter(case=OuterRef(case), satisfied_at__isnull=True).order_by("is_window", "due_at")
        .values(json=_URGENT_CLOCK_ROW.object())[:1],
        output_field=JSONField())


def overdue_q(now: dt.datetime) -> Q:
    """The case has a clock past its end (casework.selectors.clocks owns the rule) and is not suspended.

    Read from Case.office_due_at, the end of the case's first running clock that is not a party's
    window (kept by clocks_refresh): the same answer as asking the clocks, from one indexed column.
    """
    return Q(office_due_at__lte=now) & ~Q(status=CaseStatus.SUSPENDED)


@dataclass
class CaseFilters:
    status: str = ""
    squad: int | None = None
    community: int | None = None
    officer: int | None = None
    newly_added: bool | None = None
    overdue: bool | None = None  # None: either; True: only overdue cases; False: none overdue
    source: str = ""
    q: str = ""
    closed: bool | None = None


# What a row of the case list shows, on the page and in the API (CaseListSerializer), and so
# all the list reads of a case: 9 of the about 60 columns of the case, its party, squad and
# community. Each column read costs compiling, fetching and converting it on every row.
CASE_LIST_ROW = ("number", "status", "location", "illegal_area", "reported_at", "version",
                 "party__name", "squad__name", "community__name")


def case_list(*, user: User, filters: CaseFilters, now: dt.datetime | None = None,
              with_urgent_clock: bool = True, whole_rows: bool = False) -> QuerySet[Case]:
    """The cases `user` sees, filtered and searched (by case number, party's name or address,
    or location: casework.search), newest first, with what a list row shows in the same query
    (CASE_LIST_ROW, and the most urgent clock with `with_urgent_clock`: read it with
    case_urgent_clock); with `whole_rows`, every column of the case and its party (exports).
    A search of one character is not applied (see search_too_short): it would match a large
    part of the office's cases and no index serves it. Page it with CasePaginator."""
    now = now or timezone.now()
    cases = case_visible(user=user)
    if filters.status:
        cases = cases.filter(status=filters.status)
    if filters.squad:
        cases = cases.filter(squad_id=filters.squad)
    if filters.community:
        cases = cases.filter(community_id=filters.community)
    if filters.officer:
        # A subquery, not a join: a join would repeat cases and need DISTINCT over the whole list.
        cases = cases.filter(pk__in=Case.officers.through.objects.filter(user_id=filters.officer).values("case_id"))
    if filters.newly_added is not None:
        cases = cases.filter(is_newly_added=filters.newly_added)
    if filters.source:
        cases = cases.filter(source=filters.source)
    if filters.overdue is not None:
        cases = cases.filter(overdue_q(now)) if filters.overdue else cases.exclude(overdue_q(now))
    if filters.closed is not None:
        cases = cases.filter(status=CaseStatus.CLOSED) if filters.closed else cases.exclude(status=CaseStatus.CLOSED)
    # A NUL comes from a hand-made link, never from the search box, and PostgreSQL refuses it in
    # any text (a server error): the search is for the characters around it.
    text = (filters.q or "").replace("\x00", "").strip()
    if text and not search_too_short(text):
        cases = cases.filter(case_text_q(text))
    cases = cases.select_related("party", "squad", "community").order_by("-year", "-sequence")
    # The search column is a long text no row shows.
    cases = cases.defer("search_bigrams") if whole_rows else cases.only(*CASE_LIST_ROW)
    if with_urgent_clock:
        cases = cases.annotate(urgent_clock=urgent_clock_json())
    return cases


def case_urgent_clock(case: Case, now: dt.datetime) -> ClockView | None:
    """The clock a list row shows for a case of case_list (most_urgent_clock's choice)."""
    return urgent_clock_view(case.urgent_clock, case=case, now=now)


def urgent_clock_view(found: dict | None, *, case: Case, now: dt.datetime) -> ClockView | None:
    """The clock a row shows from its urgent_clock_json column; none for a suspended case."""
    if found is None or case.status == CaseStatus.SUSPENDED:
        return None
    return clock_view(_URGENT_CLOCK_ROW.instance(found, using=case._state.db or "default"), now)


class CasePaginator(Paginator):
    """Pages of case_list that stay fast deep into a million cases.

    A page's cases are found by a subquery that selects only their ids, in the list's order,
    OFFSET the rows before it: the list's indexes (Case.Meta, "case_list_*", which include the
    id) answer it without reading the rows it skips. Only the page's own rows are then read,
    with what a row shows, and the capped count in the same query. Plain OFFSET over the full
    rows reads every skipped row (page 500 of 25 reads 12,500 cases).
    """

    def __init__(self, object_list, per_page, *, exact_count_up_to: int | None = None, count_in_order: bool = False,
                 **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.exact_count_up_to = exact_count_up_to
        # Count the rows in the list's order: for task lists, whose partial indexes hold the rows
        # in that order. Unordered, PostgreSQL chose viewflow's index on the task's status and
        # read every open task of the office to count the few of one squad (363 ms against
        # 0.3 ms at a million cases). The case lists count best unordered.
        self.count_in_order = count_in_order
        self.count_is_exact = True
        self._requested = 1

    # A page number past this is treated as this one (then the last page): it bounds the count's
    # LIMIT to what a database integer holds whatever number a URL carries.
    LARGEST_PAGE = 10_000_000

    def _remember(self, number) -> None:
        try:
            self._requested = min(max(1, int(number)), self.LARGEST_PAGE)
        except (TypeError, ValueError, OverflowError):
            self._requested = 1

    def _count_limit(self) -> int:
        return max(self.exact_count_up_to, self._requested * self.per_page) + 1

    def _counted(self, counted: int) -> int:
        self.count_is_exact = counted < self._count_limit()
        return counted

    @cached_property
    def count(self) -> int:
        """With `exact_count_up_to`, counting stops past that many cases (or past the page asked
        for, if further): a million cases are not counted for every page. Then `count_is_exact` is
        False and `count` is one more than was counted exactly, so the page has a next page."""
        if self.exact_count_up_to is None:
            return super().count
        return self._counted(self._rows_counted().count())

    def _rows_counted(self):
        rows = self.object_list if self.count_in_order else self.object_list.order_by()
        return rows.values("pk")[:self._count_limit()]

    def _capped_count(self) -> RawSQL:
        """`count` as a column of the page's own query: one round trip for the page and its count.
        An uncorrelated subquery, computed once per query, not per row."""
        counted = self._rows_counted()
        sql, params = counted.query.get_compiler(using=counted.db).as_sql()
        return RawSQL(f"SELECT COUNT(*) FROM ({sql}) AS capped", params, output_field=IntegerField())

    def get_page(self, number):
        """As Paginator.get_page (not a number: page 1; past the end: the last page), but without
        counting before the page is read: the count comes with it."""
        self._remember(number)
        if self.exact_count_up_to is not None and not self.orphans:
            try:
                found = self._page_with_count(number)
            except PageNotAnInteger:
                found = self._page_with_count(1)
            if found is not None:
                return found
        return super().get_page(number)

    def page(self, number):
        self._remember(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        cases = self.object_list
        page_ids = cases.values("pk")[bottom:top]
        return self._get_page(cases.filter(pk__in=page_ids), number, self)

    def _page_with_count(self, number):
        """The page and the list's count in one query; past the end, the last page and the count
        in one more; an empty first page, nothing more. None when no case matches past page 1:
        then get_page answers as Paginator does."""
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if not 1 <= number <= self.LARGEST_PAGE:
            return None
        bottom = (number - 1) * self.per_page
        cases = self.object_list
        page_ids = cases.values("pk")[bottom:bottom + self.per_page]
        try:
            rows = list(cases.filter(pk__in=page_ids).annotate(capped_count=self._capped_count()))
        except EmptyResultSet:
            # A list that can match nothing compiles to no SQL (a person who may read no case:
            # case_visible gives none(); one holding no role asks for the tasks of none): it is
            # empty, answered without a query.
            rows, number = [], 1
        if not rows:
            if number > 1:
                return self._last_page_with_count()
            # An empty first page: nothing matches, and the count is 0 without asking.
            self.__dict__["count"], self.count_is_exact = 0, True
            return self._get_page([], 1, self)
        self.__dict__["count"] = self._counted(rows[0].capped_count)
        return self._get_page(rows, number, self)

    def _last_page_with_count(self):
        """After an empty page past the end (an old link, a narrowed filter): the last page, read
        as the list's last per_page cases in reverse order with the count, then cut to the last
        page's share and turned round. Counting first and then reading the page took two queries."""
        backwards = self.object_list.reverse()
        tail = list(backwards.filter(pk__in=backwards.values("pk")[:self.per_page])
                    .annotate(capped_count=self._capped_count()))
        if not tail:
            return None
        # The page asked for was empty, so the count stopped below its limit: it is exact.
        count = self.__dict__["count"] = self._counted(tail[0].capped_count)
        last = (count - 1) // self.per_page + 1
        on_last = count - (last - 1) * self.per_page
        return self._get_page(tail[:on_last][::-1], last, self)


@dataclass
class ClockView:
    kind: str
    label: str
    due_at: dt.datetime
    last_day: dt.date
    days_left: int
    is_window: bool
    unconfirmed: bool
    basis: str

    @property
    def days_overdue(self) -> int:
        return max(0, -self.days_left)

    @property
    def overdue(self) -> bool:
        return self.days_left < 0 and not self.is_window

    @property
    def urgency(self) -> str:
        if self.is_window:
            return "window"
        if self.days_left < 0:
            return "overdue"
        if self.days_left <= 3:
            return "soon"
        return "ok"


def clock_view(clock: CaseClock, now: dt.datetime) -> ClockView:
    """Days left until the clock ends (negative: days overdue), counted in Beijing dates."""
    last_day = (clock.due_at.astimezone(BEIJING) - dt.timedelta(microseconds=1)).date()
    days_left = (last_day - now.astimezone(BEIJING).date()).days
    return ClockView(clock.kind, str(clock.get_kind_display()), clock.due_at, last_day, days_left, clock.is_window,
                     clock.unconfirmed, clock.basis)


def most_urgent_clock(clocks: list[CaseClock], now: dt.datetime, *, suspended: bool = False) -> ClockView | None:
    """The office's running clock ending first (the party's windows only if nothing else runs)."""
    if suspended or not clocks:
        return None
    running = [c for c in clocks if c.satisfied_at is None]
    if not running:
        return None
    running.sort(key=lambda c: (c.is_window, c.due_at))
    return clock_view(running[0], now)


@dataclass
class CasePage:
    case: Case
    clocks: list[ClockView]
    events: list[CaseEvent]
    documents: list
    photos: list[Attachment]
    other_attachments: list[Attachment]
    # The history the page's actions are judged on (case_available_transitions(history=...)).
    history: CaseHistory


# What a person's name on a page needs (User.display_name): not the whole account row.
PERSON_NAME_FIELDS = ("id", "username", "full_name")


def person_only(path: str) -> list[str]:
    """The fields to defer so that the person at `path` (a select_related path) is loaded with
    only PERSON_NAME_FIELDS."""
    return [f"{path}__{field.name}" for field in User._meta.concrete_fields
            if field.name not in PERSON_NAME_FIELDS]


# What the case page reads of a case's rows (casework.selectors.json_rows), in the order it shows them.
_PAGE_CLOCK_ROWS = RowShape(CaseClock, fields=("case_id", "kind", "due_at", "is_window", "unconfirmed", "basis"),
                            order_by=("is_window", "due_at", "id"))
_PAGE_EVENT_ROWS = RowShape(CaseEvent, order_by=("occurred_at", "id"),
                            related={"actor": RowShape(User, fields=PERSON_NAME_FIELDS)})
# The PDF's data snapshot is not shown; each document's service is, with who served it.
_PAGE_DOCUMENT_ROWS = RowShape(Document, defer=("data",), order_by=("created_at", "id"), related={
    "service": RowShape(DocumentService, related={"served_by": RowShape(User, fields=PERSON_NAME_FIELDS)})})
_PAGE_ATTACHMENT_ROWS = RowShape(Attachment, order_by=("uploaded_at", "id"))


# The case itself with its party, squad and community, as case_get reads them: on its page, and
# in a transition's one read (casework.services.cases).
CASE_ROW = RowShape(Case, related={"party": RowShape(Party), "squad": RowShape(Squad), "community": RowShape(Community)})


def _page_columns() -> dict:
    from casework.deadlines.history import history_columns

    on_case = OuterRef("pk")
    return {
        "page_case": CASE_ROW.object(),
        "page_clocks": _PAGE_CLOCK_ROWS.column(CaseClock.objects.filter(case=on_case, satisfied_at__isnull=True)),
        "page_events": _PAGE_EVENT_ROWS.column(CaseEvent.objects.filter(case=on_case)),
        "page_documents": _PAGE_DOCUMENT_ROWS.column(Document.objects.filter(case=on_case)),
        "page_attachments": _PAGE_ATTACHMENT_ROWS.column(Attachment.objects.filter(case=on_case)),
        **people_columns(),
        # The history's services are the documents' own; its events are the page's.
        **history_columns(events=False, services=False, approvers=False),
    }


_PAGE_READ = RowColumns(Case, _page_columns)


def case_page(*, user: User, pk: int, now: dt.datetime | None = None) -> CasePage:
    """The case `pk` as its page shows it, for `user`: the case (with its party, squad,
    community, officers and negotiators), everything the page shows of its rows, and the
    history its actions are judged on, in one query. A case the user may not read is 'not
    found', as for case_get (casework.authorization's rule, asked of the case read)."""
    from casework.authorization import may_read_case
    from casework.deadlines.history import CaseHistory
    from casework.selectors.documents import link_corrections

    now = now or timezone.now()
    using = "default"
    row = _PAGE_READ.read(pk, using=using)
    if row is None:
        raise Http404(_("No such case."))
    case = CASE_ROW.instance(row["page_case"], using=using)
    seed_people(case, row)
    if not may_read_case(user, case):
        raise Http404(_("No such case."))
    events = _PAGE_EVENT_ROWS.load(row["page_events"], using=using)
    documents = _PAGE_DOCUMENT_ROWS.load(row["page_documents"], using=using)
    link_corrections(documents)
    attachments = _PAGE_ATTACHMENT_ROWS.load(row["page_attachments"], using=using)
    # A document without a service raises RelatedObjectDoesNotExist, an AttributeError.
    services = sorted((service for document in documents if (service := getattr(document, "service", None))),
                      key=lambda service: (service.effective_at, service.pk))
    history = CaseHistory.from_columns(row, approvers=False, events=events, services=services, using=using)
    return CasePage(
        case=case, clocks=[clock_view(c, now) for c in _PAGE_CLOCK_ROWS.load(row["page_clocks"], using=using)],
        events=events, documents=documents,
        photos=[a for a in attachments if a.kind == AttachmentKind.PHOTO],
        other_attachments=[a for a in attachments if a.kind != AttachmentKind.PHOTO],
        history=history,
    )
