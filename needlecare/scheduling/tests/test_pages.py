"""Calendar pages: day and week views, booking from a free slot, status changes with htmx, move,
cancel, a patient's appointments, series from a plan, feeds and setup; a constant number of queries."""

from datetime import date, time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from needlecare.factories import make_patient
from needlecare.scheduling.models import Appointment, Device, Room, Status, TimeOff, WorkingHours
from needlecare.scheduling.services.booking import Booking, book_appointment
from needlecare.scheduling.tests.conftest import TODAY, london, make_plan

pytestmark = pytest.mark.django_db
MONDAY = date(2026, 11, 30)


def book(world, starts_at, patient=None, practitioner=None, type=None):  # type: ignore[no-untyped-def]
    return book_appointment(
        clinic=world.clinic,
        booking=Booking(
            patient=patient or world.patient,
            practitioner=practitioner or world.practitioner,
            type=type or world.consultation,
            starts_at=starts_at,
        ),
        by=world.front_desk,
    )


def fill_day(world, count: int) -> None:  # type: ignore[no-untyped-def]
    for index in range(count):
        who = world.practitioner if index % 2 == 0 else world.owner
        hour, half = divmod(index // 2, 2)
        book(
            world,
            london(MONDAY, 9 + hour, 30 * half),
            patient=make_patient(world.clinic, by=world.owner),
            practitioner=who,
        )


@pytest.mark.parametrize("view", ["day", "week"])
def test_the_calendar_costs_the_same_queries_for_2_or_20_appointments(cal, signed_in, view):
    client = signed_in(cal.front_desk)
    url = f"/calendar/?view={view}&date={MONDAY}"
    fill_day(cal, 2)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    fill_day_more = 18
    for index in range(fill_day_more):
        who = cal.practitioner if index % 2 == 0 else cal.owner
        hour, half = divmod(index // 2, 2)
        book(
            cal,
            london(MONDAY, 11 + hour, 30 * half),
            patient=make_patient(cal.clinic, by=cal.owner),
            practitioner=who,
        )
    with CaptureQueriesContext(connection) as many:
        page = client.get(url)
    assert page.status_code == 200
    assert len(many) == len(few)
    assert page.content.decode().count('class="appt status-booked"') == 20


def test_the_day_view_shows_local_times_and_free_slots_that_lead_to_booking(cal, signed_in):
    client = signed_in(cal.front_desk)
    book(cal, london(MONDAY, 9))
    page = client.get(f"/calendar/?date={MONDAY}&practitioner={cal.practitioner.pk}").content.decode()
    assert "09:00–09:30" in page
    assert f"/calendar/book/?practitioner={cal.practitioner.pk}&day=2026-11-30&time=09:30" in page
    assert "time=09:00" not in page  # taken


def test_book_from_a_free_slot(cal, signed_in):
    client = signed_in(cal.front_desk)
    found = client.get("/calendar/book/", {"q": cal.patient.family_name, "practitioner": cal.practitioner.pk})
    assert cal.patient.full_name in found.content.decode()
    answer = client.post(
        "/calendar/book/",
        {
            "patient": cal.patient.pk,
            "type": cal.treatment.pk,
            "practitioner": cal.practitioner.pk,
            "day": "2026-11-30",
            "time": "10:00",
        },
    )
    appointment = Appointment.objects.get()
    assert answer.status_code == 302 and answer.url == f"/appointments/{appointment.pk}/"
    assert appointment.starts_at == london(MONDAY, 10) and appointment.room is not None


def test_booking_a_taken_slot_says_so_and_books_nothing_more(cal, signed_in):
    book(cal, london(MONDAY, 10), type=cal.treatment)
    other = make_patient(cal.clinic, by=cal.owner)
    answer = signed_in(cal.front_desk).post(
        "/calendar/book/",
        {
            "patient": other.pk,
            "type": cal.treatment.pk,
            "practitioner": cal.practitioner.pk,
            "day": "2026-11-30",
            "time": "10:30",
        },
    )
    assert answer.status_code == 409 and "Slot taken" in answer.content.decode()
    assert Appointment.objects.count() == 1


def test_booking_outside_hours_answers_422(cal, signed_in):
    answer = signed_in(cal.front_desk).post(
        "/calendar/book/",
        {
            "patient": cal.patient.pk,
            "type": cal.treatment.pk,
            "practitioner": cal.practitioner.pk,
            "day": "2026-11-30",
            "time": "20:00",
        },
    )
    assert answer.status_code == 422 and "Outside working hours" in answer.content.decode()
    assert not Appointment.objects.exists()


def test_check_in_with_htmx_swaps_only_the_card(cal, signed_in):
    appointment = book(cal, london(TODAY, 11))
    answer = signed_in(cal.front_desk).post(
        f"/appointments/{appointment.pk}/status/", {"status": "checked_in"}, HTTP_HX_REQUEST="true"
    )
    body = answer.content.decode()
    assert answer.status_code == 200 and body.startswith('<article class="appt status-checked_in"')
    assert "Complete" in body and "<html" not in body
    appointment.refresh_from_db()
    assert appointment.status == Status.CHECKED_IN


def test_a_refused_no_show_answers_422_with_the_reason_in_the_card(cal, signed_in):
    appointment = book(cal, london(MONDAY, 11))
    answer = signed_in(cal.front_desk).post(
        f"/appointments/{appointment.pk}/status/", {"status": "no_show"}, HTTP_HX_REQUEST="true"
    )
    assert answer.status_code == 422 and "after the start time" in answer.content.decode()


def test_cancel_needs_a_reason_and_move_keeps_hours(cal, signed_in):
    client = signed_in(cal.front_desk)
    appointment = book(cal, london(MONDAY, 11))
    assert client.post(f"/appointments/{appointment.pk}/cancel/", {"reason": " "}).status_code == 422
    bad = client.post(
        f"/appointments/{appointment.pk}/move/",
        {"day": "2026-11-30", "time": "19:00", "practitioner": cal.practitioner.pk},
    )
    assert bad.status_code == 422 and "Outside working hours" in bad.content.decode()
    moved = client.post(
        f"/appointments/{appointment.pk}/move/",
        {"day": "2026-12-01", "time": "14:00", "practitioner": cal.owner.pk},
    )
    assert moved.status_code == 302
    appointment.refresh_from_db()
    assert appointment.starts_at == london(date(2026, 12, 1), 14) and appointment.practitioner == cal.owner
    assert client.post(f"/appointments/{appointment.pk}/cancel/", {"reason": "Unwell"}).status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == Status.CANCELLED and appointment.sequence == 2
    assert "Unwell" in client.get(f"/appointments/{appointment.pk}/").content.decode()


def test_patient_page_lists_appointments_and_finds_free_slots(cal, signed_in):
    client = signed_in(cal.front_desk)
    book(cal, london(MONDAY, 9))
    page = client.get(f"/patients/{cal.patient.pk}/appointments/").content.decode()
    assert "Mon 30 Nov 2026, 09:00" in page
    slots = client.get(
        f"/patients/{cal.patient.pk}/appointments/",
        {"type": cal.treatment.pk, "practitioner": cal.practitioner.pk, "day": "2026-11-30"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="slot-results",
    ).content.decode()
    assert slots.startswith('<div id="slot-results">') and "Monday 30 Nov" in slots and "10:00 · " in slots
    answer = client.post(
        f"/patients/{cal.patient.pk}/appointments/book/",
        {"type": cal.treatment.pk, "practitioner": cal.practitioner.pk, "day": "2026-11-30", "time": "10:00"},
    )
    assert answer.status_code == 302 and Appointment.objects.count() == 2


def test_series_page_books_every_proposed_visit(cal, signed_in):
    plan = make_plan(cal.patient, cal.practitioner, start=date(2026, 12, 7), sessions=3)
    client = signed_in(cal.front_desk)
    url = f"/patients/{cal.patient.pk}/appointments/series/{plan.pk}/?practitioner={cal.practitioner.pk}"
    page = client.get(url).content.decode()
    assert "Session 3" in page and "Maintenance" in page and 'value="2026-12-07"' in page
    form = {"practitioner": cal.practitioner.pk}
    response = client.get(url)
    for row in response.context["rows"]:
        form[f"visit-{row.index}-book"] = "on"
        form[f"visit-{row.index}-day"] = row.day.isoformat()
        form[f"visit-{row.index}-time"] = row.time
    answer = client.post(url, form)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert Appointment.objects.filter(plan=plan).count() == 4


def test_series_outside_the_window_without_reason_is_refused_and_books_nothing(cal, signed_in):
    plan = make_plan(cal.patient, cal.practitioner, start=date(2026, 12, 7), sessions=2)
    client = signed_in(cal.front_desk)
    url = f"/patients/{cal.patient.pk}/appointments/series/{plan.pk}/?practitioner={cal.practitioner.pk}"
    form = {
        "visit-0-book": "on",
        "visit-0-day": "2026-12-07",
        "visit-0-time": "09:00",
        "visit-1-book": "on",
        "visit-1-day": "2026-12-14",  # one week later: the plan needs four to six
        "visit-1-time": "09:00",
    }
    answer = client.post(url, form)
    assert answer.status_code == 422 and "give a reason" in answer.content.decode()
    assert not Appointment.objects.exists()
    form["visit-1-reason"] = "Patient leaves the country; practitioner agreed"
    assert client.post(url, form).status_code == 302
    assert Appointment.objects.filter(plan=plan).count() == 2


def test_setup_sets_hours_time_off_rooms_and_type_durations(cal, signed_in):
    client = signed_in(cal.owner)
    assert client.get("/calendar/setup/").status_code == 200
    hours = {
        "action": "hours",
        "hours-practitioner": cal.practitioner.pk,
        "hours-starts_0": "08:00",
        "hours-ends_0": "12:00",
    }
    assert client.post("/calendar/setup/", hours).status_code == 302
    assert list(
        WorkingHours.objects.filter(practitioner=cal.practitioner).values_list("weekday", "starts", "ends")
    ) == [(0, time(8), time(12))]
    off = {
        "action": "time_off",
        "off-practitioner": cal.practitioner.pk,
        "off-first_day": "2026-12-24",
        "off-last_day": "2026-12-26",
    }
    assert client.post("/calendar/setup/", off).status_code == 302 and TimeOff.objects.count() == 1
    assert client.post("/calendar/setup/", {"action": "room", "room-name": "Room 9"}).status_code == 302
    assert Room.objects.filter(clinic=cal.clinic, name="Room 9").exists()
    kind = cal.consultation
    changed = {
        "action": f"type-{kind.pk}",
        f"type-{kind.pk}-name": "Consultation",
        f"type-{kind.pk}-duration_minutes": "45",
        f"type-{kind.pk}-is_active": "on",
    }
    assert client.post("/calendar/setup/", changed).status_code == 302
    kind.refresh_from_db()
    assert kind.duration_minutes == 45
    bad = {**hours, "hours-ends_0": "07:00"}
    assert client.post("/calendar/setup/", bad).status_code == 422


def test_setup_adds_a_device_and_a_retired_one_of_the_same_name_comes_back(cal, signed_in):
    client = signed_in(cal.owner)
    device = {"action": "device", "device-name": "Pen 9", "device-kind": "pen", "device-serial": "S-1"}
    assert client.post("/calendar/setup/", device).status_code == 302
    pen = Device.objects.get(clinic=cal.clinic, name="Pen 9")
    assert (pen.kind, pen.serial, pen.is_active) == ("pen", "S-1", True)
    assert client.post("/calendar/setup/", {"action": f"retire-device-{pen.pk}"}).status_code == 302
    pen.refresh_from_db()
    assert not pen.is_active
    again = {**device, "device-kind": "roller", "device-serial": "S-2"}
    assert client.post("/calendar/setup/", again).status_code == 302
    pen.refresh_from_db()
    assert (pen.kind, pen.serial, pen.is_active) == ("roller", "S-2", True)
    assert Device.objects.filter(clinic=cal.clinic, name="Pen 9").count() == 1


def test_setup_is_for_owners(cal, signed_in):
    assert signed_in(cal.front_desk).get("/calendar/setup/").status_code == 403


def test_calendar_nav_link_and_todays_date_in_the_picker(cal, signed_in):
    page = signed_in(cal.front_desk).get("/calendar/").content.decode()
    assert 'href="/calendar/"' in page
    assert 'type="date" name="date" value="2026-11-25"' in page


def test_the_patient_page_shows_upcoming_appointments_at_a_constant_cost(cal, signed_in):
    client = signed_in(cal.front_desk)
    url = f"/patients/{cal.patient.pk}/"
    book(cal, london(MONDAY, 9))
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        page = client.get(url).content.decode()
    assert "Mon 30 Nov 2026, 09:00" in page and "Appointments" in page
    for hour in range(10, 16):
        book(cal, london(MONDAY, hour))
    with CaptureQueriesContext(connection) as several:
        client.get(url)
    assert len(several) == len(one)


def test_odd_input_on_the_pages_answers_4xx_not_500(cal, signed_in):
    client = signed_in(cal.front_desk)
    assert client.get("/calendar/?date=9999-12-31&view=week").status_code == 200  # shows this week
    assert client.get("/calendar/book/?patient=not-a-uuid").status_code == 404
    far = {
        "patient": cal.patient.pk,
        "type": cal.treatment.pk,
        "practitioner": cal.practitioner.pk,
        "time": "10:00",
    }
    for day in ("0001-01-01", "9999-12-31"):
        assert client.post("/calendar/book/", {**far, "day": day}).status_code == 422
    search = {"type": cal.treatment.pk, "day": "9999-12-31"}
    assert client.get(f"/patients/{cal.patient.pk}/appointments/", search).status_code == 200
    assert not Appointment.objects.exists()


def test_setup_refuses_odd_actions_without_a_500(cal, signed_in):
    client = signed_in(cal.owner)
    assert client.get("/calendar/setup/?practitioner=abc").status_code == 404
    for action in ("type-abc", "delete-off-x", "retire-room-x", "nonsense"):
        assert client.post("/calendar/setup/", {"action": action}).status_code in (404, 422), action
