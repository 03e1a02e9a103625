"""Series from a plan: one slot per remaining session inside its interval window, then maintenance;
booked in one step, all or nothing; moving a session out of its window needs a reason."""

from datetime import date, timedelta

import pytest

from needlecare.core.months import add_calendar_months
from needlecare.scheduling.models import Appointment, TimeOff
from needlecare.scheduling.selectors import local_day
from needlecare.scheduling.services.booking import (
    Booking,
    BookingRefused,
    SlotTaken,
    book_appointment,
    move_appointment,
)
from needlecare.scheduling.services.series import book_series, propose_series
from needlecare.scheduling.tests.conftest import london, make_plan

pytestmark = pytest.mark.django_db


def bookings_from(proposal, practitioner):  # type: ignore[no-untyped-def]
    return [
        Booking(
            patient=proposal.plan.patient,
            practitioner=practitioner,
            type=v.type,
            starts_at=v.slot.starts_at,
            plan=proposal.plan,
            session_number=v.number,
        )
        for v in proposal.visits
    ]


def test_each_session_lands_inside_the_window_after_the_one_before(cal):
    plan = make_plan(cal.patient, cal.practitioner, start=date(2026, 12, 7), sessions=3, weeks=(4, 6))
    proposal = propose_series(plan=plan, practitioner=cal.practitioner)
    assert [v.label for v in proposal.visits] == ["Session 1", "Session 2", "Session 3", "Maintenance"]
    days = [local_day(cal.clinic, v.slot.starts_at) for v in proposal.visits]
    assert days[0] == date(2026, 12, 7)  # the planned day, a Monday
    for before, after in zip(days[:2], days[1:3], strict=True):
        assert timedelta(weeks=4) <= after - before <= timedelta(weeks=6)
    assert (
        add_calendar_months(days[2], 12) <= days[3] <= add_calendar_months(days[2], 12) + timedelta(weeks=4)
    )


def test_a_holiday_pushes_a_session_later_inside_its_window(cal):
    plan = make_plan(cal.patient, cal.practitioner, start=date(2026, 12, 7), sessions=2, weeks=(4, 6))
    # Away the whole fortnight the second session would first fall in (4-5 weeks after 7 Dec).
    TimeOff.objects.create(
        clinic=cal.clinic,
        practitioner=cal.practitioner,
        first_day=date(2027, 1, 4),
        last_day=date(2027, 1, 15),
        reason="Holiday",
    )
    proposal = propose_series(plan=plan, practitioner=cal.practitioner)
    second = local_day(cal.clinic, proposal.visits[1].slot.starts_at)
    assert second == date(2027, 1, 18)  # first working day back, still within 6 weeks
    assert proposal.visits[1].window == (date(2027, 1, 4), date(2027, 1, 18))


def test_a_holiday_covering_the_whole_window_leaves_the_session_for_staff_to_choose(cal):
    plan = make_plan(cal.patient, cal.practitioner, start=date(2026, 12, 7), sessions=2, weeks=(4, 6))
    TimeOff.objects.create(
        clinic=cal.clinic,
        practitioner=cal.practitioner,
        first_day=date(2027, 1, 1),
        last_day=date(2027, 1, 31),
    )
    proposal = propose_series(plan=plan, practitioner=cal.practitioner)
    assert proposal.visits[1].slot is None and "No free slot" in proposal.visits[1].note


def test_existing_bookings_are_stepped_around(cal):
    from needlecare.factories import make_patient

    plan = make_plan(cal.patient, cal.practitioner, start=date(2026, 12, 7), sessions=1)
    other = make_patient(cal.clinic, by=cal.owner)
    for hour in range(9, 17):
        book_appointment(
            clinic=cal.clinic,
            booking=Booking(
                patient=other,
                practitioner=cal.practitioner,
                type=cal.treatment,
                starts_at=london(date(2026, 12, 7), hour),
            ),
            by=cal.front_desk,
        )
    proposal = propose_series(plan=plan, practitioner=cal.practitioner)
    assert local_day(cal.clinic, proposal.visits[0].slot.starts_at) == date(2026, 12, 8)


def test_sessions_across_the_clocks_going_forward_keep_their_local_time(cal):
    # Session 1 in March 2027 before the change (28 March), session 2 after it: both at 09:00 London.
    plan = make_plan(cal.patient, cal.practitioner, start=date(2027, 3, 1), sessions=2, weeks=(4, 6))
    proposal = propose_series(plan=plan, practitioner=cal.practitioner)
    first, second = (v.slot.starts_at for v in proposal.visits[:2])
    assert first == london(date(2027, 3, 1), 9) and first.hour == 9  # GMT
    assert second == london(date(2027, 3, 29), 9) and second.hour == 8  # BST: 08:00 UTC


def test_a_series_is_booked_all_or_nothing(cal):
    from needlecare.factories import make_patient

    plan = make_plan(cal.patient, cal.practitioner, start=date(2026, 12, 7), sessions=3)
    proposal = propose_series(plan=plan, practitioner=cal.practitioner)
    bookings = bookings_from(proposal, cal.practitioner)
    # Someone takes the third session's slot after the proposal was made.
    book_appointment(
        clinic=cal.clinic,
        booking=Booking(
            patient=make_patient(cal.clinic, by=cal.owner),
            practitioner=cal.practitioner,
            type=cal.treatment,
            starts_at=bookings[2].starts_at,
        ),
        by=cal.front_desk,
    )
    with pytest.raises(SlotTaken, match="Session 3"):
        book_series(clinic=cal.clinic, plan=plan, bookings=bookings, by=cal.front_desk)
    assert Appointment.objects.filter(plan=plan).count() == 0
    # A fresh proposal steps around it and books every visit.
    booked = book_series(
        clinic=cal.clinic,
        plan=plan,
        bookings=bookings_from(propose_series(plan=plan, practitioner=cal.practitioner), cal.practitioner),
        by=cal.front_desk,
    )
    assert [a.session_number for a in booked] == [1, 2, 3, None]
    # Nothing is left to propose but nothing is proposed twice either.
    assert propose_series(plan=plan, practitioner=cal.practitioner).visits == []


def test_moving_a_session_outside_its_window_needs_a_reason(cal):
    plan = make_plan(cal.patient, cal.practitioner, start=date(2026, 12, 7), sessions=2, weeks=(4, 6))
    booked = book_series(
        clinic=cal.clinic,
        plan=plan,
        bookings=bookings_from(propose_series(plan=plan, practitioner=cal.practitioner), cal.practitioner),
        by=cal.front_desk,
    )
    second = booked[1]
    too_soon = london(date(2026, 12, 21), 10)  # two weeks after session 1
    with pytest.raises(BookingRefused) as caught:
        move_appointment(appointment=second, starts_at=too_soon, by=cal.front_desk)
    assert "give a reason" in caught.value.message_dict["reason"][0]
    moved = move_appointment(
        appointment=second, starts_at=too_soon, by=cal.front_desk, reason="Travelling for three months after"
    )
    assert moved.move_reason.startswith("Travelling") and moved.sequence == 1


def test_a_declined_patient_gets_no_proposal_and_the_reason(cal):
    from needlecare.scheduling.tests.conftest import screened

    screened(cal, skin_cancer_or_suspicious_lesion_at_site=True)
    plan = make_plan(cal.patient, cal.practitioner, start=date(2026, 12, 7))
    proposal = propose_series(plan=plan, practitioner=cal.practitioner)
    assert proposal.visits == [] and "absolute contraindication" in proposal.refusal


def test_a_deferral_moves_the_first_session_after_defer_until(cal):
    from needlecare.scheduling.tests.conftest import screened

    decision = screened(cal, isotretinoin_last_dose=date(2026, 11, 25) - timedelta(days=150))
    plan = make_plan(cal.patient, cal.practitioner, start=date(2026, 12, 7))
    first = proposal_first_day = propose_series(plan=plan, practitioner=cal.practitioner).visits[0]
    assert local_day(cal.clinic, first.slot.starts_at) > decision.defer_until
    assert proposal_first_day.note  # says the window had to move


def test_a_draft_plan_is_not_proposed(cal):
    plan = make_plan(cal.patient, cal.practitioner, start=date(2026, 12, 7), status="draft")
    assert "activate" in propose_series(plan=plan, practitioner=cal.practitioner).refusal


def test_a_session_already_booked_or_performed_is_not_booked_twice(cal):
    plan = make_plan(cal.patient, cal.practitioner, start=date(2026, 12, 7), sessions=2)
    first = book_appointment(
        clinic=cal.clinic,
        booking=Booking(
            patient=cal.patient,
            practitioner=cal.practitioner,
            type=cal.treatment,
            starts_at=london(date(2026, 12, 7), 9),
            plan=plan,
            session_number=1,
        ),
        by=cal.front_desk,
    )
    with pytest.raises(BookingRefused, match="already booked for 07 Dec 2026"):
        book_appointment(
            clinic=cal.clinic,
            booking=Booking(
                patient=cal.patient,
                practitioner=cal.practitioner,
                type=cal.treatment,
                starts_at=london(date(2026, 12, 8), 9),
                plan=plan,
                session_number=1,
            ),
            by=cal.front_desk,
        )
    # Moving the booked session itself is no duplicate.
    assert (
        move_appointment(
            appointment=first, starts_at=london(date(2026, 12, 8), 9), by=cal.front_desk
        ).sequence
        == 1
    )
