from django.db import models
from django.utils.translation import gettext_lazy as _


class HolidayYear(models.Model):
    """A year for which the State Council's holiday notice has been entered.

    Working days in a year without a row here are counted as Monday to Friday and every clock
    that depends on them is marked unconfirmed.
    """

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("holiday year")
        verbose_name_plural = _("holiday years")

    def __str__(self) -> str:
        return str(self.year)


class CalendarException(models.Model):
    """A day that breaks the Monday-to-Friday rule: a public holiday on a weekday, or a make-up
    working day (调休) on a weekend."""

    date = models.DateField(_("date"), primary_key=True)
    is_working_day = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=50, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")

    def __str__(self) -> str:
        kind = _("working day") if self.is_working_day else _("holiday")
        return f"{self.date:%Y-%m-%d} {self.name} ({kind})"


class PeriodUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("working days")
    DAYS = "days", _("calendar days")


class PeriodSetting(models.Model):
    """An administrator's value for a period that procedure.md marks configurable.

    The defaults and their legal bases live in casework.deadlines.periods; a row here overrides
    the length only.
    """

    key = models.SlugField(_("key"), max_length=50, primary_key=True)
    length = models.PositiveSmallIntegerField(_("length"))

    class Meta:
        verbose_name = _("configurable period")
        verbose_name_plural = _("configurable periods")

    def __str__(self) -> str:
        return f"{self.key} = {self.length}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from casework.deadlines.periods import PERIODS

        configurable = sorted(key for key, period in PERIODS.items() if period.configurable)
        if self.key not in configurable:
            raise ValidationError(
                {"key": _("Only these periods are configurable: %(keys)s.") % {"keys": ", ".join(configurable)}}
            )
        if self.key == "announcement" and self.length < 10:
            raise ValidationError({"length": _("强制法 44 requires at least 10 days.")})
        if self.length < 1:
            raise ValidationError({"length": _("A period must be at least 1.")})
