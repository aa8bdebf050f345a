import os
import threading

import pytest
from django.db import connection, transaction

from casework.deadlines.calendar import local_date
from casework.models import Document, DocumentType
from casework.services.documents import document_issue

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                       reason="needs PostgreSQL (DATABASE_URL=postgres://...)"),
]

THREADS = 8
PER_THREAD = 5


@pytest.mark.django_db(transaction=True)
def test_concurrent_issue_has_no_gap_and_no_duplicate(case_in):
    """8 threads, each with its own connection, issue 5 documents of one type at the same time
    (one of them rolling back each time): the committed sequence is 1..N without gap or repeat."""
    case = case_in("inspected")
    event = case.events.filter(transition="inspect").get()
    start = threading.Barrier(THREADS)
    errors = []

    def issue(thread_number: int):
        try:
            start.wait()
            for i in range(PER_THREAD):
                try:
                    with transaction.atomic():
                        document_issue(case=case, event=event, document_type=DocumentType.INTERVIEW_RECORD,
                                       issued_on=local_date(event.occurred_at))
                        if thread_number == 0 and i % 2 == 0:
                            raise RuntimeError("rolled back: the number must be given back")
                except RuntimeError:
                    pass
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    sequences = sorted(Document.objects.filter(document_type=DocumentType.INTERVIEW_RECORD)
                       .values_list("sequence", flat=True))
    committed = THREADS * PER_THREAD - (PER_THREAD + 1) // 2
    assert sequences == list(range(1, committed + 1))
    numbers = Document.objects.filter(document_type=DocumentType.INTERVIEW_RECORD).values_list("number", flat=True)
    assert len(set(numbers)) == committed
