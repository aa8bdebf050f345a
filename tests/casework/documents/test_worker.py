"""Documents rendered by a real Celery worker through Redis, on the test database."""

import hashlib

import pytest

from casework.models import CaseStatus, Document, DocumentStatus


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_worker_renders_the_documents_a_transition_issues(case_in, celery_worker_process):
    """An inspection issues its record as `pending` in the transition's transaction; the worker
    renders it after commit, stores the PDF and its fingerprint and sets it `issued`."""
    case = case_in(CaseStatus.INSPECTED)
    document = Document.objects.get(case=case, document_type="inspection_record")

    def issued():
        document.refresh_from_db()
        return document.status == DocumentStatus.ISSUED

    celery_worker_process.wait_until(issued, "the worker to render the inspection record", timeout=90)
    pdf = (celery_worker_process.media_root / document.pdf.name).read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert hashlib.sha256(pdf).hexdigest() == document.sha256
    assert document.size == len(pdf)
