"""Documents, attachments and backups use Django's storage API only, so the media can live in
an S3-compatible bucket (or on a shared folder) that several machines use.

Each test runs twice: with Django's InMemoryStorage, and with django-storages' S3Storage
talking to a mocked S3 (moto intercepts botocore's HTTP requests, so the real request building
and parsing of django-storages and boto3 runs). Nothing may appear under MEDIA_ROOT.
"""

from __future__ import annotations

import hashlib
import io
import tarfile

import boto3
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from moto import mock_aws
from PIL import Image

from casework.backups import (
    MANIFEST_NAME,
    _restore_media,
    backup_create,
    backup_verify,
    installation_emptiness,
    media_files,
)
from casework.models import DocumentStatus, DocumentType
from casework.services.attachments import attachment_add
from casework.services.documents import document_render
from config.env import media_storage

BUCKET = "casework-test"
REGION = "us-east-1"


def s3_storage(prefix: str) -> dict:
    return media_storage(f"s3://{BUCKET}/{prefix}?region={REGION}", access_key="testing", secret_key="testing")


def bucket_keys() -> list[str]:
    listing = boto3.client("s3", region_name=REGION).list_objects_v2(Bucket=BUCKET)
    return sorted(item["Key"] for item in listing.get("Contents", []))


@pytest.fixture(params=["memory", "s3"])
def media_storage_kind(request, settings, tmp_path):
    """The media storage of the test: InMemoryStorage or a (mocked) S3 bucket under media/.
    Afterwards nothing may have been written under MEDIA_ROOT."""
    if request.param == "memory":
        settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
        yield "memory"
    else:
        with mock_aws():
            boto3.client("s3", region_name=REGION).create_bucket(Bucket=BUCKET)
            settings.STORAGES = {**settings.STORAGES, "default": s3_storage("media")}
            yield "s3"
    assert not (tmp_path / "media").exists(), "a file was written through a local path"


def png(colour: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, "PNG")
    return buffer.getvalue()


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def issued(case_in, media_storage_kind):
    case = case_in("notified")
    # In a transactional test the issuing commit has rendered them already (eager tasks).
    for document in case.documents.exclude(status=DocumentStatus.ISSUED):
        document_render(document_id=document.pk)
    return case


def test_rendered_pdfs_are_stored_and_streamed_through_the_storage(client, issued, cast, media_storage_kind):
    """A rendered PDF is written to the configured storage (in the bucket for S3) and the
    page and API downloads stream it back from there, byte for byte."""
    document = issued.documents.get(document_type=DocumentType.PRIOR_NOTICE)
    assert document.status == DocumentStatus.ISSUED
    assert default_storage.exists(document.pdf.name)
    if media_storage_kind == "s3":
        assert f"media/{document.pdf.name}" in bucket_keys()
    client.force_login(cast.officer)
    for url in (reverse("documents:pdf", args=[document.pk]), f"/api/v1/documents/{document.pk}/pdf/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == "application/pdf"
        data = body(response)
        assert data.startswith(b"%PDF-")
        assert hashlib.sha256(data).hexdigest() == document.sha256


def test_attachments_are_stored_and_streamed_through_the_storage(client, case_in, cast, media_storage_kind):
    """An uploaded photo lands in the storage; the download view checks the reader, then
    streams the stored bytes; another squad still gets 404."""
    attachment = attachment_add(case=case_in("reported"), actor=cast.officer,
                                upload=SimpleUploadedFile("IMG_1.png", png(), content_type="image/png"))
    assert default_storage.exists(attachment.file.name)
    if media_storage_kind == "s3":
        assert f"media/{attachment.file.name}" in bucket_keys()
    client.force_login(cast.supervisor)  # of the case's squad, not the uploader
    response = client.get(reverse("attachment-download", args=[attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert hashlib.sha256(body(response)).hexdigest() == attachment.sha256


def test_a_file_missing_from_the_storage_is_404(client, issued, cast, media_storage_kind):
    """When the storage no longer has the file, the download answers 404 instead of failing."""
    document = issued.documents.get(document_type=DocumentType.PRIOR_NOTICE)
    attachment = attachment_add(case=issued, actor=cast.officer,
                                upload=SimpleUploadedFile("IMG_2.png", png("blue"), content_type="image/png"))
    default_storage.delete(document.pdf.name)
    default_storage.delete(attachment.file.name)
    client.force_login(cast.officer)
    assert client.get(reverse("documents:pdf", args=[document.pk])).status_code == 404
    assert client.get(f"/api/v1/documents/{document.pk}/pdf/").status_code == 404
    assert client.get(reverse("attachment-download", args=[attachment.pk])).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_backup_reads_and_restore_writes_media_through_the_storage(tmp_path, settings, issued, cast,
                                                                   media_storage_kind):
    """The backup archive holds every file of the storage with its fingerprint; restoring the
    media into another, empty storage of the same kind gives identical files, and the
    verification finds no difference. A storage that holds files is not empty."""
    attachment = attachment_add(case=issued, actor=cast.officer,
                                upload=SimpleUploadedFile("IMG_3.png", png("green"), content_type="image/png"))
    default_storage.save("publicity/2026/extra.txt", ContentFile(b"not referenced by any row"))
    stored = media_files()
    assert attachment.file.name in stored and "publicity/2026/extra.txt" in stored
    assert len(stored) == issued.documents.exclude(pdf="").count() + 2

    result = backup_create(output=tmp_path / "backups" / "b.tar.gz")
    assert result.warnings == []
    with tarfile.open(result.path) as archive:
        manifest_in_archive = archive.extractfile(MANIFEST_NAME).read()
        names = set(archive.getnames())
    assert {entry["path"] for entry in result.manifest["media"]} == set(stored)
    assert {f"media/{name}" for name in stored} <= names
    for entry in result.manifest["media"]:
        with default_storage.open(entry["path"], "rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == entry["sha256"]
    assert b'"media"' in manifest_in_archive
    assert any("media storage" in reason for reason in installation_emptiness())

    # A second, empty storage of the same kind: a new InMemoryStorage, or another prefix of the bucket.
    if media_storage_kind == "memory":
        settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    else:
        settings.STORAGES = {**settings.STORAGES, "default": s3_storage("restored")}
    assert media_files() == []
    assert not any("media storage" in reason for reason in installation_emptiness())
    with tarfile.open(result.path) as archive:
        _restore_media(archive, result.manifest)
    assert media_files() == stored
    assert backup_verify(result.manifest) == []
    if media_storage_kind == "s3":
        assert {f"restored/{name}" for name in stored} <= set(bucket_keys())

    default_storage.delete(attachment.file.name)
    default_storage.save(attachment.file.name, ContentFile(b"changed"))
    assert backup_verify(result.manifest) == [f"file {attachment.file.name} differs from the backup"]
