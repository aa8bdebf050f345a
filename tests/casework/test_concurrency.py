"""Two officers submitting on the same case at the same moment, on PostgreSQL with two real
connections: exactly one wins, the other is told to reload, nothing is half-written."""

import threading

import pytest
from django.db import connection, connections

from casework.errors import ConcurrentChange
from casework.models import Case, CaseEvent, CaseStatus, Document
from casework.services import cases

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL=postgres://...)"),
]


def _race(actions, monkeypatch):
    """Run each action in its own thread and connection; both read the case before either writes."""
    barrier = threading.Barrier(len(actions), timeout=20)
    original = cases._check_version

    def check_then_wait(case, expected_version):
        original(case, expected_version)
        barrier.wait()  # both transactions have read the same version of the case

    monkeypatch.setattr(cases, "_check_version", check_then_wait)
    results = [None] * len(actions)

    def run(index, action):
        try:
            results[index] = action()
        except Exception as error:  # anything else is a failure the assertions should show
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_file_and_dismiss_at_the_same_moment(case_in, cast, monkeypatch):
    """A supervisor files while another dismisses: one transition lands with its event and
    documents; the other gets a conflict error and leaves no trace."""
    case = case_in(CaseStatus.INSPECTED)
    events_before = CaseEvent.objects.filter(case=case).count()
    documents_before = Document.objects.filter(case=case).count()
    results = _race([
        lambda: cases.case_file(case=Case.objects.get(pk=case.pk), actor=cast.supervisor),
        lambda: cases.case_dismiss(case=Case.objects.get(pk=case.pk), actor=cast.supervisor, reason="不属违建"),
    ], monkeypatch)
    winners = [r for r in results if isinstance(r, Case)]
    losers = [r for r in results if isinstance(r, ConcurrentChange)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert "刷新" in losers[0].message or "reload" in losers[0].message.lower()  # "reload and try again"
    case.refresh_from_db()
    assert case.status == winners[0].status
    assert CaseEvent.objects.filter(case=case).count() == events_before + 1
    assert Document.objects.filter(case=case).count() == documents_before + 1


@pytest.mark.django_db(transaction=True)
def test_two_progress_reports_at_the_same_moment(case_in, cast, monkeypatch):
    """Two progress reports keep the state unchanged, yet only one of them is recorded: the
    version catches what the state cannot."""
    case = case_in(CaseStatus.SELF_DEMOLITION_COMMITTED)
    results = _race([
        lambda: cases.case_report_progress(case=Case.objects.get(pk=case.pk), actor=cast.officer, demolished_area=10),
        lambda: cases.case_report_progress(case=Case.objects.get(pk=case.pk), actor=cast.officer2, demolished_area=20),
    ], monkeypatch)
    assert sum(isinstance(r, Case) for r in results) == 1
    assert sum(isinstance(r, ConcurrentChange) for r in results) == 1
    assert CaseEvent.objects.filter(case=case, transition="report_progress").count() == 1
