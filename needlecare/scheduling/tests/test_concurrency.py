"""No double booking under load: 50 simultaneous attempts at one slot, each on its own connection. No
double change either: cancelling and status changes lock the row, so a second change made from a stale
copy of the appointment (another tab, another person, the same click twice) is refused.

On PostgreSQL the threads share the test database. On SQLite the suite's test database lives in memory
(shared cache), where locks are per table and fail at once instead of queueing, which no deployment
has; so the test copies it to a file and the threads open their own connections to that file, with the
settings production uses (WAL, busy_timeout, IMMEDIATE transactions)."""

import sqlite3
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import connection

from needlecare.audit.models import AuditEvent
from needlecare.scheduling.models import Appointment, Status
from needlecare.scheduling.services.booking import (
    Booking,
    BookingRefused,
    SlotTaken,
    book_appointment,
    cancel_appointment,
    move_appointment,
    set_status,
)
from needlecare.testing.clock import TODAY, london
from needlecare.testing.concurrency import file_copy
from needlecare.testing.concurrency import fire as race
from needlecare.testing.factories import make_patient

ATTEMPTS = 50


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
    """The shared race harness, with booking's two refusals told apart."""
    return race(attempts, file_settings, refused=SlotTaken, declined=BookingRefused)


@pytest.mark.django_db(transaction=True)
def test_fifty_simultaneous_bookings_of_one_slot_make_exactly_one_appointment(cal, tmp_path):
    patients = [make_patient(cal.clinic, by=cal.owner) for _ in range(ATTEMPTS)]
    starts_at = london(date(2026, 11, 30), 11)
    file_settings = file_copy(tmp_path)

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
    file_settings = file_copy(tmp_path)

    def attempt_for(patient, user):  # type: ignore[no-untyped-def]
        return lambda: book_appointment(
            clinic=cal.clinic,
            booking=Booking(patient=patient, practitioner=user, type=cal.treatment, starts_at=starts_at),
            by=cal.front_desk,
        )

    answers = fire([attempt_for(p, u) for p, u in zip(patients, practitioners, strict=True)], file_settings)
    assert answers.count("booked") == 1, answers
    assert all(a.startswith("taken: Slot taken") for a in answers if a != "booked"), answers


# ------------------------------------------------------------------------------------------------------
# Cancelling and status changes: the second change, from a stale copy, is refused
# ------------------------------------------------------------------------------------------------------


def _booked_today(cal):  # type: ignore[no-untyped-def]
    """A consultation at 11:00 today (time stands at 10:00), and a second, soon stale, copy of it."""
    appointment = book_appointment(
        clinic=cal.clinic,
        booking=Booking(
            patient=make_patient(cal.clinic, by=cal.owner),
            practitioner=cal.practitioner,
            type=cal.consultation,
            starts_at=london(TODAY, 11),
        ),
        by=cal.front_desk,
    )
    return appointment, Appointment.objects.get(pk=appointment.pk)


def _events(appointment, action: str) -> int:  # type: ignore[no-untyped-def]
    return AuditEvent.objects.filter(action=action, object_id=str(appointment.pk)).count()


@pytest.mark.django_db
def test_cancelling_a_stale_copy_of_a_cancelled_appointment_is_refused_and_shows_it_cancelled(cal):
    appointment, stale = _booked_today(cal)
    cancel_appointment(appointment=appointment, reason="Patient is ill", by=cal.front_desk)
    with pytest.raises(BookingRefused, match="A cancelled appointment cannot be cancelled"):
        cancel_appointment(appointment=stale, reason="Asked twice", by=cal.owner)
    assert stale.status == Status.CANCELLED  # the refusal brought the stale copy up to date
    appointment.refresh_from_db()
    assert (appointment.cancel_reason, appointment.sequence) == ("Patient is ill", 1)
    assert _events(appointment, "appointment.cancel") == 1


@pytest.mark.django_db
def test_a_no_show_from_a_stale_copy_does_not_undo_a_cancellation(cal):
    appointment, stale = _booked_today(cal)
    cancel_appointment(appointment=appointment, reason="Patient is ill", by=cal.front_desk)
    with time_machine.travel(datetime(2026, 11, 25, 12, 0, tzinfo=UTC), tick=False):  # after the start
        with pytest.raises(BookingRefused, match="A cancelled appointment cannot become no-show"):
            set_status(appointment=stale, status=Status.NO_SHOW, by=cal.front_desk)
    appointment.refresh_from_db()
    assert appointment.status == Status.CANCELLED
    assert _events(appointment, "appointment.no_show") == 0


@pytest.mark.django_db
def test_checking_in_from_two_copies_checks_in_once(cal):
    appointment, stale = _booked_today(cal)
    set_status(appointment=appointment, status=Status.CHECKED_IN, by=cal.front_desk)
    with pytest.raises(BookingRefused, match="A checked in appointment cannot become checked in"):
        set_status(appointment=stale, status=Status.CHECKED_IN, by=cal.owner)
    assert stale.status == Status.CHECKED_IN
    assert _events(appointment, "appointment.checked_in") == 1


@pytest.mark.django_db
def test_completing_a_stale_copy_of_a_visit_cancelled_meanwhile_is_refused(cal):
    appointment, _ = _booked_today(cal)
    set_status(appointment=appointment, status=Status.CHECKED_IN, by=cal.front_desk)
    checked_in = Appointment.objects.get(pk=appointment.pk)
    cancel_appointment(appointment=appointment, reason="Left before the session", by=cal.front_desk)
    with pytest.raises(BookingRefused, match="A cancelled appointment cannot become completed"):
        set_status(appointment=checked_in, status=Status.COMPLETED, by=cal.practitioner)
    appointment.refresh_from_db()
    assert appointment.status == Status.CANCELLED


@pytest.mark.django_db
def test_checking_in_a_stale_copy_of_an_appointment_moved_to_another_day_is_refused(cal):
    appointment, stale = _booked_today(cal)
    move_appointment(appointment=appointment, starts_at=london(date(2026, 11, 26), 11), by=cal.front_desk)
    with pytest.raises(BookingRefused, match="check in on the day of their appointment"):
        set_status(appointment=stale, status=Status.CHECKED_IN, by=cal.front_desk)
    appointment.refresh_from_db()
    assert appointment.status == Status.BOOKED


def _count_events(file_settings, appointment, action: str) -> int:  # type: ignore[no-untyped-def]
    if file_settings is None:
        return _events(appointment, action)
    with sqlite3.connect(file_settings["NAME"]) as db:
        return db.execute(
            "SELECT count(*) FROM audit_auditevent WHERE action = ? AND object_id = ?",
            (action, str(appointment.pk)),
        ).fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_cancellations_of_one_appointment_cancel_it_once(cal, tmp_path):
    appointment, _ = _booked_today(cal)
    copies = [Appointment.objects.select_related("patient").get(pk=appointment.pk) for _ in range(20)]
    file_settings = file_copy(tmp_path)

    def attempt_for(copy):  # type: ignore[no-untyped-def]
        def attempt() -> None:
            cancel_appointment(appointment=copy, reason="Patient is ill", by=cal.front_desk)

        return attempt

    answers = fire([attempt_for(c) for c in copies], file_settings)
    assert answers.count("booked") == 1, (connection.vendor, answers)  # "booked": the attempt went through
    assert all(a == "refused: A cancelled appointment cannot be cancelled." for a in answers if a != "booked")
    assert _count_events(file_settings, appointment, "appointment.cancel") == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_check_ins_of_one_appointment_check_it_in_once(cal, tmp_path):
    appointment, _ = _booked_today(cal)
    copies = [Appointment.objects.select_related("patient").get(pk=appointment.pk) for _ in range(20)]
    file_settings = file_copy(tmp_path)

    def attempt_for(copy):  # type: ignore[no-untyped-def]
        def attempt() -> None:
            set_status(appointment=copy, status=Status.CHECKED_IN, by=cal.front_desk)

        return attempt

    answers = fire([attempt_for(c) for c in copies], file_settings)
    assert answers.count("booked") == 1, (connection.vendor, answers)
    expected = "refused: A checked in appointment cannot become checked in."
    assert all(a == expected for a in answers if a != "booked"), answers
    assert _count_events(file_settings, appointment, "appointment.checked_in") == 1
