"""One-file backups of an installation (database and media) and their restoration.

The archive (a gzip-compressed tar) holds:

- ``database.sqlite3`` (SQLite, taken with the online backup API) or ``database.pgdump``
  (PostgreSQL, ``pg_dump --format=custom``);
- ``media/...``: every file under MEDIA_ROOT;
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
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.core import serializers
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
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


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


def _media_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(path for path in root.rglob("*") if path.is_file())


@dataclass
class BackupResult:
    path: Path
    manifest: dict
    warnings: list[str] = field(default_factory=list)


def backup_create(*, output: Path) -> BackupResult:
    """Write one archive with the database, the media files and the manifest."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".backup-") as work:
        work_dir = Path(work)
        dump_name = SQLITE_NAME if connection.vendor == "sqlite" else PGDUMP_NAME
        dump_path = work_dir / dump_name
        summary = _dump_database(dump_path)  # the database first: every file it names exists already
        media = [{"path": path.relative_to(media_root).as_posix(), "size": path.stat().st_size,
                  "sha256": sha256_file(path)} for path in _media_files(media_root)]
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
        partial = work_dir / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as archive:
            data = json.dumps(manifest, ensure_ascii=False, indent=1, cls=DjangoJSONEncoder).encode()
            info = tarfile.TarInfo(MANIFEST_NAME)
            info.size, info.mtime = len(data), int(dt.datetime.now().timestamp())
            archive.addfile(info, io.BytesIO(data))
            archive.add(dump_path, arcname=dump_name)
            for entry in media:
                archive.add(media_root / entry["path"], arcname=MEDIA_PREFIX + entry["path"])
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
    media_root = Path(settings.MEDIA_ROOT)
    if _media_files(media_root):
        reasons.append(f"MEDIA_ROOT ({media_root}) already holds files")
    return reasons


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
    media_root = Path(settings.MEDIA_ROOT)
    media_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=media_root.parent, prefix=".restore-media-") as staging:
        members = [m for m in archive.getmembers() if m.name.startswith(MEDIA_PREFIX) and m.isfile()]
        archive.extractall(staging, members=members, filter="data")
        staged = Path(staging) / MEDIA_PREFIX.rstrip("/")
        for entry in manifest["media"]:
            relative = PurePosixPath(entry["path"])
            destination = media_root.joinpath(*relative.parts)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(staged.joinpath(*relative.parts), destination)


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
    media_root = Path(settings.MEDIA_ROOT)
    for entry in manifest["media"]:
        path = media_root / entry["path"]
        if not path.is_file():
            problems.append(f"file {entry['path']} is missing")
        elif sha256_file(path) != entry["sha256"]:
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
                              + "; ".join(reasons) + ". Point DATABASE_URL and MEDIA_ROOT at a new, empty "
                              "database and folder, then run restore again.")
        with tempfile.TemporaryDirectory(prefix="restore-") as work:
            _restore_database(archive, manifest, Path(work))
        _restore_media(archive, manifest)
    problems = backup_verify(manifest)
    if problems:
        raise BackupError("The restored installation does not match the backup:\n- " + "\n- ".join(problems))
    return manifest
