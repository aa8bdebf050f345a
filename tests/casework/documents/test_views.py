import hashlib
import io
from urllib.parse import unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from casework.models import DocumentStatus, DocumentType
from casework.services.documents import document_render


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def issued(case_in, media):
    case = case_in("notified")
    for document in case.documents.all():
        document_render(document_id=document.pk)
    return case


def test_case_documents_page_lists_status_number_and_service(client, issued, cast):
    """The case's documents page shows every number, the service of the prior notice and a
    download link; the partial is what the case page includes."""
    client.force_login(cast.officer)
    response = client.get(reverse("documents:case", args=[issued.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for document in issued.documents.all():
        assert document.number in html
    assert "张伟" in html  # the recipient of the prior notice's service
    assert reverse("documents:pdf", args=[issued.documents.first().pk]) in html


def test_pending_failure_is_visible_on_the_case(client, case_in, cast):
    """A document whose rendering failed shows the error on the case's documents."""
    case = case_in("inspected")
    case.documents.update(last_error="OSError: disk full", render_attempts=2)
    client.force_login(cast.officer)
    html = client.get(reverse("documents:case", args=[case.pk])).content.decode()
    assert "disk full" in html and "document-failure" in html


def test_pdf_download_needs_login_and_the_same_squad(client, issued, cast, other_officer):
    """Anonymous users go to login; another squad's officer gets 404; the case's assigned
    officer gets the issued PDF's bytes; the legal reviewer (office-wide, but the case is not
    waiting for review) gets a PDF too: the copy with the ID number masked."""
    document = issued.documents.get(document_type=DocumentType.PRIOR_NOTICE)
    url = reverse("documents:pdf", args=[document.pk])
    assert client.get(url).status_code == 302
    client.force_login(other_officer)
    assert client.get(url).status_code == 404
    assert client.get(reverse("documents:case", args=[issued.pk])).status_code == 404
    # Compared with the recorded fingerprint rather than a second read of the stored file:
    # InMemoryStorage (TEST_MEDIA_STORAGE=memory) hands both readers the same file object.
    client.force_login(cast.officer)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == document.sha256
    client.force_login(cast.reviewer)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    copy = b"".join(response.streaming_content)
    assert copy.startswith(b"%PDF") and hashlib.sha256(copy).hexdigest() != document.sha256


def test_record_service_form_with_a_photo_of_the_proof(client, case_in, cast, media):
    """The phone form records service and stores the photo of the signed proof as an attachment
    of the service event; a 送达回证 is issued."""
    case = case_in("decided")
    decision = case.documents.get(document_type=DocumentType.DEMOLITION_DECISION)
    # The scenario already served the decision; use a correction that is not served yet.
    from casework.services.documents import document_correct

    correction = document_correct(document=decision, actor=cast.supervisor, reason="更正面积。")
    client.force_login(cast.officer)
    url = reverse("documents:serve", args=[correction.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'type="datetime-local"' in page.content.decode()
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "PNG")
    png = buffer.getvalue()
    served_at = decision.event.occurred_at.astimezone().strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, {"method": "handed_over", "served_at": served_at, "recipient": "张伟",
                                 "proof": SimpleUploadedFile("proof.png", png, content_type="image/png")})
    assert response.status_code == 302, response.context["form"].errors
    correction.refresh_from_db()
    assert correction.service.recipient == "张伟"
    assert case.attachments.filter(caption__contains=correction.number).count() == 1
    assert client.get(url).status_code == 404  # already served


def test_other_squad_cannot_record_service(client, issued, other_officer):
    """The service form of another squad's document is a 404."""
    document = issued.documents.get(document_type=DocumentType.INSPECTION_RECORD)
    client.force_login(other_officer)
    assert client.get(reverse("documents:serve", args=[document.pk])).status_code == 404


def test_public_verification_page_shows_nothing_personal(client, issued):
    """Anyone may open /verify/<code>: number, type, date, case number and fingerprint, no party."""
    document = issued.documents.get(document_type=DocumentType.PRIOR_NOTICE)
    response = client.get(f"/verify/{document.verification_code}")
    assert response.status_code == 200
    html = response.content.decode()
    for part in (document.number, issued.number, document.sha256, document.data["issued_on"]):
        assert part in html
    assert "张伟" not in html and "002X" not in html and issued.location not in html
    assert client.get("/verify/NOSUCHCODE").status_code == 404


@pytest.mark.parametrize("code", ["AB%00CD", "%00", "AB%20CD", "%E8%BF%9D%E5%BB%BA", "-", "X" * 300])
def test_a_code_no_document_can_have_is_not_found(client, issued, code):
    """A verification link typed by hand with what no code holds (a NUL byte, which PostgreSQL
    refuses in any text; a space, Chinese, a dash, 300 letters) is 'not found', not an error;
    a NUL is refused before the page (casework.middleware.RefuseNulMiddleware), and the lookup
    itself names no document for it either."""
    from casework.selectors.documents import document_by_code

    assert client.get(f"/verify/{code}").status_code == (400 if "%00" in code else 404)
    assert document_by_code(code=unquote(code)) is None


def test_verification_accepts_the_real_file_and_rejects_one_changed_byte(client, issued):
    """Uploading the issued PDF matches; the same file with one byte changed does not."""
    document = issued.documents.get(document_type=DocumentType.PRIOR_NOTICE)
    with document.pdf.open("rb") as handle:
        real = handle.read()
    url = f"/verify/{document.verification_code}"
    ok = client.post(url, {"pdf": SimpleUploadedFile("a.pdf", real, content_type="application/pdf")})
    assert "verify-match" in ok.content.decode()
    changed = bytearray(real)
    changed[len(changed) // 2] ^= 0x01
    bad = client.post(url, {"pdf": SimpleUploadedFile("a.pdf", bytes(changed), content_type="application/pdf")})
    assert "verify-mismatch" in bad.content.decode() and "verify-match" not in bad.content.decode()


def test_pending_document_is_not_verifiable_nor_downloadable(client, case_in, cast):
    """Before its PDF exists a document has no verification page and no download."""
    case = case_in("inspected")
    document = case.documents.first()
    assert document.status == DocumentStatus.PENDING
    assert client.get(f"/verify/{document.verification_code}").status_code == 404
    client.force_login(cast.officer)
    assert client.get(reverse("documents:pdf", args=[document.pk])).status_code == 404


def test_service_form_shows_refusals_beside_the_field(client, case_in, cast, media):
    """A service time in the future is refused and shown on the time field; a negotiator (of the
    case) may not record service; nothing is recorded."""
    import datetime as dt

    from django.utils import timezone

    from casework.services.documents import document_correct

    case = case_in("decided")
    decision = case.documents.get(document_type=DocumentType.DEMOLITION_DECISION)
    correction = document_correct(document=decision, actor=cast.supervisor, reason="更正。")
    url = reverse("documents:serve", args=[correction.pk])
    client.force_login(cast.officer)
    future = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, {"method": "handed_over", "served_at": future, "recipient": "张伟"})
    assert response.status_code == 200 and response.context["form"].errors["served_at"]
    case.negotiators.add(cast.negotiator)
    client.force_login(cast.negotiator)
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, {"method": "handed_over", "served_at": now, "recipient": "张伟"})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    correction.refresh_from_db()
    assert not hasattr(correction, "service")
