"""iCalendar (RFC 5545) feeds of appointments, for any calendar app. One event per appointment: a stable
UID, SEQUENCE bumped on every move or cancellation, STATUS:CANCELLED when cancelled. The feed leaves
the clinic's walls, so it says no more than the appointment type: no plan, notes or screening."""

from collections.abc import Iterable

from icalendar import Calendar, Event

from needlecare.scheduling.models import Appointment, CalendarFeed, Status


def _short_name(appointment: Appointment) -> str:
    patient = appointment.patient
    given = patient.preferred_name or patient.given_name
    return f"{given} {patient.family_name[:1]}." if patient.family_name else given


def feed_calendar(feed: CalendarFeed, appointments: Iterable[Appointment]) -> bytes:
    clinic = feed.clinic
    calendar = Calendar()
    calendar.add("prodid", "-//Needlecare//Appointments//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if feed.patient_id:
        calendar.add("x-wr-calname", f"{clinic.name} appointments")
    else:
        calendar.add(
            "x-wr-calname", f"{clinic.name}: {feed.practitioner.full_name or feed.practitioner.email}"
        )
    calendar.add("x-wr-timezone", clinic.timezone)
    for appointment in appointments:
        event = Event()
        event.add("uid", f"{appointment.pk}@needlecare")
        event.add("dtstamp", appointment.updated_at)
        event.add("last-modified", appointment.updated_at)
        event.add("dtstart", appointment.starts_at)
        event.add("dtend", appointment.ends_at)
        event.add("sequence", appointment.sequence)
        if feed.patient_id:
            event.add("summary", f"{appointment.type.name} at {clinic.name}")
        else:
            event.add("summary", f"{appointment.type.name}: {_short_name(appointment)}")
        location = clinic.name + (f", {appointment.room.name}" if appointment.room else "")
        event.add("location", location)
        event.add("status", "CANCELLED" if appointment.status == Status.CANCELLED else "CONFIRMED")
        event.add("transp", "TRANSPARENT" if appointment.status == Status.CANCELLED else "OPAQUE")
        calendar.add_component(event)
    return calendar.to_ical()
