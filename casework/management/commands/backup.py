from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from casework.backups import BackupError, backup_create


class Command(BaseCommand):
    help = "Write one archive with a consistent database dump, the media files and a manifest."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="Archive path (default: DATA_DIR/backups/backup-<time>.tar.gz).")

    def handle(self, *args, output=None, **options):
        if output is None:
            stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
            output = Path(settings.DATA_DIR) / "backups" / f"backup-{stamp}.tar.gz"
        try:
            result = backup_create(output=Path(output))
        except BackupError as error:
            raise CommandError(str(error)) from error
        counts = result.manifest["counts"]
        self.stdout.write(
            f"Backup written to {result.path}: {counts.get('casework.Case', 0)} cases, "
            f"{counts.get('casework.CaseEvent', 0)} events, {counts.get('casework.Document', 0)} documents, "
            f"{len(result.manifest['media'])} files."
        )
        for warning in result.warnings:
            self.stderr.write(f"Warning: {warning}")
