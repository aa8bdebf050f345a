import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import timezone

from casework.services.reminders import reminders_send


class Command(BaseCommand):
    help = "Create and e-mail the due reminders about running clocks (for cron; beat runs the same every 15 minutes)."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="ISO date-time to run as of (default: now).")

    def handle(self, *args, as_of=None, **options):
        moment = dt.datetime.fromisoformat(as_of) if as_of else timezone.now()
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        run = reminders_send(as_of=moment)
        self.stdout.write(f"{run.emailed} e-mails sent.")
