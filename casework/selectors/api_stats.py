"""The year's figures for GET /api/v1/stats/ (a minimal stand-in for the dashboard's selector)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Sum

from casework.models import CaseStatus, User
from casework.selectors.cases import case_visible


def api_stats_for_year(*, user: User, year: int) -> dict:
    """For the cases `user` may read: area investigated (illegal area of the cases filed in
    `year`), area demolished (demolished area of the cases verified in `year`), and the number
    of cases registered in `year` by their current status. Years are Beijing calendar years."""
    cases = case_visible(user=user)
    # __year lookups count in the current time zone: settings.TIME_ZONE, Beijing.
    investigated = cases.filter(filed_at__year=year)
    area_investigated = investigated.aggregate(total=Sum("illegal_area"))["total"] or Decimal("0")
    area_demolished = (
        cases.filter(verified_at__year=year).aggregate(total=Sum("demolished_area"))["total"] or Decimal("0")
    )
    counts = dict(cases.filter(year=year).values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return {
        "year": year,
        "area_investigated": area_investigated,
        "area_demolished": area_demolished,
        "cases_filed": investigated.count(),
        "cases_by_status": {status: counts.get(status, 0) for status in CaseStatus.values},
    }
