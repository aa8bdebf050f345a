"""The broker stopped while officers keep working (PostgreSQL, a real worker, a Redis server of
the test's own): nothing fails for them, the work waits in the database (documents stay
pending), and it runs once the broker is back."""

import logging
from datetime import timedelta

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from casework.documents.tasks import documents_requeue_pending
from casework.models import CaseStatus, Document, DocumentStatus
from casework.services import cases

pytestmark = [pytest.mark.postgres, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def pending(case) -> list[Document]:
    return list(Document.objects.filter(case=case).exclude(status=DocumentStatus.ISSUED))


def test_officers_keep_working_while_the_broker_is_down(case_in, cast, client, workers, private_broker, caplog):
    """With Redis stopped, a supervisor files the case on its page and an officer sends the
    prior notice: both steps are saved with their documents, which stay pending (the queuing
    is only logged). When Redis is back, the running worker reconnects and the beat sweep
    queues the pending documents, which are rendered."""
    worker = workers.start()
    case = case_in(CaseStatus.INSPECTED)
    worker.wait_until(lambda: not pending(case), "the worker to render the inspection record", timeout=90)

    private_broker.stop()
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json()["broker"]["ok"] is False

    caplog.set_level(logging.WARNING, logger="casework.tasks")
    client.force_login(cast.supervisor)
    occurred_at = timezone.localtime() - timedelta(hours=1)
    response = client.post(reverse("casework:case_action", args=[case.pk, "file"]),
                           {"occurred_at": occurred_at.strftime("%Y-%m-%dT%H:%M"), "opinion": "同意立案。"})
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    assert client.get(response["Location"]).status_code == 200
    case = cases.case_notify(
        case=case, actor=cast.officer, occurred_at=occurred_at + timedelta(minutes=30),
        facts="当事人未取得建设工程规划许可证，擅自建设建筑物。", evidence="现场检查笔录、现场照片。",
        legal_basis="《中华人民共和国城乡规划法》第四十条第一款、第六十四条。",
    )

    case.refresh_from_db()
    assert case.status == CaseStatus.NOTIFIED
    waiting = pending(case)
    assert {d.document_type for d in waiting} >= {"filing_approval", "prior_notice"}
    assert all(d.status == DocumentStatus.PENDING and d.number for d in waiting)
    not_queued = [r for r in caplog.records if r.getMessage().startswith("Broker unreachable, casework.documents.render")]
    assert len(not_queued) == len(waiting)

    private_broker.start()
    worker.wait_until(worker.answers_ping, "the worker to reconnect", timeout=90)
    # Beat sends the sweep every 5 minutes; it queues documents pending for over 2 minutes.
    Document.objects.filter(case=case, status=DocumentStatus.PENDING).update(
        created_at=F("created_at") - timedelta(minutes=3))
    documents_requeue_pending.apply_async()

    worker.wait_until(lambda: not pending(case), "the worker to render the documents of the outage", timeout=90)
    for document in Document.objects.filter(pk__in=[d.pk for d in waiting]):
        assert (workers.media_root / document.pdf.name).read_bytes().startswith(b"%PDF-")
        assert document.render_attempts == 1
    assert client.get("/healthz").status_code == 200
