"""A beat task running twice at once makes no duplicate documents (PostgreSQL).

The pending sweep (documents_requeue_pending) running twice, or running while the original
render or a redelivery is under way, delivers a document's render more than once; each
delivery locks the document's row, and the one that finds it issued does nothing. Two
overlapping reminder runs are covered by tests/casework/supervision/test_reminders.py.
"""

import re
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, connections
from django.db.models import F

from casework.documents import rendering
from casework.documents.tasks import documents_render, documents_requeue_pending
from casework.models import CaseStatus, Document, DocumentStatus
from tests.casework.faults.conftest import wait_for

RENDERED = re.compile(r"Task casework\.documents\.render\[[0-9a-f-]+\] succeeded")

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def waiting_for_a_row_lock() -> int:
    """Other backends of this database waiting for a lock."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'")
        return cursor.fetchone()[0]


def test_second_delivery_during_the_render_waits_and_then_does_nothing(case_in, settings, monkeypatch,
                                                                     private_broker):
    """Delivery A is inside the PDF rendering when delivery B of the same document arrives: B
    waits for A's row lock, then finds the document issued and returns. One render, one file,
    no error. (The render the transition queues goes to a broker of the test's own that no
    worker reads: the session's worker, if one runs, must not render the document first.)"""
    case = case_in(CaseStatus.INSPECTED)
    document = Document.objects.get(case=case, document_type="inspection_record")
    assert document.status == DocumentStatus.PENDING
    rendering_started, may_finish = threading.Event(), threading.Event()
    render_pdf = rendering.render_pdf
    calls = []

    def held_render_pdf(doc):
        calls.append(doc.pk)
        rendering_started.set()
        assert may_finish.wait(timeout=60)
        return render_pdf(doc)

    monkeypatch.setattr(rendering, "render_pdf", held_render_pdf)
    errors = []

    def deliver():
        try:
            documents_render(document.pk)  # the task's body, on this thread's own connection
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    first = threading.Thread(target=deliver)
    first.start()
    try:
        assert rendering_started.wait(timeout=60)
        second = threading.Thread(target=deliver)
        second.start()
        wait_for(waiting_for_a_row_lock, "the second delivery to wait for the document's row lock")
    finally:
        may_finish.set()
        first.join(timeout=60)
    second.join(timeout=60)

    assert errors == []
    assert calls == [document.pk]
    document.refresh_from_db()
    assert document.status == DocumentStatus.ISSUED and document.render_attempts == 1
    assert sorted(Path(settings.MEDIA_ROOT).rglob("*.pdf")) == [Path(settings.MEDIA_ROOT) / document.pdf.name]


@pytest.mark.worker
def test_two_sweeps_at_once_render_each_document_once(case_in, workers, private_broker):
    """Documents left pending by a broker outage; two sweeps sent together (two beat
    schedulers running by mistake) to a worker with two pool processes: both queue the
    pending documents, and each is rendered once, with one file, and no task fails."""
    private_broker.stop()
    case = case_in(CaseStatus.FILED)  # inspection record and filing approval, none queued
    private_broker.start()
    pending = list(Document.objects.filter(case=case, status=DocumentStatus.PENDING).values_list("pk", flat=True))
    assert len(pending) >= 2
    Document.objects.filter(pk__in=pending).update(created_at=F("created_at") - timedelta(minutes=3))
    sweeps = [documents_requeue_pending.apply_async().id for _ in range(2)]
    worker = workers.start(concurrency=2)

    def queued_by(sweep: str) -> int | None:
        found = re.search(rf"casework\.documents\.requeue_pending\[{sweep}\] succeeded in [0-9.]+s: (\d+)", worker.log())
        return int(found.group(1)) if found else None

    for sweep in sweeps:
        worker.wait_until(lambda sweep=sweep: queued_by(sweep) is not None, "both sweeps to run", timeout=90)
    deliveries = sum(queued_by(sweep) for sweep in sweeps)
    assert deliveries > len(pending)  # some document was queued by both sweeps
    worker.wait_until(lambda: len(RENDERED.findall(worker.log())) == deliveries, "every render delivery to finish",
                      timeout=120)
    documents = list(Document.objects.filter(pk__in=pending))
    assert all(d.status == DocumentStatus.ISSUED and d.render_attempts == 1 for d in documents)
    assert sorted((workers.media_root / "documents").rglob("*.pdf")) == sorted(
        workers.media_root / d.pdf.name for d in documents)
    assert "raised unexpected" not in worker.log()
