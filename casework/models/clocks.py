from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.models.cases import Case, CaseStatus
from casework.models.choices import choice_display
from casework.models.people import Community, Squad, User


class ClockKind(models.TextChoices):
    """The clocks of procedure.md, "Clocks that run on a case"."""

    FILING = "filing", _("Filing after inspection")
    DECISION = "decision", _("Decision within 90 days of filing")
    DECISION_SERVICE = "decision_service", _("Service of the decision")
    HEARING_REQUEST = "hearing_request", _("Hearing request window")
    STATEMENT = "statement", _("Statement and defence window")
    SELF_DEMOLITION = "self_demolition", _("Self-demolition period")
    COMMITMENT = "commitment", _("Committed self-demolition date")
    FIRST_TALK = "first_talk", _("First persuasion talk")
    FOLLOW_UP_TALK = "follow_up_talk", _("Follow-up talk")
    RECONSIDERATION = "reconsideration", _("Reconsideration window")
    LITIGATION = "litigation", _("Litigation window")
    ANNOUNCEMENT = "announcement", _("Announcement period")
    DEMAND_STATEMENT = "demand_statement", _("Statement window after the demand")


class CaseClock(models.Model):
    """A clock of a case as computed by casework.deadlines from the case's events.

    Rows are derived data: the deadlines module rewrites a case's clocks in the same
    transaction as every change to the case, so "overdue" is a plain indexed query.
    A window (`is_window`) is a period the party has (to ask for a hearing, to sue); when it
    ends the office may proceed, so it never makes a case overdue.
    """

    _get_FIELD_display = choice_display

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="clocks", verbose_name=_("case"))
    # Copies of the case's columns the overdue review filters and shows, written with the
    # clocks by casework.deadlines.clocks.clocks_refresh (which every change to a case calls),
    # so "overdue" is read from one index without joining the cases.
    squad = models.ForeignKey(Squad, on_delete=models.PROTECT, related_name="+", db_index=False,
                              verbose_name=_("squad"))
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+", db_index=False,
                                  verbose_name=_("community"))
    case_number = models.CharField(_("case number"), max_length=40)
    case_status = models.CharField(_("status"), max_length=30, choices=CaseStatus.choices)
    # The case's officers and negotiators (user ids, alphabetical by name when written), so the
    # whole office's overdue list needs neither the link tables nor a join per row.
    officer_ids = models.JSONField(_("officers"), default=list, blank=True)
    negotiator_ids = models.JSONField(_("negotiators"), default=list, blank=True)
    # The first of each (the review page sorts by them with a join, not a lookup per row).
    first_officer = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                      db_index=False, verbose_name=_("officer"))
    first_negotiator = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                         db_index=False, verbose_name=_("negotiator"))
    kind = models.CharField(_("clock"), max_length=30, choices=ClockKind.choices)
    started_at = models.DateTimeField(_("started at"))
    due_at = models.DateTimeField(_("ends at"), help_text=_("The first moment after the period."))
    satisfied_at = models.DateTimeField(_("satisfied at"), null=True, blank=True)
    is_window = models.BooleanField(_("party's window"), default=False)
    unconfirmed = models.BooleanField(
        _("unconfirmed"), default=False,
        help_text=_("Counted over a year without holiday data (weekends only); check when the notice is out."),
    )
    rule = models.CharField(_("rule"), max_length=300)
    basis = models.CharField(_("basis"), max_length=100, blank=True)

    class Meta:
        ordering = ["due_at"]
        constraints = [models.UniqueConstraint(fields=["case", "kind"], name="clock_unique_kind_per_case")]
        indexes = [
            # Clocks that can make a case late (running, not a window, case not suspended), with
            # every column the overdue review reads, the primary key included (rows are ordered by
            # it after the end): index-only scans.
            models.Index(
                fields=["due_at"],
                include=["id", "kind", "case", "squad", "community", "case_number", "case_status", "officer_ids",
                         "negotiator_ids", "first_officer", "first_negotiator"],
                condition=models.Q(satisfied_at__isnull=True, is_window=False) & ~models.Q(case_status="suspended"),
                name="clock_overdue_due_idx",
            ),
        ]
        verbose_name = _("clock")
        verbose_name_plural = _("clocks")

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} → {self.due_at:%Y-%m-%d}"

    @classmethod
    def of_case(cls, case: Case, people: CasePeople | None = None, **fields) -> CaseClock:
        """An unsaved clock of `case` with the case's columns it copies filled in (`people` read
        from the case when not given)."""
        people = people or CasePeople.of(case)
        return cls(case=case, squad_id=case.squad_id, community_id=case.community_id, case_number=case.number,
                   case_status=case.status, **people.clock_fields(), **fields)


@dataclass(frozen=True)
class CasePeople:
    """The ids of a case's officers and negotiators, each alphabetical by name, as clocks copy them."""

    officer_ids: tuple[int, ...] = ()
    negotiator_ids: tuple[int, ...] = ()

    def clock_fields(self) -> dict:
        """The clock's columns that hold these people."""
        return {"officer_ids": list(self.officer_ids), "negotiator_ids": list(self.negotiator_ids),
                "first_officer_id": self.officer_ids[0] if self.officer_ids else None,
                "first_negotiator_id": self.negotiator_ids[0] if self.negotiator_ids else None}

    @classmethod
    def of(cls, case: Case) -> CasePeople:
        """Read from the case's link tables (one query), or from the people loaded with the case
        (`case.officers.all()` and `case.negotiators.all()` already read) without one."""
        loaded = getattr(case, "_prefetched_objects_cache", {})
        if "officers" in loaded and "negotiators" in loaded:
            def alphabetical(people) -> tuple[int, ...]:
                return tuple(person.pk for person in sorted(people, key=lambda person: (person.full_name, person.pk)))

            return cls(officer_ids=alphabetical(case.officers.all()), negotiator_ids=alphabetical(case.negotiators.all()))
        officers = Case.officers.through.objects.filter(case_id=case.pk).values_list(
            "user_id", "user__full_name", models.Value("officer"))
        negotiators = Case.negotiators.through.objects.filter(case_id=case.pk).values_list(
            "user_id", "user__full_name", models.Value("negotiator"))
        found: dict[str, list[tuple[str, int]]] = {"officer": [], "negotiator": []}
        for user_id, name, role in officers.union(negotiators, all=True):
            found[role].append((name, user_id))
        return cls(officer_ids=tuple(user_id for _name, user_id in sorted(found["officer"])),
                   negotiator_ids=tuple(user_id for _name, user_id in sorted(found["negotiator"])))
