"""The task framework only wakes the sender: one queued run at a time, each run queues the next first."""

import pytest
from django.core.management import call_command
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from needlecare.aftercare.models import SenderHeartbeat
from needlecare.aftercare.tasks import ensure_sender_scheduled, send_reminders

pytestmark = pytest.mark.django_db


def queued():  # type: ignore[no-untyped-def]
    return DBTaskResult.objects.filter(task_path=send_reminders.module_path, status=TaskResultStatus.READY)


def test_waking_the_sender_twice_queues_one_run():
    ensure_sender_scheduled()
    ensure_sender_scheduled()
    assert queued().count() == 1


def test_a_run_queues_its_successor_before_sending_and_records_the_heartbeat():
    assert send_reminders.call() == {
        "sent": 0, "cancelled": 0, "retried": 0, "failed": 0, "deferred": 0, "lost": 0, "released": 0,
    }  # fmt: skip
    assert queued().count() == 1
    beat = SenderHeartbeat.objects.get()
    assert beat.runs == 1 and beat.last_run_at is not None


def test_the_send_reminders_command_reports_what_it_did(capsys):
    call_command("send_reminders")
    assert "sent 0" in capsys.readouterr().out
