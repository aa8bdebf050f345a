"""What supervisors work with: reminders of running clocks and the year's targets."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.models.cases import Case
from casework.models.clocks import ClockKind
from casework.models.people import Community, Squad


class ReminderThreshold(models.TextChoices):
    DUE_SOON = "due_soon", _("Due in 2 working days")
    DUE = "due", _("Due now")
    OVERDUE_3_DAYS = "overdue_3_days", _("3 days overdue")


class Notification(models.Model):
    """One reminder to one person about one clock of a case at one threshold.

    The unique constraint makes each reminder go out once even when two runs of the task
    overlap; `sent_at` is set once the e-mail left, so a run that died between the insert and
    the e-mail is finished by the next run.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+", verbose_name=_("case"))
    clock_kind = models.CharField(_("clock"), max_length=30, choices=ClockKind.choices)
    clock_due_at = models.DateTimeField(_("clock ends at"))
    threshold = models.CharField(_("threshold"), max_length=20, choices=ReminderThreshold.choices)
    message = models.TextField(_("message"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("e-mail sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "case", "clock_kind", "clock_due_at", "threshold"],
                name="notification_once_per_clock_and_threshold",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread_idx"),
            models.Index(fields=["created_at"], condition=models.Q(sent_at__isnull=True), name="notification_unsent_idx"),
        ]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return self.message[:60]


class AnnualTarget(models.Model):
    """The area the office (squad empty) or one squad means to investigate and demolish in a year."""

    year = models.PositiveSmallIntegerField(_("year"))
    squad = models.ForeignKey(
        Squad, null=True, blank=True, on_delete=models.CASCADE, related_name="targets", verbose_name=_("squad"),
        help_text=_("Leave empty for the whole office."),
    )
    area_investigated_target = models.DecimalField(_("area to investigate (m²)"), max_digits=12, decimal_places=2)
    area_demolished_target = models.DecimalField(_("area to demolish (m²)"), max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["-year", "squad__code"]
        constraints = [
            models.UniqueConstraint(fields=["year", "squad"], name="annual_target_unique_squad_year"),
            models.UniqueConstraint(
                fields=["year"], condition=models.Q(squad__isnull=True), name="annual_target_unique_office_year"
            ),
        ]
        verbose_name = _("annual target")
        verbose_name_plural = _("annual targets")

    def __str__(self) -> str:
        return f"{self.year} {self.squad or _('office')}"


FIGURE_MONTH_FIELDS = (
    "filed_count", "investigated_area", "newly_added_count", "newly_added_area", "completed_count",
    "demolished_count", "demolished_area", "forced_demolished_count", "forced_demolished_area",
    "complaints_received", "complaints_handled",
)


class CaseFigureMonth(models.Model):
    """The dashboard's year figures added up per squad × community × month (derived data).

    Kept exact by casework.services.figures in the transaction of every change to a case (and
    rebuilt from the cases by `figures_rebuild`), so the dashboard reads a few hundred rows
    instead of aggregating every case. Each figure is dated as casework.selectors.stats says:
    filed cases by `filed_at`, demolished ones by `verified_at`, complaints by `reported_at`.
    """

    squad = models.ForeignKey(Squad, on_delete=models.CASCADE, related_name="+", verbose_name=_("squad"))
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+",
                                  verbose_name=_("community"))
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    filed_count = models.IntegerField(default=0)
    investigated_area = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    newly_added_count = models.IntegerField(default=0)
    newly_added_area = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    completed_count = models.IntegerField(default=0)
    demolished_count = models.IntegerField(default=0)
    demolished_area = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    forced_demolished_count = models.IntegerField(default=0)
    forced_demolished_area = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    complaints_received = models.IntegerField(default=0)
    complaints_handled = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["year", "squad", "community", "month"], name="figure_month_unique_cell"),
        ]
        verbose_name = _("monthly figures")
        verbose_name_plural = _("monthly figures")

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d} {self.squad_id}/{self.community_id}"


class OpenCaseCount(models.Model):
    """How many cases are in each open state, per squad × community (derived data, as above)."""

    squad = models.ForeignKey(Squad, on_delete=models.CASCADE, related_name="+", verbose_name=_("squad"))
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+",
                                  verbose_name=_("community"))
    status = models.CharField(_("status"), max_length=30)
    cases = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["squad", "community", "status"], name="open_case_count_unique"),
        ]
        verbose_name = _("open case count")
        verbose_name_plural = _("open case counts")

    def __str__(self) -> str:
        return f"{self.squad_id}/{self.community_id} {self.status}: {self.cases}"
