import pytest

from casework.models import CaseStatus
from casework.scenarios import DISMISSED_PATH, FORCED_CLOSED_PATH, PATHS, TERMINATED_PATH


@pytest.mark.parametrize("status", list(PATHS))
def test_every_state_is_reachable_through_the_services(case_in, status):
    """The scenario paths reach every state of procedure.md through the real services."""
    case = case_in(status)
    assert case.status == status
    assert case.events.filter(kind="transition").count() == len([s for s in PATHS[status]])


@pytest.mark.parametrize("path, outcome", [
    (FORCED_CLOSED_PATH, "forced_demolished"),
    (DISMISSED_PATH, "dismissed"),
    (TERMINATED_PATH, "terminated"),
    (PATHS[CaseStatus.CLOSED], "self_demolished"),
    ([*PATHS[CaseStatus.RECTIFIED], "close"], "rectified"),
])
def test_closed_outcomes(scenario, path, outcome):
    """Each way of closing a case records its outcome."""
    case = scenario().run(path)
    assert case.status == CaseStatus.CLOSED
    assert case.outcome == outcome
