"""The worker anchors every clinic's chain head every AUDIT_ANCHOR_SECONDS (needlecare/audit/anchors.py).

As the reminder sender does, each run first queues its successor, so a killed worker does not stop the
anchoring; `manage.py db_worker` queues the first run when it starts.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus, task


@task()
def anchor_audit_chains() -> dict[str, int]:
    from needlecare.audit.anchors import write_anchors

    ensure_anchoring_scheduled(delay=settings.AUDIT_ANCHOR_SECONDS)
    return {str(clinic): seq for clinic, seq in write_anchors().items()}


def ensure_anchoring_scheduled(*, delay: float = 0) -> None:
    """Queue a run of the anchoring `delay` seconds from now unless one is already waiting."""
    from django_tasks_db.models import DBTaskResult

    from needlecare.audit.models import clinic_model

    now = timezone.now()
    with transaction.atomic():
        # Serialise the check against a second worker doing the same (a no-op lock on SQLite, whose
        # immediate transaction already serialises writers).
        clinic_model().objects.select_for_update().order_by("pk").values_list("pk", flat=True).first()
        runs = DBTaskResult.objects.filter(task_path=anchor_audit_chains.module_path)
        if not runs.filter(status=TaskResultStatus.READY).exists():
            anchor_audit_chains.using(run_after=now + timedelta(seconds=delay)).enqueue()
        old = now - timedelta(days=1)
        runs.filter(status=TaskResultStatus.SUCCESSFUL, finished_at__lt=old).delete()
        runs.filter(status=TaskResultStatus.RUNNING, started_at__lt=old).delete()
