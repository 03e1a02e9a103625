"""The isolation sweep's view of scheduling: one of each object in the world's clinic, and valid bodies."""

from datetime import date, time

BODIES = {
    ("post", "/api/v1/appointments/{appointment_id}/move"): {"starts_at": "2030-01-07T10:00:00Z"},
    ("post", "/api/v1/appointments/{appointment_id}/cancel"): {"reason": "sweep"},
    ("post", "/api/v1/appointments/{appointment_id}/status"): {"status": "checked_in"},
    ("post", "/api/v1/plans/{plan_id}/series"): {
        "practitioner_id": 1,
        "visits": [{"session_number": 1, "starts_at": "2030-01-07T10:00:00Z"}],
    },
}


def ids(world) -> dict:  # type: ignore[no-untyped-def,type-arg]
    from needlecare.scheduling.models import Appointment, WorkingHours
    from needlecare.scheduling.selectors import at_local, type_by_code
    from needlecare.scheduling.services.feeds import create_feed, revoke_feed
    from needlecare.scheduling.tests.conftest import make_plan

    WorkingHours.objects.create(
        clinic=world.clinic, practitioner=world.practitioner, weekday=0, starts=time(9), ends=time(17)
    )
    kind = type_by_code(world.clinic, "consultation")
    starts = at_local(world.clinic, date(2030, 1, 7), time(9))
    appointment = Appointment.objects.create(
        clinic=world.clinic,
        patient=world.patient,
        practitioner=world.practitioner,
        type=kind,
        starts_at=starts,
        ends_at=starts.replace(minute=30),
    )
    plan = make_plan(world.patient, world.practitioner, start=date(2030, 1, 7))
    feed, raw = create_feed(clinic=world.clinic, by=world.owner, practitioner=world.practitioner)
    # A feed address is its own credential: whoever holds a live one may read it, signed in or not
    # (tested in test_feeds.py). Here it is revoked, so the sweep checks that a dead address answers 404.
    revoke_feed(feed=feed, by=world.owner)
    return {
        "appointment_id": appointment.pk,
        "practitioner_id": world.practitioner.pk,
        "plan_id": plan.pk,
        "feed_id": feed.pk,
        "feed_token": raw,
    }
