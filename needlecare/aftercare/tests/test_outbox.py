"""The reminders table on the aftercare page: what is still to go comes first, the next due at the top;
then what is done with, the latest first; filtered by state, and never another clinic's."""

from datetime import UTC, datetime, timedelta

import pytest

from needlecare.aftercare import selectors
from needlecare.aftercare.models import Reminder, State

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def _reminder(world, days: int, state: str) -> Reminder:  # type: ignore[no-untyped-def]
    due = NOW + timedelta(days=days)
    return Reminder.objects.create(
        clinic=world.clinic,
        patient=world.patient,
        kind="appointment_24h",
        channel="email",
        due_at=due,
        send_after=due,
        state=state,
        idempotency_key=f"test-{world.clinic.pk}-{days}-{state}",
    )


def test_waiting_reminders_come_first_soonest_on_top_then_the_latest_done(world_a, world_b):
    far = _reminder(world_a, 400, State.PENDING)
    next_up = _reminder(world_a, 1, State.PENDING)
    sending = _reminder(world_a, 0, State.SENDING)
    old_sent = _reminder(world_a, -30, State.SENT)
    new_sent = _reminder(world_a, -2, State.SENT)
    cancelled = _reminder(world_a, -1, State.CANCELLED)
    _reminder(world_b, 2, State.PENDING)
    rows = selectors.outbox(world_a.clinic)
    assert rows == [sending, next_up, far, cancelled, new_sent, old_sent]
    assert selectors.outbox(world_a.clinic, state=State.SENT) == [new_sent, old_sent]
    assert selectors.outbox(world_a.clinic, state=State.PENDING) == [next_up, far]
    assert selectors.outbox(world_a.clinic, limit=2) == [sending, next_up]
    assert selectors.outbox(world_a.clinic, limit=4) == [sending, next_up, far, cancelled]


def test_the_page_shows_the_next_reminder_above_a_later_one(client, world_a):
    _reminder(world_a, 400, State.PENDING)
    _reminder(world_a, 1, State.PENDING)
    client.force_login(world_a.practitioner)
    html = client.get("/aftercare/").content.decode()
    assert html.index("26 Nov 2026") < html.index("30 Dec 2027")
