from __future__ import annotations

from casework.deadlines.history import CaseHistory
from casework.models import Approval, Case, EventKind


def approval_in_force_now(*, case: Case, step: str) -> Approval | None:
    """The approval of `step` given since the case entered its current state, unless a
    rejection followed it (the same rule the decide/decide_execution guards apply)."""
    # Only the parts of the history the rule reads: the state changes and this step's opinions.
    history = CaseHistory(
        events=list(case.events.filter(kind__in=(EventKind.TRANSITION, EventKind.REGISTRATION))
                    .order_by("occurred_at", "id")),
        services=[],
        suspensions=[],
        approvals=list(case.approvals.filter(step=step).order_by("occurred_at", "id")),
    )
    last = history.last_state_change()
    return history.approval_in_force(step, since=last.recorded_at if last else None)
