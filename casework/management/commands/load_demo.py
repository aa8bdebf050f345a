"""`manage.py load_demo`: demo squads, communities, accounts and (when available) cases."""

import unicodedata

from django.conf import settings
from django.core.management.base import BaseCommand

from casework import demo
from casework.models import Role, User


def _width(text: str) -> int:
    """Columns the text takes in a terminal: Chinese characters are two columns wide."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def accounts_table(users: list[User], password: str) -> str:
    header = ["username", "name", "roles", "squad", "password"]
    rows = [
        [
            user.username,
            user.full_name,
            ", ".join(str(label) for value, label in Role.choices if value in user.roles),
            user.squad.name if user.squad else "(all squads)",
            password,
        ]
        for user in users
    ]
    widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip() for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Load demo data (idempotent) and print the demo accounts with their password."

    def handle(self, *args, **options):
        password = settings.DEMO_PASSWORD
        users = demo.load_demo_reference(password=password)
        self.stdout.write(f"Demo squads: {len(demo.SQUADS)}, accounts: {len(users)}.")
        created = demo.load_demo_cases(self.stdout)
        self.stdout.write(f"Demo cases added: {created}.")
        # Cases registered before the workflow existed get their process now (idempotent).
        from workflows.demo import load_demo_workflows

        load_demo_workflows()
        self.stdout.write("")
        self.stdout.write(f"Demo accounts (one password for all: {password}):")
        self.stdout.write(accounts_table(users, password))
