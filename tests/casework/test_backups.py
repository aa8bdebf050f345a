"""Backups: one archive with database, media and manifest; restore only into an empty
installation; a round trip keeps every case, event and document identical."""

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from PIL import Image

from casework.backups import MANIFEST_NAME, BackupError, backup_restore, model_fingerprints
from casework.demo_cases import DEMO_CASES, load_demo_cases
from casework.models import Case, CaseEvent, Document
from casework.services import documents as document_services
from casework.services.attachments import attachment_add

BASE_DIR = Path(settings.BASE_DIR)
FINGERPRINTED = ("casework.Case", "casework.CaseEvent", "casework.Document", "casework.Attachment")
FINGERPRINT_SCRIPT = (
    "import json, django; django.setup(); from casework.backups import model_fingerprints; "
    f"print(json.dumps({{label: model_fingerprints(label) for label in {FINGERPRINTED!r}}}))"
)


@pytest.fixture
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def small_pdf(text: str) -> bytes:
    return f"%PDF-1.4\n% {text}\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".encode()


@pytest.fixture
def populated(cast, community, media_root, monkeypatch):
    """The 21 demo cases through the real services, each issued document given a small PDF,
    and a photo and a scan attached to a case.

    The documents are not rendered: each is given its small PDF below, and rendering them all
    in-process took most of a minute per test."""
    monkeypatch.setattr(document_services, "render_hooks", [])
    load_demo_cases(cast=cast, communities=[community])
    for document in Document.objects.all():
        data = small_pdf(document.number)
        document.pdf.save(f"{uuid.uuid4().hex}.pdf", ContentFile(data), save=False)
        document.sha256, document.size, document.status = hashlib.sha256(data).hexdigest(), len(data), "issued"
        document.save()
    case = Case.objects.order_by("pk").first()
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), "blue").save(buffer, "JPEG")
    attachment_add(case=case, actor=cast.officer, upload=SimpleUploadedFile("p.jpg", buffer.getvalue()))
    attachment_add(case=case, actor=cast.officer, upload=SimpleUploadedFile("s.pdf", small_pdf("scan")))
    assert Document.objects.exclude(pdf="").count() > 10
    return case


def fingerprints_here() -> dict:
    return {label: model_fingerprints(label) for label in FINGERPRINTED}


def run_in_installation(env: dict, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=600)


def empty_installation_env(tmp_path: Path, database_url: str | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    data_dir = tmp_path / "restored"
    data_dir.mkdir()
    env.update(DATA_DIR=str(data_dir), MEDIA_ROOT=str(data_dir / "media"), DJANGO_SETTINGS_MODULE="config.settings")
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def round_trip(tmp_path, populated, env) -> None:
    archive = tmp_path / "backups" / "b.tar.gz"
    call_command("backup", output=str(archive), stdout=io.StringIO())
    assert list(archive.parent.iterdir()) == [archive]  # one file, no leftovers

    result = run_in_installation(env, "manage.py", "restore", str(archive))
    assert result.returncode == 0, result.stderr
    assert "Restored and verified" in result.stdout

    restored = run_in_installation(env, "-c", FINGERPRINT_SCRIPT)
    assert restored.returncode == 0, restored.stderr
    theirs = json.loads(restored.stdout.strip().splitlines()[-1])
    ours = fingerprints_here()
    assert len(ours["casework.Case"]) == len(DEMO_CASES)
    assert len(ours["casework.CaseEvent"]) > 100
    for label in FINGERPRINTED:
        assert theirs[label] == ours[label], label

    restored_media = Path(env["MEDIA_ROOT"])
    for document in Document.objects.exclude(pdf=""):
        assert hashlib.sha256((restored_media / document.pdf.name).read_bytes()).hexdigest() == document.sha256


@pytest.fixture
def empty_target(tmp_path, transactional_db):
    """Environment of an empty installation of the same database kind: a new SQLite file, or a
    freshly created PostgreSQL database (dropped afterwards); an empty media folder."""
    if connection.vendor != "postgresql":
        yield empty_installation_env(tmp_path)
        return
    target = f"restore_{uuid.uuid4().hex[:10]}"
    params = connection.settings_dict
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{target}"')
    try:
        password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
        url = f"postgres://{params['USER']}{password}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{target}"
        yield empty_installation_env(tmp_path, url)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')


@pytest.mark.django_db(transaction=True)
def test_round_trip_on_sqlite(tmp_path, populated, empty_target):
    """A populated SQLite installation backed up and restored into an empty one has the same
    fingerprint for every case, event, document and attachment, and the same PDF files."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite variant")
    round_trip(tmp_path, populated, empty_target)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_round_trip_on_postgresql(tmp_path, populated, empty_target):
    """The same round trip on PostgreSQL: pg_dump of the test database, pg_restore into a
    freshly created database."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")
    round_trip(tmp_path, populated, empty_target)


@pytest.mark.django_db(transaction=True)
def test_manifest_lists_counts_and_file_fingerprints(tmp_path, populated, media_root):
    """The manifest records row counts and the SHA-256 of every document PDF and attachment."""
    archive = tmp_path / "b.tar.gz"
    call_command("backup", output=str(archive), stdout=io.StringIO())
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile(MANIFEST_NAME).read())
        names = set(tar.getnames())
    assert manifest["counts"]["casework.Case"] == len(DEMO_CASES)
    assert manifest["counts"]["casework.CaseEvent"] == CaseEvent.objects.count()
    references = {(r["model"], r["pk"]): r for r in manifest["referenced_files"]}
    for document in Document.objects.exclude(pdf=""):
        assert references[("casework.Document", document.pk)]["sha256"] == document.sha256
        assert f"media/{document.pdf.name}" in names
    media = {m["path"]: m["sha256"] for m in manifest["media"]}
    for path, digest in media.items():
        assert hashlib.sha256((media_root / path).read_bytes()).hexdigest() == digest
    assert manifest["warnings"] == []


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_non_empty_installation(tmp_path, populated):
    """Restoring over an installation that has cases is refused with a clear message, and
    nothing is changed."""
    archive = tmp_path / "b.tar.gz"
    call_command("backup", output=str(archive), stdout=io.StringIO())
    before = fingerprints_here()
    with pytest.raises(CommandError, match="only writes into an empty installation"):
        call_command("restore", str(archive))
    assert fingerprints_here() == before


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_files_in_media_root(tmp_path, media_root, db):
    """An installation whose MEDIA_ROOT already holds files is not empty either."""
    archive = tmp_path / "b.tar.gz"
    call_command("backup", output=str(archive), stdout=io.StringIO())
    media_root.mkdir(parents=True, exist_ok=True)
    (media_root / "left-over.pdf").write_bytes(b"x")
    with pytest.raises(BackupError, match="MEDIA_ROOT"):
        backup_restore(archive_path=archive)


@pytest.mark.django_db(transaction=True)
def test_restore_detects_a_tampered_file(tmp_path, populated, empty_target):
    """A file changed inside the archive fails the verification after restore."""
    archive = tmp_path / "b.tar.gz"
    call_command("backup", output=str(archive), stdout=io.StringIO())
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(tampered, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name.startswith("media/documents/") and member.name.endswith(".pdf") and b"tampered" not in data:
                data = data.replace(b"%%EOF", b"% tampered\n%%EOF")
                member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    result = run_in_installation(empty_target, "manage.py", "restore", str(tampered))
    assert result.returncode != 0
    assert "does not match the backup" in result.stderr and "differs from the backup" in result.stderr


def test_restore_refuses_an_archive_without_manifest(tmp_path, db):
    """A tar file that `backup` did not write is refused."""
    archive = tmp_path / "other.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.addfile(tarfile.TarInfo("hello.txt"), io.BytesIO(b""))
    with pytest.raises(BackupError, match="no manifest"):
        backup_restore(archive_path=archive)
