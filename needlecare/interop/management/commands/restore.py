"""Restore a backup made by `manage.py backup` into the configured database and media directory."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from needlecare.interop.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = "Restore the backup in DIR. Refuses to overwrite a database or media directory holding data."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("directory", type=Path)
        parser.add_argument("--force", action="store_true", help="replace the data that is there now")

    def handle(self, *args, directory, force, **options):  # type: ignore[no-untyped-def]
        try:
            manifest = restore_backup(directory, force=force)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Restored the backup taken at {manifest['started_at']} from {directory}")
