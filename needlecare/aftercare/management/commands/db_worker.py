"""`manage.py db_worker`: django_tasks_db's worker, which first makes sure the reminder sender is queued.

The sender re-queues itself on every run; this start-up step restores it if the queue ever lost it (a
new database, or a worker killed at the instant between starting a run and queueing the next).
"""

from django.db.utils import OperationalError
from django_tasks_db.management.commands.db_worker import Command as WorkerCommand

from needlecare.aftercare.tasks import ensure_sender_scheduled
from needlecare.audit.tasks import ensure_anchoring_scheduled


class Command(WorkerCommand):
    help = "Run the background worker (reminders and other tasks). Several may run at once."

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        try:
            ensure_sender_scheduled()
        except OperationalError as error:  # e.g. the tables are not migrated yet: say so, then run
            self.stderr.write(f"Could not queue the reminder sender: {error}")
        try:
            ensure_anchoring_scheduled()
        except OperationalError as error:
            self.stderr.write(f"Could not queue the audit anchoring: {error}")
        return super().handle(*args, **options)
