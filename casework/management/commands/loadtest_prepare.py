"""`manage.py loadtest_prepare`: accounts and cases for the load test (loadtest/, scripts/loadtest.sh).

Run after `load_demo` on a database made for the load test, never on a real office's: it adds
officers, negotiators and supervisors spread over the demo squads (all with the demo password),
and per squad cases waiting for each kind of work (leads to inspect, decided cases to hand to
negotiators, cases in persuasion), driven there through the real services (casework.scenarios).
It writes the accounts and the squads' officers as JSON for the locust file.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from decimal import Decimal
from itertools import cycle
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from casework.deadlines.calendar import BEIJING
from casework.models import Community, Document, DocumentStatus, Squad, User
from casework.scenarios import PATHS, CaseRecipe, Cast, Scenario

ROLES = {"officer": "is_field_officer", "negotiator": "is_negotiator", "supervisor": "is_supervisor"}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"
PLACES = ["东区", "西街", "南巷", "北路", "新村", "老街"]


def _name(index: int) -> str:
    return SURNAMES[index % len(SURNAMES)] + GIVEN[(index * 7) % len(GIVEN)] + GIVEN[(index * 3 + 1) % len(GIVEN)]


class Command(BaseCommand):
    help = "Add load-test accounts and cases (after load_demo, on a database made for the load test)."

    def add_arguments(self, parser):
        parser.add_argument("--officers", type=int, default=30)
        parser.add_argument("--negotiators", type=int, default=13)
        parser.add_argument("--supervisors", type=int, default=8)
        parser.add_argument("--leads", type=int, default=15, help="Leads waiting for inspection, per squad.")
        parser.add_argument("--decided", type=int, default=4, help="Decided cases, per squad.")
        parser.add_argument("--persuading", type=int, default=6, help="Cases in persuasion, per squad.")
        parser.add_argument("--accounts-file", default="loadtest-accounts.json")
        parser.add_argument("--wait-rendered", type=int, default=0, metavar="SECONDS",
                            help="Then wait up to this long for the worker to render every pending document.")

    def handle(self, *args, **options):
        squads = list(Squad.objects.order_by("pk"))
        if not squads or not User.objects.filter(username="reviewer1").exists():
            raise CommandError("Run `manage.py load_demo` first.")
        started = time.monotonic()
        accounts = self._accounts(squads, options)
        self.stdout.write(f"Accounts: {', '.join(f'{len(v)} {k}s' for k, v in accounts.items())}.")
        made = self._cases(squads, options)
        self.stdout.write(f"Cases added: {made} ({time.monotonic() - started:.0f} s).")
        squad_officers = {
            str(squad.pk): list(User.objects.filter(squad=squad, is_field_officer=True, is_active=True)
                                .exclude(certificate_number="").order_by("pk").values_list("pk", flat=True))
            for squad in squads
        }
        path = Path(options["accounts_file"])
        path.write_text(json.dumps({"password": settings.DEMO_PASSWORD, "accounts": accounts,
                                    "squad_officers": squad_officers}, ensure_ascii=False, indent=1))
        self.stdout.write(f"Accounts written to {path}.")
        if options["wait_rendered"]:
            self._wait_rendered(options["wait_rendered"])

    def _accounts(self, squads, options) -> dict[str, list[dict]]:
        password = make_password(settings.DEMO_PASSWORD)  # one Argon2 hash for all, as load_demo does
        for role, flag in ROLES.items():
            for i in range(1, options[f"{role}s"] + 1):
                squad = squads[i % len(squads)]
                User.objects.update_or_create(username=f"lt_{role}_{i:02d}", defaults={
                    "full_name": _name(i + 100 * len(role)), "squad": squad, "password": password, "is_active": True,
                    flag: True, "certificate_number": f"4406019{len(role):02d}{i:03d}" if role != "negotiator" else "",
                })
        accounts: dict[str, list[dict]] = {}
        for role, flag in ROLES.items():
            people = User.objects.filter(**{flag: True}, is_active=True, squad__isnull=False).order_by("pk")
            accounts[role] = [{"username": u.username, "id": u.pk, "squad": u.squad_id} for u in people]
        return accounts

    def _cases(self, squads, options) -> int:
        reviewer, head = User.objects.get(username="reviewer1"), User.objects.get(username="head1")
        made = 0
        today = timezone.now().astimezone(BEIJING).date()
        for squad in squads:
            officers = list(User.objects.filter(squad=squad, is_field_officer=True).exclude(certificate_number="")
                            .order_by("pk"))
            supervisors = list(User.objects.filter(squad=squad, is_supervisor=True).order_by("pk"))
            negotiators = cycle(User.objects.filter(squad=squad, is_negotiator=True).order_by("pk"))
            communities = cycle(Community.objects.filter(squad=squad).order_by("pk"))
            if len(officers) < 2 or not supervisors:
                raise CommandError(f"Squad {squad.code} needs two certified officers and a supervisor.")
            plan = ([[]] * options["leads"] + [PATHS["decided"]] * options["decided"]
                    + [PATHS["persuading"]] * options["persuading"])
            for i, steps in enumerate(plan):
                cast = Cast(officer=officers[i % len(officers)], officer2=officers[(i + 1) % len(officers)],
                            supervisor=supervisors[i % len(supervisors)], negotiator=next(negotiators),
                            reviewer=reviewer, head=head)
                place = f"{squad.name}{PLACES[i % len(PLACES)]}{i + 1}号"
                recipe = CaseRecipe(location=place, illegal_area=Decimal(40 + (i * 13) % 200), party_name=_name(i),
                                    party_identifier="", source="patrol" if i % 3 else "complaint")
                start = today - dt.timedelta(days=6 if not steps else 150)
                Scenario(cast=cast, community=next(communities), start=start, recipe=recipe).run(steps)
                made += 1
        return made

    def _wait_rendered(self, seconds: int) -> None:
        deadline = time.monotonic() + seconds
        while (pending := Document.objects.filter(status=DocumentStatus.PENDING).count()) and time.monotonic() < deadline:
            self.stdout.write(f"  {pending} documents waiting for the worker…")
            time.sleep(5)
        issued = Document.objects.filter(status=DocumentStatus.ISSUED).count()
        self.stdout.write(f"Documents issued: {issued}, still pending: {pending}.")
