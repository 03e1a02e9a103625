"""Check every clinic's audit chain: an edited, inserted or deleted event is reported, exit status 1."""

from django.core.management.base import BaseCommand, CommandError

from needlecare.audit.services import verify_chain
from needlecare.clinics.models import Clinic


class Command(BaseCommand):
    help = "Verify the hash chain of the audit log of every clinic (or --clinic SLUG)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--clinic", help="only this clinic's slug")

    def handle(self, *args, clinic, **options):  # type: ignore[no-untyped-def]
        clinics = Clinic.objects.order_by("pk")
        if clinic:
            clinics = clinics.filter(slug=clinic)
        broken = 0
        for each in clinics:
            check = verify_chain(each)
            if check.ok:
                self.stdout.write(f"{each.slug}: {check.events} events, chain intact")
            else:
                broken += 1
                self.stdout.write(f"{each.slug}: BROKEN at event {check.broken_at}: {check.reason}")
        if broken:
            raise CommandError(f"{broken} clinic(s) have a broken audit chain.")
