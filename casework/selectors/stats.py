"""The year's figures for the supervisors' dashboard (and the stats API).

One function, `case_year_figures`, returns every figure for a year and a user's scope, by
squad, by community and by month, with the annual targets. It reads the summary rows that
casework.services.figures keeps per squad × community × month (and open cases per state) in
the transaction of every change to a case, so its cost does not grow with the cases.

Definitions (the office's yearly report):
- area investigated: illegal_area of the cases filed in the year (Case.filed_at);
- area demolished: the verified area (demolished_area) of cases verified as demolished in the
  year (Case.verified_at, decision to demolish; rectified cases are counted as completed only);
  forcibly demolished if the case went through `force_demolish`, else self-demolished;
- completion rate: of the cases filed in the year, the share already verified or rectified;
- newly added vs historical: Case.is_newly_added of the cases filed in the year;
- complaints: cases reported in the year found via a complaint; handled = moved past `reported`;
- open cases by state: now, not limited to the year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum
from django.utils import timezone

from casework.models import AnnualTarget, CaseFigureMonth, CaseStatus, Community, OpenCaseCount, Squad, User
from casework.models.supervision import FIGURE_MONTH_FIELDS as METRICS_STORED

ZERO = Decimal("0.00")
METRICS = (
    "filed_count", "investigated_area", "newly_added_count", "newly_added_area", "historical_count",
    "historical_area", "completed_count", "demolished_count", "demolished_area", "self_demolished_count",
    "self_demolished_area", "forced_demolished_count", "forced_demolished_area", "complaints_received",
    "complaints_handled",
)


@dataclass
class Figures:
    """The counts and areas of one group (a squad, a community, a month or the whole scope)."""

    filed_count: int = 0
    investigated_area: Decimal = ZERO
    newly_added_count: int = 0
    newly_added_area: Decimal = ZERO
    historical_count: int = 0
    historical_area: Decimal = ZERO
    completed_count: int = 0
    demolished_count: int = 0
    demolished_area: Decimal = ZERO
    self_demolished_count: int = 0
    self_demolished_area: Decimal = ZERO
    forced_demolished_count: int = 0
    forced_demolished_area: Decimal = ZERO
    complaints_received: int = 0
    complaints_handled: int = 0
    investigated_target: Decimal | None = None
    demolished_target: Decimal | None = None

    def add(self, other: Figures) -> None:
        for name in METRICS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def completion_rate(self) -> Decimal | None:
        return _ratio(self.completed_count, self.filed_count)

    @property
    def investigated_progress(self) -> Decimal | None:
        return _ratio(self.investigated_area, self.investigated_target)

    @property
    def demolished_progress(self) -> Decimal | None:
        return _ratio(self.demolished_area, self.demolished_target)

    @property
    def complaints_handled_rate(self) -> Decimal | None:
        return _ratio(self.complaints_handled, self.complaints_received)


def _ratio(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Group:
    key: int
    label: str
    figures: Figures
    squad_id: int | None = None


@dataclass
class YearFigures:
    year: int
    squad_id: int | None
    total: Figures
    by_squad: list[Group]
    by_community: list[Group]
    by_month: list[Group]
    open_by_state: list[tuple[str, str, int]] = field(default_factory=list)
    computed_at: dt.datetime | None = None


def can_see_dashboard(user: User) -> bool:
    """Whether `user` may see the year's figures: supervisors (of their squad), the head of
    office and administrators (of the whole office)."""
    from casework.authorization import permits

    return permits(user, "view_dashboard")


def _scoped(queryset, *, user: User | None, squad: int | None):
    if user is not None and not user.sees_all_squads:
        queryset = queryset.filter(squad_id=user.squad_id) if user.squad_id else queryset.none()
    if squad:
        queryset = queryset.filter(squad_id=squad)
    return queryset


def case_year_figures(*, year: int, user: User | None = None, squad: int | None = None) -> YearFigures:
    """Every figure of the dashboard for `year`, limited to what `user` may see (None: office).

    Read from the summary rows casework.services.figures keeps exact in the transaction of
    every change to a case (at most squads × communities × 12 rows a year), not from the cases.
    """
    cells = _scoped(CaseFigureMonth.objects.filter(year=year), user=user, squad=squad).values_list(
        "squad_id", "community_id", "month", *METRICS_STORED)
    open_counts = (
        _scoped(OpenCaseCount.objects.filter(cases__gt=0), user=user, squad=squad)
        .values("status").annotate(n=Sum("cases")).order_by()
    )
    counted = {row["status"]: row["n"] for row in open_counts}
    open_by_state = [(value, str(label), counted.get(value, 0))
                     for value, label in CaseStatus.choices if value != CaseStatus.CLOSED]

    squads = {s.pk: s for s in _scope_squads(user, squad)}
    communities = {c.pk: c for c in Community.objects.filter(squad_id__in=list(squads)).order_by("squad__code", "name")}
    by_squad = {pk: Group(pk, s.name, Figures(), pk) for pk, s in squads.items()}
    by_community = {pk: Group(pk, c.name, Figures(), c.squad_id) for pk, c in communities.items()}
    by_month = {m: Group(m, f"{year}-{m:02d}", Figures()) for m in range(1, 13)}
    total = Figures()
    for squad_id, community_id, month, *values in cells:
        f = Figures(**dict(zip(METRICS_STORED, values, strict=True)))
        f.historical_count = f.filed_count - f.newly_added_count
        f.historical_area = f.investigated_area - f.newly_added_area
        f.self_demolished_count = f.demolished_count - f.forced_demolished_count
        f.self_demolished_area = f.demolished_area - f.forced_demolished_area
        total.add(f)
        if squad_id in by_squad:
            by_squad[squad_id].figures.add(f)
        if community_id in by_community:
            by_community[community_id].figures.add(f)
        by_month[month].figures.add(f)

    targets = AnnualTarget.objects.filter(year=year)
    for target in targets:
        if target.squad_id is None:
            if user is None or user.sees_all_squads:
                if not squad:
                    total.investigated_target = target.area_investigated_target
                    total.demolished_target = target.area_demolished_target
        elif target.squad_id in by_squad:
            group = by_squad[target.squad_id].figures
            group.investigated_target = target.area_investigated_target
            group.demolished_target = target.area_demolished_target
    if total.investigated_target is None and len(by_squad) == 1:
        only = next(iter(by_squad.values())).figures
        total.investigated_target, total.demolished_target = only.investigated_target, only.demolished_target

    return YearFigures(
        year=year, squad_id=squad, total=total, by_squad=list(by_squad.values()),
        by_community=list(by_community.values()), by_month=list(by_month.values()), open_by_state=open_by_state,
        computed_at=timezone.now(),
    )


def _scope_squads(user: User | None, squad: int | None):
    queryset = Squad.objects.order_by("code")
    if user is not None and not user.sees_all_squads:
        queryset = queryset.filter(pk=user.squad_id) if user.squad_id else queryset.none()
    if squad:
        queryset = queryset.filter(pk=squad)
    return list(queryset)
