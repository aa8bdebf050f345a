"""The lists and the case page cost a fixed number of queries, whatever the number of rows
(3 cases or 30; 3 events or 30), and the deep-page paginator returns the same rows as plain
slicing. Rows are bulk-created: these tests count queries, they do not walk the procedure."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from casework.models import Case, CaseClock, CaseEvent, CaseStatus, EventKind, Party
from casework.search import case_search_bigrams
from casework.selectors.cases import CaseFilters, CasePaginator, case_list, case_urgent_clock, most_urgent_clock
from tests.casework.conftest import make_user

S = CaseStatus


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def add_cases(count: int, *, squad, community, officers, negotiator, start: int) -> list[Case]:
    """`count` persuading cases, each with a party, two officers, a negotiator, a talk event and
    three running clocks: one overdue, one due next week, one party's window."""
    now = timezone.now()
    parties = Party.objects.bulk_create(
        Party(name=f"当事人{n}", address=f"五星村东区{n}号") for n in range(start, start + count))
    cases = Case.objects.bulk_create(
        Case(number=f"〔2025〕第{n:04d}号", year=2025, sequence=n, squad=squad, community=community, party=party,
             source="patrol", location=f"五星村东区{n}号", reported_at=now - dt.timedelta(days=60),
             status=S.PERSUADING, office_due_at=now - dt.timedelta(days=10),
             search_bigrams=case_search_bigrams(number=f"〔2025〕第{n:04d}号", location=f"五星村东区{n}号",
                                                party_name=party.name, party_address=party.address))
        for n, party in zip(range(start, start + count), parties, strict=True))
    Case.officers.through.objects.bulk_create(
        Case.officers.through(case_id=case.pk, user_id=officer.pk) for case in cases for officer in officers)
    Case.negotiators.through.objects.bulk_create(
        Case.negotiators.through(case_id=case.pk, user_id=negotiator.pk) for case in cases)
    CaseEvent.objects.bulk_create(
        CaseEvent(case=case, kind=EventKind.TALK, actor=negotiator, occurred_at=now - dt.timedelta(days=20), data={})
        for case in cases)
    clocks = []
    for case in cases:
        clocks += [
            CaseClock.of_case(case, kind="first_talk", started_at=now - dt.timedelta(days=30),
                      due_at=now - dt.timedelta(days=10), rule="3 个工作日"),
            CaseClock.of_case(case, kind="self_demolition", started_at=now - dt.timedelta(days=5),
                      due_at=now + dt.timedelta(days=7), rule="15 天"),
            CaseClock.of_case(case, kind="litigation", started_at=now - dt.timedelta(days=30),
                      due_at=now + dt.timedelta(days=150), is_window=True, rule="6 个月"),
        ]
    CaseClock.objects.bulk_create(clocks)
    return cases


@pytest.fixture
def office(squad, community, cast):
    def grow(count: int, start: int) -> list[Case]:
        return add_cases(count, squad=squad, community=community, officers=[cast.officer, cast.officer2],
                         negotiator=cast.negotiator, start=start)
    return grow


def count_queries(call) -> int:
    call()  # a session's first request also stamps its activity
    with CaptureQueriesContext(connection) as queries:
        call()
    return len(queries)


def page_getter(client, url, **params):
    def get():
        response = client.get(url, params)
        assert response.status_code == 200, response.content[:500]
        return response
    return get


@pytest.mark.parametrize("params", [{}, {"overdue": "1"}, {"q": "当事人"}, {"officer": "officer"}, {"page": "2"}])
def test_case_list_page_queries_do_not_grow_with_cases(client, cast, office, params):
    """The case list page makes as many queries for 3 cases as for 30 (every filter, and a later page)."""
    client.force_login(cast.supervisor)
    params = {**params}
    if params.get("officer"):
        params["officer"] = str(cast.officer.pk)
    office(3 if params.get("page") != "2" else 27, start=1)
    get = page_getter(client, reverse("casework:case_list"), **params)
    few = count_queries(get)
    office(27, start=100)
    assert len(get().context["rows"]) == 25
    assert count_queries(get) == few


def test_api_case_list_queries_do_not_grow_with_cases(cast, office):
    """GET /api/v1/cases/ makes as many queries for 3 cases as for 30."""
    client = APIClient()
    client.force_authenticate(cast.supervisor)
    url = reverse("api:case_list")
    office(3, start=1)
    few = count_queries(lambda: client.get(url))
    office(27, start=100)
    assert client.get(url).json()["count"] == 30
    assert count_queries(lambda: client.get(url)) == few


@pytest.mark.parametrize("url_name", ["supervision:overdue", "api:overdue"])
def test_overdue_lists_queries_do_not_grow_with_cases(client, cast, office, url_name):
    """The overdue review page and the API's overdue list make as many queries for 3 overdue cases as for 30."""
    if url_name.startswith("api:"):
        client = APIClient()
        client.force_authenticate(cast.supervisor)
    else:
        client.force_login(cast.supervisor)
    get = page_getter(client, reverse(url_name))
    office(3, start=1)
    few = count_queries(get)
    office(27, start=100)
    count_queries(get)
    assert count_queries(get) == few


def test_case_page_queries_do_not_grow_with_history(client, cast, office):
    """The case page makes as many queries for a case with 3 events as with 30."""
    client.force_login(cast.supervisor)
    case = office(1, start=1)[0]
    CaseEvent.objects.bulk_create(
        CaseEvent(case=case, kind=EventKind.TALK, actor=cast.negotiator, occurred_at=timezone.now(), data={})
        for _ in range(2))
    get = page_getter(client, reverse("casework:case_detail", args=[case.pk]))
    few = count_queries(get)
    CaseEvent.objects.bulk_create(
        CaseEvent(case=case, kind=EventKind.TALK, actor=cast.officer2, occurred_at=timezone.now(), data={})
        for _ in range(27))
    assert len(get().context["page"].events) == 30
    assert count_queries(get) == few


def test_case_paginator_returns_the_rows_of_plain_slicing(cast, office):
    """Finding a page's ids first gives the same cases in the same order as slicing the list."""
    office(30, start=1)
    cases = case_list(user=cast.supervisor, filters=CaseFilters())
    for number in (1, 2, 3, 4):
        fast = CasePaginator(cases, 8).get_page(number)
        plain = Paginator(cases, 8).get_page(number)
        assert [c.pk for c in fast.object_list] == [c.pk for c in plain.object_list]
        assert fast.paginator.num_pages == plain.paginator.num_pages == 4
    assert [c.sequence for c in CasePaginator(cases, 8).get_page(4).object_list] == [6, 5, 4, 3, 2, 1]


def test_officer_filter_lists_each_case_once(cast, office):
    """A case with two officers appears once when filtered by one of them (no duplicates, no DISTINCT)."""
    office(3, start=1)
    other = make_user("officer9", cast.officer.squad, is_field_officer=True)
    listed = list(case_list(user=cast.supervisor, filters=CaseFilters(officer=cast.officer.pk)))
    assert len(listed) == 3
    assert list(case_list(user=cast.supervisor, filters=CaseFilters(officer=other.pk))) == []


def test_counting_stops_past_the_limit_but_every_page_is_reachable(cast, office):
    """With exact_count_up_to, a long list is counted only that far (plus the page asked for): the
    count says "more than", the page has a next page, and asking further counts further."""
    office(30, start=1)
    cases = case_list(user=cast.supervisor, filters=CaseFilters())
    first = CasePaginator(cases, 8, exact_count_up_to=10).get_page(1)
    assert first.paginator.count_is_exact is False and first.paginator.count == 11 and first.has_next()
    last = CasePaginator(cases, 8, exact_count_up_to=10).get_page(4)
    assert last.paginator.count_is_exact is True and last.paginator.count == 30
    assert [c.sequence for c in last.object_list] == [6, 5, 4, 3, 2, 1] and not last.has_next()
    beyond = CasePaginator(cases, 8, exact_count_up_to=10).get_page(9)
    assert beyond.number == 4
    assert CasePaginator(cases, 8, exact_count_up_to=100).get_page(1).paginator.count_is_exact is True


@pytest.mark.parametrize("status", [S.INSPECTED, S.PERSUADING, S.SUSPENDED, S.CLOSED])
def test_office_due_at_is_the_first_running_office_clock(cast, case_in, status):
    """clocks_refresh keeps Case.office_due_at at the end of the first running clock that is not a
    party's window, so the list's overdue filter agrees with the clocks themselves."""
    case = case_in(status)
    running = case.clocks.filter(satisfied_at__isnull=True, is_window=False)
    expected = min((clock.due_at for clock in running), default=None)
    assert Case.objects.get(pk=case.pk).office_due_at == expected
    later = timezone.now() + dt.timedelta(days=400)
    overdue = {c.pk for c in case_list(user=cast.supervisor, filters=CaseFilters(overdue=True), now=later)}
    has_overdue_clock = running.filter(due_at__lte=later).exists() and case.status != S.SUSPENDED
    assert (case.pk in overdue) == has_overdue_clock
    assert (expected is not None) == (status in (S.INSPECTED, S.PERSUADING, S.SUSPENDED))


def test_a_list_page_and_its_capped_count_are_one_query(cast, office):
    """The page's rows (with each row's clock) and the list's count come from one query; a page
    past the end is answered as Paginator does, the last page, after counting."""
    office(30, start=1)
    cases = case_list(user=cast.supervisor, filters=CaseFilters())
    with CaptureQueriesContext(connection) as queries:
        page = CasePaginator(cases, 8, exact_count_up_to=10).get_page(2)
        rows = [(case.pk, case_urgent_clock(case, timezone.now())) for case in page.object_list]
        assert page.paginator.count == 17 and page.paginator.count_is_exact is False and page.has_next()
    assert len(queries) == 1
    assert len(rows) == 8 and all(clock is not None for _pk, clock in rows)
    assert CasePaginator(cases, 8, exact_count_up_to=100).get_page(2).paginator.count == 30
    with CaptureQueriesContext(connection) as queries:
        beyond = CasePaginator(cases, 8, exact_count_up_to=10).get_page(99)
        assert beyond.paginator.count == 30 and beyond.paginator.count_is_exact and not beyond.has_next()
    assert len(queries) == 2  # the empty page asked for, then the last page with the count
    assert beyond.number == 4 and [c.sequence for c in beyond.object_list] == [6, 5, 4, 3, 2, 1]
    full_last = CasePaginator(case_list(user=cast.supervisor, filters=CaseFilters()), 10,
                              exact_count_up_to=10).get_page(7)
    assert full_last.number == 3 and [c.sequence for c in full_last.object_list] == list(range(10, 0, -1))
    assert CasePaginator(cases, 8, exact_count_up_to=10).get_page("x").number == 1
    assert CasePaginator(case_list(user=cast.supervisor, filters=CaseFilters(q="没有这个人")), 8,
                         exact_count_up_to=10).get_page(1).paginator.count == 0


def test_a_list_row_reads_only_what_a_row_shows_and_the_rest_on_demand(cast, office):
    """case_list reads CASE_LIST_ROW; a column it left out still loads when asked (one query),
    keeping the status the row was read with; exports read whole rows."""
    office(3, start=1)
    row = case_list(user=cast.supervisor, filters=CaseFilters()).get(sequence=2)
    assert {"location", "status", "number"}.isdisjoint(row.get_deferred_fields())
    assert {"announcement_days", "search_bigrams", "sequence"} <= row.get_deferred_fields()
    status = row.status
    with CaptureQueriesContext(connection) as queries:
        assert row.sequence == 2
    assert len(queries) == 1 and row.status == status
    whole = case_list(user=cast.supervisor, filters=CaseFilters(), whole_rows=True).get(sequence=2)
    assert whole.get_deferred_fields() == {"search_bigrams"}


@pytest.mark.parametrize("page", ["1", "3", "x"])
def test_a_person_who_may_read_no_case_gets_an_empty_list_not_an_error(client, cast, office, page):
    """A field officer not yet in a squad sees no case (case_visible is none()): the list is
    empty, on every page asked for, without a query for the rows."""
    office(3, start=1)
    newcomer = make_user("newcomer", is_field_officer=True)
    page_of = CasePaginator(case_list(user=newcomer, filters=CaseFilters()), 8, exact_count_up_to=10)
    with CaptureQueriesContext(connection) as queries:
        found = page_of.get_page(page)
        assert list(found.object_list) == [] and page_of.count == 0 and found.number == 1
    assert len(queries) == 0
    client.force_login(newcomer)
    response = client.get(reverse("casework:case_list"), {"page": page})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 0
    api = APIClient()
    api.force_authenticate(newcomer)
    assert api.get(reverse("api:case_list")).json()["count"] == 0


def test_the_row_clock_is_the_most_urgent_running_clock(cast, office):
    """The clock a list row shows (one column of the list's query) is most_urgent_clock's choice
    among the case's clocks: the office's clock ending first, else the party's window; none for
    a suspended case or one with nothing running."""
    now = timezone.now()
    plain, windows_only, all_met, suspended, no_clocks, unconfirmed = office(6, start=1)
    CaseClock.objects.filter(case=windows_only, is_window=False).update(satisfied_at=now)
    CaseClock.objects.filter(case=all_met).update(satisfied_at=now)
    Case.objects.filter(pk=suspended.pk).update(status=S.SUSPENDED, suspended_from=S.PERSUADING)
    CaseClock.objects.filter(case=no_clocks).delete()
    CaseClock.objects.filter(case=unconfirmed, kind="first_talk").update(
        unconfirmed=True, basis="春节", due_at=now + dt.timedelta(hours=5))
    listed = {case.pk: case for case in case_list(user=cast.supervisor, filters=CaseFilters(), now=now)}
    assert len(listed) == 6
    for case in listed.values():
        expected = most_urgent_clock(list(case.clocks.all()), now, suspended=case.status == S.SUSPENDED)
        assert case_urgent_clock(case, now) == expected, case.number
    assert case_urgent_clock(listed[plain.pk], now).kind == "first_talk"
    assert case_urgent_clock(listed[plain.pk], now).overdue
    assert case_urgent_clock(listed[windows_only.pk], now).kind == "litigation"
    assert case_urgent_clock(listed[unconfirmed.pk], now).unconfirmed is True
    assert case_urgent_clock(listed[unconfirmed.pk], now).due_at == CaseClock.objects.get(
        case=unconfirmed, kind="first_talk").due_at
    for case in (all_met, suspended, no_clocks):
        assert case_urgent_clock(listed[case.pk], now) is None


def read_as_the_page_does(page) -> list:
    """Everything the case page's template reads from the selector's objects."""
    case = page.case
    seen: list = [str(case.party), str(case.squad), str(case.community)]
    seen += [person.display_name for person in [*case.officers.all(), *case.negotiators.all()]]
    for event in page.events:
        seen += [event.get_to_status_display(), event.get_kind_display(), event.data.get("text"),
                 event.actor and event.actor.display_name]
    for document in page.documents:
        seen += [document.number, document.status, document.last_error, document.is_served_type]
        if document.supersedes_id:
            seen.append(document.supersedes.number)
        seen += [newer.number for newer in document.superseded_by.all()]
        service = getattr(document, "service", None)
        if service is not None:
            seen += [service.served_by.display_name, service.get_method_display()]
    seen += [(photo.pk, photo.caption) for photo in page.photos]
    return seen


def selector_queries(call) -> int:
    with CaptureQueriesContext(connection) as queries:
        call()
    return len(queries)


CASE_PAGE_QUERIES = 1  # the case with its people, clocks, events, documents, attachments and history
HISTORY_QUERIES = 1  # events, services, suspensions and approvals, as JSON columns of one query


def test_case_page_selector_queries_are_fixed_whatever_the_history(cast, case_in):
    """case_page costs one query, with served, corrected and correcting documents
    and events from several people, and nothing the page reads costs one more."""
    from casework.models import DocumentType
    from casework.selectors.cases import case_page
    from casework.services.documents import document_correct

    case = case_in(S.DECIDED)

    def load():
        page = case_page(user=cast.supervisor, pk=case.pk)
        read_as_the_page_does(page)
        return page

    assert selector_queries(load) == CASE_PAGE_QUERIES
    decision = case.documents.get(document_type=DocumentType.DEMOLITION_DECISION)
    correction = document_correct(document=decision, actor=cast.supervisor, reason="当事人名称有误，更正。")
    page = load()
    shown = {document.pk: document for document in page.documents}
    assert list(shown[decision.pk].superseded_by.all()) == [shown[correction.pk]]
    assert shown[correction.pk].supersedes == shown[decision.pk]
    assert any(getattr(document, "service", None) for document in page.documents)
    assert selector_queries(load) == CASE_PAGE_QUERIES


@pytest.mark.parametrize("status", [S.REPORTED, S.DECIDED, S.SELF_DEMOLISHING])
def test_available_transitions_read_the_history_once(cast, case_in, status):
    """The transitions on offer cost the history's four queries, whatever the number of
    transitions asked about (a guard that reads more is counted in its own state's test)."""
    from casework.selectors.cases import case_get
    from casework.selectors.transitions import case_available_transitions

    case = case_in(status)
    loaded = case_get(user=cast.supervisor, pk=case.pk)
    case_available_transitions(case=loaded, user=cast.supervisor)  # settings and calendar: cached after
    assert selector_queries(lambda: case_available_transitions(case=loaded, user=cast.supervisor)) == HISTORY_QUERIES



def tables_read(call) -> list[str]:
    """The table each query of a request reads (its first FROM outside a subquery), after the
    session's first request (which also stamps its activity), to name them when a count changes."""
    call()
    with CaptureQueriesContext(connection) as queries:
        call()
    return [_main_table(query["sql"]) for query in queries]


def _main_table(sql: str) -> str:
    depth = 0
    for position, char in enumerate(sql):
        if char in "()":
            depth += 1 if char == "(" else -1
        elif depth == 0 and sql.startswith(" FROM ", position):
            return sql[position + 6:].split()[0].strip('"')
    return sql[:40]


# Around the selectors, a signed-in page reads the session and the user, nothing more (no
# context processor, middleware or template of the shell queries the database).
REQUEST_QUERIES = ["django_session", "casework_user"]
# The list selector's page with its count; the filters' choices come from the cache.
LIST_PAGE_QUERIES = [*REQUEST_QUERIES, "casework_case"]


@pytest.mark.parametrize("role", ["supervisor", "head"])
def test_a_case_list_get_makes_these_queries_and_no_more(client, cast, office, role):
    """A case list page is the session, the user and one query for its rows and count (the
    filters' choices are cached): a query added around them (a context processor, the shell)
    fails here. With a cold cache the choices cost three more, once."""
    client.force_login(getattr(cast, role))
    office(30, start=1)
    get = page_getter(client, reverse("casework:case_list"))
    assert tables_read(get) == LIST_PAGE_QUERIES
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        get()
    assert len(cold) == len(LIST_PAGE_QUERIES) + 3


def test_a_case_page_get_makes_these_queries_and_no_more(client, cast, case_in):
    """A case page is the session, the user, the case selector's one (CASE_PAGE_QUERIES: the
    case with everything the page shows and the history its actions are judged on), the open
    tasks and the talks."""
    case = case_in(S.DECIDED)
    client.force_login(cast.supervisor)
    get = page_getter(client, reverse("casework:case_detail", args=[case.pk]))
    get()  # the period settings and the calendar are cached after the first page
    assert tables_read(get) == [
        *REQUEST_QUERIES, "casework_case", "viewflow_task", "casework_talk",
    ]


def test_a_list_matching_nothing_is_one_query(cast, office):
    """An empty first page says the count is 0: no count is asked after it (a search that finds
    nothing, a person's empty queue on "My work")."""
    office(3, start=1)
    cases = case_list(user=cast.supervisor, filters=CaseFilters(q="没有这个地方"))
    with CaptureQueriesContext(connection) as queries:
        page = CasePaginator(cases, 8, exact_count_up_to=10).get_page(1)
        assert list(page.object_list) == [] and page.paginator.count == 0 and page.paginator.count_is_exact
        assert page.number == 1 and page.paginator.num_pages == 1 and not page.has_next()
    assert len(queries) == 1
