"""No double booking under load: 50 simultaneous attempts at one slot, each on its own connection.

On PostgreSQL the threads share the test database. On SQLite the suite's test database lives in memory
(shared cache), where locks are per table and fail at once instead of queueing, which no deployment
has; so the test copies it to a file and the threads open their own connections to that file, with the
settings production uses (WAL, busy_timeout, IMMEDIATE transactions)."""

import sqlite3
import threading
from datetime import date

import pytest
from django.db import connection, connections

from needlecare.scheduling.services import Booking, SlotTaken, book_appointment
from needlecare.testing.clock import london
from needlecare.testing.factories import make_patient

ATTEMPTS = 50


def _file_copy(tmp_path):  # type: ignore[no-untyped-def]
    """On SQLite: a file with the test database's content, and settings to open it; None elsewhere."""
    if connection.vendor != "sqlite":
        return None
    path = tmp_path / "booking.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    return {**connection.settings_dict, "NAME": str(path), "WRAPPER": connections["default"].__class__}


def _count(file_settings, practitioner_id: int) -> int:  # type: ignore[no-untyped-def]
    from needlecare.scheduling.models import Appointment

    if file_settings is None:
        return Appointment.objects.filter(practitioner_id=practitioner_id).exclude(status="cancelled").count()
    with sqlite3.connect(file_settings["NAME"]) as db:
        return db.execute(
            "SELECT count(*) FROM scheduling_appointment WHERE practitioner_id = ? AND status <> 'cancelled'",
            (practitioner_id,),
        ).fetchone()[0]


def fire(attempts, file_settings) -> list[str]:  # type: ignore[no-untyped-def]
    """Run each attempt in its own thread, all released at once; their answers, in order of finishing."""
    barrier = threading.Barrier(len(attempts))
    answers: list[str] = []
    lock = threading.Lock()

    def run(attempt) -> None:  # type: ignore[no-untyped-def]
        if file_settings is not None:
            wrapper = file_settings["WRAPPER"]
            connections["default"] = wrapper(file_settings, "default")  # in this thread only
        try:
            barrier.wait()
            attempt()
            answer = "booked"
        except SlotTaken as taken:
            answer = "taken: " + taken.message
        except Exception as error:  # noqa: BLE001 - any other answer fails the test, with its text
            answer = f"error: {error!r}"
        finally:
            connections.close_all()
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=run, args=(a,)) for a in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


@pytest.mark.django_db(transaction=True)
def test_fifty_simultaneous_bookings_of_one_slot_make_exactly_one_appointment(cal, tmp_path):
    patients = [make_patient(cal.clinic, by=cal.owner) for _ in range(ATTEMPTS)]
    starts_at = london(date(2026, 11, 30), 11)
    file_settings = _file_copy(tmp_path)

    def attempt_for(patient):  # type: ignore[no-untyped-def]
        return lambda: book_appointment(
            clinic=cal.clinic,
            booking=Booking(
                patient=patient, practitioner=cal.practitioner, type=cal.consultation, starts_at=starts_at
            ),
            by=cal.front_desk,
        )

    answers = fire([attempt_for(p) for p in patients], file_settings)

    assert len(answers) == ATTEMPTS
    assert answers.count("booked") == 1, (connection.vendor, answers)
    assert all(a.startswith("taken: Slot taken") for a in answers if a != "booked"), answers
    assert _count(file_settings, cal.practitioner.pk) == 1


@pytest.mark.django_db(transaction=True)
def test_fifty_simultaneous_treatments_for_the_only_room_make_exactly_one_appointment(cal, tmp_path):
    """Different practitioners, one room: the room (not the practitioner) is what is fought over."""
    from needlecare.clinics.models import Role
    from needlecare.scheduling.models import Room
    from needlecare.testing.factories import MembershipFactory
    from needlecare.testing.scheduling import working_week

    Room.objects.filter(clinic=cal.clinic).exclude(name="Room 1").update(is_active=False)
    practitioners = [
        MembershipFactory(clinic=cal.clinic, role=Role.PRACTITIONER).user for _ in range(ATTEMPTS)
    ]
    for user in practitioners:
        working_week(cal.clinic, user)
    patients = [make_patient(cal.clinic, by=cal.owner) for _ in range(ATTEMPTS)]
    starts_at = london(date(2026, 12, 1), 14)
    file_settings = _file_copy(tmp_path)

    def attempt_for(patient, user):  # type: ignore[no-untyped-def]
        return lambda: book_appointment(
            clinic=cal.clinic,
            booking=Booking(patient=patient, practitioner=user, type=cal.treatment, starts_at=starts_at),
            by=cal.front_desk,
        )

    answers = fire([attempt_for(p, u) for p, u in zip(patients, practitioners, strict=True)], file_settings)
    assert answers.count("booked") == 1, answers
    assert all(a.startswith("taken: Slot taken") for a in answers if a != "booked"), answers
