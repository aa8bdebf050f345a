from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from casework.deadlines.calendar import WorkingCalendar
from casework.deadlines.history import CaseHistory
from casework.errors import GuardFailure
from casework.models import Case, User
from casework.transitions import SPECS, TransitionRequest, permission_failure


@dataclass
class AvailableTransition:
    name: str
    label: str
    allowed: bool
    reasons: list[GuardFailure] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"name": self.name, "label": str(self.label), "allowed": self.allowed,
                "reasons": [reason.as_dict() for reason in self.reasons]}


def case_available_transitions(
    *, case: Case, user: User, at: dt.datetime | None = None, include_other_states: bool = False,
    history: CaseHistory | None = None,
) -> list[AvailableTransition]:
    """Every transition with whether `user` may perform it on `case` now, and why not.

    Guards that judge submitted data are left to the form; the answer here is what the case's
    history and the user's role already decide. Transitions not possible from the current
    state are listed only with `include_other_states`. `history`: the case's history if the
    caller has read it (the case page has, with approvers or without), saving its query.
    """
    at = at or timezone.now()
    history = history or CaseHistory.load(case, approvers=False)
    calendar = WorkingCalendar.load()
    result = []
    clocks = None
    for spec in SPECS.values():
        if not can_proceed(getattr(case, spec.name), check_conditions=False):
            if include_other_states:
                result.append(AvailableTransition(spec.name, spec.label, False, [GuardFailure(
                    "state.not_allowed",
                    _("Not possible while the case is “%(status)s”.") % {"status": case.get_status_display()},
                )]))
            continue
        denied = permission_failure(user, case, spec)
        if denied:
            result.append(AvailableTransition(spec.name, spec.label, False, [denied]))
            continue
        request = TransitionRequest(spec=spec, case=case, actor=user, occurred_at=at, data=None, calendar=calendar,
                                    now=at, history=history)
        # The clocks depend on the case, not on the transition asked about: compute them once.
        if clocks is None:
            clocks = request.clocks
        request.__dict__["clocks"] = clocks
        reasons = request.guard_failures()
        result.append(AvailableTransition(spec.name, spec.label, not reasons, reasons))
    return result
