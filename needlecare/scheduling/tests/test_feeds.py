"""Calendar feeds: parsed back with the icalendar library, across the clocks going forward in London."""

import zoneinfo
from datetime import date, datetime

import pytest
from icalendar import Calendar

from needlecare.audit.models import AuditEvent
from needlecare.scheduling.models import CalendarFeed
from needlecare.scheduling.services.booking import (
    Booking,
    book_appointment,
    cancel_appointment,
    move_appointment,
)
from needlecare.scheduling.services.feeds import create_feed, revoke_feed
from needlecare.scheduling.tests.conftest import london

pytestmark = pytest.mark.django_db
LONDON = zoneinfo.ZoneInfo("Europe/London")
BEFORE_CHANGE = date(2027, 3, 22)  # a Monday in GMT
AFTER_CHANGE = date(2027, 3, 29)  # the Monday after the clocks go forward (28 March 2027)


def events(client, url):  # type: ignore[no-untyped-def]
    answer = client.get(url)
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(answer.content)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}, answer.content.decode()


def book(world, starts_at, type=None):  # type: ignore[no-untyped-def]
    return book_appointment(
        clinic=world.clinic,
        booking=Booking(
            patient=world.patient,
            practitioner=world.practitioner,
            type=type or world.treatment,
            starts_at=starts_at,
        ),
        by=world.front_desk,
    )


def test_practitioner_feed_keeps_nine_oclock_local_across_the_dst_change(cal, client):
    winter = book(cal, london(BEFORE_CHANGE, 9))
    summer = book(cal, london(AFTER_CHANGE, 9))
    _, raw = create_feed(clinic=cal.clinic, by=cal.practitioner, practitioner=cal.practitioner)
    found, text = events(client, f"/calendar/feed/{raw}.ics")
    assert set(found) == {f"{winter.pk}@needlecare", f"{summer.pk}@needlecare"}
    first, second = found[f"{winter.pk}@needlecare"], found[f"{summer.pk}@needlecare"]
    start_winter, start_summer = first.decoded("DTSTART"), second.decoded("DTSTART")
    assert start_winter.utcoffset().total_seconds() == 0 and start_summer.utcoffset().total_seconds() == 0
    assert start_winter == datetime(2027, 3, 22, 9, 0, tzinfo=LONDON)
    assert start_summer == datetime(2027, 3, 29, 9, 0, tzinfo=LONDON)  # 08:00 UTC
    assert start_summer.astimezone(LONDON).hour == start_winter.astimezone(LONDON).hour == 9
    assert (second.decoded("DTEND") - start_summer).total_seconds() == 3600
    assert int(first["SEQUENCE"]) == 0 and str(first["STATUS"]) == "CONFIRMED"
    assert str(first["SUMMARY"]).startswith("Treatment: ")


def test_a_move_and_a_cancellation_keep_the_uid_and_raise_the_sequence(cal, client):
    appointment = book(cal, london(BEFORE_CHANGE, 10))
    _, raw = create_feed(clinic=cal.clinic, by=cal.front_desk, patient=cal.patient)
    move_appointment(appointment=appointment, starts_at=london(AFTER_CHANGE, 10), by=cal.front_desk)
    found, _ = events(client, f"/calendar/feed/{raw}.ics")
    event = found[f"{appointment.pk}@needlecare"]
    assert int(event["SEQUENCE"]) == 1 and event.decoded("DTSTART") == datetime(
        2027, 3, 29, 10, tzinfo=LONDON
    )
    cancel_appointment(appointment=appointment, reason="Ill with a cold sore", by=cal.front_desk)
    found, text = events(client, f"/calendar/feed/{raw}.ics")
    event = found[f"{appointment.pk}@needlecare"]
    assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 2
    assert "cold sore" not in text  # the reason is clinical: it stays in the clinic


def test_the_patient_feed_says_no_more_than_the_type(cal, client):
    from needlecare.scheduling.tests.conftest import make_plan

    plan = make_plan(cal.patient, cal.practitioner, start=date(2027, 3, 22), sessions=1)
    book_appointment(
        clinic=cal.clinic,
        booking=Booking(
            patient=cal.patient,
            practitioner=cal.practitioner,
            type=cal.treatment,
            starts_at=london(BEFORE_CHANGE, 9),
            plan=plan,
            session_number=1,
        ),
        by=cal.front_desk,
    )
    _, raw = create_feed(clinic=cal.clinic, by=cal.front_desk, patient=cal.patient)
    found, text = events(client, f"/calendar/feed/{raw}.ics")
    (event,) = found.values()
    assert str(event["SUMMARY"]) == f"Treatment at {cal.clinic.name}"
    for secret in ("acne", "cheeks", "session", "Session", cal.patient.family_name, "DESCRIPTION"):
        assert secret not in text
    assert AuditEvent.objects.filter(action="calendar_feed.read", patient_id=cal.patient.pk).exists()


def test_only_the_feeds_own_appointments_appear(cal, client):
    from needlecare.factories import make_patient

    mine = book(cal, london(BEFORE_CHANGE, 9))
    other = book_appointment(
        clinic=cal.clinic,
        booking=Booking(
            patient=make_patient(cal.clinic, by=cal.owner),
            practitioner=cal.owner,
            type=cal.consultation,
            starts_at=london(BEFORE_CHANGE, 9),
        ),
        by=cal.front_desk,
    )
    _, raw = create_feed(clinic=cal.clinic, by=cal.front_desk, patient=cal.patient)
    found, _ = events(client, f"/calendar/feed/{raw}.ics")
    assert set(found) == {f"{mine.pk}@needlecare"} and f"{other.pk}@needlecare" not in found


def test_a_revoked_or_guessed_address_answers_404_and_only_the_hash_is_stored(cal, client):
    feed, raw = create_feed(clinic=cal.clinic, by=cal.practitioner, practitioner=cal.practitioner)
    assert raw not in str(list(CalendarFeed.objects.values()))
    assert client.get(f"/calendar/feed/{raw}.ics").status_code == 200
    revoke_feed(feed=feed, by=cal.practitioner)
    assert client.get(f"/calendar/feed/{raw}.ics").status_code == 404
    assert client.get(f"/calendar/feed/{raw[:-2]}xx.ics").status_code == 404
    assert client.get("/calendar/feed/not-a-token.ics").status_code == 404


def test_feed_pages_create_and_revoke(cal, signed_in):
    client = signed_in(cal.practitioner)
    page = client.post("/calendar/feeds/").content.decode()
    assert "/calendar/feed/ncf_" in page
    feed = CalendarFeed.objects.get(practitioner=cal.practitioner)
    assert client.post(f"/calendar/feeds/{feed.pk}/revoke/").status_code == 302
    feed.refresh_from_db()
    assert feed.revoked_at is not None
    staff = signed_in(cal.front_desk)
    assert staff.post(f"/patients/{cal.patient.pk}/appointments/feed/").status_code == 302
    assert CalendarFeed.objects.filter(patient=cal.patient, revoked_at__isnull=True).count() == 1
