import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone

from casework.models import AnnualTarget, Case, CaseStatus
from casework.scenarios import FORCED_CLOSED_PATH, PATHS, CaseRecipe


@dataclass
class YearData:
    year: int
    self_verified: Case
    forced_closed: Case
    historical_filed: Case
    complaint_new: Case
    complaint_inspected: Case
    rectified: Case


def recipe(area: str, **kwargs) -> CaseRecipe:
    return CaseRecipe(location="五星村东区12号", illegal_area=Decimal(area), party_name="张伟", **kwargs)


@pytest.fixture
def year_data(scenario, squad) -> YearData:
    """Six cases of last year through the real services, with targets for the squad and office."""
    year = timezone.localdate().year - 1

    def run(month, day, path, r):
        return scenario(start=dt.date(year, month, day), recipe=r).run(path)

    data = YearData(
        year=year,
        self_verified=run(1, 10, PATHS[CaseStatus.VERIFIED], recipe("120.50")),
        forced_closed=run(2, 3, FORCED_CLOSED_PATH, recipe("80.00")),
        historical_filed=run(3, 5, PATHS[CaseStatus.FILED], recipe("50.00", is_newly_added=False)),
        complaint_new=run(4, 1, PATHS[CaseStatus.REPORTED], recipe("10.00", source="complaint")),
        complaint_inspected=run(5, 6, PATHS[CaseStatus.INSPECTED], recipe("20.00", source="complaint")),
        rectified=run(6, 2, PATHS[CaseStatus.RECTIFIED], recipe("30.00")),
    )
    AnnualTarget.objects.create(year=year, squad=squad, area_investigated_target=Decimal("1000"),
                                area_demolished_target=Decimal("400"))
    AnnualTarget.objects.create(year=year, squad=None, area_investigated_target=Decimal("5000"),
                                area_demolished_target=Decimal("2000"))
    return data


@pytest.fixture(autouse=True)
def _empty_cache():
    """The calendar and period settings are cached; every test starts without them."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
