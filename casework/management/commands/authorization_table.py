"""Print who may do what (action × role) in Markdown, generated from casework.authorization."""

from django.core.management.base import BaseCommand

from casework.authorization import authorization_table


class Command(BaseCommand):
    help = "Print the action × role table of the authorisation rules in Markdown (the README carries it)."

    def handle(self, *args, **options):
        self.stdout.write(authorization_table(), ending="")
