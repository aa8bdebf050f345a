"""`manage.py check_consistency`: a clean data set passes; each kind of corruption is reported
and makes the command exit 1."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from casework.models import Case, CaseEvent, CaseStatus, Document, DocumentStatus, EventKind, NumberSequence
from casework.selectors.consistency import consistency_report
from casework.services.documents import document_render


@pytest.fixture
def quick_pdfs(monkeypatch):
    """Rendering is not what is checked here: a small PDF-like file per document keeps the tests fast."""
    from casework.documents import rendering

    monkeypatch.setattr(rendering, "render_pdf", lambda document: f"%PDF-1.4 {document.number}".encode())


@pytest.fixture
def data_set(case_in, quick_pdfs):
    """Two cases (a lead and a decided case) with every document issued."""
    cases = [case_in(CaseStatus.REPORTED), case_in(CaseStatus.DECIDED)]
    for pk in Document.objects.values_list("pk", flat=True):
        document_render(document_id=pk)
    return cases


def checks_found(**options) -> set[str]:
    return set(consistency_report(**options).counts)


def run_command(*args) -> tuple[int, str]:
    from io import StringIO

    out = StringIO()
    try:
        call_command("check_consistency", *args, stdout=out)
    except CommandError as error:
        return error.returncode, out.getvalue() + str(error)
    return 0, out.getvalue()


def test_a_clean_data_set_passes(data_set):
    """Cases driven through the services, documents rendered: no finding, exit 0."""
    report = consistency_report(verify_files=True)
    assert report.ok, [str(f) for f in report.findings]
    assert report.checked["cases"] == 2 and report.checked["documents"] == Document.objects.count() > 5
    code, output = run_command("--verify-files")
    assert code == 0 and "no finding" in output


def test_a_status_changed_without_its_event_is_reported(data_set):
    """A status written past the services (no event) disagrees with the last event."""
    lead = data_set[0]
    Case.objects.filter(pk=lead.pk).update(status=CaseStatus.FILED)
    report = consistency_report()
    assert report.counts == {"cases.status": 1}
    assert lead.number in str(report.findings[0])
    code, output = run_command()
    assert code == 1 and "cases.status" in output and lead.number in output


def test_an_event_that_does_not_start_where_the_last_ended_is_reported(data_set):
    """A transition event whose from-state is not the previous to-state breaks the chain."""
    decided = data_set[1]
    CaseEvent.objects.create(case=decided, kind=EventKind.TRANSITION, transition="decide",
                             from_status=CaseStatus.UNDER_REVIEW, to_status=CaseStatus.DECIDED,
                             actor=decided.officers.first(), occurred_at=timezone.now())
    assert checks_found() == {"events.chain"}


def test_a_case_without_registration_is_reported(data_set):
    lead = data_set[0]
    CaseEvent.objects.filter(case=lead, kind=EventKind.REGISTRATION).update(kind=EventKind.NOTE, to_status="")
    assert checks_found() == {"cases.no_event"}


def test_an_issued_document_without_fingerprint_is_reported(data_set):
    document = Document.objects.filter(status=DocumentStatus.ISSUED).first()
    Document.objects.filter(pk=document.pk).update(sha256="")
    report = consistency_report()
    assert report.counts == {"documents.issued": 1}
    assert "SHA-256" in report.findings[0].message


def test_a_pdf_changed_after_issue_is_reported_when_files_are_verified(data_set):
    document = Document.objects.filter(status=DocumentStatus.ISSUED).first()
    with document.pdf.open("wb") as handle:
        handle.write(b"%PDF-1.4 forged")
    assert checks_found() == set()
    assert checks_found(verify_files=True) == {"documents.file"}


def test_a_document_left_pending_past_the_grace_period_is_reported(data_set):
    document = Document.objects.filter(status=DocumentStatus.ISSUED).first()
    Document.objects.filter(pk=document.pk).update(status=DocumentStatus.PENDING, pdf="", sha256="", size=None,
                                                   created_at=timezone.now() - dt.timedelta(hours=1))
    assert checks_found(pending_grace=dt.timedelta(hours=2)) == set()
    assert checks_found(pending_grace=dt.timedelta(minutes=10)) == {"documents.pending"}


def test_a_gap_in_the_case_numbers_is_reported(data_set):
    """A number handed out and never used (the series ran ahead) is a gap."""
    year = data_set[0].year
    NumberSequence.objects.filter(series="case", year=year).update(last_value=5)
    report = consistency_report()
    assert report.counts == {"numbers.gap": 1}
    assert "4, 5" in report.findings[0].message


def test_a_document_renumbered_past_its_series_is_reported(data_set):
    """A document moved to a sequence the series never handed out leaves a gap behind it, runs
    ahead of the series, and no longer reads its own number."""
    record = data_set[1].documents.get(document_type="inspection_record")
    Document.objects.filter(pk=record.pk).update(sequence=record.sequence + 10)
    assert checks_found() == {"numbers.gap", "numbers.ahead", "numbers.text"}


def test_a_case_number_that_does_not_read_its_sequence_is_reported(data_set):
    lead = data_set[0]
    Case.objects.filter(pk=lead.pk).update(number="〔2020〕第9999号")
    assert checks_found() == {"numbers.text"}


def test_clocks_that_no_longer_copy_their_case_are_reported(data_set):
    """A clock whose status or people differ from its case's misleads the overdue review."""
    from casework.models import CaseClock

    decided = data_set[1]
    CaseClock.objects.filter(case=decided, kind="decision").update(case_status=CaseStatus.FILED)
    CaseClock.objects.filter(case=decided, kind="self_demolition").update(officer_ids=[])
    report = consistency_report()
    assert report.counts == {"clocks.case_columns": 1, "clocks.people": 1}
    assert report.checked["cases with clocks"] == 1
    assert all(decided.number in str(finding) for finding in report.findings)
