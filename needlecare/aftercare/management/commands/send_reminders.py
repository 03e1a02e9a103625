"""`manage.py send_reminders`: send every due reminder now, once (the worker does this by itself)."""

from django.core.management.base import BaseCommand

from needlecare.aftercare.sender import send_due_reminders


class Command(BaseCommand):
    help = "Send every reminder that is due now, then exit. Safe beside running workers."

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        report = send_due_reminders()
        self.stdout.write(", ".join(f"{k} {v}" for k, v in report.as_dict().items()))
