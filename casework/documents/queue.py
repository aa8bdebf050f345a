"""Queueing background work without letting a down broker break the request.

The foundation branch adds `casework.tasks.enqueue_on_commit` for the same purpose; until it
is merged this small helper is the one documents use (the lead may swap it in at merge).
"""

from __future__ import annotations

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue(task, *args) -> bool:
    """Send `task` now; if the broker is unreachable log it and return False (the document
    stays pending and the periodic sweep queues it again)."""
    try:
        task.delay(*args)
    except Exception:  # kombu/redis raise many kinds of connection errors
        logger.exception("Could not queue %s%r; the periodic sweep will retry", task.name, args)
        return False
    return True


def enqueue_on_commit(task, *args) -> None:
    transaction.on_commit(lambda: enqueue(task, *args))
