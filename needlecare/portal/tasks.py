"""The task that sends the sign-in links asked for on the portal, soon after they are asked for.

The queued addresses and the reminders are the record; this task only wakes the sender sooner than its
regular tick (a lost task costs a wait of one tick, never a link: the regular run hands them out too).
"""

from __future__ import annotations

from django_tasks import TaskResultStatus, task

from needlecare.aftercare.sender import send_due_reminders


@task()
def send_sign_in_links() -> dict[str, int]:
    return send_due_reminders().as_dict()


def ensure_links_sent_soon() -> None:
    """Queue a run now unless one is already waiting (however many patients ask at once)."""
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(
        task_path=send_sign_in_links.module_path, status=TaskResultStatus.READY
    ).exists()
    if not waiting:
        send_sign_in_links.enqueue()
