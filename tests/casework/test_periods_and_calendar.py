import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from casework.deadlines.calendar import BEIJING
from casework.models import CalendarException, CaseStatus, ClockKind, PeriodSetting


def test_only_configurable_periods_can_be_overridden(db):
    """A statutory period cannot be changed; the announcement may not drop below 10 days."""
    with pytest.raises(ValidationError):
        PeriodSetting(key="reconsideration", length=30).full_clean()
    with pytest.raises(ValidationError):
        PeriodSetting(key="announcement", length=5).full_clean()
    PeriodSetting(key="filing", length=10).full_clean()


def test_changed_period_and_holiday_move_the_stored_clocks(case_in):
    """After the filing period is set to 10 working days and a new holiday is entered, recomputing
    moves the filing clock accordingly and says which rule produced it."""
    case = case_in(CaseStatus.INSPECTED)
    inspected = case.events.get(transition="inspect").occurred_at.astimezone(BEIJING).date()
    before = case.clocks.get(kind=ClockKind.FILING)
    assert "7" in before.rule and "处罚法 54" in before.rule
    PeriodSetting.objects.create(key="filing", length=10)
    call_command("recompute_clocks", stdout=open("/dev/null", "w"))
    after = case.clocks.get(kind=ClockKind.FILING)
    assert after.due_at > before.due_at and "10" in after.rule
    # A weekday inside the period declared a holiday pushes the end one working day further.
    day = inspected + dt.timedelta(days=1)
    while day.weekday() >= 5 or CalendarException.objects.filter(date=day).exists():
        day += dt.timedelta(days=1)
    CalendarException.objects.create(date=day, is_working_day=False, name="测试假日")
    call_command("recompute_clocks", stdout=open("/dev/null", "w"))
    assert case.clocks.get(kind=ClockKind.FILING).due_at > after.due_at
