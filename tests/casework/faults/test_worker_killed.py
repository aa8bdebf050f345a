"""A Celery worker killed in the middle of rendering a document: the document is completed
after the worker restarts, once, with one file (PostgreSQL, real workers on a Redis server of
the test's own).

Rendering is at-least-once: tasks are acknowledged after they finish (task_acks_late) and
given back to the broker when their pool process dies (task_reject_on_worker_lost); a worker
that dies whole leaves its message unacknowledged until Redis's visibility timeout, and the
beat sweep (documents_requeue_pending) queues every document pending for over 2 minutes. The
render is idempotent: a later delivery finds the document issued and does nothing.
"""

import hashlib
import os
import signal
from datetime import timedelta
from pathlib import Path

import pytest
from django.db.models import F

from casework.documents.tasks import documents_render, documents_requeue_pending
from casework.models import CaseStatus, Document, DocumentStatus

pytestmark = [pytest.mark.postgres, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def paused_pid(worker, marker: Path) -> int:
    """Wait until the worker's first render stopped at its point; the pool process's id."""
    worker.wait_until(marker.exists, "the render to reach its pause point", timeout=90)
    return int(marker.read_text())


def all_issued(case) -> bool:
    return not Document.objects.filter(case=case).exclude(status=DocumentStatus.ISSUED).exists()


def pdf_files(media_root: Path) -> list[Path]:
    return sorted((media_root / "documents").rglob("*.pdf"))


def assert_each_issued_once_with_one_file(case, media_root: Path) -> None:
    documents = list(Document.objects.filter(case=case))
    files = pdf_files(media_root)
    assert sorted(media_root / d.pdf.name for d in documents) == files  # no file without its document
    for document in documents:
        pdf = (media_root / document.pdf.name).read_bytes()
        assert pdf.startswith(b"%PDF-")
        assert hashlib.sha256(pdf).hexdigest() == document.sha256
        assert document.render_attempts == 1  # the killed attempt committed nothing


def test_pool_process_killed_mid_render_is_given_back_and_rendered(case_in, workers, tmp_path):
    """SIGKILL of the pool process rendering a document: the worker gives the message back to
    the broker (reject_on_worker_lost) and renders the document with a new pool process."""
    marker = tmp_path / "paused"
    worker = workers.start(pause="render", marker=marker)
    case = case_in(CaseStatus.INSPECTED)
    assert Document.objects.filter(case=case, status=DocumentStatus.PENDING).exists()

    os.kill(paused_pid(worker, marker), signal.SIGKILL)

    worker.wait_until(lambda: all_issued(case), "the worker to render the document again", timeout=90)
    assert "WorkerLostError" in worker.log()
    assert worker.process.poll() is None  # the worker itself lives on
    assert_each_issued_once_with_one_file(case, workers.media_root)


def test_worker_killed_after_writing_the_pdf_is_completed_after_restart(case_in, workers, tmp_path):
    """SIGKILL of the whole worker (main and pool processes) after it wrote the PDF file but
    before its transaction committed: the document stays pending; after a new worker starts,
    the beat sweep queues it, it is rendered once and the half-finished file is replaced, not
    kept beside it. A late duplicate delivery changes nothing."""
    marker = tmp_path / "paused"
    killed = workers.start(pause="commit", marker=marker)
    case = case_in(CaseStatus.INSPECTED)
    paused_pid(killed, marker)
    assert len(pdf_files(workers.media_root)) == 1  # written, not committed

    os.killpg(killed.process.pid, signal.SIGKILL)
    killed.process.wait(timeout=30)
    # PostgreSQL rolls the dead worker's transaction back when its socket closes.
    assert not all_issued(case)

    restarted = workers.start()
    # The killed worker's message stays unacknowledged in Redis until the visibility timeout
    # (an hour); the sweep beat runs every 5 minutes finds documents pending for over 2.
    Document.objects.filter(case=case).update(created_at=F("created_at") - timedelta(minutes=3))
    documents_requeue_pending.apply_async()  # as beat sends it

    restarted.wait_until(lambda: all_issued(case), "the restarted worker to render the document", timeout=90)
    assert_each_issued_once_with_one_file(case, workers.media_root)

    # The broker may still deliver the old message (after the visibility timeout): nothing changes.
    document = Document.objects.filter(case=case).first()
    before = (document.sha256, document.issued_at, document.pdf.name)
    task_id = documents_render.apply_async(args=(document.pk,)).id
    restarted.wait_until(lambda: f"casework.documents.render[{task_id}] succeeded" in restarted.log(),
                         "the duplicate delivery to finish")
    document.refresh_from_db()
    assert (document.sha256, document.issued_at, document.pdf.name) == before
    assert_each_issued_once_with_one_file(case, workers.media_root)

