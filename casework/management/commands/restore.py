from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from casework.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore an archive written by `backup` into an EMPTY installation, then verify it against its manifest."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="Archive written by `manage.py backup`.")

    def handle(self, *args, archive, **options):
        try:
            manifest = backup_restore(archive_path=Path(archive))
        except BackupError as error:
            raise CommandError(str(error)) from error
        counts = manifest["counts"]
        self.stdout.write(
            f"Restored and verified: {counts.get('casework.Case', 0)} cases, {counts.get('casework.CaseEvent', 0)} "
            f"events, {counts.get('casework.Document', 0)} documents, {len(manifest['media'])} files match the manifest."
        )
