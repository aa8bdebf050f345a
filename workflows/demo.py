"""Demo data: give every demo case its process, so each account's "My work" is filled."""

from __future__ import annotations

from django.db import transaction

from casework.models import Case
from workflows.services import process_start


def load_demo_workflows() -> int:
    """Start the process of every case that has none yet; returns how many were started.

    A process started for a case that is already further along opens the task of the case's
    current state at once (the flow's first gateway reads the case), so demo cases made by
    casework.scenarios need nothing else. Closed cases get a process that ends immediately.
    Running it twice starts nothing the second time.
    """
    started = 0
    for case in Case.objects.filter(process__isnull=True).order_by("pk").iterator():
        with transaction.atomic():
            process_start(case=case)
        started += 1
    return started
