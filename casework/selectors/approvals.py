from __future__ import annotations

from casework.deadlines.history import CaseHistory
from casework.models import Approval, Case


def approval_in_force_now(*, case: Case, step: str) -> Approval | None:
    """The approval of `step` given since the case entered its current state, unless a
    rejection followed it (the same rule the decide/decide_execution guards apply)."""
    history = CaseHistory.load(case)
    last = history.last_state_change()
    return history.approval_in_force(step, since=last.recorded_at if last else None)
