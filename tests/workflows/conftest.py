# The casework fixtures (squads, the cast, scenarios) serve the workflow tests too.
from tests.casework.conftest import *  # noqa: F403
