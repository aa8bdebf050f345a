"""Document pages: a case's documents, PDF download, recording service, public verification."""

from __future__ import annotations

import hashlib
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from casework.documents.forms import ServiceForm, VerifyUploadForm
from casework.errors import CaseworkError
from casework.files import stored_file_response
from casework.models import AccessChannel, Case, Document, DocumentStatus
from casework.selectors.documents import case_documents, case_visible_to, document_by_code, document_matching
from casework.services.documents import document_serve
from casework.services.personal_data import document_pdf_for

MAX_VERIFY_BYTES = 20 * 1024 * 1024


def _visible_case(request, case_id: int) -> Case:
    case = get_object_or_404(Case.objects.select_related("squad"), pk=case_id)
    if not case_visible_to(case=case, user=request.user):
        raise Http404
    return case


def _visible_document(request, document_id: int, action: str = "read_case") -> Document:
    document = get_object_or_404(Document.objects.select_related("case", "case__squad"), pk=document_id)
    if not case_visible_to(case=document.case, user=request.user, action=action):
        raise Http404
    return document


@login_required
def case_documents_page(request, case_id: int):
    case = _visible_case(request, case_id)
    return render(request, "documents/case_documents.html",
                  {"case": case, "documents": case_documents(case=case)})


@login_required
def document_pdf(request, document_id: int):
    document = _visible_document(request, document_id, "download_document")
    if document.status != DocumentStatus.ISSUED or not document.pdf:
        raise Http404
    pdf = document_pdf_for(user=request.user, document=document, channel=AccessChannel.PDF, detail=document.number)
    if pdf.original:
        return stored_file_response(document.pdf, content_type="application/pdf",
                                    as_attachment="download" in request.GET, filename=f"{document.number}.pdf")
    # A copy with the ID number masked: its own name, so it is never taken for the original.
    return FileResponse(io.BytesIO(pdf.content), content_type="application/pdf",
                        as_attachment="download" in request.GET, filename=f"{document.number}-副本.pdf")


@login_required
@require_http_methods(["GET", "POST"])
def document_serve_page(request, document_id: int):
    document = _visible_document(request, document_id)
    if not document.is_served_type or hasattr(document, "service"):
        raise Http404
    party = document.case.party
    form = ServiceForm(
        request.POST or None, request.FILES or None,
        initial={"served_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "recipient": party.name if party else ""},
    )
    if request.method == "POST" and form.is_valid():
        try:
            document_serve(document=document, actor=request.user, served_at=form.cleaned_data["served_at"],
                           method=form.cleaned_data["method"], recipient=form.cleaned_data["recipient"],
                           proof_upload=form.cleaned_data.get("proof"))
        except CaseworkError as error:
            for field, errors in (error.fields or {}).items():
                field = "proof" if field == "file" else field  # attachment_add names its upload "file"
                form.add_error(field if field in form.fields else None, errors)
            for guard in error.guards or ():
                form.add_error(guard.field if guard.field in form.fields else None, str(guard.message))
            if not error.fields and not error.guards:
                form.add_error(None, str(error))
        else:
            messages.success(request, _("Service of %(number)s recorded.") % {"number": document.number})
            return redirect("documents:case", case_id=document.case_id)
    return render(request, "documents/serve.html", {"document": document, "form": form})


@require_http_methods(["GET", "POST"])
def verify_page(request, code: str):
    """Public: the document's number, type, date, case number and fingerprint, nothing personal;
    an uploaded PDF is compared byte for byte (by SHA-256) with the issued file."""
    document = document_by_code(code=code)
    if document is None or document.status != DocumentStatus.ISSUED:
        raise Http404
    form = VerifyUploadForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["pdf"]
        if upload.size > MAX_VERIFY_BYTES:
            form.add_error("pdf", _("Files may be at most 20 MB."))
        else:
            digest = hashlib.sha256()
            for chunk in upload.chunks():
                digest.update(chunk)
            sha256 = digest.hexdigest()
            result = {"matches": sha256 == document.sha256, "sha256": sha256,
                      "other": None if sha256 == document.sha256 else document_matching(sha256=sha256)}
    return render(request, "documents/verify.html",
                  {"document": document, "form": form, "result": result}, status=200)
