"""Celery tasks of the casework app, and the one way web code queues background work.

Tasks are thin: they take ids, call a service and let Celery retry. Web code queues them with
`enqueue_on_commit`, so a task never runs before the rows it reads are committed and a broker
outage never turns a saved change into an error page.
"""

import logging
from importlib import import_module

from celery import shared_task
from django.conf import settings
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Queue `task` with these arguments once the current transaction commits.

    If the broker cannot be reached, log a warning and return: the request that saved the
    change must still succeed. Callers keep the work itself in the database (e.g. a document
    stays pending), so a periodic sweep can queue it again when the broker is back.
    """
    transaction.on_commit(lambda: enqueue_now(task, *args, **kwargs))


def enqueue_now(task, *args, **kwargs) -> bool:
    """Queue `task` now; False (and a warning) when the broker cannot be reached."""
    try:
        task.apply_async(args=args, kwargs=kwargs)
    except (OperationalError, ConnectionError) as error:
        # kombu wraps socket and redis errors in OperationalError once its retries are spent.
        logger.warning(
            "Broker unreachable, %s%r not queued; the pending work must be queued again later: %s",
            task.name,
            args,
            error,
        )
        return False
    return True


@shared_task(name="casework.tasks.sessions_clear_expired")
def sessions_clear_expired() -> None:
    """Delete expired login sessions, as `manage.py clearsessions` does; meant for beat, nightly."""
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()


@shared_task(name="casework.tasks.clocks_refresh_open_cases")
def clocks_refresh_open_cases_task() -> int:
    """Recompute open cases' clocks after the holiday table or a period changed."""
    from casework.deadlines.clocks import clocks_refresh_open_cases

    return clocks_refresh_open_cases()


@shared_task(name="casework.tasks.reminders_send")
def reminders_send() -> None:
    """Beat runs this every 15 minutes; the service makes overlapping runs harmless."""
    from casework.services.reminders import reminders_send as send

    send()
