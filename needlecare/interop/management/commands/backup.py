"""Make a consistent online backup (database, private media, manifest) into a new directory."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from needlecare.interop.backup import BackupError, make_backup


class Command(BaseCommand):
    help = "Back up the database and the private media directory into DIR (new or empty), while running."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("directory", type=Path)

    def handle(self, *args, directory, **options):  # type: ignore[no-untyped-def]
        try:
            manifest = make_backup(directory)
        except BackupError as error:
            raise CommandError(str(error)) from error
        media = sum(1 for f in manifest["files"] if f["path"].startswith("media/"))
        self.stdout.write(
            f"Backed up the {manifest['engine']} database and {media} media file(s) to {directory}"
        )
