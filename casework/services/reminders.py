"""Reminders about running clocks: in-app notifications and e-mail, each exactly once.

Responsible people (the case's officers and negotiators) are told 2 working days before a
clock runs out and when it runs out; the squad's supervisors when it is 3 days overdue.

Once per clock and threshold: rows are inserted with ON CONFLICT DO NOTHING against the
unique constraint (recipient, case, clock kind, due_at, threshold), so two overlapping runs
create each row once. E-mail goes out afterwards for rows whose `sent_at` is empty, each row
locked with SKIP LOCKED so two runs never mail the same row; a run that died after the insert
leaves the rows unsent and the next run mails them.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from casework.errors import NotAllowed
from casework.models import Notification, ReminderThreshold, User
from casework.selectors.overdue import (
    SUPERVISOR_AFTER_DAYS,
    OverdueClock,
    clock_list_due_soon,
    clock_list_ran_out,
    supervisors_by_squad,
)

logger = logging.getLogger(__name__)

# How far back a missed threshold is still reminded of (beat down for a while, a new deployment
# with years of history must not mail every old clock).
CATCH_UP = dt.timedelta(days=3)
SEND_BATCH = 200


@dataclass
class ReminderRun:
    considered: int
    emailed: int


def _message(row: OverdueClock, threshold: str) -> str:
    values = {"case": row.case_number, "clock": row.kind_label, "day": f"{row.last_day:%Y-%m-%d}",
              "days": row.days_overdue, "community": row.community_name}
    if threshold == ReminderThreshold.DUE_SOON:
        return _("Case %(case)s (%(community)s): “%(clock)s” ends on %(day)s.") % values
    if threshold == ReminderThreshold.DUE:
        return _("Case %(case)s (%(community)s): “%(clock)s” ran out on %(day)s.") % values
    return _("Case %(case)s (%(community)s): “%(clock)s” is %(days)s days overdue (last day %(day)s).") % values


def _notifications(as_of: dt.datetime) -> list[Notification]:
    wanted: list[Notification] = []

    def add(recipient_id: int, row: OverdueClock, threshold: str):
        wanted.append(Notification(
            recipient_id=recipient_id, case_id=row.case_id, clock_kind=row.kind, clock_due_at=row.due_at,
            threshold=threshold, message=_message(row, threshold),
        ))

    for row in clock_list_due_soon(as_of=as_of):
        for person in row.responsible:
            add(person.id, row, ReminderThreshold.DUE_SOON)
    for row in clock_list_ran_out(as_of=as_of, since=as_of - CATCH_UP, min_days=0):
        for person in row.responsible:
            add(person.id, row, ReminderThreshold.DUE)
    late = clock_list_ran_out(as_of=as_of, since=as_of - CATCH_UP, min_days=SUPERVISOR_AFTER_DAYS)
    supervisors = supervisors_by_squad(row.squad_id for row in late)
    for row in late:
        for supervisor in supervisors.get(row.squad_id, ()):
            add(supervisor.pk, row, ReminderThreshold.OVERDUE_3_DAYS)
    return wanted


def reminders_send(*, as_of: dt.datetime | None = None) -> ReminderRun:
    """Create the reminders due at `as_of` (once each) and e-mail every reminder not yet mailed."""
    as_of = as_of or timezone.now()
    # Messages are stored, so in the office's language, like every other record.
    with translation.override("zh-hans"):
        wanted = _notifications(as_of)
    created = Notification.objects.bulk_create(wanted, ignore_conflicts=True, batch_size=1000)
    emailed = reminders_mail_unsent()
    logger.info("reminders at %s: %s wanted, %s mailed", as_of, len(wanted), emailed)
    # `considered`: bulk_create with ignore_conflicts cannot tell inserted rows from skipped ones.
    return ReminderRun(considered=len(created), emailed=emailed)


def reminders_mail_unsent() -> int:
    """Mail every notification without `sent_at`; safe to run in parallel with itself."""
    emailed = 0
    while True:
        with transaction.atomic():
            batch = list(
                Notification.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(sent_at__isnull=True).select_related("recipient", "case").order_by("id")[:SEND_BATCH]
            )
            if not batch:
                return emailed
            for notification in batch:
                recipient = notification.recipient
                if recipient.email and recipient.is_active:
                    send_mail(
                        subject=_("Reminder: case %(case)s") % {"case": notification.case.number},
                        message=notification.message,
                        from_email=None,
                        recipient_list=[recipient.email],
                    )
                    emailed += 1
            Notification.objects.filter(pk__in=[n.pk for n in batch]).update(sent_at=timezone.now())


def notification_mark_read(*, user: User, notification_ids: list[int] | None = None) -> int:
    """Mark the user's notifications read (all unread ones when no ids are given)."""
    if not user.is_authenticated:
        raise NotAllowed(_("Sign in to read notifications."))
    queryset = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        queryset = queryset.filter(pk__in=notification_ids)
    return queryset.update(read_at=timezone.now())


__all__ = ["ReminderRun", "notification_mark_read", "reminders_mail_unsent", "reminders_send"]
