"""GET /api/v1/stats/: the supervisors' dashboard figures (casework.selectors.stats), for the
people who see the dashboard page, over the same scope."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from casework.models import AnnualTarget, CaseStatus
from casework.scenarios import PATHS
from casework.selectors.stats import METRICS, case_year_figures
from tests.casework.api.conftest import client_for
from tests.casework.api.test_errors import assert_error
from tests.casework.conftest import make_user

ROLES = ["officer", "negotiator", "supervisor", "reviewer", "head", "admin", "other_squad",
         "other_squad_supervisor", "no_role", "anonymous"]
ACCESS = {"officer": 403, "negotiator": 403, "supervisor": 200, "reviewer": 403, "head": 200, "admin": 200,
          "other_squad": 403, "other_squad_supervisor": 200, "no_role": 403, "anonymous": 401}
RATES = ("completion_rate", "investigated_progress", "demolished_progress", "complaints_handled_rate")


@pytest.fixture
def people(cast, other_squad, other_officer, admin_user, nobody):
    return {
        "officer": cast.officer, "negotiator": cast.negotiator, "supervisor": cast.supervisor,
        "reviewer": cast.reviewer, "head": cast.head, "admin": admin_user, "other_squad": other_officer,
        "other_squad_supervisor": make_user("supervisor2", other_squad, is_supervisor=True),
        "no_role": nobody, "anonymous": None,
    }


@pytest.fixture
def year(scenario, squad) -> int:
    """Last year: a case verified as demolished and a filed one (120.50 m² each), and targets
    for the squad and for the office."""
    year = timezone.localdate().year - 1
    scenario(start=dt.date(year, 2, 1)).run(PATHS[CaseStatus.VERIFIED])
    scenario(start=dt.date(year, 5, 4)).run(PATHS[CaseStatus.FILED])
    AnnualTarget.objects.create(year=year, squad=squad, area_investigated_target=Decimal("1000"),
                                area_demolished_target=Decimal("400"))
    AnnualTarget.objects.create(year=year, squad=None, area_investigated_target=Decimal("5000"),
                                area_demolished_target=Decimal("2000"))
    return year


def rendered(figures) -> dict:
    """A Figures as the API writes it: areas with two decimals, rates with one, counts as numbers."""
    out = {}
    for name in (*METRICS, "investigated_target", "demolished_target", *RATES):
        value = getattr(figures, name)
        places = 1 if name in RATES else 2
        out[name] = f"{value:.{places}f}" if isinstance(value, Decimal) else value
    return out


def test_access_is_the_dashboard_pages(people, year, client):
    """Supervisors, the head of office and administrators get the figures, as they see the page;
    everyone else who is signed in gets 403 on both, in the error shape."""
    got = {}
    for role in ROLES:
        response = client_for(people[role]).get(f"/api/v1/stats/?year={year}")
        got[role] = response.status_code
        if response.status_code == 403:
            assert_error(response, 403, "forbidden")
        if people[role] is not None:
            client.force_login(people[role])
            assert client.get(reverse("supervision:dashboard")).status_code == response.status_code, role
    assert got == ACCESS


@pytest.mark.parametrize("role", ["supervisor", "head", "other_squad_supervisor"])
def test_the_figures_are_the_dashboard_selectors(people, year, role):
    """Every figure, by squad, community and month, and the open cases by state, equal what
    case_year_figures returns for the caller."""
    user = people[role]
    body = client_for(user).get(f"/api/v1/stats/?year={year}").json()
    cache.clear()
    figures = case_year_figures(year=year, user=user)
    assert body["year"] == year and body["squad"] is None
    assert body["total"] == rendered(figures.total)
    assert body["by_squad"] == [{"id": g.key, "name": g.label, "figures": rendered(g.figures)}
                                for g in figures.by_squad]
    assert body["by_community"] == [{"id": g.key, "name": g.label, "squad": g.squad_id,
                                     "figures": rendered(g.figures)} for g in figures.by_community]
    assert body["by_month"] == [{"month": g.key, "figures": rendered(g.figures)} for g in figures.by_month]
    assert body["open_by_state"] == [{"status": s, "label": label, "count": n} for s, label, n in figures.open_by_state]


def test_the_scope_follows_the_callers_squad(people, year):
    """The squad's supervisor and the head count the two cases (against the squad's and the
    office's target); another squad's supervisor counts none."""
    mine = client_for(people["supervisor"]).get(f"/api/v1/stats/?year={year}").json()["total"]
    office = client_for(people["head"]).get(f"/api/v1/stats/?year={year}").json()["total"]
    other = client_for(people["other_squad_supervisor"]).get(f"/api/v1/stats/?year={year}").json()
    for total in (mine, office):
        assert total["filed_count"] == 2 and total["investigated_area"] == "241.00"
        assert total["demolished_area"] == "120.50" and total["completion_rate"] == "50.0"
    assert mine["demolished_target"] == "400.00" and office["demolished_target"] == "2000.00"
    assert other["total"]["filed_count"] == 0 and other["total"]["investigated_area"] == "0.00"
    assert [g["name"] for g in other["by_squad"]] == [people["other_squad_supervisor"].squad.name]


def test_one_squad_of_those_one_may_see(people, year, squad, other_squad):
    """`squad` narrows the figures to a squad the caller may see; another one is a field error."""
    head = client_for(people["head"])
    body = head.get(f"/api/v1/stats/?year={year}&squad={other_squad.pk}").json()
    assert body["squad"] == other_squad.pk and body["total"]["filed_count"] == 0
    assert head.get(f"/api/v1/stats/?year={year}&squad={squad.pk}").json()["total"]["filed_count"] == 2
    response = client_for(people["supervisor"]).get(f"/api/v1/stats/?year={year}&squad={other_squad.pk}")
    assert set(assert_error(response, 400, "invalid")["fields"]) == {"squad"}


def test_bad_parameters(people):
    """A year outside 2000–2100, or a squad that is not a number, answers 400 with the field."""
    client = client_for(people["supervisor"])
    assert set(assert_error(client.get("/api/v1/stats/?year=1850"), 400, "invalid")["fields"]) == {"year"}
    assert set(assert_error(client.get("/api/v1/stats/?squad=x&year=20x"), 400, "invalid")["fields"]) == {"squad", "year"}
    assert set(assert_error(client.get("/api/v1/stats/?year="), 400, "invalid")["fields"]) == {"year"}
