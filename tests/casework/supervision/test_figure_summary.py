"""The dashboard's summary rows stay equal to the figures recomputed from the cases."""

import datetime as dt
import io
import random
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import F, Q
from django.utils import timezone

from casework.deadlines.calendar import BEIJING
from casework.models import CaseClock, CaseFigureMonth, CasePeople, CaseStatus, Community, OpenCaseCount
from casework.scenarios import (
    DAYS_NEEDED_FOR_FORCED_PATH,
    DISMISSED_PATH,
    FORCED_CLOSED_PATH,
    PATHS,
    TERMINATED_PATH,
    CaseRecipe,
    Scenario,
)
from casework.selectors.overdue import clock_list_overdue
from casework.selectors.stats import case_year_figures
from casework.services.figures import figures_from_cases, figures_in_summary, figures_rebuild

CHOICES = [
    PATHS[CaseStatus.REPORTED], PATHS[CaseStatus.INSPECTED], PATHS[CaseStatus.FILED], PATHS[CaseStatus.DECIDED],
    PATHS[CaseStatus.SELF_DEMOLISHING], PATHS[CaseStatus.VERIFIED], PATHS[CaseStatus.CLOSED],
    PATHS[CaseStatus.RECTIFIED], [*PATHS[CaseStatus.RECTIFIED], "close"], PATHS[CaseStatus.SUSPENDED],
    [*PATHS[CaseStatus.SUSPENDED], "resume"], FORCED_CLOSED_PATH, DISMISSED_PATH, TERMINATED_PATH,
]


def _clocks_copy_their_case() -> bool:
    """Every clock holds its case's squad, community, number, status and people (clocks_refresh
    copies them)."""
    if CaseClock.objects.filter(
            ~Q(squad_id=F("case__squad_id")) | ~Q(community_id=F("case__community_id"))
            | ~Q(case_number=F("case__number")) | ~Q(case_status=F("case__status"))).exists():
        return False
    people = {}
    for clock in CaseClock.objects.select_related("case"):
        if clock.case_id not in people:
            people[clock.case_id] = CasePeople.of(clock.case)
        expected = people[clock.case_id]
        if {f: getattr(clock, f) for f in expected.clock_fields()} != expected.clock_fields():
            return False
    return True


def _figures(year, user):
    f = case_year_figures(year=year, user=user)
    return (
        [(g.label, vars(g.figures)) for g in (*f.by_squad, *f.by_community, *f.by_month)],
        vars(f.total), f.open_by_state,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [7, 2026])
def test_summary_equals_recomputation_after_random_scenarios(seed, cast, community, squad):
    """Random cases (paths, areas, sources, months, communities) moved step by step through the
    services: after every step the stored summary equals the figures recomputed from scratch."""
    rng = random.Random(seed)
    second = Community.objects.create(name="红星社区", squad=squad)
    today = timezone.now().astimezone(BEIJING).date()
    for _ in range(8):
        path = rng.choice(CHOICES)
        start = today - dt.timedelta(days=DAYS_NEEDED_FOR_FORCED_PATH + rng.randint(5, 500))
        recipe = CaseRecipe(location="五星村东区12号", illegal_area=Decimal(rng.randint(500, 90000)) / 100,
                            party_name="张伟", source=rng.choice(["patrol", "complaint", "complaint", "drone"]),
                            is_newly_added=rng.random() < 0.6)
        scenario = Scenario(cast=cast, community=rng.choice([community, second]), start=start, recipe=recipe)
        scenario.register()
        assert figures_in_summary() == figures_from_cases()
        for step in path:
            scenario.run([step])
            assert figures_in_summary() == figures_from_cases(), (path, step)
            assert _clocks_copy_their_case(), (path, step)

    months, open_counts = figures_from_cases()
    assert months and open_counts  # the scenarios did produce figures
    years = {year for _s, _c, year, _m in months}
    before = {year: _figures(year, cast.head) for year in years}
    figures_rebuild()
    assert figures_in_summary() == (months, open_counts)
    assert {year: _figures(year, cast.head) for year in years} == before


@pytest.mark.django_db
def test_rolled_back_change_leaves_the_summary(scenario, cast):
    """A refused transition (the page showed an older version) leaves the summary as it was."""
    from casework.errors import ConcurrentChange
    from casework.services.cases import case_file

    case = scenario().run(PATHS[CaseStatus.INSPECTED])
    stored = figures_in_summary()
    with pytest.raises(ConcurrentChange):
        case_file(case=case, actor=cast.supervisor, expected_version=case.version - 1)
    assert figures_in_summary() == stored == figures_from_cases()
    assert CaseFigureMonth.objects.exists() is False  # not filed: no monthly figure yet
    assert list(OpenCaseCount.objects.filter(cases__gt=0).values_list("status", "cases")) == [
        (CaseStatus.INSPECTED, 1)]


@pytest.mark.postgres
@pytest.mark.django_db
def test_generated_cases_come_with_their_summary_and_clock_columns():
    """generate_cases fills the summary rows and the clocks' copies of their case's columns."""
    call_command("generate_cases", "--count", "400", "--batch", "150", "--years", "2", stdout=io.StringIO())
    months, open_counts = figures_from_cases()
    assert sum(v["filed_count"] for v in months.values()) > 0 and sum(open_counts.values()) > 0
    assert figures_in_summary() == (months, open_counts)
    assert CaseClock.objects.exists() and _clocks_copy_their_case()
    now = timezone.now()
    joined = set(CaseClock.objects.filter(satisfied_at__isnull=True, is_window=False, due_at__lte=now)
                 .exclude(case__status=CaseStatus.SUSPENDED).values_list("pk", flat=True))
    assert joined and {row.clock_id for row in clock_list_overdue(as_of=now)} == joined
