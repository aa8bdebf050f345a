"""Keeping the dashboard's pre-aggregated figures (CaseFigureMonth, OpenCaseCount) exact.

Every service that creates or changes a case takes the case's figure facts before the change
and after it, and `figures_case_changed` adds the difference to the summary rows in the same
transaction: a rolled-back change leaves the figures as they were. `figures_from_cases`
recomputes everything from the cases (the reference the tests compare with), and
`figures_rebuild` replaces the summary with it (data migration, generate_cases, repairs).

The rules (the office's yearly report) are those documented in casework.selectors.stats.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear

from casework.deadlines.calendar import BEIJING, local_date
from casework.models.supervision import FIGURE_MONTH_FIELDS

ZERO = Decimal("0.00")
MONTH_FIELDS = FIGURE_MONTH_FIELDS
# (squad_id, community_id, year, month) -> {field: delta}
MonthKey = tuple[int, int, int, int]
# (squad_id, community_id, status) -> number of cases
OpenKey = tuple[int, int, str]


@dataclass(frozen=True)
class CaseFigureFacts:
    """What of a case the figures depend on."""

    squad_id: int
    community_id: int
    status: str
    source: str
    illegal_area: Decimal | None
    is_newly_added: bool
    decision_kind: str
    demolished_area: Decimal
    reported_at: dt.datetime
    filed_at: dt.datetime | None
    verified_at: dt.datetime | None
    forced: bool


def case_figure_facts(case, *, forced: bool | None = None) -> CaseFigureFacts:
    """The facts of `case` as the instance holds them (forced: a force_demolish event is
    recorded; read from the database unless the caller knows it from the case's history)."""
    from casework.models import CaseEvent

    if forced is None:
        forced = CaseEvent.objects.filter(case_id=case.pk, transition="force_demolish").exists()
    return CaseFigureFacts(
        squad_id=case.squad_id, community_id=case.community_id, status=case.status, source=case.source,
        illegal_area=case.illegal_area, is_newly_added=case.is_newly_added, decision_kind=case.decision_kind,
        demolished_area=case.demolished_area, reported_at=case.reported_at, filed_at=case.filed_at,
        verified_at=case.verified_at,
        forced=forced,
    )


def _month_key(facts: CaseFigureFacts, moment: dt.datetime) -> MonthKey:
    day = local_date(moment)
    return (facts.squad_id, facts.community_id, day.year, day.month)


def figure_contribution(facts: CaseFigureFacts) -> tuple[dict[MonthKey, dict], dict[OpenKey, int]]:
    """What one case adds to the summary rows."""
    from casework.models import CaseSource, CaseStatus, DecisionKind

    months: dict[MonthKey, dict] = {}

    def add(key: MonthKey, **values):
        cell = months.setdefault(key, {})
        for name, value in values.items():
            cell[name] = cell.get(name, 0) + value

    if facts.filed_at is not None:
        area = facts.illegal_area or ZERO
        add(_month_key(facts, facts.filed_at), filed_count=1, investigated_area=area,
            newly_added_count=int(facts.is_newly_added), newly_added_area=area if facts.is_newly_added else ZERO,
            completed_count=int(facts.verified_at is not None))
    if facts.verified_at is not None and facts.decision_kind != DecisionKind.RECTIFY:
        area = facts.demolished_area
        add(_month_key(facts, facts.verified_at), demolished_count=1, demolished_area=area,
            forced_demolished_count=int(facts.forced), forced_demolished_area=area if facts.forced else ZERO)
    if facts.source == CaseSource.COMPLAINT:
        add(_month_key(facts, facts.reported_at), complaints_received=1,
            complaints_handled=int(facts.status != CaseStatus.REPORTED))
    open_counts = {} if facts.status == CaseStatus.CLOSED else {
        (facts.squad_id, facts.community_id, facts.status): 1}
    return months, open_counts


def _difference(before: CaseFigureFacts | None, after: CaseFigureFacts | None):
    months: dict[MonthKey, dict] = {}
    open_counts: dict[OpenKey, int] = {}
    for facts, sign in ((before, -1), (after, 1)):
        if facts is None:
            continue
        facts_months, facts_open = figure_contribution(facts)
        for key, values in facts_months.items():
            cell = months.setdefault(key, {})
            for name, value in values.items():
                cell[name] = cell.get(name, 0) + sign * value
        for key, n in facts_open.items():
            open_counts[key] = open_counts.get(key, 0) + sign * n
    months = {k: v for k, v in months.items() if any(v.values())}
    open_counts = {k: n for k, n in open_counts.items() if n}
    return months, open_counts


def figures_case_changed(*, before: CaseFigureFacts | None, after: CaseFigureFacts | None) -> None:
    """Add the difference a case's change made (None: the case did not exist) to the summary.

    One upsert per table, rows in key order: concurrent changes lock summary rows in the same
    order (no deadlock) and wait only when they touch the same squad × community × month.
    """
    from casework.models import CaseFigureMonth, OpenCaseCount

    months, open_counts = _difference(before, after)
    if months:
        columns = ["squad_id", "community_id", "year", "month", *MONTH_FIELDS]
        rows = [[*key, *(values.get(name, 0) for name in MONTH_FIELDS)] for key, values in sorted(months.items())]
        _upsert(CaseFigureMonth._meta.db_table, columns, ["year", "squad_id", "community_id", "month"],
                list(MONTH_FIELDS), rows)
    if open_counts:
        rows = [[*key, n] for key, n in sorted(open_counts.items())]
        _upsert(OpenCaseCount._meta.db_table, ["squad_id", "community_id", "status", "cases"],
                ["squad_id", "community_id", "status"], ["cases"], rows)


def _upsert(table: str, columns: list[str], unique: list[str], added: list[str], rows: list[list]) -> None:
    qn = connection.ops.quote_name
    placeholders = ", ".join("(" + ", ".join(["%s"] * len(columns)) + ")" for _row in rows)
    updates = ", ".join(f"{qn(name)} = {qn(table)}.{qn(name)} + EXCLUDED.{qn(name)}" for name in added)
    sql = (f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in columns)}) VALUES {placeholders} "
           f"ON CONFLICT ({', '.join(qn(c) for c in unique)}) DO UPDATE SET {updates}")
    with connection.cursor() as cursor:
        cursor.execute(sql, [_db_value(v) for row in rows for v in row])


def _db_value(value):
    # SQLite keeps decimals as text/real: pass strings so nothing is rounded on the way in.
    return str(value) if isinstance(value, Decimal) and connection.vendor == "sqlite" else value


def _area_sum(field_name: str, condition: Q | None = None):
    return Coalesce(Sum(field_name, filter=condition), Value(ZERO),
                    output_field=DecimalField(max_digits=14, decimal_places=2))


def figures_from_cases(*, apps=None) -> tuple[dict[MonthKey, dict], dict[OpenKey, int]]:
    """Every summary row recomputed from the cases (rows whose figures are all zero left out)."""
    from django.apps import apps as global_apps

    apps = apps or global_apps
    Case = apps.get_model("casework", "Case")
    CaseEvent = apps.get_model("casework", "CaseEvent")
    months: dict[MonthKey, dict] = {}
    group = ("squad_id", "community_id", "y", "m")

    def by_month(queryset, moment: str, **aggregates):
        # (aliases prefixed: an aggregate may not take the name of a field of the case)
        rows = (queryset.annotate(y=ExtractYear(moment, tzinfo=BEIJING), m=ExtractMonth(moment, tzinfo=BEIJING))
                .values(*group).annotate(**{f"sum_{name}": value for name, value in aggregates.items()}).order_by())
        for row in rows:
            cell = months.setdefault(tuple(row[k] for k in group), dict.fromkeys(MONTH_FIELDS, 0))
            for name in aggregates:
                cell[name] += row[f"sum_{name}"]

    newly = Q(is_newly_added=True)
    by_month(Case.objects.filter(filed_at__isnull=False), "filed_at", filed_count=Count("id"),
             investigated_area=_area_sum("illegal_area"), newly_added_count=Count("id", filter=newly),
             newly_added_area=_area_sum("illegal_area", newly),
             completed_count=Count("id", filter=Q(verified_at__isnull=False)))
    forced = Q(pk__in=CaseEvent.objects.filter(transition="force_demolish").values("case_id"))
    by_month(Case.objects.filter(verified_at__isnull=False).exclude(decision_kind="rectify"), "verified_at",
             demolished_count=Count("id"), demolished_area=_area_sum("demolished_area"),
             forced_demolished_count=Count("id", filter=forced),
             forced_demolished_area=_area_sum("demolished_area", forced))
    by_month(Case.objects.filter(source="complaint"), "reported_at", complaints_received=Count("id"),
             complaints_handled=Count("id", filter=~Q(status="reported")))
    open_counts = {
        (row["squad_id"], row["community_id"], row["status"]): row["n"]
        for row in Case.objects.exclude(status="closed").values("squad_id", "community_id", "status")
        .annotate(n=Count("id")).order_by()
    }
    return {k: v for k, v in months.items() if any(v.values())}, open_counts


def figures_rebuild(*, apps=None) -> None:
    """Replace the summary rows with figures recomputed from every case."""
    from django.apps import apps as global_apps

    apps = apps or global_apps
    CaseFigureMonth = apps.get_model("casework", "CaseFigureMonth")
    OpenCaseCount = apps.get_model("casework", "OpenCaseCount")
    months, open_counts = figures_from_cases(apps=apps)
    with transaction.atomic():
        CaseFigureMonth.objects.all().delete()
        OpenCaseCount.objects.all().delete()
        CaseFigureMonth.objects.bulk_create(
            (CaseFigureMonth(squad_id=s, community_id=c, year=y, month=m, **values)
             for (s, c, y, m), values in sorted(months.items())), batch_size=1000)
        OpenCaseCount.objects.bulk_create(
            (OpenCaseCount(squad_id=s, community_id=c, status=status, cases=n)
             for (s, c, status), n in sorted(open_counts.items())), batch_size=1000)


def figures_in_summary() -> tuple[dict[MonthKey, dict], dict[OpenKey, int]]:
    """The summary rows as stored (all-zero rows left out), comparable with `figures_from_cases`."""
    from casework.models import CaseFigureMonth, OpenCaseCount

    months = {}
    for row in CaseFigureMonth.objects.values("squad_id", "community_id", "year", "month", *MONTH_FIELDS):
        values = {name: row[name] for name in MONTH_FIELDS}
        if any(values.values()):
            months[(row["squad_id"], row["community_id"], row["year"], row["month"])] = values
    open_counts = {(s, c, status): n for s, c, status, n in
                   OpenCaseCount.objects.values_list("squad_id", "community_id", "status", "cases") if n}
    return months, open_counts
