"""Rows read as JSON columns (casework.selectors.json_rows) are the instances the ORM would have
loaded: the same fields with the same Python values and types, the same related rows, the same
order. Run on SQLite and on PostgreSQL, whose JSON differs (offsets on datetimes, jsonb nesting,
booleans as 0/1 in SQLite)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import OuterRef
from django.test.utils import isolate_apps
from django.utils import timezone

from casework.deadlines.history import (
    APPROVAL_ROWS,
    APPROVAL_ROWS_WITH_APPROVER,
    EVENT_ROWS,
    SERVICE_ROWS,
    SUSPENSION_ROWS,
    CaseHistory,
)
from casework.models import (
    Approval,
    Case,
    CaseClock,
    CaseEvent,
    Document,
    DocumentService,
    EventKind,
    Squad,
    Suspension,
    User,
)
from casework.models import (
    CaseStatus as S,
)
from casework.models.attachments import Attachment, AttachmentKind
from casework.scenarios import FORCED_CLOSED_PATH
from casework.selectors.cases import CASE_ROW, PERSON_ROWS, case_get, case_page
from casework.selectors.json_rows import RowShape

pytestmark = pytest.mark.django_db


def assert_same_instance(loaded, expected, shape: RowShape) -> None:
    assert type(loaded) is type(expected)
    assert loaded._state.adding is False and loaded._state.db == expected._state.db
    for field in shape._fields:
        got, want = getattr(loaded, field.attname), getattr(expected, field.attname)
        assert got == want, f"{shape.model.__name__}.{field.attname}: {got!r} != {want!r}"
        assert type(got) is type(want) or (got is not None and field.get_internal_type() == "FileField"), (
            f"{shape.model.__name__}.{field.attname}: {type(got)} != {type(want)}")
        if isinstance(want, dt.datetime):
            assert got.utcoffset() == want.utcoffset() == dt.timedelta(0)
    assert set(loaded.get_deferred_fields()) == {
        f.attname for f in shape.model._meta.concrete_fields if f not in shape._fields}
    for name, related_shape in shape.related.items():
        relation = shape.model._meta.get_field(name)
        assert relation.is_cached(loaded), f"{name} was not loaded along"
        got, want = relation.get_cached_value(loaded), getattr(expected, name, None)
        if want is None:
            assert got is None
        else:
            assert_same_instance(got, want, related_shape)


def load_column(case: Case, shape: RowShape, queryset) -> list:
    row = Case.objects.filter(pk=case.pk).values(rows=shape.column(queryset)).get()
    return shape.load(row["rows"])


def assert_same_rows(case: Case, shape: RowShape, queryset, expected) -> None:
    loaded = load_column(case, shape, queryset)
    expected = list(expected)
    assert [item.pk for item in loaded] == [item.pk for item in expected]
    for got, want in zip(loaded, expected, strict=True):
        assert_same_instance(got, want, shape)


@pytest.fixture
def worked_case(case_in, cast):
    """A case far along: served documents, approvals with approvers, talks, and events whose
    data holds numbers, text, nesting and nulls."""
    case = case_in(S.SELF_DEMOLISHING)
    event = CaseEvent.objects.create(
        case=case, kind=EventKind.NOTE, actor=cast.supervisor, occurred_at=timezone.now(),
        data={"area": 12.5, "whole": 3, "text": "拆除\"进度\"", "quoted": "12.50", "nested": [1, {"none": None}],
              "flag": False})
    Attachment.objects.create(case=case, event=event, kind=AttachmentKind.PHOTO, file="cases/x/photo.jpg",
                              content_type="image/jpeg", size=10, sha256="0" * 64, uploaded_by=cast.supervisor)
    return case


def test_history_rows_are_what_the_orm_loads(worked_case):
    case = worked_case
    on_case = OuterRef("pk")
    assert Approval.objects.filter(case=case).exists() and DocumentService.objects.filter(document__case=case).exists()
    assert_same_rows(case, EVENT_ROWS, CaseEvent.objects.filter(case=on_case),
                     case.events.order_by("occurred_at", "id"))
    assert_same_rows(case, SERVICE_ROWS, DocumentService.objects.filter(document__case=on_case),
                     DocumentService.objects.filter(document__case=case).select_related("document")
                     .order_by("effective_at", "id"))
    assert_same_rows(case, APPROVAL_ROWS, Approval.objects.filter(case=on_case),
                     case.approvals.order_by("occurred_at", "id"))
    assert_same_rows(case, APPROVAL_ROWS_WITH_APPROVER, Approval.objects.filter(case=on_case),
                     case.approvals.select_related("approver").order_by("occurred_at", "id"))
    data = load_column(case, EVENT_ROWS, CaseEvent.objects.filter(case=on_case))[-1].data
    assert data == {"area": 12.5, "whole": 3, "text": "拆除\"进度\"", "quoted": "12.50",
                    "nested": [1, {"none": None}], "flag": False}
    assert type(data["area"]) is float and type(data["whole"]) is int


def test_suspensions_are_what_the_orm_loads(case_in):
    case = case_in(S.SUSPENDED)
    assert case.suspensions.exists()
    assert_same_rows(case, SUSPENSION_ROWS, Suspension.objects.filter(case=OuterRef("pk")),
                     case.suspensions.order_by("started_at", "id"))


def test_page_rows_are_what_the_orm_loads(worked_case, cast):
    """Clocks (booleans), documents without their data, with their service and who served it
    (a reverse one-to-one, absent for unserved documents), attachments (files) and people."""
    from casework.selectors import cases

    case = worked_case
    on_case = OuterRef("pk")
    assert_same_rows(case, cases._PAGE_CLOCK_ROWS, CaseClock.objects.filter(case=on_case, satisfied_at__isnull=True),
                     case.clocks.filter(satisfied_at__isnull=True).order_by("is_window", "due_at", "id"))
    documents = case.documents.select_related("service", "service__served_by").order_by("created_at", "id")
    assert any(not hasattr(d, "service") for d in documents) and any(hasattr(d, "service") for d in documents)
    loaded = load_column(case, cases._PAGE_DOCUMENT_ROWS, Document.objects.filter(case=on_case))
    assert [d.pk for d in loaded] == [d.pk for d in documents]
    for got, want in zip(loaded, documents, strict=True):
        assert hasattr(got, "service") == hasattr(want, "service")
        if hasattr(want, "service"):
            assert_same_instance(got.service, want.service, cases._PAGE_DOCUMENT_ROWS.related["service"])
            assert got.service.document is got  # both sides linked, as select_related leaves them
    assert_same_rows(case, cases._PAGE_ATTACHMENT_ROWS, Attachment.objects.filter(case=on_case),
                     case.attachments.order_by("uploaded_at", "id"))
    assert load_column(case, cases._PAGE_ATTACHMENT_ROWS, Attachment.objects.filter(case=on_case))[0].file.name == (
        "cases/x/photo.jpg")
    assert_same_rows(case, PERSON_ROWS, User.objects.filter(negotiator_cases=on_case),
                     case.negotiators.order_by("id"))


def test_the_case_page_reads_the_case_as_case_get_does(worked_case, cast):
    """The case on its page (a JSON column too) has case_get's fields and party, squad and
    community: decimals, dates, the protected status."""
    expected = case_get(user=cast.supervisor, pk=worked_case.pk)
    assert expected.illegal_area is not None and expected.party_id is not None
    page = case_page(user=cast.supervisor, pk=worked_case.pk)
    assert_same_instance(page.case, expected, CASE_ROW)
    assert [p.pk for p in page.case.officers.all()] == list(expected.officers.order_by("id").values_list("pk", flat=True))


def test_a_case_without_rows_loads_empty_lists(scenario):
    case = scenario().register()
    assert load_column(case, SUSPENSION_ROWS, Suspension.objects.filter(case=OuterRef("pk"))) == []
    assert load_column(case, PERSON_ROWS, User.objects.filter(negotiator_cases=OuterRef("pk"))) == []


def test_the_case_page_history_is_the_loaded_history(worked_case, cast):
    """The history the case page hands to the actions equals CaseHistory.load's."""
    page = case_page(user=cast.supervisor, pk=worked_case.pk)
    loaded = CaseHistory.load(worked_case, approvers=False)
    for kind in ("events", "services", "suspensions", "approvals"):
        assert [row.pk for row in getattr(page.history, kind)] == [row.pk for row in getattr(loaded, kind)], kind
    assert [(s.document.document_type, s.document.created_at) for s in page.history.services] == [
        (s.document.document_type, s.document.created_at) for s in loaded.services]


def test_a_table_wider_than_one_function_call_is_read_whole(worked_case, cast, monkeypatch):
    """Objects of more keys than a database function takes are written in parts and merged."""
    from casework.selectors import json_rows

    monkeypatch.setattr(json_rows, "_PAIRS_PER_CALL", 4)
    shape = RowShape(Case, related={"squad": RowShape(Squad)})
    expected = Case.objects.select_related("squad").get(pk=worked_case.pk)
    row = Case.objects.filter(pk=worked_case.pk).values(case_row=shape.object()).get()
    assert_same_instance(shape.instance(row["case_row"]), expected, shape)


@isolate_apps("casework")
def test_an_unsupported_field_type_is_refused_when_the_shape_is_made():
    from django.db import models

    class Measured(models.Model):
        span = models.DurationField()

        class Meta:
            app_label = "casework"
            managed = False

        def __str__(self):
            return str(self.span)

    with pytest.raises(ValueError, match="DurationField"):
        RowShape(Measured)


def test_row_columns_compile_once_and_read_each_row_by_its_key(case_in, scenario):
    """One RowColumns reads any case's rows with its one compiled statement (one query a read),
    and answers None for a key no case has."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from casework.selectors.json_rows import RowColumns

    events = RowColumns(Case, lambda: {"rows": EVENT_ROWS.column(CaseEvent.objects.filter(case=OuterRef("pk")))})
    first, second = case_in(S.FILED), case_in(S.INSPECTED)
    for case in (first, second, first):
        with CaptureQueriesContext(connection) as queries:
            loaded = EVENT_ROWS.load(events.read(case.pk)["rows"])
        assert len(queries) == 1
        assert [event.pk for event in loaded] == list(
            case.events.order_by("occurred_at", "id").values_list("pk", flat=True))
    assert len(events._statements) == 1
    assert events.read(max(first.pk, second.pk) + 1000) is None


def test_each_transition_works_on_the_case_as_case_get_reads_it(scenario, monkeypatch):
    """A transition reads the case in its one query as a JSON column (CASE_ROW): every field it
    writes back with the case's UPDATE must be the ORM's own value, or the write would change it."""
    compared = []
    read = CASE_ROW.instance

    def comparing(row, *, using="default"):
        case = read(row, using=using)
        assert_same_instance(case, Case.objects.select_related("party", "squad", "community").get(pk=case.pk), CASE_ROW)
        compared.append(case.status)
        return case

    monkeypatch.setattr(CASE_ROW, "instance", comparing)
    case = scenario().run(FORCED_CLOSED_PATH)
    assert len(compared) == len(FORCED_CLOSED_PATH) and case.illegal_area is not None and case.party_id
