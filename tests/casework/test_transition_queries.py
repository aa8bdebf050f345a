"""How many queries one transition takes (issue 10, "Scale"): each service call of a case's
life stays within a fixed number of queries (the same on SQLite and PostgreSQL), so a change
that adds a query to every transition fails here and has to raise the bound on purpose.

The bounds are the counts measured when they were set. They count everything the call does:
its transaction's savepoint, the guards, the state change, the event, the clocks, the
documents, the dashboard's figures and the process (workflows) following the case.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from casework.models import CaseStatus, Document
from casework.scenarios import FORCED_CLOSED_PATH, PATHS
from casework.services import approvals, cases, documents
from casework.services.documents import _clock_rows

pytestmark = pytest.mark.django_db

# The transition (case_transition) of each step; one of its queries reads the case's people for the clocks.
TRANSITION_BOUNDS = {
    "inspect": 21,
    "file": 19,
    "notify": 18,
    "submit_review": 22,
    "decide": 20,
    "assign_negotiators": 19,
    "commit_self_demolition": 18,
    "report_progress": 16,
    "announce": 18,
    "issue_demand": 22,
    "decide_execution": 19,
    "force_demolish": 18,
    "verify": 19,
    "close": 25,
    "suspend": 20,
    "resume": 20,
    "rectify": 19,
}
# Recording a document's service (its receipt issued, the clocks restarted).
SERVICE_BOUND = 16
# Recording the legal reviewer's opinion (ends the reviewer's task).
APPROVAL_BOUND = 17

SELF_DEMOLITION_PATH = PATHS[CaseStatus.CLOSED]
SUSPENDED_AND_RESUMED_PATH = [*PATHS[CaseStatus.SUSPENDED], "resume"]
RECTIFIED_PATH = PATHS[CaseStatus.RECTIFIED]


def _count_calls(monkeypatch, module, name: str, counted: list, label=lambda kwargs: None):
    original = getattr(module, name)

    def counting(**kwargs):
        with CaptureQueriesContext(connection) as queries:
            result = original(**kwargs)
        counted.append((label(kwargs), len(queries)))
        return result

    monkeypatch.setattr(module, name, counting)


@pytest.mark.parametrize(
    "path",
    [FORCED_CLOSED_PATH, SELF_DEMOLITION_PATH, SUSPENDED_AND_RESUMED_PATH, RECTIFIED_PATH],
    ids=["forced", "self_demolition", "suspended", "rectified"],
)
def test_each_service_call_of_a_case_life_stays_within_its_query_bound(scenario, monkeypatch, path):
    transitions, services, opinions = [], [], []
    _count_calls(monkeypatch, cases, "case_transition", transitions, label=lambda kwargs: kwargs["name"])
    _count_calls(monkeypatch, documents, "document_serve", services)
    _count_calls(monkeypatch, approvals, "approval_record", opinions)

    scenario().run(path)

    assert [name for name, _count in transitions] == [step.partition(":")[0] for step in path]
    over = {name: (count, TRANSITION_BOUNDS[name]) for name, count in transitions if count > TRANSITION_BOUNDS[name]}
    assert not over, f"queries (measured, bound) per transition: {over}"
    assert max((count for _none, count in services), default=0) <= SERVICE_BOUND, services
    assert max((count for _none, count in opinions), default=0) <= APPROVAL_BOUND, opinions


def test_the_clocks_a_document_prints_are_the_clocks_stored_with_it(scenario, monkeypatch):
    """A transition's documents print the clocks it has just stored from memory, not read back:
    they must read exactly as the stored rows do (order, times in UTC, labels, rules)."""
    original = cases.case_transition
    compared = []

    def comparing(**kwargs):
        case = original(**kwargs)
        for document in Document.objects.filter(case=case, event__transition=kwargs["name"]):
            # Documents are written in the office's language, whatever another test left active.
            with translation.override(settings.LANGUAGE_CODE):
                assert document.data["clocks"] == _clock_rows(case), kwargs["name"]
            compared.append(document.document_type)
        return case

    monkeypatch.setattr(cases, "case_transition", comparing)
    scenario().run(FORCED_CLOSED_PATH)
    assert len(compared) >= 10


def test_approval_forms_print_the_inspection_the_transition_read_with_its_case(scenario, monkeypatch):
    """The approval forms' first line (the inspecting officer's findings) comes from the
    transition's one read of the case, not a query of its own: it must read as the form's
    chain does when built from the database."""
    story = scenario()
    inspector = story.cast.officer.display_name
    original = cases.case_transition
    compared = []

    def comparing(**kwargs):
        case = original(**kwargs)
        for document in Document.objects.filter(case=case, event__transition=kwargs["name"],
                                                document_type__in=documents.APPROVAL_FORMS).select_related("event"):
            chain = documents._approval_chain(case, document.event, list(case.approvals.order_by("occurred_at", "id")),
                                              inspections=None)
            assert document.data["approval_chain"][0] == chain[0], kwargs["name"]
            assert chain[0]["role"] == "承办人" and chain[0]["name"] == inspector
            compared.append(document.document_type)
        return case

    monkeypatch.setattr(cases, "case_transition", comparing)
    story.run(FORCED_CLOSED_PATH)
    assert {"filing_approval", "legal_review_form", "closing_approval"} <= set(compared)
