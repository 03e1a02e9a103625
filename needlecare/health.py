"""Probes for a load balancer or an orchestrator: is the process up, and can it serve a clinic?

Both are public and say nothing beyond "ok" per check: no version, no counts, no error text.
"""

from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from needlecare.aftercare.selectors import sender_heartbeat
from needlecare.clinics.access import public

_migrated = False  # once every migration is applied it stays so for this process's life


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        return False


def _migrations_applied() -> bool:
    global _migrated
    if not _migrated:
        try:
            executor = MigrationExecutor(connection)
            _migrated = not executor.migration_plan(executor.loader.graph.leaf_nodes())
        except DatabaseError:
            return False
    return _migrated


def _sender_recent() -> bool:
    try:
        heartbeat = sender_heartbeat()
    except DatabaseError:
        return False
    if heartbeat is None or heartbeat.last_run_at is None:
        return False
    return timezone.now() - heartbeat.last_run_at <= timedelta(seconds=settings.READY_SENDER_MAX_AGE_SECONDS)


@public
def healthz(request: HttpRequest) -> HttpResponse:
    """The process answers."""
    return HttpResponse("ok", content_type="text/plain")


@public
def readyz(request: HttpRequest) -> HttpResponse:
    """The database answers, every migration is applied and the reminder sender ran recently."""
    checks = {"database": _database_ok()}
    checks["migrations"] = checks["database"] and _migrations_applied()
    checks["reminder_sender"] = checks["database"] and _sender_recent()
    ready = all(checks.values())
    body = {name: "ok" if passed else "failing" for name, passed in checks.items()}
    response = JsonResponse({"ready": ready, "checks": body}, status=200 if ready else 503)
    response["Cache-Control"] = "no-store"
    return response
