"""Demo aftercare: every seeded session has its timeline; the last fortnight's sessions have reminders
already sent (one bounced, one cancelled) and a few check-ins, one of them with warning signs waiting on
the practitioners' dashboard. Idempotent."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from needlecare.aftercare.models import (
    AftercareTimeline,
    Channel,
    CheckIn,
    InboundMessage,
    Kind,
    Reminder,
    State,
)
from needlecare.aftercare.services import (
    AFTERCARE_AT,
    CHECKIN_NUDGE_AT,
    local_moment,
    submit_checkin,
)
from needlecare.clinics.models import Clinic
from needlecare.treatments.models import Treatment

NORMAL = {
    "redness": "mild",
    "swelling": "mild",
    "pain": 2,
    "getting_worse": False,
    "warmth": False,
    "pus": False,
    "fever": False,
    "spreading_redness": False,
    "blisters_or_cold_sores": False,
    "rash_or_itching": False,
    "darkening": False,
}


def seed_clinic(clinic: Clinic, today: date) -> None:
    from needlecare.aftercare.services import create_aftercare

    with transaction.atomic():
        for treatment in Treatment.objects.filter(clinic=clinic, aftercare__isnull=True).select_related(
            "patient", "clinic", "plan"
        ):
            create_aftercare(treatment=treatment)
        if Reminder.objects.filter(clinic=clinic, idempotency_key__startswith="demo:").exists():
            return
        recent = list(
            AftercareTimeline.objects.filter(clinic=clinic, starts_on__gte=today - timedelta(days=14))
            .select_related("patient", "treatment")
            .order_by("-starts_on")
        )
        for number, record in enumerate(recent):
            _past_reminders(clinic, record, today, number)
        _text_replies(clinic, recent)
        _checkins(
            list(
                AftercareTimeline.objects.filter(clinic=clinic, starts_on__gte=today - timedelta(days=30))
                .select_related("patient", "treatment", "clinic")
                .order_by("-starts_on")
            ),
            today,
        )


def _past(day: date, clinic: Clinic, at: time) -> datetime:
    return local_moment(clinic, day, at)


def _past_reminders(clinic: Clinic, record: AftercareTimeline, today: date, number: int) -> None:
    """What the worker would have sent already for this session, as it would have left it."""
    patient = record.patient
    channel = Channel.EMAIL if patient.email else Channel.SMS
    for day in (1, 3, 7):
        for kind, at in ((f"aftercare_day{day}", AFTERCARE_AT), (Kind.CHECKIN_REQUEST, CHECKIN_NUDGE_AT)):
            due = _past(record.starts_on + timedelta(days=day), clinic, at)
            if due >= timezone.now():
                continue
            failed = number == 1 and day == 3 and kind == Kind.CHECKIN_REQUEST
            Reminder.objects.create(
                clinic=clinic,
                patient=patient,
                kind=kind,
                channel=channel,
                subject_type="treatment",
                subject_id=str(record.treatment_id),
                context={"day": day},
                due_at=due,
                send_after=due,
                state=State.FAILED if failed else State.SENT,
                idempotency_key=f"demo:{kind}:{record.treatment_id}:day{day}:{channel}",
                attempts=5 if failed else 1,
                sent_at=None if failed else due + timedelta(seconds=40),
                last_error="SMTPRecipientsRefused: 550 mailbox unavailable" if failed else "",
            )
    tomorrow = _past(today + timedelta(days=2), clinic, time(11, 0))
    Reminder.objects.create(
        clinic=clinic,
        patient=patient,
        kind=Kind.APPOINTMENT_24H,
        channel=channel,
        subject_type="appointment",
        subject_id=f"demo-{record.treatment_id}",
        context={"starts_at": tomorrow.isoformat()},
        due_at=tomorrow - timedelta(hours=24),
        send_after=tomorrow - timedelta(hours=24),
        state=State.CANCELLED,
        idempotency_key=f"demo:appointment:{record.treatment_id}:{channel}",
        last_error="cancelled",
    )


def _text_replies(clinic: Clinic, recent: list[AftercareTimeline]) -> None:
    """Two patients answered a reminder by text (SMS, two-way): one question waits, one was answered."""
    replies = [
        ("Is it normal that my cheeks are still a bit pink today? No pain.", False),
        ("Thanks for the reminder, see you at the next session.", True),
    ]
    for number, (record, (body, answered)) in enumerate(zip(recent, replies, strict=False)):
        received = timezone.now() - timedelta(hours=3 + 20 * number)
        message = InboundMessage.objects.create(
            clinic=clinic,
            patient=record.patient,
            provider_id=f"demo-{clinic.pk}-{number}",
            from_number=record.patient.phone,
            body=body,
            answered_at=received + timedelta(hours=1) if answered else None,
        )
        InboundMessage.objects.filter(pk=message.pk).update(received_at=received)


def _checkins(recent: list[AftercareTimeline], today: date) -> None:
    """The most recent session's patient reported warning signs on day 3; the one before heals normally."""
    settled = {"redness": "none", "swelling": "none", "pain": 0}
    worse = {"spreading_redness": True, "warmth": True, "pain": 5, "swelling": "moderate"}
    stories = [[(1, {"pain": 4}), (3, worse)], [(1, {}), (3, settled), (7, settled)]]
    for record, story in zip(recent, stories, strict=False):
        for day, changes in story:
            if (today - record.starts_on).days < day:
                continue
            if CheckIn.objects.filter(treatment=record.treatment, day=day).exists():
                continue
            checkin = submit_checkin(
                treatment=record.treatment, day=day, answers={**NORMAL, **changes}, today=today
            )
            when = _past(record.starts_on + timedelta(days=day), record.clinic, time(19, 20))
            CheckIn.objects.filter(pk=checkin.pk).update(submitted_at=min(when, timezone.now()))
