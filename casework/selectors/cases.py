"""Which cases a person may read, and the case list's filters."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from casework.models import Case, CaseClock, CaseStatus, User
from casework.selectors.clocks import clock_overdue_filter


def case_list_visible(*, user: User) -> QuerySet[Case]:
    """The cases `user` may read: their squad's; every squad's for the head of office, the legal
    reviewer and administrators; none for an inactive person or one without a squad."""
    cases = Case.objects.all()
    if not user.is_active:
        return cases.none()
    if user.sees_all_squads:
        return cases
    if user.squad_id is None:
        return cases.none()
    return cases.filter(squad_id=user.squad_id)


def case_overdue_condition(*, as_of: dt.datetime) -> Exists:
    """The case has an overdue clock (the caller leaves suspended cases out)."""
    return Exists(CaseClock.objects.filter(clock_overdue_filter(as_of=as_of), case=OuterRef("pk")))


def case_list_search(
    *,
    user: User,
    status: str | None = None,
    squad_id: int | None = None,
    community_id: int | None = None,
    overdue: bool | None = None,
    q: str = "",
    as_of: dt.datetime | None = None,
) -> QuerySet[Case]:
    """The visible cases matching every given filter; `q` looks in the number, the party's
    name and the location."""
    cases = case_list_visible(user=user).select_related("squad", "community", "party")
    if status:
        cases = cases.filter(status=status)
    if squad_id is not None:
        cases = cases.filter(squad_id=squad_id)
    if community_id is not None:
        cases = cases.filter(community_id=community_id)
    if overdue is not None:
        condition = case_overdue_condition(as_of=as_of or timezone.now()) & ~Q(status=CaseStatus.SUSPENDED)
        cases = cases.filter(condition) if overdue else cases.exclude(condition)
    q = (q or "").strip()
    if q:
        cases = cases.filter(Q(number__icontains=q) | Q(party__name__icontains=q) | Q(location__icontains=q))
    return cases
