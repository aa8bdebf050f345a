"""Celery tasks: thin wrappers that take ids and call a service."""

from celery import shared_task


@shared_task(name="casework.tasks.clocks_refresh_open_cases")
def clocks_refresh_open_cases_task() -> int:
    from casework.deadlines.clocks import clocks_refresh_open_cases

    return clocks_refresh_open_cases()
