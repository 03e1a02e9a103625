"""Booking one appointment: what is refused (and why), what conflicts, and what gets written."""

from datetime import date, timedelta

import pytest

from needlecare.audit.models import AuditEvent
from needlecare.scheduling.models import Appointment, Device, Room, Status, TimeOff
from needlecare.scheduling.services.booking import (
    Booking,
    BookingRefused,
    SlotTaken,
    book_appointment,
    cancel_appointment,
    move_appointment,
    set_status,
)
from needlecare.scheduling.tests.conftest import TODAY, london

pytestmark = pytest.mark.django_db
MONDAY = date(2026, 11, 30)


def book(world, starts_at, *, type=None, practitioner=None, patient=None, **extra):  # type: ignore[no-untyped-def]
    return book_appointment(
        clinic=world.clinic,
        booking=Booking(
            patient=patient or world.patient,
            practitioner=practitioner or world.practitioner,
            type=type or world.treatment,
            starts_at=starts_at,
            **extra,
        ),
        by=world.front_desk,
    )


def refusal(world, starts_at, **kwargs) -> dict:  # type: ignore[no-untyped-def,type-arg]
    with pytest.raises(BookingRefused) as caught:
        book(world, starts_at, **kwargs)
    assert Appointment.objects.count() == 0
    return caught.value.message_dict


def test_a_treatment_gets_a_room_and_a_device_and_lasts_an_hour(cal):
    appointment = book(cal, london(MONDAY, 10))
    assert appointment.room is not None and appointment.device is not None
    assert appointment.ends_at - appointment.starts_at == timedelta(minutes=60)
    assert appointment.status == Status.BOOKED and appointment.sequence == 0
    assert AuditEvent.objects.filter(action="appointment.book", object_id=str(appointment.pk)).exists()


def test_the_clinic_may_change_a_types_duration(cal):
    cal.consultation.duration_minutes = 45
    cal.consultation.save()
    appointment = book(cal, london(MONDAY, 10), type=cal.consultation)
    assert appointment.ends_at - appointment.starts_at == timedelta(minutes=45)
    assert appointment.room is None and appointment.device is None


def test_every_new_clinic_gets_the_four_standard_types(world_b):
    from needlecare.scheduling.selectors import types_of

    assert {t.code: t.duration_minutes for t in types_of(world_b.clinic)} == {
        "consultation": 30,
        "treatment": 60,
        "maintenance": 60,
        "follow_up": 20,
    }


def test_a_time_in_the_past_is_refused(cal):
    assert "passed" in refusal(cal, london(TODAY, 9))["starts_at"][0]


def test_outside_working_hours_is_refused_and_says_the_hours(cal):
    message = refusal(cal, london(MONDAY, 16, 30))["starts_at"][0]  # would end at 17:30
    assert "Outside working hours" in message and "09:00–17:00" in message
    assert "does not work on Saturdays" in refusal(cal, london(date(2026, 11, 28), 10))["starts_at"][0]


def test_a_practitioner_on_holiday_cannot_be_booked(cal):
    TimeOff.objects.create(
        clinic=cal.clinic, practitioner=cal.practitioner, first_day=MONDAY, last_day=MONDAY, reason="Holiday"
    )
    assert "away" in refusal(cal, london(MONDAY, 10))["starts_at"][0]


def test_another_clinics_room_or_a_front_desk_member_is_refused(cal, world_b):
    from needlecare.scheduling.tests.conftest import equip

    equip(world_b.clinic)
    foreign = Room.objects.get(clinic=world_b.clinic, name="Room 1")
    assert "room_id" in refusal(cal, london(MONDAY, 10), room=foreign)
    assert "practitioner_id" in refusal(cal, london(MONDAY, 10), practitioner=cal.front_desk)


def test_the_practitioner_room_device_and_patient_are_never_double_booked(cal):
    from needlecare.factories import make_patient

    first = book(cal, london(MONDAY, 10))
    other = make_patient(cal.clinic, by=cal.owner)
    with pytest.raises(SlotTaken, match="already has an appointment"):
        book(cal, london(MONDAY, 10, 30), patient=other)  # same practitioner, overlapping
    with pytest.raises(SlotTaken, match="patient already has"):
        book(cal, london(MONDAY, 10, 15), practitioner=cal.owner)
    with pytest.raises(SlotTaken, match="booked then"):
        book(cal, london(MONDAY, 10, 30), practitioner=cal.owner, patient=other, room=first.room)
    with pytest.raises(SlotTaken, match="in use then"):
        book(cal, london(MONDAY, 10, 30), practitioner=cal.owner, patient=other, device=first.device)
    # Back to back is fine, and a second room and device are picked by themselves.
    assert book(cal, london(MONDAY, 11), patient=other).room == first.room
    parallel = book(cal, london(MONDAY, 10), practitioner=cal.owner, patient=other)
    assert parallel.room != first.room and parallel.device != first.device
    assert Appointment.objects.count() == 3


def test_when_every_room_is_taken_the_answer_is_slot_taken(cal):
    from needlecare.factories import make_patient

    Device.objects.create(clinic=cal.clinic, name="Pen 3")
    book(cal, london(MONDAY, 10))
    book(cal, london(MONDAY, 10), practitioner=cal.owner, patient=make_patient(cal.clinic, by=cal.owner))
    from needlecare.clinics.models import Role
    from needlecare.factories import MembershipFactory
    from needlecare.scheduling.tests.conftest import working_week

    third = MembershipFactory(clinic=cal.clinic, role=Role.PRACTITIONER).user
    working_week(cal.clinic, third)
    with pytest.raises(SlotTaken, match="no treatment room"):
        book(cal, london(MONDAY, 10), practitioner=third, patient=make_patient(cal.clinic, by=cal.owner))


def test_a_cancelled_appointment_frees_its_slot(cal):
    first = book(cal, london(MONDAY, 10))
    cancel_appointment(appointment=first, reason="Patient unwell", by=cal.front_desk)
    assert first.sequence == 1 and first.cancel_reason == "Patient unwell"
    assert book(cal, london(MONDAY, 10)).pk != first.pk


def test_cancelling_needs_a_reason(cal):
    first = book(cal, london(MONDAY, 10))
    with pytest.raises(BookingRefused, match="why"):
        cancel_appointment(appointment=first, reason="  ", by=cal.front_desk)


def test_moving_bumps_the_sequence_and_frees_the_old_time(cal):
    appointment = book(cal, london(MONDAY, 10))
    move_appointment(appointment=appointment, starts_at=london(MONDAY, 10, 30), by=cal.front_desk)
    appointment.refresh_from_db()
    assert appointment.starts_at == london(MONDAY, 10, 30) and appointment.sequence == 1
    with pytest.raises(BookingRefused):
        move_appointment(appointment=appointment, starts_at=london(MONDAY, 18), by=cal.front_desk)
    appointment.refresh_from_db()
    assert appointment.starts_at == london(MONDAY, 10, 30)


def test_check_in_on_the_day_then_complete_and_no_show_only_after_the_start(cal):
    today_slot = book(cal, london(TODAY, 11))
    with pytest.raises(BookingRefused, match="after the start"):
        set_status(appointment=today_slot, status="no_show", by=cal.front_desk)
    set_status(appointment=today_slot, status="checked_in", by=cal.front_desk)
    set_status(appointment=today_slot, status="completed", by=cal.practitioner)
    later = book(cal, london(MONDAY, 11))
    with pytest.raises(BookingRefused, match="day of their appointment"):
        set_status(appointment=later, status="checked_in", by=cal.front_desk)
    with pytest.raises(BookingRefused):
        set_status(appointment=later, status="completed", by=cal.front_desk)


# --- the safety gate -----------------------------------------------------------------------------------


def test_a_declined_patient_cannot_be_booked_for_a_treatment_but_may_have_a_consultation(cal):
    from needlecare.scheduling.tests.conftest import screened

    decision = screened(cal, skin_cancer_or_suspicious_lesion_at_site=True)
    assert decision.outcome == "declined"
    assert "absolute contraindication" in refusal(cal, london(MONDAY, 10))["screening"][0]
    assert book(cal, london(MONDAY, 10), type=cal.consultation).pk


def test_a_deferred_patient_can_be_booked_only_after_defer_until(cal):
    from needlecare.scheduling.selectors import earliest_treatment_day, free_slots
    from needlecare.scheduling.tests.conftest import screened

    decision = screened(cal, isotretinoin_last_dose=TODAY - timedelta(days=150))
    assert decision.outcome == "deferred" and decision.defer_until is not None
    until = decision.defer_until
    message = refusal(
        cal, london(until, 10) if until.weekday() < 5 else london(until - timedelta(days=2), 10)
    )
    assert f"until {until:%d %b %Y}" in message["screening"][0]
    first = earliest_treatment_day(cal.patient, TODAY)
    assert first == until + timedelta(days=1)
    slots = free_slots(
        cal.clinic,
        type=cal.treatment,
        first=TODAY,
        last=until + timedelta(days=10),
        practitioners=[cal.practitioner],
        patient=cal.patient,
    )
    assert slots and min(s.starts_at for s in slots) >= london(first, 0)
    day = first + timedelta(days=(7 - first.weekday()) % 7)  # the next Monday from then
    assert book(cal, london(day, 9)).pk


def test_free_slots_skip_booked_times_and_respect_hours_across_the_dst_change(cal):
    from needlecare.scheduling.selectors import free_slots

    book(cal, london(MONDAY, 9))
    slots = free_slots(
        cal.clinic, type=cal.treatment, first=MONDAY, last=MONDAY, practitioners=[cal.practitioner]
    )
    starts = [s.starts_at for s in slots]
    assert london(MONDAY, 9) not in starts and london(MONDAY, 9, 45) not in starts
    assert starts[0] == london(MONDAY, 10) and starts[-1] == london(MONDAY, 16)
    # 29 March 2027 is the first Monday of British Summer Time: 09:00 is 08:00 UTC there.
    summer = free_slots(
        cal.clinic,
        type=cal.treatment,
        first=date(2027, 3, 29),
        last=date(2027, 3, 29),
        practitioners=[cal.practitioner],
    )
    assert (
        summer[0].starts_at.hour == 8 and summer[0].starts_at.astimezone(london(MONDAY, 9).tzinfo).hour == 8
    )
    assert london(date(2027, 3, 29), 9) == summer[0].starts_at
