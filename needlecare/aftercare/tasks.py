"""The task that wakes the reminder sender inside `manage.py db_worker`.

The reminders are the record; this task only makes the worker look at them. Each run first queues its
successor (so a run whose worker is killed does not stop the sender), then sweeps expired leases and
sends what is due. One row lock makes sure a single successor is queued however many workers run.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus, task

from needlecare.aftercare.models import SenderHeartbeat


@task()
def send_reminders() -> dict[str, int]:
    from needlecare.aftercare.sender import send_due_reminders

    ensure_sender_scheduled(delay=settings.REMINDER_TICK_SECONDS, ran=True)
    return send_due_reminders().as_dict()


def ensure_sender_scheduled(*, delay: float = 0, ran: bool = False) -> None:
    """Queue a run of the sender ``delay`` seconds from now unless one is already waiting."""
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    with transaction.atomic():
        SenderHeartbeat.objects.get_or_create(pk=1)
        beat = SenderHeartbeat.objects.select_for_update().get(pk=1)
        if ran:
            beat.last_run_at = now
            beat.runs += 1
            beat.save(update_fields=["last_run_at", "runs"])
        runs = DBTaskResult.objects.filter(task_path=send_reminders.module_path)
        if not runs.filter(status=TaskResultStatus.READY).exists():
            send_reminders.using(run_after=now + timedelta(seconds=delay)).enqueue()
        if ran:
            # Keep the queue table small: finished runs after a day, and runs whose worker was killed.
            old = now - timedelta(days=1)
            runs.filter(status=TaskResultStatus.SUCCESSFUL, finished_at__lt=old).delete()
            runs.filter(status=TaskResultStatus.RUNNING, started_at__lt=old).delete()
