"""The sender in one process: e-mail with text and HTML parts and a stable Message-ID, SMS through the
pluggable backend, quiet hours, cancellation, retries, and what a reminder says."""

from datetime import timedelta

import pytest
from django.core import mail

from needlecare.aftercare import sender, services
from needlecare.aftercare.messages import message_id
from needlecare.aftercare.models import Reminder, State
from needlecare.aftercare.sms import LocmemBackend
from needlecare.testing.clock import TODAY
from needlecare.testing.treatments import record_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def texts(settings):
    settings.SMS_BACKEND = "needlecare.aftercare.sms.LocmemBackend"
    LocmemBackend.outbox = []
    return LocmemBackend.outbox


def test_a_due_aftercare_message_is_sent_once_with_both_parts_and_a_stable_message_id(ready, frozen):
    session = record_session(ready)
    frozen.move_to("2026-11-26 09:00:30Z")
    report = sender.send_due_reminders(worker="w1")
    assert report.sent == 1
    (email,) = mail.outbox
    reminder = Reminder.objects.get(kind="aftercare_day1")
    assert reminder.state == State.SENT and reminder.attempts == 1 and reminder.sent_at
    assert email.to == [ready.patient.email]
    assert email.extra_headers["Message-ID"] == message_id(reminder.idempotency_key)
    assert "day 1" in email.subject and ready.clinic.name in email.from_email
    assert "SPF 30" in email.body and "Call the clinic if you notice" in email.body
    html, mime = email.alternatives[0]
    assert mime == "text/html" and "SPF 30" in html
    assert str(session.performed_on.day) in email.body
    # Running again sends nothing more.
    assert sender.send_due_reminders(worker="w2").sent == 0
    assert len(mail.outbox) == 1


def test_the_message_id_is_derived_from_the_key():
    assert message_id("aftercare_day1:x:email") == message_id("aftercare_day1:x:email")
    assert message_id("aftercare_day1:x:email") != message_id("aftercare_day3:x:email")
    assert message_id("k").startswith("<reminder.") and message_id("k").endswith(">")


def test_quiet_hours_defer_to_eight_in_the_clinics_time_zone(ready, frozen):
    ready.clinic.timezone = "Asia/Tokyo"  # UTC+9: 13:00 UTC is 22:00 there
    ready.clinic.save()
    reminder = services.queue_reminder(
        patient=ready.patient,
        kind="maintenance_due",
        channel="email",
        key="quiet-1",
        due_at=TODAY_AT("12:00"),
        context={"months": 12},
        quiet_hours=False,  # stored as due; the sender must still hold it back
    )
    frozen.move_to("2026-11-25 13:00Z")
    report = sender.send_due_reminders(worker="w")
    assert report.sent == 0 and report.deferred == 1 and mail.outbox == []
    reminder.refresh_from_db()
    assert reminder.state == State.PENDING
    assert reminder.send_after.isoformat() == "2026-11-25T23:00:00+00:00"  # 08:00 in Tokyo
    frozen.move_to("2026-11-25 23:00:01Z")
    assert sender.send_due_reminders(worker="w").sent == 1


def test_a_reminder_queued_for_quiet_hours_is_stored_for_the_morning(ready, frozen):
    reminder = services.queue_reminder(
        patient=ready.patient, kind="maintenance_due", channel="email", key="q2",
        due_at=TODAY_AT("22:30"), context={"months": 6},
    )  # fmt: skip
    assert reminder.send_after.isoformat() == "2026-11-26T08:00:00+00:00"


def test_queueing_the_same_key_twice_gives_one_row(ready, frozen):
    first = services.queue_reminder(
        patient=ready.patient, kind="maintenance_due", channel="email", key="same", due_at=TODAY_AT("12:00")
    )
    again = services.queue_reminder(
        patient=ready.patient, kind="maintenance_due", channel="sms", key="same", due_at=TODAY_AT("13:00")
    )
    assert first.pk == again.pk and Reminder.objects.filter(idempotency_key="same").count() == 1


def test_sms_goes_through_the_configured_backend(ready, frozen, texts):
    ready.patient.email = ""
    ready.patient.save()
    record_session(ready)
    frozen.move_to("2026-11-26 09:00:30Z")
    assert sender.send_due_reminders(worker="w").sent == 1
    (text,) = texts
    assert text.to == ready.patient.phone and "day 1" in text.body
    assert text.key == Reminder.objects.get(kind="aftercare_day1").idempotency_key
    assert mail.outbox == []


def test_a_check_in_request_is_not_sent_when_the_patient_already_checked_in(ready, frozen):
    session = record_session(ready)
    frozen.move_to("2026-11-26 12:00Z")
    services.submit_checkin(treatment=session, day=1, answers=NORMAL)
    frozen.move_to("2026-11-26 18:00:30Z")
    report = sender.send_due_reminders(worker="w")
    request = Reminder.objects.get(kind="checkin_request", context__day=1)
    assert request.state == State.CANCELLED and request.last_error == "already checked in"
    assert report.cancelled == 1


def test_a_check_in_request_carries_a_one_time_sign_in_link(ready, frozen):
    record_session(ready)
    frozen.move_to("2026-11-26 18:00:30Z")
    sender.send_due_reminders(worker="w")
    request = [m for m in mail.outbox if "check-in" in m.subject][0]
    assert "/portal/link/?token=" in request.body


def test_a_transport_failure_is_retried_later_then_given_up(ready, frozen, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1  # nothing listens
    reminder = services.queue_reminder(
        patient=ready.patient, kind="maintenance_due", channel="email", key="fail", due_at=TODAY_AT("09:00"),
        context={"months": 12},
    )  # fmt: skip
    report = sender.send_due_reminders(worker="w")
    reminder.refresh_from_db()
    assert report.retried == 1 and reminder.state == State.PENDING and reminder.attempts == 1
    assert reminder.send_after > TODAY_AT("10:04") and "Error" in reminder.last_error
    for _ in range(sender.MAX_ATTEMPTS - 1):
        frozen.move_to(reminder.send_after + timedelta(seconds=1))
        sender.send_due_reminders(worker="w")
        reminder.refresh_from_db()
    assert reminder.state == State.FAILED and reminder.attempts == sender.MAX_ATTEMPTS


def test_an_expired_lease_is_swept_back_to_pending_and_sent_with_the_same_message_id(ready, frozen):
    reminder = services.queue_reminder(
        patient=ready.patient, kind="maintenance_due", channel="email", key="lease", due_at=TODAY_AT("09:00"),
        context={"months": 12},
    )  # fmt: skip
    (claimed,) = sender.claim(worker="dead-worker", size=10)
    assert claimed.state == State.SENDING and claimed.lease_until > TODAY_AT("10:00")
    # Another worker cannot take it while the lease holds.
    assert sender.send_due_reminders(worker="other").sent == 0
    frozen.shift(timedelta(seconds=301))
    report = sender.send_due_reminders(worker="other")
    assert report.released == 1 and report.sent == 1
    reminder.refresh_from_db()
    assert reminder.attempts == 2 and reminder.state == State.SENT
    assert mail.outbox[0].extra_headers["Message-ID"] == message_id("lease")


def test_a_worker_that_lost_its_lease_does_not_send(ready, frozen):
    services.queue_reminder(
        patient=ready.patient, kind="maintenance_due", channel="email", key="lost", due_at=TODAY_AT("09:00"),
        context={"months": 12},
    )  # fmt: skip
    (mine,) = sender.claim(worker="slow", size=1)
    Reminder.objects.filter(pk=mine.pk).update(claimed_by="someone-else")
    report = sender.Report()
    sender.deliver(mine, worker="slow", mail=None, texts=None, report=report)  # type: ignore[arg-type]
    assert report.lost == 1 and mail.outbox == []


def test_cancelling_reminders_for_an_object_stops_them(ready, frozen):
    session = record_session(ready)
    assert services.cancel_reminders_for(session) == 6
    frozen.move_to("2026-12-05 12:00Z")
    assert sender.send_due_reminders(worker="w").sent == 0
    assert set(Reminder.objects.values_list("state", flat=True)) == {State.CANCELLED}


def test_the_series_last_session_queues_the_maintenance_message(ready, frozen):
    ready.plan.sessions = 1
    ready.plan.save()
    record_session(ready, plan=ready.plan)
    maintenance = Reminder.objects.get(kind="maintenance_due")
    assert maintenance.due_at.date() == TODAY.replace(year=2027)  # the plan's 12 months
    frozen.move_to(maintenance.due_at + timedelta(minutes=1))
    sender.send_due_reminders(worker="w")
    assert any("maintenance" in m.subject for m in mail.outbox)


def test_an_appointment_reminder_goes_24_hours_before_by_email_and_sms_and_moves_with_it(
    ready, frozen, texts
):
    appointment = FakeAppointment(ready.patient, TODAY_AT("15:00") + timedelta(days=3))
    reminders = services.schedule_appointment_reminder(appointment)
    assert sorted(r.channel for r in reminders) == ["email", "sms"]
    assert {r.due_at for r in reminders} == {TODAY_AT("15:00") + timedelta(days=2)}
    appointment.starts_at += timedelta(days=1)
    moved = services.schedule_appointment_reminder(appointment)
    assert Reminder.objects.filter(state=State.CANCELLED).count() == 2
    frozen.move_to(moved[0].due_at + timedelta(seconds=1))
    assert sender.send_due_reminders(worker="w").sent == 2
    assert "Sunday 29 November at 15:00" in mail.outbox[0].body and "15:00" in texts[0].body


def test_a_cancelled_appointment_cancels_its_reminders(ready, frozen):
    appointment = FakeAppointment(ready.patient, TODAY_AT("15:00") + timedelta(days=3))
    services.schedule_appointment_reminder(appointment)
    assert services.cancel_reminders_for(appointment) == 2
    frozen.move_to("2026-11-30 12:00Z")
    assert sender.send_due_reminders(worker="w").sent == 0 and mail.outbox == []


# ------------------------------------------------------------------------------------------------------

NORMAL = {
    "redness": "mild", "swelling": "mild", "pain": 2, "getting_worse": False, "warmth": False, "pus": False,
    "fever": False, "spreading_redness": False, "blisters_or_cold_sores": False, "rash_or_itching": False,
    "darkening": False,
}  # fmt: skip


def TODAY_AT(hhmm: str):  # type: ignore[no-untyped-def]  # noqa: N802
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    hours, minutes = map(int, hhmm.split(":"))
    return datetime.combine(TODAY, time(hours, minutes), tzinfo=ZoneInfo("UTC"))


class _Meta:
    model_name = "appointment"


class FakeAppointment:
    """Stands in for scheduling.Appointment (built in parallel): what the reminder functions read."""

    _meta = _Meta()

    def __init__(self, patient, starts_at):  # type: ignore[no-untyped-def]
        import uuid

        self.pk = uuid.uuid4()
        self.patient = patient
        self.starts_at = starts_at


def _appointment(world, starts_at):  # type: ignore[no-untyped-def]
    from needlecare.scheduling.models import Appointment, AppointmentType

    kind = AppointmentType.objects.filter(clinic=world.clinic).first()
    return Appointment.objects.create(
        clinic=world.clinic, patient=world.patient, practitioner=world.practitioner, type=kind,
        starts_at=starts_at, ends_at=starts_at + timedelta(minutes=45),
    )  # fmt: skip


def test_booking_moving_and_cancelling_an_appointment_keeps_its_reminders_in_step(ready, frozen):
    appointment = _appointment(ready, TODAY_AT("14:00") + timedelta(days=5))
    booked = Reminder.objects.filter(kind="appointment_24h", state=State.PENDING)
    assert sorted(booked.values_list("channel", flat=True)) == ["email", "sms"]
    assert {r.due_at for r in booked} == {TODAY_AT("14:00") + timedelta(days=4)}
    appointment.starts_at += timedelta(days=1)
    appointment.ends_at += timedelta(days=1)
    appointment.save()
    assert {r.due_at for r in booked.all()} == {TODAY_AT("14:00") + timedelta(days=5)}
    appointment.starts_at -= timedelta(days=1)  # and back again
    appointment.ends_at -= timedelta(days=1)
    appointment.save()
    assert {r.due_at for r in booked.all()} == {TODAY_AT("14:00") + timedelta(days=4)}
    assert booked.all().count() == 2
    appointment.status = "cancelled"
    appointment.save()
    assert not booked.all().exists()
    frozen.move_to(TODAY_AT("14:00") + timedelta(days=6))
    assert sender.send_due_reminders(worker="w").sent == 0


def test_an_appointment_booked_for_within_12_hours_gets_no_reminder(ready, frozen):
    _appointment(ready, TODAY_AT("18:00"))
    assert not Reminder.objects.filter(kind="appointment_24h").exists()


def test_a_reminder_that_cannot_be_composed_is_retried_and_does_not_stop_the_batch(ready, frozen):
    broken = services.queue_reminder(
        patient=ready.patient, kind="appointment_24h", channel="email", key="broken",
        due_at=TODAY_AT("09:00"), context={},  # no starts_at: composing it fails
    )  # fmt: skip
    services.queue_reminder(
        patient=ready.patient, kind="maintenance_due", channel="email", key="fine", due_at=TODAY_AT("09:01"),
        context={"months": 12},
    )  # fmt: skip
    report = sender.send_due_reminders(worker="w")
    assert report.sent == 1 and report.retried == 1
    broken.refresh_from_db()
    assert broken.state == State.PENDING and "KeyError" in broken.last_error
