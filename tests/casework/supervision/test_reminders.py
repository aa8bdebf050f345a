import datetime as dt
import os
import threading
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection

from casework.models import CaseClock, CaseStatus, ClockKind, Notification, ReminderThreshold
from casework.services.reminders import reminders_send

on_postgres = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL (DATABASE_URL)"
)


@pytest.fixture(autouse=True)
def _locmem_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def mailed_cast(cast):
    for person in (cast.officer, cast.officer2, cast.negotiator, cast.supervisor):
        person.email = f"{person.username}@example.org"
        person.save()
    return cast


def _clock(case, kind):
    return CaseClock.objects.get(case=case, kind=kind, satisfied_at__isnull=True)


def _sent(case, kind, threshold):
    return set(Notification.objects.filter(case=case, clock_kind=kind, threshold=threshold)
               .values_list("recipient__username", flat=True))


@pytest.mark.django_db
def test_each_threshold_reaches_the_right_people_once(case_in, mailed_cast):
    """Officers and negotiators are told 2 working days before and when a clock runs out; the
    squad's supervisor when it is 3 days overdue; a second run sends nothing again."""
    case = case_in(CaseStatus.PERSUADING)
    clock = _clock(case, ClockKind.FIRST_TALK)
    responsible = {"officer1", "officer2", "negotiator1"}

    reminders_send(as_of=clock.due_at - dt.timedelta(hours=1))
    assert _sent(case, ClockKind.FIRST_TALK, ReminderThreshold.DUE_SOON) == responsible
    assert _sent(case, ClockKind.FIRST_TALK, ReminderThreshold.DUE) == set()

    reminders_send(as_of=clock.due_at + dt.timedelta(minutes=10))
    assert _sent(case, ClockKind.FIRST_TALK, ReminderThreshold.DUE) == responsible
    assert _sent(case, ClockKind.FIRST_TALK, ReminderThreshold.OVERDUE_3_DAYS) == set()

    reminders_send(as_of=clock.due_at + dt.timedelta(days=2, minutes=10))  # the 3rd day overdue
    assert _sent(case, ClockKind.FIRST_TALK, ReminderThreshold.OVERDUE_3_DAYS) == {"supervisor1"}

    count, mails = Notification.objects.count(), len(mail.outbox)
    reminders_send(as_of=clock.due_at + dt.timedelta(days=2, minutes=25))
    assert Notification.objects.count() == count
    assert len(mail.outbox) == mails == count
    assert not Notification.objects.filter(sent_at__isnull=True).exists()
    first = Notification.objects.filter(threshold=ReminderThreshold.DUE, recipient=mailed_cast.officer).get()
    assert case.number in first.message
    assert any(m.to == ["officer1@example.org"] and first.message in m.body for m in mail.outbox)


@pytest.mark.django_db
def test_worker_dying_after_insert_is_finished_by_the_next_run(case_in, mailed_cast):
    """If sending fails after the rows were inserted, the next run mails them (and only them)."""
    case = case_in(CaseStatus.PERSUADING)
    clock = _clock(case, ClockKind.FIRST_TALK)
    moment = clock.due_at + dt.timedelta(minutes=1)
    with mock.patch("casework.services.reminders.send_mail", side_effect=ConnectionError("smtp down")):
        with pytest.raises(ConnectionError):
            reminders_send(as_of=moment)
    unsent = Notification.objects.filter(sent_at__isnull=True).count()
    assert unsent >= 3 and len(mail.outbox) == 0
    reminders_send(as_of=moment + dt.timedelta(minutes=15))
    assert len(mail.outbox) == Notification.objects.count() == unsent
    assert not Notification.objects.filter(sent_at__isnull=True).exists()


@pytest.mark.django_db
def test_send_reminders_command(case_in, mailed_cast):
    """The cron command runs the same service."""
    case = case_in(CaseStatus.PERSUADING)
    clock = _clock(case, ClockKind.FIRST_TALK)
    call_command("send_reminders", "--as-of", (clock.due_at + dt.timedelta(minutes=1)).isoformat())
    assert _sent(case, ClockKind.FIRST_TALK, ReminderThreshold.DUE) == {"officer1", "officer2", "negotiator1"}


@pytest.mark.postgres
@on_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_double_run_sends_each_reminder_once(case_in, mailed_cast):
    """Two runs at the same moment on their own connections create and mail every reminder once."""
    case = case_in(CaseStatus.PERSUADING)
    clock = _clock(case, ClockKind.FIRST_TALK)
    moment = clock.due_at + dt.timedelta(days=2, minutes=1)
    # Also let "due" be in the catch-up window so that both thresholds are in play.
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait(timeout=10)
            reminders_send(as_of=moment)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    rows = list(Notification.objects.values_list("recipient_id", "case_id", "clock_kind", "threshold"))
    assert len(rows) == len(set(rows)) >= 4  # 3 responsible "due" + the supervisor's "3 days overdue"
    assert len(mail.outbox) == len(rows)
    assert sorted(tuple(m.to) for m in mail.outbox) == sorted(
        (f"{username}@example.org",) for username in Notification.objects.values_list("recipient__username", flat=True))
