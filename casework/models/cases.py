from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransition, ConcurrentTransitionMixin, FSMField, transition

from casework.models.choices import choice_display
from casework.models.parties import Party
from casework.models.people import Community, Squad


class CaseStatus(models.TextChoices):
    """Where a case stands legally (procedure.md, "States")."""

    REPORTED = "reported", _("Lead registered")
    INSPECTED = "inspected", _("Inspected")
    FILED = "filed", _("Filed")
    NOTIFIED = "notified", _("Notified")
    HEARING = "hearing", _("Hearing")
    UNDER_REVIEW = "under_review", _("Under legal review")
    DECIDED = "decided", _("Decided")
    PERSUADING = "persuading", _("Persuading")
    SELF_DEMOLITION_COMMITTED = "self_demolition_committed", _("Self-demolition committed")
    SELF_DEMOLISHING = "self_demolishing", _("Self-demolishing")
    ANNOUNCED = "announced", _("Announced")
    DEMAND_ISSUED = "demand_issued", _("Demand issued")
    EXECUTION_DECIDED = "execution_decided", _("Execution decided")
    FORCED_DEMOLISHED = "forced_demolished", _("Forcibly demolished")
    VERIFIED = "verified", _("Verified")
    RECTIFIED = "rectified", _("Rectified")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed")


S = CaseStatus

# procedure.md: "suspend — any open state after filed"; "terminate — suspended, any open
# state after decided". The work is done in forced_demolished/verified/rectified, so those only
# await verification or closing and cannot be suspended.
SUSPENDABLE_STATES = [
    S.FILED, S.NOTIFIED, S.HEARING, S.UNDER_REVIEW, S.DECIDED, S.PERSUADING,
    S.SELF_DEMOLITION_COMMITTED, S.SELF_DEMOLISHING, S.ANNOUNCED, S.DEMAND_ISSUED, S.EXECUTION_DECIDED,
]  # fmt: skip
TERMINABLE_STATES = [
    S.SUSPENDED, S.DECIDED, S.PERSUADING, S.SELF_DEMOLITION_COMMITTED, S.SELF_DEMOLISHING,
    S.ANNOUNCED, S.DEMAND_ISSUED, S.EXECUTION_DECIDED,
]  # fmt: skip
COMMITTABLE_STATES = [S.DECIDED, S.PERSUADING, S.ANNOUNCED, S.DEMAND_ISSUED, S.EXECUTION_DECIDED]
ANNOUNCEABLE_STATES = [S.DECIDED, S.PERSUADING, S.SELF_DEMOLITION_COMMITTED, S.SELF_DEMOLISHING]


class CaseOutcome(models.TextChoices):
    SELF_DEMOLISHED = "self_demolished", _("Self-demolished")
    FORCED_DEMOLISHED = "forced_demolished", _("Forcibly demolished")
    RECTIFIED = "rectified", _("Rectified")
    DISMISSED = "dismissed", _("Dismissed")
    TERMINATED = "terminated", _("Terminated")


class CaseSource(models.TextChoices):
    PATROL = "patrol", _("Patrol")
    COMPLAINT = "complaint", _("Complaint")
    SATELLITE = "satellite", _("Satellite image")
    DRONE = "drone", _("Drone")
    REFERRAL = "referral", _("Referral")


class ViolationKind(models.TextChoices):
    CONSTRUCTION = "construction", _("Illegal construction")
    LAND_USE = "land_use", _("Illegal land use")


class StructureType(models.TextChoices):
    BRICK_CONCRETE = "brick_concrete", _("Brick and concrete")
    STEEL = "steel", _("Steel frame")
    SHED = "shed", _("Simple shed")
    TEMPORARY = "temporary", _("Temporary structure")
    OTHER = "other", _("Other")


class DecisionKind(models.TextChoices):
    DEMOLISH = "demolish", _("Demolish within a time limit")
    RECTIFY = "rectify", _("Rectify within a time limit")


class OptimisticLockMixin(models.Model):
    """Every save of a case bumps `version` and only succeeds if nobody saved it in between.

    ConcurrentTransitionMixin already refuses a transition whose source state changed under
    it; the version also catches two changes that keep the state (two progress reports) and a
    form submitted from a stale page (the service compares the version the page showed).
    """

    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            self._version_in_database = self.version
            self.version += 1
        super().save(*args, **kwargs)

    def _do_update(self, base_qs, using, pk_val, *args, **kwargs):
        updated = super()._do_update(base_qs.filter(version=self._version_in_database), using, pk_val, *args, **kwargs)
        if not updated and base_qs.filter(pk=pk_val).using(using).exists():
            # The row is there but at another version: someone saved it since we read it.
            # (Returning False would make Django try an INSERT.)
            raise ConcurrentTransition("Cannot save: the case was changed since it was read.")
        return updated


class Case(OptimisticLockMixin, ConcurrentTransitionMixin, models.Model):
    """One illegal structure (or land use) followed from the first report to closure.

    `status` is the only record of where the case stands legally. The transition methods below
    encode procedure.md's table of sources and targets; who may call them and under which
    statutory conditions is checked by casework.services before they run, and they neither
    check permissions nor save (the service does both, in one transaction with the event).
    """

    _get_FIELD_display = choice_display

    number = models.CharField(_("case number"), max_length=40, unique=True)
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    squad = models.ForeignKey(Squad, on_delete=models.PROTECT, related_name="cases", verbose_name=_("squad"))
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="cases", verbose_name=_("community")
    )
    party = models.ForeignKey(
        Party, null=True, blank=True, on_delete=models.PROTECT, related_name="cases", verbose_name=_("party")
    )

    # The violation.
    source = models.CharField(_("found via"), max_length=20, choices=CaseSource.choices)
    location = models.CharField(_("location"), max_length=2000)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    violation_kind = models.CharField(
        _("violation"), max_length=20, choices=ViolationKind.choices, default=ViolationKind.CONSTRUCTION
    )
    structure_type = models.CharField(_("structure type"), max_length=20, choices=StructureType.choices, blank=True)
    floors = models.PositiveSmallIntegerField(_("floors"), null=True, blank=True)
    illegal_area = models.DecimalField(
        _("illegal area (m²)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    built_on = models.DateField(_("built on"), null=True, blank=True)
    built_period = models.CharField(_("built in (period)"), max_length=50, blank=True)
    is_newly_added = models.BooleanField(
        _("newly added"), default=True, help_text=_("Newly added (新增) rather than historical (存量) illegal construction.")
    )
    construction_ongoing = models.BooleanField(_("construction ongoing"), default=False)
    violation_ended_on = models.DateField(
        _("violation ended on"), null=True, blank=True,
        help_text=_("When the illegal act ended; the 2-year limitation period runs from here (处罚法 36)."),
    )

    # The investigation and decision.
    facts = models.TextField(_("facts"), blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    decision_kind = models.CharField(_("decision"), max_length=20, choices=DecisionKind.choices, blank=True)
    self_demolition_days = models.PositiveSmallIntegerField(
        _("self-demolition period (days)"), null=True, blank=True,
        help_text=_("Set in the decision; runs from the decision's service."),
    )
    remedies_stated = models.BooleanField(
        _("remedies stated in the decision"), default=True,
        help_text=_("Whether the decision stated the rights to reconsideration and litigation; if not, both windows are 1 year."),
    )
    commitment_date = models.DateField(_("committed demolition date"), null=True, blank=True)
    demolished_area = models.DecimalField(
        _("demolished area (m²)"), max_digits=10, decimal_places=2, default=Decimal("0")
    )
    announcement_days = models.PositiveSmallIntegerField(
        _("announcement period (days)"), null=True, blank=True,
        help_text=_("The new self-demolition period stated in the forced-demolition announcement."),
    )

    # Where it stands.
    status = FSMField(_("status"), max_length=30, choices=CaseStatus.choices, default=S.REPORTED, protected=True)
    suspended_from = models.CharField(_("suspended from"), max_length=30, choices=CaseStatus.choices, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=CaseOutcome.choices, blank=True)

    officers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="officer_cases", blank=True, verbose_name=_("officers")
    )
    negotiators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="negotiator_cases", blank=True, verbose_name=_("negotiators")
    )

    # Milestones copied from the events by the services, for lists and the year's figures.
    reported_at = models.DateTimeField(_("reported at"))
    filed_at = models.DateTimeField(_("filed at"), null=True, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # The character bigrams of the number, location and party's name and address (casework.search),
    # kept by the services; on PostgreSQL a GIN index over them answers the list's search.
    search_bigrams = models.TextField(_("search bigrams"), blank=True, default="", editable=False)
    # When the office's first running clock (not a party's window) ends: the case is overdue from
    # then on unless suspended. Derived from the clocks; casework.deadlines.clocks.clocks_refresh
    # keeps it, so the list's "overdue" filter reads one indexed column.
    office_due_at = models.DateTimeField(_("office's next deadline"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-year", "-sequence"]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="case_unique_sequence_in_year"),
            models.CheckConstraint(condition=models.Q(illegal_area__gt=0) | models.Q(illegal_area__isnull=True),
                                   name="case_illegal_area_positive"),
            models.CheckConstraint(condition=models.Q(demolished_area__gte=0), name="case_demolished_area_not_negative"),
        ]
        indexes = [
            models.Index(fields=["squad", "status"]),
            # The case list: newest first, unfiltered or by one squad, community or state. The pages
            # deep in the list read only these indexes to find their rows (casework.selectors.cases).
            models.Index(fields=["year", "sequence"], include=["id"], name="case_list_idx"),
            models.Index(fields=["squad", "year", "sequence"], include=["id"], name="case_list_squad_idx"),
            models.Index(fields=["community", "year", "sequence"], include=["id"], name="case_list_community_idx"),
            models.Index(fields=["status", "year", "sequence"], include=["id"], name="case_list_status_idx"),
            models.Index(fields=["office_due_at"], include=["id", "year", "sequence", "status", "squad"],
                         name="case_list_overdue_idx"),
            # The year's figures (casework.selectors.stats) read these columns only: index-only scans.
            models.Index(fields=["filed_at"], include=["squad", "community", "illegal_area", "is_newly_added",
                                                      "verified_at"], name="case_filed_figures_idx"),
            models.Index(fields=["verified_at"], include=["squad", "community", "demolished_area", "decision_kind"],
                         name="case_verified_figures_idx"),
            models.Index(fields=["reported_at"], include=["squad", "community", "status"],
                         condition=models.Q(source="complaint"), name="case_complaint_figures_idx"),
            models.Index(fields=["status"], include=["squad"], condition=~models.Q(status="closed"),
                         name="case_open_status_idx"),
        ]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self) -> str:
        return self.number

    def save(self, *args, open_when_read: bool = False, **kwargs):
        # A closed case is evidence: only addenda (notes, attachments) may follow. Asked before
        # the UPDATE, not folded into it: a change racing with the closing must still be told
        # "changed at the same moment" (ConcurrentTransition), which the UPDATE alone cannot
        # tell apart from a stale copy of a case closed long ago. `open_when_read`: the caller
        # read this row, open, in the same transaction, so it is no stale copy; a closing since
        # then fails the conditional UPDATE, and the question would only cost a query.
        if not self._state.adding and not open_when_read and self.is_locked_in_database():
            raise PermissionDenied(_("Case %(number)s is closed and locked.") % {"number": self.number})
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("casework:case_detail", args=[self.pk])

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        # The protected status refuses assignment, also the one refresh_from_db makes; reading
        # the database's value is not a modification, so let it through.
        if fields is None or "status" in fields:
            self.__dict__.pop("status", None)
            super().refresh_from_db(using, fields, from_queryset)
            return
        # Another deferred field (a list row read with case_list's only()): read the status with
        # it, since ConcurrentTransitionMixin reads it on creating the copy and would ask for it
        # in a query of its own, and keep the status this instance holds and the one its
        # conditional UPDATE expects (read when this instance was).
        held = self.__dict__.pop("status", None)
        expected = getattr(self, "_ConcurrentTransitionMixin__initial_states", None)
        super().refresh_from_db(using, [*fields, "status"], from_queryset)
        if held is not None:
            self.__dict__["status"] = held
            self._ConcurrentTransitionMixin__initial_states = expected

    def is_locked_in_database(self) -> bool:
        return type(self).objects.filter(pk=self.pk, status=S.CLOSED).exists()

    @property
    def is_closed(self) -> bool:
        return self.status == S.CLOSED

    # --- Transitions (procedure.md, "Transitions"). Names are part of the interface. -------

    @transition(field=status, source=S.REPORTED, target=S.INSPECTED)
    def inspect(self) -> None:
        pass

    @transition(field=status, source=S.INSPECTED, target=S.FILED)
    def file(self) -> None:
        pass

    @transition(field=status, source=[S.REPORTED, S.INSPECTED], target=S.CLOSED)
    def dismiss(self) -> None:
        self.outcome = CaseOutcome.DISMISSED

    @transition(field=status, source=S.FILED, target=S.NOTIFIED)
    def notify(self) -> None:
        pass

    @transition(field=status, source=S.NOTIFIED, target=S.HEARING)
    def request_hearing(self) -> None:
        pass

    @transition(field=status, source=[S.NOTIFIED, S.HEARING], target=S.UNDER_REVIEW)
    def submit_review(self) -> None:
        pass

    @transition(field=status, source=S.UNDER_REVIEW, target=S.DECIDED)
    def decide(self) -> None:
        pass

    @transition(field=status, source=S.DECIDED, target=S.PERSUADING)
    def assign_negotiators(self) -> None:
        pass

    @transition(field=status, source=COMMITTABLE_STATES, target=S.SELF_DEMOLITION_COMMITTED)
    def commit_self_demolition(self) -> None:
        pass

    @transition(field=status, source=[S.SELF_DEMOLITION_COMMITTED, S.SELF_DEMOLISHING], target=S.SELF_DEMOLISHING)
    def report_progress(self) -> None:
        pass

    @transition(
        field=status,
        source=[S.SELF_DEMOLITION_COMMITTED, S.SELF_DEMOLISHING, S.FORCED_DEMOLISHED],
        target=S.VERIFIED,
    )
    def verify(self) -> None:
        pass

    @transition(field=status, source=S.DECIDED, target=S.RECTIFIED)
    def rectify(self) -> None:
        pass

    @transition(field=status, source=ANNOUNCEABLE_STATES, target=S.ANNOUNCED)
    def announce(self) -> None:
        pass

    @transition(field=status, source=S.ANNOUNCED, target=S.DEMAND_ISSUED)
    def issue_demand(self) -> None:
        pass

    @transition(field=status, source=S.DEMAND_ISSUED, target=S.EXECUTION_DECIDED)
    def decide_execution(self) -> None:
        pass

    @transition(field=status, source=S.EXECUTION_DECIDED, target=S.FORCED_DEMOLISHED)
    def force_demolish(self) -> None:
        pass

    @transition(field=status, source=SUSPENDABLE_STATES, target=S.SUSPENDED)
    def suspend(self) -> None:
        self.suspended_from = self.status

    @transition(field=status, source=S.SUSPENDED, target=RETURN_VALUE(*SUSPENDABLE_STATES))
    def resume(self) -> str:
        resumed_to = self.suspended_from
        self.suspended_from = ""
        return resumed_to

    @transition(field=status, source=[S.VERIFIED, S.RECTIFIED], target=S.CLOSED)
    def close(self) -> None:
        if self.decision_kind == DecisionKind.RECTIFY or self.status == S.RECTIFIED:
            self.outcome = CaseOutcome.RECTIFIED
        elif self.had_forced_demolition:
            self.outcome = CaseOutcome.FORCED_DEMOLISHED
        else:
            self.outcome = CaseOutcome.SELF_DEMOLISHED

    @transition(field=status, source=TERMINABLE_STATES, target=S.CLOSED)
    def terminate(self) -> None:
        self.outcome = CaseOutcome.TERMINATED
        self.suspended_from = ""

    @property
    def had_forced_demolition(self) -> bool:
        return self.events.filter(transition="force_demolish").exists()
