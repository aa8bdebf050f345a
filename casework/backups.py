"""One-file backups of an installation (database and media) and their restoration.

The archive (a gzip-compressed tar) holds:

- ``database.sqlite3`` (SQLite, taken with the online backup API) or ``database.pgdump``
  (PostgreSQL, ``pg_dump --format=custom``);
- ``media/...``: every file of the media storage (``STORAGES["default"]``: the MEDIA_ROOT
  folder or an S3-compatible bucket), read and written through Django's storage API only;
- ``manifest.json``: row counts of every table, a digest of every row of the case-work
  tables, and the SHA-256 of every document PDF and attachment, all read from the very
  snapshot that was dumped (SQLite: under the write lock; PostgreSQL: the dump runs with
  ``--snapshot`` exported from the transaction that reads the manifest).

``restore`` only writes into an empty installation and checks the manifest afterwards.
See docs/security.md for the procedure.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.core import serializers
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
SQLITE_NAME = "database.sqlite3"
PGDUMP_NAME = "database.pgdump"
MEDIA_PREFIX = "media/"
# Tables whose every row is fingerprinted in the manifest (the rest are counted).
DIGESTED_APPS = ("casework", "workflows")
# An installation is "empty" when none of these has a row (reference data seeded by
# migrations, such as holidays, does not count).
CONTENT_MODELS = ("casework.User", "casework.Case", "casework.CaseEvent", "casework.Document",
                  "casework.Attachment", "casework.Party")
CHUNK = 2000


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


def sha256_file(path: Path) -> str:
    """SHA-256 of a local file (the database dump; media files go through the storage)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_stored(name: str) -> str:
    """SHA-256 of a file in the media storage, read in blocks."""
    digest = hashlib.sha256()
    with default_storage.open(name, "rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


class _HashingReader:
    """A read-only file object that fingerprints what tarfile copies out of it."""

    def __init__(self, handle):
        self.handle, self.digest, self.size = handle, hashlib.sha256(), 0

    def read(self, size: int = -1) -> bytes:
        block = self.handle.read(size)
        self.digest.update(block)
        self.size += len(block)
        return block


# --- Fingerprints ---------------------------------------------------------------------------


def row_fingerprint(obj) -> str:
    """SHA-256 of a row's every field (many-to-many as sorted ids), independent of the database."""
    record = serializers.serialize("python", [obj])[0]
    fields = {name: sorted(value) if isinstance(value, list) else value for name, value in record["fields"].items()}
    payload = json.dumps({"model": record["model"], "pk": record["pk"], "fields": fields},
                         cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def model_fingerprints(label: str, using: str = "default") -> dict[str, str]:
    """{primary key: fingerprint} for every row of a model."""
    model = apps.get_model(label)
    rows = model._default_manager.using(using).order_by("pk").iterator(CHUNK)
    return {str(obj.pk): row_fingerprint(obj) for obj in rows}


def _concrete_models():
    return [m for m in apps.get_models() if m._meta.managed and not m._meta.proxy]


def _table_exists(model) -> bool:
    return model._meta.db_table in connection.introspection.table_names()


def database_summary(using: str = "default") -> dict:
    """Counts of every table, digests of the case-work tables, and the files rows point to."""
    counts, digests = {}, {}
    for model in _concrete_models():
        label = model._meta.label
        counts[label] = model._default_manager.using(using).count()
        if model._meta.app_label in DIGESTED_APPS:
            digest = hashlib.sha256()
            for pk, fingerprint in model_fingerprints(label, using).items():
                digest.update(f"{pk}:{fingerprint}\n".encode())
            digests[label] = digest.hexdigest()
    files = []
    Document = apps.get_model("casework", "Document")
    for pk, name, sha256 in Document.objects.using(using).exclude(pdf="").order_by("pk").values_list("pk", "pdf", "sha256"):
        files.append({"model": "casework.Document", "pk": pk, "path": name, "sha256": sha256})
    Attachment = apps.get_model("casework", "Attachment")
    for pk, name, sha256 in Attachment.objects.using(using).order_by("pk").values_list("pk", "file", "sha256"):
        files.append({"model": "casework.Attachment", "pk": pk, "path": name, "sha256": sha256})
    return {"counts": counts, "digests": digests, "referenced_files": files}


def applied_migrations(using: str = "default") -> list[list[str]]:
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        return [list(row) for row in cursor.fetchall()]


# --- Backup ---------------------------------------------------------------------------------


def _pg_environment(settings_dict: dict) -> dict:
    env = dict(os.environ)
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD"),
                          ("NAME", "PGDATABASE")):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    return env


def _dump_database(target: Path) -> dict:
    """Dump the database into target and read the manifest's database part from the same snapshot."""
    if connection.in_atomic_block:
        raise BackupError("A backup must be taken outside any transaction.")
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        # One read transaction covers reading the manifest and the online backup copy: its
        # shared lock keeps writers from committing in between (they wait for the lock).
        raw = connection.connection
        raw.execute("BEGIN DEFERRED")
        try:
            summary = {**database_summary(), "migrations": applied_migrations()}
            destination = sqlite3.connect(target)
            try:
                raw.backup(destination)
            finally:
                destination.close()
        finally:
            raw.execute("COMMIT")
        return summary
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
            result = subprocess.run(
                ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                 f"--file={target}"],
                env=_pg_environment(connection.settings_dict), capture_output=True, text=True,
            )
            if result.returncode != 0:
                raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
            return {**database_summary(), "migrations": applied_migrations()}
    raise BackupError(f"Backups of {connection.vendor} databases are not supported.")


def media_files(directory: str = "") -> list[str]:
    """Names of every file in the media storage (sorted), found with the storage's listdir.

    A folder that does not exist yet (a new installation's MEDIA_ROOT) holds no files."""
    try:
        directories, files = default_storage.listdir(directory)
    except FileNotFoundError:
        return []
    prefix = f"{directory.rstrip('/')}/" if directory else ""
    names = [prefix + name for name in files]
    for child in directories:
        names.extend(media_files(prefix + child))
    return sorted(names)


@dataclass
class BackupResult:
    path: Path
    manifest: dict
    warnings: list[str] = field(default_factory=list)


def backup_create(*, output: Path) -> BackupResult:
    """Write one archive with the database, the media files and the manifest."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".backup-") as work:
        work_dir = Path(work)
        dump_name = SQLITE_NAME if connection.vendor == "sqlite" else PGDUMP_NAME
        dump_path = work_dir / dump_name
        summary = _dump_database(dump_path)  # the database first: every file it names exists already
        partial = work_dir / "archive.tar.gz"
        media = []
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(dump_path, arcname=dump_name)
            # Each file is streamed from the storage into the archive once, fingerprinted on
            # the way; the manifest, which lists those fingerprints, goes in last.
            for name in media_files():
                info = tarfile.TarInfo(MEDIA_PREFIX + name)
                info.size = default_storage.size(name)
                info.mtime = int(dt.datetime.now().timestamp())
                with default_storage.open(name, "rb") as handle:
                    reader = _HashingReader(handle)
                    archive.addfile(info, reader)
                if reader.size != info.size:
                    raise BackupError(f"Media file {name} changed while it was being copied; run the backup again.")
                media.append({"path": name, "size": info.size, "sha256": reader.digest.hexdigest()})
            by_path = {entry["path"]: entry for entry in media}
            warnings = []
            for reference in summary["referenced_files"]:
                stored = by_path.get(reference["path"])
                if stored is None:
                    warnings.append(f"{reference['model']} {reference['pk']}: file {reference['path']} is missing")
                elif reference["sha256"] and stored["sha256"] != reference["sha256"]:
                    warnings.append(f"{reference['model']} {reference['pk']}: file {reference['path']} differs from "
                                    "its recorded fingerprint")
            manifest = {
                "format_version": FORMAT_VERSION,
                "created_at": timezone.now().isoformat(),
                "vendor": connection.vendor,
                "database_file": dump_name,
                "database_sha256": sha256_file(dump_path),
                "media": media,
                "warnings": warnings,
                **summary,
            }
            data = json.dumps(manifest, ensure_ascii=False, indent=1, cls=DjangoJSONEncoder).encode()
            info = tarfile.TarInfo(MANIFEST_NAME)
            info.size, info.mtime = len(data), int(dt.datetime.now().timestamp())
            archive.addfile(info, io.BytesIO(data))
        os.replace(partial, output)  # the archive appears complete or not at all
    return BackupResult(path=output, manifest=manifest, warnings=warnings)


# --- Restore --------------------------------------------------------------------------------


def installation_emptiness() -> list[str]:
    """Why this installation is not empty (nothing when it is)."""
    reasons = []
    for label in CONTENT_MODELS:
        model = apps.get_model(label)
        if _table_exists(model) and model._default_manager.exists():
            reasons.append(f"the database already has {model._meta.verbose_name_plural} ({model._meta.db_table})")
    if media_files():
        reasons.append(f"the media storage ({_storage_description()}) already holds files")
    return reasons


def _storage_description() -> str:
    """Where media files live, for messages: MEDIA_ROOT's folder or the bucket."""
    bucket = getattr(default_storage, "bucket_name", None)
    if bucket:
        location = getattr(default_storage, "location", "")
        return f"MEDIA_STORAGE_URL bucket {bucket}" + (f", prefix {location}" if location else "")
    location = getattr(default_storage, "location", None)
    return f"MEDIA_ROOT {location}" if location else default_storage.__class__.__name__


def _read_manifest(archive: tarfile.TarFile) -> dict:
    try:
        member = archive.getmember(MANIFEST_NAME)
    except KeyError as error:
        raise BackupError("This archive has no manifest; it was not written by `manage.py backup`.") from error
    manifest = json.loads(archive.extractfile(member).read())
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"Archive format {manifest.get('format_version')} is not supported (expected {FORMAT_VERSION}).")
    return manifest


def _check_migrations(manifest: dict) -> None:
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = [f"{app}.{name}" for app, name in manifest["migrations"] if (app, name) not in known]
    if unknown:
        raise BackupError("The backup comes from a newer version of the application (unknown migrations: "
                          + ", ".join(unknown[:5]) + "). Install that version first.")


def _restore_database(archive: tarfile.TarFile, manifest: dict, work_dir: Path) -> None:
    name = manifest["database_file"]
    archive.extract(name, path=work_dir, filter="data")
    dump = work_dir / name
    if sha256_file(dump) != manifest["database_sha256"]:
        raise BackupError("The database dump in the archive is damaged (fingerprint differs from the manifest).")
    connection.close()
    if connection.vendor == "sqlite":
        target = connection.settings_dict["NAME"]
        source = sqlite3.connect(dump)
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)
        finally:
            source.close()
            destination.close()
    else:
        result = subprocess.run(
            ["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
             "--exit-on-error", f"--dbname={connection.settings_dict['NAME']}", str(dump)],
            env=_pg_environment(connection.settings_dict), capture_output=True, text=True,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed (nothing was changed): {result.stderr.strip()}")
    connection.close()


def _restore_media(archive: tarfile.TarFile, manifest: dict) -> None:
    """Copy every media file of the archive into the media storage under its own name."""
    members = {m.name: m for m in archive.getmembers() if m.name.startswith(MEDIA_PREFIX) and m.isfile()}
    for entry in manifest["media"]:
        member = members.get(MEDIA_PREFIX + entry["path"])
        if member is None:
            raise BackupError(f"The archive lacks media file {entry['path']} that its manifest lists.")
        content = File(archive.extractfile(member), name=entry["path"])
        content.size = member.size  # File would otherwise guess it from the archive's own name
        saved = default_storage.save(entry["path"], content)
        if saved != entry["path"]:
            raise BackupError(f"The media storage stored {entry['path']} as {saved}: it was not empty.")


def backup_verify(manifest: dict) -> list[str]:
    """Differences between the installation and the manifest (nothing when they agree)."""
    problems = []
    summary = database_summary()
    for label, count in manifest["counts"].items():
        if summary["counts"].get(label) != count:
            problems.append(f"{label}: {summary['counts'].get(label)} rows, the backup had {count}")
    for label, digest in manifest["digests"].items():
        if summary["digests"].get(label) != digest:
            problems.append(f"{label}: rows differ from the backup")
    if summary["referenced_files"] != manifest["referenced_files"]:
        problems.append("document and attachment fingerprints differ from the backup")
    for entry in manifest["media"]:
        if not default_storage.exists(entry["path"]):
            problems.append(f"file {entry['path']} is missing")
        elif sha256_stored(entry["path"]) != entry["sha256"]:
            problems.append(f"file {entry['path']} differs from the backup")
    return problems


def backup_restore(*, archive_path: Path) -> dict:
    """Restore an archive into this (empty) installation and verify it; return the manifest."""
    archive_path = Path(archive_path)
    if not archive_path.is_file():
        raise BackupError(f"{archive_path} does not exist.")
    with tarfile.open(archive_path, "r:*") as archive:
        manifest = _read_manifest(archive)
        if manifest["vendor"] != connection.vendor:
            raise BackupError(f"This backup is of a {manifest['vendor']} database; this installation uses "
                              f"{connection.vendor}. Restore it into a {manifest['vendor']} installation.")
        _check_migrations(manifest)
        reasons = installation_emptiness()
        if reasons:
            raise BackupError("Restore only writes into an empty installation, and this one is not: "
                              + "; ".join(reasons) + ". Point DATABASE_URL and MEDIA_ROOT (or MEDIA_STORAGE_URL) at a new, "
                              "empty database and folder (or bucket prefix), then run restore again.")
        with tempfile.TemporaryDirectory(prefix="restore-") as work:
            _restore_database(archive, manifest, Path(work))
        _restore_media(archive, manifest)
    problems = backup_verify(manifest)
    if problems:
        raise BackupError("The restored installation does not match the backup:\n- " + "\n- ".join(problems))
    return manifest
