"""Serving stored photos, recordings and scans to the people who may read the case."""

import re
from pathlib import PurePath

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from casework.files import stored_file_response
from casework.models.attachments import Attachment
from casework.selectors.attachments import attachments_readable

UNSAFE_NAME_CHARACTERS = re.compile(r"[^\w\-]+")


def attachment_download_name(attachment: Attachment) -> str:
    """A name made of the case number, the kind and the id only: never the uploader's file
    name, no path separators, quotes or control characters."""
    case_part = UNSAFE_NAME_CHARACTERS.sub("-", attachment.case.number).strip("-") or f"case-{attachment.case_id}"
    suffix = PurePath(attachment.file.name).suffix.lower()
    if not re.fullmatch(r"\.[a-z0-9]{1,5}", suffix):
        suffix = ""
    return f"{case_part}-{attachment.kind}-{attachment.pk}{suffix}"


@require_GET
@login_required
def attachment_download(request, pk: int):
    """The file itself, shown in the browser (or saved with ?download=1). Someone who may not
    read the case gets 404, as if the file did not exist."""
    attachment = get_object_or_404(attachments_readable(user=request.user), pk=pk)
    return stored_file_response(
        attachment.file, content_type=attachment.content_type, as_attachment=request.GET.get("download") == "1",
        filename=attachment_download_name(attachment),
    )
