"""Seed the holiday table from the chinesecalendar package (its data ends with the year it was
released for; an administrator adds later years from the State Council's notice)."""

import datetime as dt

from django.db import migrations


def seed(apps, schema_editor):
    import chinese_calendar

    HolidayYear = apps.get_model("casework", "HolidayYear")
    CalendarException = apps.get_model("casework", "CalendarException")
    exceptions = {}
    for day, name in chinese_calendar.holidays.items():
        if day.weekday() < 5:  # a weekend holiday is a rest day anyway
            exceptions[day] = (False, str(name))
    for day, name in chinese_calendar.workdays.items():
        if day.weekday() >= 5:  # a make-up working day (调休)
            exceptions[day] = (True, f"{name} 调休上班")
    years = sorted({day.year for day in exceptions})
    CalendarException.objects.bulk_create(
        [CalendarException(date=day, is_working_day=working, name=name[:50]) for day, (working, name) in exceptions.items()],
        ignore_conflicts=True,
    )
    HolidayYear.objects.bulk_create(
        [HolidayYear(year=year, source=f"chinesecalendar {chinese_calendar.__version__}") for year in years],
        ignore_conflicts=True,
    )


def unseed(apps, schema_editor):
    apps.get_model("casework", "CalendarException").objects.filter(date__lte=dt.date(2026, 12, 31)).delete()
    apps.get_model("casework", "HolidayYear").objects.filter(source__startswith="chinesecalendar").delete()


class Migration(migrations.Migration):
    dependencies = [("casework", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
