from tests.casework.conftest import *  # noqa: F403
