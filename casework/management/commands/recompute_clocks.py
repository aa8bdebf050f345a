from django.core.management.base import BaseCommand

from casework.deadlines.clocks import clocks_refresh_open_cases


class Command(BaseCommand):
    help = "Recompute the clocks of every open case (after editing holidays or periods)."

    def handle(self, *args, **options):
        count = clocks_refresh_open_cases()
        self.stdout.write(self.style.SUCCESS(f"Recomputed the clocks of {count} open cases."))
