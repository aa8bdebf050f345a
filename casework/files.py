"""Serving stored files (PDFs, photos, recordings, scans) after the view's permission check.

Files are read through the field's storage (STORAGES["default"]: the MEDIA_ROOT folder, an NFS
mount, or an S3-compatible bucket), never through a local path, so any web process on any
machine can serve a file that a worker on another machine wrote. Nothing is ever served by a
public URL: the storage's own URLs are not used.
"""

from __future__ import annotations

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404


def stored_file_response(field_file: FieldFile, *, content_type: str, filename: str,
                         as_attachment: bool = False) -> FileResponse:
    """Stream a stored file in blocks; 404 when the storage does not have it."""
    try:
        handle = field_file.storage.open(field_file.name, "rb")
    except FileNotFoundError as error:
        raise Http404("file missing") from error
    response = FileResponse(handle, content_type=content_type, as_attachment=as_attachment, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
