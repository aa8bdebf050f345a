"""Deadlines as people look at them: which clocks have run out."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from casework.models import CaseClock, CaseStatus


def clock_overdue_filter(*, as_of: dt.datetime) -> Q:
    """A clock is overdue when it ran out without the action it waits for; a party's window
    never is. (Suspended cases are left out by the callers, who filter cases.)"""
    # due_at is the first moment after the period: at that moment the period has run out.
    return Q(satisfied_at__isnull=True, is_window=False, due_at__lte=as_of)


def clock_is_overdue(*, clock: CaseClock, as_of: dt.datetime | None = None) -> bool:
    """The rule of `clock_list_overdue` for one clock already loaded (with its case)."""
    as_of = as_of or timezone.now()
    return (clock.satisfied_at is None and not clock.is_window and clock.due_at <= as_of
            and clock.case.status != CaseStatus.SUSPENDED)
