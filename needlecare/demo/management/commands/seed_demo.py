"""Seed the demo clinics (idempotent: running it twice adds nothing)."""

from django.core.management.base import BaseCommand

from needlecare.demo import seed as demo


class Command(BaseCommand):
    help = "Create the two demo clinics, their staff and synthetic patients; safe to run again."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--patients", type=int, default=40, help="patients per clinic")

    def handle(self, *args, patients, **options):  # type: ignore[no-untyped-def]
        demo.seed(patients_per_clinic=patients)
        self.stdout.write("Demo clinics are ready. Sign in at /accounts/login/ with:")
        for spec in demo.CLINICS:
            for email, _name, role in spec["staff"]:
                self.stdout.write(f"  {email:28} {role.label:13} {spec['name']}")
        self.stdout.write(f"  password for all: {demo.DEMO_PASSWORD}")
