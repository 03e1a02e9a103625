"""Appends from many threads at once (as a threaded web server makes them) keep one unbroken chain."""

import threading

import pytest
from django.db import connection

from needlecare.audit.models import AuditEvent
from needlecare.audit.services import record_event, verify_chain

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_reads_of_a_record_each_append_one_event_and_the_chain_holds(world_a):
    failures: list[BaseException] = []
    start = threading.Barrier(8)

    def read() -> None:
        try:
            start.wait()
            for _ in range(5):
                record_event(
                    clinic=world_a.clinic, user=world_a.owner, action="patient.view", obj=world_a.patient
                )
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)
        finally:
            connection.close()

    before = AuditEvent.objects.filter(clinic=world_a.clinic).count()
    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert AuditEvent.objects.filter(clinic=world_a.clinic).count() == before + 40
    assert verify_chain(world_a.clinic).ok
