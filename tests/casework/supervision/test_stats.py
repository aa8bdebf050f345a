from decimal import Decimal

import pytest

from casework.deadlines.calendar import BEIJING
from casework.models import CaseStatus
from casework.selectors.stats import case_year_figures
from tests.casework.conftest import make_user


def _month(moment) -> int:
    return moment.astimezone(BEIJING).month


@pytest.mark.django_db
def test_year_figures_equal_hand_computed(year_data, cast, squad):
    """Areas, counts, rates, complaints and targets equal figures worked out by hand for six cases."""
    d = year_data
    for case in (d.self_verified, d.forced_closed, d.historical_filed, d.rectified):
        assert case.filed_at.astimezone(BEIJING).year == d.year
    figures = case_year_figures(year=d.year, user=cast.head)
    t = figures.total
    assert t.filed_count == 4
    assert t.investigated_area == Decimal("280.50")  # 120.50 + 80 + 50 + 30
    assert (t.demolished_count, t.demolished_area) == (2, Decimal("200.50"))
    assert (t.self_demolished_count, t.self_demolished_area) == (1, Decimal("120.50"))
    assert (t.forced_demolished_count, t.forced_demolished_area) == (1, Decimal("80.00"))
    assert t.completed_count == 3  # verified, forced (verified then closed), rectified
    assert t.completion_rate == Decimal("75.0")
    assert (t.newly_added_count, t.newly_added_area) == (3, Decimal("230.50"))
    assert (t.historical_count, t.historical_area) == (1, Decimal("50.00"))
    assert (t.complaints_received, t.complaints_handled) == (2, 1)
    assert (t.investigated_target, t.demolished_target) == (Decimal("5000"), Decimal("2000"))
    assert t.investigated_progress == Decimal("5.6")  # 280.50 / 5000
    assert t.demolished_progress == Decimal("10.0")  # 200.50 / 2000 = 10.025

    [by_squad] = figures.by_squad
    assert by_squad.label == squad.name and by_squad.figures.filed_count == 4
    assert by_squad.figures.investigated_progress == Decimal("28.1")  # 280.50 / 1000
    assert by_squad.figures.demolished_progress == Decimal("50.1")  # 200.50 / 400
    [by_community] = figures.by_community
    assert by_community.figures.investigated_area == Decimal("280.50")

    expected_filed = {}
    for case in (d.self_verified, d.forced_closed, d.historical_filed, d.rectified):
        expected_filed[_month(case.filed_at)] = expected_filed.get(_month(case.filed_at), 0) + 1
    assert {g.key: g.figures.filed_count for g in figures.by_month if g.figures.filed_count} == expected_filed
    expected_demolished = {}
    for case, area in ((d.self_verified, Decimal("120.50")), (d.forced_closed, Decimal("80.00"))):
        month = _month(case.verified_at)
        expected_demolished[month] = expected_demolished.get(month, 0) + area
    assert {g.key: g.figures.demolished_area for g in figures.by_month if g.figures.demolished_area} == (
        expected_demolished)

    open_states = dict((value, n) for value, _label, n in figures.open_by_state)
    assert open_states[CaseStatus.VERIFIED] == open_states[CaseStatus.FILED] == open_states[CaseStatus.REPORTED] == 1
    assert open_states[CaseStatus.INSPECTED] == open_states[CaseStatus.RECTIFIED] == 1
    assert sum(open_states.values()) == 5 and CaseStatus.CLOSED not in open_states


@pytest.mark.django_db
def test_year_figures_are_limited_to_the_users_squad(year_data, cast, other_squad):
    """A supervisor sees the own squad with its target; another squad's supervisor sees none of it."""
    mine = case_year_figures(year=year_data.year, user=cast.supervisor)
    assert mine.total.filed_count == 4
    assert mine.total.investigated_target == Decimal("1000")  # the squad's, not the office's
    other = case_year_figures(year=year_data.year, user=make_user("supervisor2", other_squad, is_supervisor=True))
    assert other.total.filed_count == 0 and other.total.demolished_area == 0
    assert [g.label for g in other.by_squad] == [other_squad.name]
    assert sum(n for _v, _l, n in other.open_by_state) == 0


@pytest.mark.django_db
def test_other_years_are_not_counted(year_data, cast):
    """Cases filed in another year do not count in this year's figures."""
    assert case_year_figures(year=year_data.year + 1, user=cast.head).total.filed_count == 0
    assert case_year_figures(year=year_data.year - 1, user=cast.head).total.investigated_area == 0
