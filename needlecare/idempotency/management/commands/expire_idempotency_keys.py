"""Delete the kept answers to Idempotency-Keys older than 24 hours (run it daily, e.g. from cron)."""

from django.core.management.base import BaseCommand

from needlecare.idempotency.services import purge_expired


class Command(BaseCommand):
    help = "Delete the answers kept for Idempotency-Keys and form tokens once their 24 hours are over."

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        self.stdout.write(f"Deleted {purge_expired()} expired idempotency records.")
