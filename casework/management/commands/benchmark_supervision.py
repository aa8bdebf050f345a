"""Median and p95 of the overdue selector, the overdue review page and the dashboard.

Run against generated data on PostgreSQL (see generate_cases); prints one line per measure.
Targets (issue 7): overdue selector ≤ 1 s for the whole office; each page p95 ≤ 300 ms.
"""

from __future__ import annotations

import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casework.models import Case, User
from casework.selectors.overdue import ORDERINGS, clock_list_overdue
from casework.selectors.stats import case_year_figures
from config.process import freeze_startup_objects


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


class Command(BaseCommand):
    help = "Benchmark the supervisors' overdue selector and pages (median and p95 over N runs)."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=20)
        parser.add_argument("--head", default="gen-head", help="An office-wide user (sees every squad).")
        parser.add_argument("--supervisor", default="gen1-supervisor", help="A squad supervisor.")

    def handle(self, *args, runs, head, supervisor, **options):
        try:
            head_user = User.objects.get(username=head)
            supervisor_user = User.objects.get(username=supervisor)
        except User.DoesNotExist as error:
            raise CommandError("Create the users first (generate_cases does).") from error
        self.runs = runs
        self.stdout.write(f"database: {connection.vendor} {connection.settings_dict['NAME']}; "
                          f"cases: {Case.objects.count():,}; runs: {runs}")
        now = timezone.now()
        year = timezone.localdate().year
        warm_up = Client()
        warm_up.force_login(head_user)
        self._get(warm_up, "/overdue/")
        freeze_startup_objects()  # as a gunicorn worker does once the application is loaded (config/wsgi.py)
        self.measure("overdue selector, whole office", lambda: clock_list_overdue(as_of=now), rows=True)
        self.measure(f"overdue selector, squad of {supervisor}",
                     lambda: clock_list_overdue(as_of=now, user=supervisor_user), rows=True)
        self.measure(f"year figures selector {year}, whole office", lambda: case_year_figures(year=year))
        for label, user in (("head of office", head_user), ("squad supervisor", supervisor_user)):
            client = Client()
            client.force_login(user)
            orderings = [f"/overdue/?ordering={key}" for key in ORDERINGS if key != "-days"]  # "-days": the default
            for url in ("/overdue/", "/overdue/?page=20", *orderings):
                self.measure(f"GET {url} as {label}", lambda c=client, u=url: self._get(c, u))
            for url in ("/dashboard/", f"/dashboard/?year={year - 1}"):
                self.measure(f"GET {url} as {label}", lambda c=client, u=url: self._get(c, u))

    def _get(self, client, url):
        response = client.get(url)
        if response.status_code != 200:
            raise CommandError(f"{url} answered {response.status_code}")
        return response

    def measure(self, label, call, rows=False):
        samples, result = [], None
        with CaptureQueriesContext(connection) as queries:
            result = call()  # warm-up, and the query count
        count = len(queries)
        for _ in range(self.runs):
            reset_queries()
            start = time.perf_counter()
            result = call()
            samples.append((time.perf_counter() - start) * 1000)
        extra = f"; rows {len(result):,}" if rows else ""
        self.stdout.write(f"{label:<55} median {statistics.median(samples):8.1f} ms  p95 {_p95(samples):8.1f} ms"
                          f"  ({count} queries{extra})")
