"""Celery tasks for documents: thin wrappers around the services."""

from __future__ import annotations

import logging

from celery import shared_task

from casework.services.documents import DocumentRenderFailed, document_render, documents_pending

logger = logging.getLogger(__name__)


@shared_task(
    name="casework.documents.render",
    autoretry_for=(DocumentRenderFailed,),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
    acks_late=True,
)
def documents_render(document_id: int) -> None:
    # Delivered at least once (acks_late, reject_on_worker_lost, the pending sweep): a
    # duplicate delivery finds the document issued and does nothing.
    document_render(document_id=document_id, if_pending=True)


@shared_task(name="casework.documents.requeue_pending")
def documents_requeue_pending() -> int:
    from casework.tasks import enqueue_now

    ids = documents_pending()
    queued = sum(enqueue_now(documents_render, pk) for pk in ids)
    if ids:
        logger.info("Re-queued %d of %d pending documents", queued, len(ids))
    return queued


def queue_render(document_id: int) -> None:
    """The render hook of casework.services.documents: runs after the issuing commit."""
    from casework.tasks import enqueue_now

    enqueue_now(documents_render, document_id)
