"""Check every clinic's audit chain against its keyed hashes and its anchors: an edited, inserted, forged
or deleted event, a truncated, wiped or rewritten chain is reported with the first event that no longer
matches, and the command exits with status 1."""

from django.core.management.base import BaseCommand, CommandError

from needlecare.audit.services import verify_all


class Command(BaseCommand):
    help = "Verify the keyed hash chain of the audit log of every clinic (or --clinic SLUG) and its anchors."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--clinic", help="only this clinic's slug")

    def handle(self, *args, clinic, **options):  # type: ignore[no-untyped-def]
        broken = 0
        for check in verify_all(slug=clinic):
            if check.ok:
                anchored = f", anchored to event {check.anchored}" if check.anchored else ", not anchored yet"
                self.stdout.write(f"{check.label}: {check.events} events, chain intact{anchored}")
            elif check.broken_at is None:
                broken += 1
                self.stdout.write(f"{check.label}: BROKEN: {check.reason}")
            else:
                broken += 1
                self.stdout.write(f"{check.label}: BROKEN at event {check.broken_at}: {check.reason}")
        if broken:
            raise CommandError(f"{broken} clinic(s) have a broken audit chain.")
