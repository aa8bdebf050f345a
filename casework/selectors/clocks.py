"""Deadlines as people look at them: which clocks have run out."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from casework.models import CaseClock, CaseStatus, User
from casework.selectors.cases import case_list_visible


def clock_list_overdue(*, user: User, as_of: dt.datetime | None = None) -> QuerySet[CaseClock]:
    """Clocks of cases `user` may read that ran out without the action they wait for; a
    party's window never counts, nor does a suspended case. Longest overdue first."""
    as_of = as_of or timezone.now()
    return (
        CaseClock.objects.filter(
            case__in=case_list_visible(user=user), satisfied_at__isnull=True, is_window=False, due_at__lt=as_of
        )
        .exclude(case__status=CaseStatus.SUSPENDED)
        .select_related("case", "case__squad", "case__community")
        .prefetch_related("case__officers")
        .order_by("due_at", "id")
    )
