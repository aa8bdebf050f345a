import datetime as dt
import io

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from casework.errors import GuardsFailed, NotAllowed
from casework.models import Document, DocumentStatus, DocumentType, ServiceMethod
from casework.services import documents as document_services
from casework.services.documents import (
    DocumentRenderFailed,
    document_correct,
    document_render,
    document_serve,
)


def pdf_text(document: Document) -> str:
    with document.pdf.open("rb") as handle:
        return "".join("".join(page.extract_text().split()) for page in PdfReader(handle).pages)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_issued_documents_of_a_real_case_show_its_data(case_in, media):
    """A decided case's documents render from their snapshots: the decision (served on the
    party, the legal record) shows the full ID, the area, the self-demolition period, the
    remedies and the officers' certificates; the filing approval form only the masked ID."""
    case = case_in("decided")
    decision = case.documents.get(document_type=DocumentType.DEMOLITION_DECISION)
    document_render(document_id=decision.pk)
    decision.refresh_from_db()
    assert decision.status == DocumentStatus.ISSUED and decision.size > 0 and len(decision.sha256) == 64
    text = pdf_text(decision)
    for part in (decision.number, case.number, "张伟", "11010519491231002X", "120.50", "15日内自行拆除",
                 "44060123001", "佛山市南海区人民法院"):
        assert "".join(part.split()) in text
    filing = case.documents.get(document_type=DocumentType.FILING_APPROVAL)
    assert filing.data["party"]["identifier"] == "" and filing.data["party"]["identifier_masked"] == "110105********002X"


def test_filing_approval_snapshot_has_clock_deadline_and_approval_chain(case_in, media):
    """The filing approval form prints the 90-day decision deadline computed by the clocks and
    the chain officer in charge → squad leader."""
    case = case_in("filed")
    form = case.documents.get(document_type=DocumentType.FILING_APPROVAL)
    assert [step["role"] for step in form.data["approval_chain"]] == ["承办人", "中队长"]
    clock = next(c for c in form.data["clocks"] if c["kind"] == "decision")
    document_render(document_id=form.pk)
    form.refresh_from_db()
    year, month, day = (int(x) for x in clock["last_day"].split("-"))
    assert f"应于{year}年{month}月{day}日前作出处理决定" in pdf_text(form)


def test_issued_pdf_never_changes_and_re_render_is_refused(case_in, media):
    """Rendering an issued document again is refused and its stored bytes stay the same."""
    case = case_in("inspected")
    record = case.documents.get(document_type=DocumentType.INSPECTION_RECORD)
    document_render(document_id=record.pk)
    record.refresh_from_db()
    with record.pdf.open("rb") as handle:
        before = handle.read()
    with pytest.raises(NotAllowed):
        document_render(document_id=record.pk)
    record.refresh_from_db()
    with record.pdf.open("rb") as handle:
        assert handle.read() == before
    assert record.render_attempts == 1


def test_render_failure_leaves_pending_and_the_retry_completes(case_in, media, monkeypatch):
    """A failing render keeps the document pending with the error and the attempt counted; the
    next attempt renders it and clears the error."""
    from casework.documents import rendering

    case = case_in("inspected")
    record = case.documents.get(document_type=DocumentType.INSPECTION_RECORD)
    real = rendering.render_pdf
    monkeypatch.setattr(rendering, "render_pdf", lambda document: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(DocumentRenderFailed):
        document_render(document_id=record.pk)
    record.refresh_from_db()
    assert record.status == DocumentStatus.PENDING
    assert record.render_attempts == 1 and "disk full" in record.last_error
    assert not record.pdf
    monkeypatch.setattr(rendering, "render_pdf", real)
    document_render(document_id=record.pk)
    record.refresh_from_db()
    assert record.status == DocumentStatus.ISSUED and record.render_attempts == 2 and record.last_error == ""


def test_task_retries_with_back_off_until_the_render_succeeds(case_in, media, monkeypatch):
    """The Celery task retries a failed render (eager mode here) and ends with the PDF issued."""
    from casework.documents import rendering
    from casework.documents.tasks import documents_render

    case = case_in("inspected")
    record = case.documents.get(document_type=DocumentType.INSPECTION_RECORD)
    real, calls = rendering.render_pdf, []

    def flaky(document):
        calls.append(1)
        if len(calls) < 3:
            raise RuntimeError("worker crashed")
        return real(document)

    monkeypatch.setattr(rendering, "render_pdf", flaky)
    documents_render.apply(args=[record.pk])
    record.refresh_from_db()
    assert len(calls) == 3
    assert record.status == DocumentStatus.ISSUED and record.render_attempts == 3
    assert documents_render.retry_backoff and documents_render.max_retries >= 5


@pytest.mark.django_db(transaction=True)
def test_issuing_queues_the_render_on_commit(case_in, media, eager_tasks):
    """With no broker (eager), the on-commit hook renders each issued document."""
    case = case_in("filed")
    assert set(case.documents.values_list("status", flat=True)) == {DocumentStatus.ISSUED}


def test_requeue_command_renders_every_pending_document(case_in, media, eager_tasks):
    """`documents_requeue_pending` queues every pending document (created over 2 minutes ago)."""
    case = case_in("filed")
    Document.objects.update(created_at=Document.objects.first().created_at - dt.timedelta(minutes=5))
    assert case.documents.filter(status=DocumentStatus.PENDING).count() == 2
    call_command("documents_requeue_pending", stdout=io.StringIO())
    assert case.documents.filter(status=DocumentStatus.PENDING).count() == 0


def test_correction_supersedes_and_both_remain(case_in, cast, media):
    """A correction is a new numbered document pointing at the old one; the old one is unchanged."""
    case = case_in("inspected")
    original = case.documents.get(document_type=DocumentType.INSPECTION_RECORD)
    document_render(document_id=original.pk)
    original.refresh_from_db()
    correction = document_correct(document=original, actor=cast.supervisor, reason="面积测量有误，更正。")
    assert correction.supersedes == original and correction.number != original.number
    assert correction.data["extra"]["corrects"]["number"] == original.number
    original.refresh_from_db()
    assert original.status == DocumentStatus.ISSUED and original.sha256
    with pytest.raises(GuardsFailed):
        document_correct(document=original, actor=cast.supervisor, reason="再次更正。")
    with pytest.raises(NotAllowed):
        document_correct(document=correction, actor=cast.officer, reason="x")


def test_service_by_public_announcement_takes_effect_30_days_later(case_in, cast, media):
    """Service by announcement is effective 30 days after posting; the receipt says so."""
    case = case_in("decided")
    decision = case.documents.get(document_type=DocumentType.DEMOLITION_DECISION)
    # The scenario served it by hand; serve a correction by announcement.
    correction = document_correct(document=decision, actor=cast.supervisor, reason="当事人下落不明，重新送达。")
    posted = decision.event.occurred_at + dt.timedelta(days=1)
    service = document_serve(document=correction, actor=cast.officer, served_at=posted,
                             method=ServiceMethod.PUBLIC_ANNOUNCEMENT, recipient="张伟")
    assert service.effective_at == posted + dt.timedelta(days=30)
    receipt = case.documents.filter(document_type=DocumentType.SERVICE_RECEIPT).latest("id")
    assert receipt.data["extra"]["service"]["effective_at"] == service.effective_at.isoformat()


def test_missing_party_address_refuses_the_decision_before_anything_is_issued(case_in, cast):
    """The decision is served: without the party's address the transition is refused naming
    the field, and no document is created."""
    from casework.services.cases import case_decide

    case = case_in("under_review")
    case.party.address = ""
    case.party.save()
    count = Document.objects.count()
    with pytest.raises(GuardsFailed) as refused:
        case_decide(case=case, actor=cast.supervisor, decision_kind="demolish", self_demolition_days=15)
    assert "document.party_address_missing" in refused.value.guard_codes
    assert any(g.field == "party.address" for g in refused.value.guards)
    assert Document.objects.count() == count


def test_missing_remedy_bodies_refuse_a_decision(case_in, cast):
    """A decision must name the reconsideration body and the court; blank settings refuse it."""
    from casework.models import AgencySetting
    from casework.services.cases import case_decide

    case = case_in("under_review")
    AgencySetting.objects.create(court="")
    with pytest.raises(GuardsFailed) as refused:
        case_decide(case=case, actor=cast.supervisor, decision_kind="demolish", self_demolition_days=15)
    assert "document.remedies_missing" in refused.value.guard_codes


def test_numbers_and_documents_follow_the_administrators_settings(scenario):
    """The agency's prefix and name and an overridden type character (read by the transition
    together with its case) are what the next documents carry; another type keeps its own."""
    from casework.models import AgencySetting, DocumentSetting
    from casework.models.documents import TYPE_CHARACTERS
    from casework.scenarios import PATHS

    deciding = scenario()
    deciding.run(PATHS["under_review"])
    AgencySetting.objects.create(prefix="桂执", agency_name="桂城街道综合行政执法办公室")
    DocumentSetting.objects.create(document_type=DocumentType.DEMOLITION_DECISION, type_character="拆决")
    case = deciding.run(["decide"])
    decision = case.documents.get(document_type=DocumentType.DEMOLITION_DECISION)
    assert decision.number.startswith("桂执拆决字〔")
    assert decision.data["agency"]["name"] == "桂城街道综合行政执法办公室"
    announcement = deciding.run(["announce"]).documents.filter(event__transition="announce").get()
    assert announcement.number.startswith(f"桂执{TYPE_CHARACTERS[announcement.document_type]}字〔")


def test_render_hook_is_registered_at_app_ready():
    """casework's AppConfig registers the render task as the on-commit hook of document_issue."""
    from casework.documents.tasks import queue_render

    assert queue_render in document_services.render_hooks
