"""The periods of procedure.md with their defaults, units and legal bases.

Periods marked configurable can be changed by an administrator (PeriodSetting rows); the
others are statutory and fixed here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

WORKING_DAYS = "working_days"
DAYS = "days"
MONTHS = "months"


@dataclass(frozen=True)
class Period:
    key: str
    label: str
    default: int
    unit: str
    basis: str
    configurable: bool


PERIODS: dict[str, Period] = {
    period.key: period
    for period in [
        Period("filing", _("Filing after inspection"), 7, WORKING_DAYS, "处罚法 54", True),
        Period("decision", _("Decision after filing"), 90, DAYS, "处罚法 60", False),
        Period("decision_service", _("Service of a decision not handed over on the spot"), 7, WORKING_DAYS, "处罚法 61", False),
        Period("announcement_service", _("Service by public announcement takes effect"), 30, DAYS, "民诉法 95", False),
        Period("hearing_request", _("Hearing request after the prior notice"), 5, WORKING_DAYS, "处罚法 64", False),
        Period("hearing_notice", _("Hearing notice before the hearing"), 7, DAYS, "处罚法 64", False),
        Period("statement", _("Statement and defence after the prior notice"), 3, WORKING_DAYS, "处罚法 44, 45", True),
        Period("self_demolition", _("Self-demolition period set in a decision"), 15, DAYS, "规划法 64, 65", True),
        Period("commitment_limit", _("Commitment dates beyond this need a supervisor's approval"), 30, DAYS, "", True),
        Period("first_talk", _("First persuasion talk after negotiators are assigned"), 3, WORKING_DAYS, "", True),
        Period("follow_up_talk", _("Follow-up talk while persuading"), 7, DAYS, "", True),
        Period("reconsideration", _("Reconsideration window"), 60, DAYS, "复议法 20", False),
        Period("litigation", _("Litigation window"), 6, MONTHS, "诉讼法 46", False),
        Period("remedies_not_stated", _("Remedy windows when the decision did not state them"), 12, MONTHS, "复议法 20, 诉讼法 46", False),
        Period("announcement", _("Minimum self-demolition period in a forced-demolition announcement"), 10, DAYS, "强制法 44", True),
        Period("demand_statement", _("Statement window after the demand"), 3, WORKING_DAYS, "强制法 36", True),
        Period("limitation", _("Limitation period for penalties"), 24, MONTHS, "处罚法 36", False),
    ]
}


_CACHE_KEY = "casework:period-overrides:v1"


def _overrides() -> dict[str, int]:
    overrides = cache.get(_CACHE_KEY)
    if overrides is None:
        from casework.models import PeriodSetting

        overrides = dict(PeriodSetting.objects.values_list("key", "length"))
        cache.set(_CACHE_KEY, overrides, timeout=60)
    return overrides


def forget() -> None:
    """Called when an administrator edits a period so the next computation reads the new value."""
    cache.delete(_CACHE_KEY)


def period_length(key: str) -> int:
    """The length in force: the administrator's value for a configurable period, else the default."""
    period = PERIODS[key]
    if period.configurable:
        override = _overrides().get(key)
        if override is not None:
            return override
    return period.default


def describe(key: str, length: int | None = None) -> str:
    """How a deadline was produced, stored beside it ("7 working days, 处罚法 54, configurable")."""
    period = PERIODS[key]
    length = period_length(key) if length is None else length
    unit = {WORKING_DAYS: _("working days"), DAYS: _("days"), MONTHS: _("months")}[period.unit]
    parts = [f"{length} {unit}"]
    if period.basis:
        parts.append(period.basis)
    if period.configurable:
        parts.append(str(_("configurable: %(key)s") % {"key": key}))
    return ", ".join(parts)
