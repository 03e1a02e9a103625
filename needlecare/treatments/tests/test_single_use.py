"""Single use means single use: 20 identical session POSTs at once record one session, one cartridge use
and one set of aftercare messages, on SQLite (a file, WAL, immediate transactions) and PostgreSQL."""

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.test import Client

from needlecare.aftercare.models import Reminder
from needlecare.testing.clock import TODAY
from needlecare.treatments.models import Cartridge, Treatment

ATTEMPTS = 20


def body(plan) -> dict:  # type: ignore[no-untyped-def,type-arg]
    return {
        "performed_on": TODAY.isoformat(),
        "plan_id": str(plan.pk),
        "device": "pen",
        "device_model": "Dermapen 4",
        "device_serial": "DP4-0001",
        "cartridge_id": "C-RACE-1",
        "cartridge_lot": "LOT-A1",
        "cartridge_expiry": "2027-06-30",
        "numbing_agent": "lidocaine_4",
        "numbing_minutes": 30,
        "end_point": "pinpoint_bleeding",
        "duration_minutes": 45,
        "immediate_reaction": "expected",
        "zones": [{"zone": "cheeks", "depth_mm": 1.5, "passes": 3}],
    }


def fire(count: int, post) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    """`post(client)` in `count` threads, each on its own database connection, released at once."""
    barrier = threading.Barrier(count)
    answers: list[tuple[int, str]] = []
    lock = threading.Lock()

    def run() -> None:
        client = Client()
        try:
            barrier.wait()
            response = post(client)
            answer = (response.status_code, response.content.decode())
        except Exception as error:  # noqa: BLE001 - any exception fails the test, with its text
            answer = (0, repr(error))
        finally:
            connections.close_all()
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


@pytest.mark.django_db(transaction=True)
def test_twenty_identical_session_posts_at_once_record_one_session_and_one_set_of_messages(ready, token_for):
    auth = token_for(ready.practitioner)
    url = f"/api/v1/patients/{ready.patient.pk}/sessions"
    payload = body(ready.plan)

    answers = fire(
        ATTEMPTS,
        lambda client: client.post(url, payload, content_type="application/json", HTTP_AUTHORIZATION=auth),
    )

    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] + [409] * (ATTEMPTS - 1), answers
    assert all("single-use" in text for status, text in answers if status == 409), answers
    assert Treatment.objects.filter(patient=ready.patient).count() == 1
    assert Cartridge.objects.filter(cartridge_id="C-RACE-1").count() == 1
    keys = list(Reminder.objects.filter(patient=ready.patient).values_list("idempotency_key", flat=True))
    assert keys and len(keys) == len(set(keys))
    assert sum(1 for k in keys if k.startswith("aftercare_day1:")) == 1  # e-mail only: one day-1 message


def test_a_cartridge_is_refused_in_a_second_session_of_the_same_patient(ready, token_for):
    auth = token_for(ready.practitioner)
    url = f"/api/v1/patients/{ready.patient.pk}/sessions"
    first = {**body(ready.plan), "performed_on": (TODAY - timedelta(weeks=4)).isoformat()}
    done = Client().post(url, first, content_type="application/json", HTTP_AUTHORIZATION=auth)
    assert done.status_code == 201, done.content
    again = Client().post(url, body(ready.plan), content_type="application/json", HTTP_AUTHORIZATION=auth)
    assert again.status_code == 409
    assert "already used in this patient's session" in again.json()["detail"]
    assert Treatment.objects.filter(patient=ready.patient).count() == 1


def test_the_database_refuses_a_second_session_on_one_cartridge(ready, token_for):
    from django.db import IntegrityError, transaction

    auth = token_for(ready.practitioner)
    url = f"/api/v1/patients/{ready.patient.pk}/sessions"
    Client().post(url, body(ready.plan), content_type="application/json", HTTP_AUTHORIZATION=auth)
    treatment = Treatment.objects.get(patient=ready.patient)
    copy = Treatment.objects.get(pk=treatment.pk)
    copy.pk = None
    copy._state.adding = True
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()
