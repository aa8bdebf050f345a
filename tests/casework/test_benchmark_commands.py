"""The benchmark commands run end to end on generated data (PostgreSQL) and print their figures.

They are measuring tools, not tests of speed: these tests only prove that every measure runs,
that the hand-written SQL answers beside it, and that a run compares itself with a baseline."""

import io
import json
import re
from collections import deque

import pytest
from django.core.management import call_command
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_benchmarks_measure_generated_data_and_compare_with_a_baseline(tmp_path, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    run("generate_cases", "--count", "300", "--batch", "100", "--years", "2")
    first = json.loads(run("benchmark_scale", "--runs", "2", "--page", "2", "--json"))
    rows = {row["label"]: row for row in first["rows"]}
    for label in ("list all, page 1: selector", "list all, page 2: GET page", "case page: selector",
                  "available transitions selector", "overdue selector, whole office", "dashboard GET",
                  "stats API GET"):
        assert rows[label]["p95_ms"] > 0 and rows[label]["queries"] > 0, label
        assert rows[label]["sql_p95_ms"] > 0, label
    # Pages of people's work, measured without a floor of their own.
    for label in ("my work GET, field officer", "process index GET, supervisor", "process task_list GET, supervisor",
                  "process archive GET, legal reviewer", "process queue GET, field officer"):
        assert rows[label]["p95_ms"] > 0 and rows[label]["queries"] > 0, label
    measured = [row for label, row in rows.items() if label.startswith("transition ") and row["p95_ms"] == row["p95_ms"]]
    assert measured, "no transition could be measured on the generated cases"
    for row in measured:
        # The floor replays every statement the transition sent: its reads (at least the case's)
        # and its writes (at least the case's and its event's).
        sent = int(re.search(r"(\d+) statements", row["note"]).group(1))
        written = int(re.search(r"(\d+) writes", row["note"]).group(1))
        assert sent > written >= 2 and row["sql_p95_ms"] > 0, row
    # The connection logs its last 9,000 queries only (here: 60); measures taken after the log
    # filled up (a whole run's transitions) still count their own queries and writes.
    full_log, connection.queries_log = connection.queries_log, deque(maxlen=60)
    try:
        again = json.loads(run("benchmark_scale", "--runs", "2", "--only", measured[0]["label"], "--only",
                               "case page: selector", "--json"))["rows"]
    finally:
        connection.queries_log = full_log
    def counted(row):  # its queries and what its note counts, without the note's timing
        return row["queries"], re.sub(r"p95 [\d.]+", "p95 …", row["note"])

    assert {row["label"]: counted(row) for row in again} == {
        label: counted(row) for label, row in rows.items() if label in (measured[0]["label"], "case page: selector")}
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(first), encoding="utf-8")
    second = run("benchmark_scale", "--runs", "2", "--page", "2", "--only", "list all", "--baseline", str(baseline))
    assert "growth against" in second and "list all, page 1: selector" in second.split("growth against")[1]
    supervision = run("benchmark_supervision", "--runs", "2")
    assert "overdue selector, whole office" in supervision and "GET /overdue/?ordering=officer" in supervision


def test_generated_cases_with_pdfs_pass_the_consistency_check(settings, tmp_path):
    """With --pdfs every generated document has a stored PDF with its fingerprint and size, and
    the generated records agree with each other as check_consistency reads them."""
    from casework.models import Document
    from casework.selectors.consistency import consistency_report

    settings.MEDIA_ROOT = tmp_path
    run("generate_cases", "--count", "120", "--batch", "50", "--years", "2", "--pdfs")
    assert Document.objects.exists() and not Document.objects.filter(sha256="").exists()
    report = consistency_report(verify_files=True)
    assert report.ok, [str(finding) for finding in report.findings]


def test_generated_documents_can_be_verified_by_their_code(client, settings):
    """The public verification page finds a generated document by its code, typed in any case."""
    from django.urls import reverse

    from casework.models import Document

    settings.ALLOWED_HOSTS = ["testserver"]
    run("generate_cases", "--count", "40", "--batch", "20", "--years", "1")
    document = Document.objects.order_by("pk").first()
    for typed in (document.verification_code, document.verification_code.lower()):
        response = client.get(reverse("documents:verify", args=[typed]))
        assert response.status_code == 200 and document.number in response.content.decode(), typed


def test_generated_cases_move_on_with_their_workflow(settings):
    """Each generated case has its process with one open task, offered or assigned as the flow
    would; a transition through the services completes that task and opens the next one."""
    from django.utils import timezone
    from viewflow.workflow.status import STATUS

    from casework.models import Case, CaseStatus, User
    from casework.services import cases
    from workflows.models import DemolitionProcess
    from workflows.services import open_tasks

    settings.ALLOWED_HOSTS = ["testserver"]
    run("generate_cases", "--count", "200", "--batch", "100", "--years", "1")
    assert DemolitionProcess.objects.count() == Case.objects.count() == 200
    for case in Case.objects.exclude(status=CaseStatus.CLOSED):
        assert open_tasks(case=case).count() == 1, case.status
    assert not open_tasks(case=Case.objects.filter(status=CaseStatus.CLOSED).first()).exists()
    inspected = Case.objects.filter(status=CaseStatus.INSPECTED).select_related("squad").first()
    task = open_tasks(case=inspected).get()
    supervisor = User.objects.get(squad=inspected.squad, is_supervisor=True)
    assert (task.flow_task.name, task.status, task.owner_id) == ("approve_filing", STATUS.ASSIGNED, supervisor.pk)
    cases.case_file(case=inspected, actor=supervisor, occurred_at=timezone.now(), opinion="同意立案。")
    task.refresh_from_db()
    assert (task.status, task.data) == (STATUS.DONE, {"action": "file", "by": supervisor.pk})
    following = open_tasks(case=inspected).get()
    assert (following.flow_task.name, following.status, following.owner_id) == ("serve_prior_notice", STATUS.NEW, None)
    assert list(following.previous.values_list("flow_task_type", flat=True)) == ["SWITCH"]
