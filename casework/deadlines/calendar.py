"""The working-day calendar: Monday to Friday, corrected by the State Council's yearly notice.

Periods of a few days count working days (处罚法 85, 强制法 69); longer periods count calendar
days, and a period whose last day is not a working day ends on the next working day (民诉法
85, applied by 行政诉讼法 101). Years without holiday data are counted as Monday to Friday and
reported as unconfirmed, never refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.core.cache import cache

BEIJING = ZoneInfo("Asia/Shanghai")
NIGHT_STARTS = dt.time(22, 0)
NIGHT_ENDS = dt.time(6, 0)
_CACHE_KEY = "casework:working-calendar:v1"


@dataclass
class Computed:
    """A date computed over the calendar, and whether every year it crossed had holiday data."""

    date: dt.date
    unconfirmed: bool


@dataclass(frozen=True)
class WorkingCalendar:
    exceptions: dict[dt.date, bool] = field(default_factory=dict)
    confirmed_years: frozenset[int] = frozenset()

    @classmethod
    def load(cls) -> WorkingCalendar:
        """The calendar as the administrator last edited it (cached until the next edit)."""
        calendar = cache.get(_CACHE_KEY)
        if calendar is None:
            from casework.models import CalendarException, HolidayYear

            calendar = cls(
                exceptions=dict(CalendarException.objects.values_list("date", "is_working_day")),
                confirmed_years=frozenset(HolidayYear.objects.values_list("year", flat=True)),
            )
            # Short-lived: with a per-process cache, other processes see an edit within a minute.
            cache.set(_CACHE_KEY, calendar, timeout=60)
        return calendar

    @staticmethod
    def forget() -> None:
        """Called when holidays are edited so the next computation reads the new table."""
        cache.delete(_CACHE_KEY)

    def is_confirmed(self, day: dt.date) -> bool:
        return day.year in self.confirmed_years

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.exceptions:
            return self.exceptions[day]
        return day.weekday() < 5

    def add_working_days(self, start: dt.date, count: int) -> Computed:
        """The `count`-th working day after `start` (the start day itself is not counted)."""
        day = start
        unconfirmed = False
        remaining = count
        while remaining > 0:
            day += dt.timedelta(days=1)
            unconfirmed |= not self.is_confirmed(day)
            if self.is_working_day(day):
                remaining -= 1
        return Computed(day, unconfirmed)

    def roll_forward_to_working_day(self, day: dt.date) -> Computed:
        unconfirmed = not self.is_confirmed(day)
        while not self.is_working_day(day):
            day += dt.timedelta(days=1)
            unconfirmed |= not self.is_confirmed(day)
        return Computed(day, unconfirmed)

    def add_days(self, start: dt.date, count: int) -> Computed:
        return self.roll_forward_to_working_day(start + dt.timedelta(days=count))

    def add_months(self, start: dt.date, count: int) -> Computed:
        return self.roll_forward_to_working_day(start + relativedelta(months=count))


def local_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(BEIJING).date()


def end_of_day(day: dt.date) -> dt.datetime:
    """The first moment after `day` in Beijing: a period ending on `day` has run out then."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=BEIJING)


def is_night(moment: dt.datetime) -> bool:
    local_time = moment.astimezone(BEIJING).time()
    return local_time >= NIGHT_STARTS or local_time < NIGHT_ENDS
