"""What happened to a case: the append-only event log and the records guards read."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.models.cases import Case, CaseStatus
from casework.models.choices import choice_display


class AppendOnlyModel(models.Model):
    """Rows that are evidence: written once, never edited, never deleted."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionDenied(_("%(model)s records cannot be changed.") % {"model": self._meta.verbose_name})
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied(_("%(model)s records cannot be deleted.") % {"model": self._meta.verbose_name})


class EventKind(models.TextChoices):
    REGISTRATION = "registration", _("Registration")
    TRANSITION = "transition", _("Transition")
    APPROVAL = "approval", _("Approval")
    SERVICE = "service", _("Service of a document")
    STATEMENT = "statement", _("Party statement")
    NOTE = "note", _("Note")
    ASSIGNMENT = "assignment", _("Assignment")
    DETAILS = "details", _("Details updated")
    TALK = "talk", _("Persuasion talk")


class CaseEvent(AppendOnlyModel):
    """One thing that happened to a case, with when it happened and when it was recorded."""

    _get_FIELD_display = choice_display

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events", verbose_name=_("case"))
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    transition = models.CharField(_("transition"), max_length=40, blank=True)
    from_status = models.CharField(_("from"), max_length=30, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=30, choices=CaseStatus.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("actor")
    )
    occurred_at = models.DateTimeField(_("occurred at"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    data = models.JSONField(_("data"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [
            models.Index(fields=["case", "occurred_at"]),
            models.Index(fields=["transition", "occurred_at"]),
            # Whether a case was forcibly demolished (the year's figures): a small index-only scan.
            models.Index(fields=["case"], condition=models.Q(transition="force_demolish"), name="event_forced_case_idx"),
        ]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")

    def __str__(self) -> str:
        return f"{self.case_id} {self.transition or self.kind} @ {self.occurred_at:%Y-%m-%d %H:%M}"


class ApprovalStep(models.TextChoices):
    """Opinions someone other than the mover must give (procedure.md, "Approvals")."""

    LEGAL_REVIEW_DECISION = "legal_review_decision", _("Legal review of the intended decision")
    LEGAL_REVIEW_EXECUTION = "legal_review_execution", _("Legal review of the execution decision")
    LONG_COMMITMENT = "long_commitment", _("Commitment date beyond the limit")
    EMERGENCY = "emergency", _("Emergency demolition at night or on a non-working day")
    DECISION_EXTENSION = "decision_extension", _("Extension of the 90-day decision period")


class ApprovalDecision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")


class Approval(AppendOnlyModel):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="approvals", verbose_name=_("case"))
    step = models.CharField(_("step"), max_length=30, choices=ApprovalStep.choices)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("approver")
    )
    role = models.CharField(_("role"), max_length=20)
    decision = models.CharField(_("decision"), max_length=10, choices=ApprovalDecision.choices)
    opinion = models.TextField(_("opinion"))
    data = models.JSONField(_("data"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    occurred_at = models.DateTimeField(_("occurred at"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")

    def __str__(self) -> str:
        return f"{self.get_step_display()}: {self.get_decision_display()}"


class SuspensionReason(models.TextChoices):
    RECONSIDERATION = "reconsideration", _("Reconsideration filed")
    LITIGATION = "litigation", _("Lawsuit filed")
    OTHER = "other", _("Other reason (强制法 39)")


class Suspension(models.Model):
    """A period in which the case was suspended; its days do not count towards the 90 days."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="suspensions", verbose_name=_("case"))
    reason = models.CharField(_("reason"), max_length=20, choices=SuspensionReason.choices)
    explanation = models.TextField(_("explanation"))
    from_status = models.CharField(_("suspended from"), max_length=30, choices=CaseStatus.choices)
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)

    class Meta:
        ordering = ["started_at"]
        verbose_name = _("suspension")
        verbose_name_plural = _("suspensions")

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_reason_display()}"


class PartyStatement(models.Model):
    """A statement or defence by the party (陈述申辩) and the office's answer to it."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="statements", verbose_name=_("case"))
    stage = models.CharField(_("stage"), max_length=30, choices=CaseStatus.choices)
    received_at = models.DateTimeField(_("received at"))
    content = models.TextField(_("statement"))
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("answered by"),
    )

    class Meta:
        ordering = ["received_at"]
        verbose_name = _("party statement")
        verbose_name_plural = _("party statements")

    def __str__(self) -> str:
        return f"{self.case_id} {self.received_at:%Y-%m-%d}"


class CaseNote(AppendOnlyModel):
    """An addendum: remarks by anyone working on the case, also after it is closed."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notes", verbose_name=_("case"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("note")
        verbose_name_plural = _("notes")

    def __str__(self) -> str:
        return self.text[:40]


class NumberSequence(models.Model):
    """The last number handed out in one series (cases per year, each document type per year).

    Incremented with a single UPDATE inside the caller's transaction, so concurrent issuers
    queue on the row lock and a rolled-back transaction gives its number back: no gap, no
    duplicate.
    """

    series = models.CharField(_("series"), max_length=60)
    year = models.PositiveSmallIntegerField(_("year"))
    last_value = models.PositiveIntegerField(_("last value"), default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["series", "year"], name="number_sequence_unique")]
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")

    def __str__(self) -> str:
        return f"{self.series} {self.year}: {self.last_value}"
